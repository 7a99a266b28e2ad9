"""Domain objects and query results as wire dicts, one function per shape.

The graph's things (nodes, edges, evidence, cards, the guide, releases and changes) reach the
wire only through these functions; the API's own documents are shaped where they are served
(the index, meta and schema in `api.app.routes.meta`, a problem in `api.app.errors`).
Each shape is built once from `graph.records` (the field layout exports share) plus its
links from `api.app.urls`; nothing is built and then trimmed. Routes serialize what these return
with `api.app.responses`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Final

from api.app import urls
from graph import queries
from graph.build import KnowledgeGraph
from graph.models import Edge, Evidence, Node
from graph.passages import context
from graph.queries import SCORING, Card, Disagreement, GuideResult, Neighborhood, PathResult, SearchHit
from graph.queries.answer import Answer, Item, Sides
from graph.queries.guide import VERDICTS, SignNote
from graph.records import edge_record, ends_record, evidence_record, node_record
from graph.releases import Change, served_release
from graph.snapshots import Release

__all__ = [
    "ANSWER_HEADINGS",
    "answer_body",
    "ALWAYS_FIELDS",
    "card_body",
    "change_item",
    "citation",
    "disagreement_item",
    "edge_out",
    "evidence_out",
    "guide_body",
    "neighborhood_body",
    "node_body",
    "node_item",
    "node_links",
    "node_out",
    "paths_body",
    "release_item",
    "search_hit",
    "suggestion",
    "served",
]

ALWAYS_FIELDS = ("id", "type", "links")


def node_links(node_id: str) -> dict[str, str]:
    """Where a client goes next from a node."""
    return {"self": urls.node(node_id), "neighbors": urls.neighbors(node_id)}


def evidence_out(kg: KnowledgeGraph, ev: Evidence) -> dict[str, Any]:
    """The one way a quote reaches the wire: its article's title, where it sits, its sentence, and a link to
    its passage."""
    out = evidence_record(ev)
    out["title"] = kg.nodes[ev.source].attributes["title"]
    out["context"] = context(kg, ev)
    out["links"] = {"passage": urls.passage(ev.source, ev.start, ev.end), "source": urls.node(ev.source)}
    return out


def node_out(
    kg: KnowledgeGraph, node: Node, *, evidence: bool = True, fields: Collection[str] | None = None
) -> dict[str, Any]:
    """The one way a Node reaches the wire: its record (cut to `fields` if given) and links."""
    out = node_record(node, evidence=evidence, fields=fields)
    if "evidence" in out:
        out["evidence"] = [evidence_out(kg, ev) for ev in node.evidence]
    if node.verdict is not None and "evidence" in out.get("verdict", ()):
        out["verdict"]["evidence"] = [evidence_out(kg, ev) for ev in node.verdict.evidence]
    out["links"] = node_links(node.id)
    return out


def edge_out(kg: KnowledgeGraph, edge: Edge) -> dict[str, Any]:
    """The one way an Edge reaches the wire: its record, its ends' labels and types, its quotes and links."""
    out = edge_record(edge)
    out.update(ends_record(kg, edge))
    out["evidence"] = [evidence_out(kg, ev) for ev in edge.evidence]
    out["links"] = {"self": urls.edge(edge.id), "from": urls.node(edge.source), "to": urls.node(edge.target)}
    return out


def node_item(node: Node) -> dict[str, Any]:
    """A node as a list item: everything but its evidence (fetch `links.self` for that)."""
    out = node_record(node, evidence=False)
    out["links"] = node_links(node.id)
    return out


def node_body(
    kg: KnowledgeGraph, node: Node, include: Sequence[str] | None, fields: Sequence[str] | None
) -> dict[str, Any]:
    """One node with what `include` embeds (none given: evidence), cut to `fields` (none given: all).

    Embedded edges and neighbours are the one-hop neighbourhood query over every edge kind,
    the derived `mentioned_in` included: `/v1/nodes/{id}/neighbors?kind=...` with all kinds.
    """
    wanted = set(include) if include else {"evidence"}
    keep = set(fields) if fields else None
    out = node_out(kg, node, evidence="evidence" in wanted, fields=keep)
    if wanted & {"edges", "neighbors"} and (keep is None or keep & {"edges", "neighbors"}):
        hood = queries.neighbors(kg, node.id, kinds=queries.ALL_KINDS, limit=queries.MAX_NEIGHBORS)
        if "edges" in wanted and (keep is None or "edges" in keep):
            out["edges"] = [edge_out(kg, e) for e in hood.edges]
        if "neighbors" in wanted and (keep is None or "neighbors" in keep):
            out["neighbors"] = [node_item(n) for n in hood.nodes]
    return out


def neighborhood_body(kg: KnowledgeGraph, hood: Neighborhood, self_url: str) -> dict[str, Any]:
    """`{center, nodes, edges, depth, truncated, links}`."""
    return {
        "center": node_item(hood.center),
        "nodes": [node_item(n) for n in hood.nodes],
        "edges": [edge_out(kg, e) for e in hood.edges],
        "depth": hood.depth,
        "truncated": hood.truncated,
        "links": {"self": self_url},
    }


def paths_body(kg: KnowledgeGraph, result: PathResult, self_url: str) -> dict[str, Any]:
    """`{from, to, paths: [{length, hops: [{from, to, direction, edge}]}], truncated, links}`."""
    return {
        "from": node_item(result.source),
        "to": node_item(result.target),
        "paths": [
            {
                "length": len(path),
                "hops": [
                    {
                        "from": hop.source,
                        "to": hop.target,
                        "direction": "forward" if hop.forward else "backward",
                        "edge": edge_out(kg, hop.edge),
                    }
                    for hop in path
                ],
            }
            for path in result.paths
        ],
        "truncated": result.truncated,
        "links": {"self": self_url},
    }


def suggestion(node: Node) -> dict[str, Any]:
    """A node as an autocomplete suggestion: what a search box shows and the id to fetch."""
    return {"id": node.id, "label": node.label, "type": node.type}


def search_hit(hit: SearchHit) -> dict[str, Any]:
    """One search result: `{node, score, field, snippet, highlights, explain}`."""
    return {
        "node": node_item(hit.node),
        "score": hit.score,
        "field": hit.field,
        "snippet": hit.snippet,
        "highlights": [list(span) for span in hit.highlights],
        **(
            {"explain": [{"word": m.word, "field": m.field, "how": m.how, "score": m.score} for m in hit.explain]}
            if hit.explain is not None
            else {}
        ),
    }


def citation(kg: KnowledgeGraph, ev: Evidence) -> dict[str, Any]:
    """A quote with its article's title and author, so a front end can cite it as it is."""
    article = kg.nodes[ev.source].attributes
    return {"title": article.get("title"), "author": article.get("author"), **evidence_out(kg, ev)}


def _related(kg: KnowledgeGraph, node: Node, edge: Edge) -> dict[str, Any]:
    return {
        "node": node_item(node),
        "edge": edge.id,
        "basis": edge.basis,
        "note": edge.note,
        "citations": [citation(kg, ev) for ev in edge.evidence],
    }


# The heading of each section of an answer, as /v1/answer and GraphQL's answer give it.
ANSWER_HEADINGS: Final = {
    "understood": "What you describe",
    "sides": "Where the articles disagree",
    "verdict": "Healthy space or a pattern to address",
    "reasons": "Why he may be doing this",
    "do": "What helps",
    "dont": "What to avoid",
    "statistics": "The numbers",
}


def _answer_item(kg: KnowledgeGraph, item: Item, pair: Sides | None = None) -> dict[str, Any]:
    return {
        "node": node_item(item.node),
        "how": item.how,
        "purpose": item.purpose,
        "about": pair.about if pair else None,
        "edge": pair.edge.id if pair else None,
        "verdict": None if item.verdict is None else {"kind": item.verdict[0], "says": item.verdict[1]},
        "citations": [citation(kg, ev) for ev in item.citations],
    }


def answer_body(kg: KnowledgeGraph, result: Answer, self_url: str) -> dict[str, Any]:
    """`{q, answered, note, words, asks, sections: [{name, heading, items}], citations, links}`."""
    sections = []
    for name in result.order:
        if name == "sides":
            items = [_answer_item(kg, side, pair) for pair in result.sides for side in pair.sides]
        else:
            items = [_answer_item(kg, item) for item in getattr(result, name)]
        if items:
            sections.append({"name": name, "heading": ANSWER_HEADINGS[name], "items": items})
    return {
        "q": result.message,
        "answered": result.answered,
        "note": result.note,
        "words": [{"word": t.word, "whose": t.role} for t in result.words],
        "asks": sorted(result.asks),
        "sections": sections,
        "citations": [citation(kg, ev) for ev in result.citations()],
        "links": {"self": self_url, "search": urls.with_query(urls.api("/search"), [("q", result.message)])},
    }


def card_body(kg: KnowledgeGraph, result: Card, self_url: str) -> dict[str, Any]:
    """`{node, citations, relations: [{label, kind, direction, items}], links}`."""
    node = node_out(kg, result.node)
    return {
        "node": node,
        "citations": [citation(kg, ev) for ev in result.node.evidence],
        "relations": [
            {
                "label": group.label,
                "kind": group.kind,
                "direction": group.direction,
                "items": [_related(kg, other, edge) for other, edge in group.items],
            }
            for group in result.relations
        ],
        "advice_note": result.advice_note,
        "links": {"self": self_url, "node": node["links"]["self"], "neighbors": node["links"]["neighbors"]},
    }


def _sign_note(kg: KnowledgeGraph, note: SignNote) -> dict[str, Any]:
    verdict = note.verdict
    return {
        "sign": note.sign.id,
        "verdict": None
        if verdict is None
        else {
            "kind": verdict.kind,
            "says": VERDICTS[verdict.kind],
            "citations": [citation(kg, ev) for ev in verdict.evidence],
        },
        "direct": note.direct,
        "fallback": note.fallback,
        "note": note.note,
        "addressed_by": [_related(kg, n, e) for n, e in note.addressed_by],
        "backfired_by": [_related(kg, n, e) for n, e in note.backfired_by],
        "situations": [
            {
                "hub": node_item(s.hub),
                "note": s.note,
                "addressed_by": [_related(kg, n, e) for n, e in s.addressed_by],
                "backfired_by": [_related(kg, n, e) for n, e in s.backfired_by],
            }
            for s in note.situations
        ],
        "advice_note": note.advice_note,
    }


def guide_body(kg: KnowledgeGraph, result: GuideResult, self_url: str) -> dict[str, Any]:
    """`{signs, per_sign, scoring, reasons: [{reason, score, direct, quotes, via, reached, because, …}], links}`."""
    return {
        "signs": [node_item(s) for s in result.signs],
        "per_sign": [_sign_note(kg, note) for note in result.notes],
        "scoring": SCORING,
        "reasons": [
            {
                "reason": node_item(r.reason),
                "score": r.score,
                "direct": r.direct,
                "quotes": r.quotes,
                "via": r.via,
                "reached": [
                    {
                        "sign": link.sign,
                        "strength": link.strength,
                        "via": link.via,
                        "through": link.through,
                        "edges": [e.id for e in link.edges],
                    }
                    for link in r.links
                ],
                "because": [
                    {
                        "sign": e.source,
                        "edge": e.id,
                        "basis": e.basis,
                        "note": e.note,
                        "citations": [citation(kg, ev) for ev in e.evidence],
                    }
                    for e in r.because
                ],
                "addressed_by": [_related(kg, n, e) for n, e in r.addressed_by],
                "backfired_by": [_related(kg, n, e) for n, e in r.backfired_by],
                "advice_note": r.advice_note,
            }
            for r in result.reasons
        ],
        "links": {"self": self_url},
    }


def disagreement_item(kg: KnowledgeGraph, d: Disagreement) -> dict[str, Any]:
    """`{id, about, note, sides: [{node, citations}], citations, links}`: both sides, each quoted."""
    return {
        "id": d.edge.id,
        "about": d.about,
        "note": d.edge.note,
        "sides": [
            {"node": node_item(side), "citations": [citation(kg, ev) for ev in side.evidence]} for side in d.sides
        ],
        "citations": [citation(kg, ev) for ev in d.edge.evidence],
        "links": {"self": urls.edge(d.edge.id)},
    }


def release_item(kg: KnowledgeGraph, release: Release) -> dict[str, Any]:
    """A recorded release, whether it is what `kg` serves, and where its changes are."""
    return {
        "content_version": release.content_version,
        "released_at": release.released_at,
        "nodes": len(release.snapshot.nodes),
        "edges": len(release.snapshot.edges),
        "served": release.content_version == kg.content_version,
        "links": {"changes": urls.changes(release.content_version)},
    }


def served(kg: KnowledgeGraph) -> dict[str, Any]:
    """The content `kg` serves, and whether it is released."""
    return {"content_version": kg.content_version, "released": served_release(kg) is not None}


def change_item(change: Change) -> dict[str, Any]:
    """A node or edge added, removed or changed; linked where it is still served."""
    out: dict[str, Any] = {
        "resource": change.resource,
        "id": change.id,
        "change": change.change,
        "fields": list(change.fields),
    }
    if change.resource == "node":
        out["type"], out["label"] = change.type, change.label
        url = urls.node(change.id)
    else:
        out["kind"] = change.type
        url = urls.edge(change.id)
    if change.replaced_by is not None:
        out["replaced_by"] = change.replaced_by
        successor = urls.node(change.replaced_by) if change.resource == "node" else urls.edge(change.replaced_by)
        out["links"] = {"self": None, "replaced_by": successor}
    else:
        out["links"] = {"self": None if change.change == "removed" else url}
    return out
