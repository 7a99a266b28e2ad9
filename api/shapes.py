"""The one shaping layer: domain objects and query results to wire dicts, one function per shape.

Each shape is built once from `graph.records` (the field layout exports share) plus its
links from `api.urls`; nothing is built and then trimmed. Routes serialize what these return
with `api.http`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from api import urls
from graph import queries
from graph.build import KnowledgeGraph
from graph.models import Edge, Evidence, Node
from graph.queries import SCORING, Card, Disagreement, GuideResult, Neighborhood, PathResult, SearchHit
from graph.records import edge_record, node_record

__all__ = [
    "ALWAYS_FIELDS",
    "card_body",
    "citation",
    "disagreements_body",
    "edge_out",
    "guide_body",
    "neighborhood_body",
    "node_body",
    "node_item",
    "node_links",
    "node_out",
    "paths_body",
    "search_hit",
]

ALWAYS_FIELDS = ("id", "type", "links")


def node_links(node_id: str) -> dict[str, str]:
    """Where a client goes next from a node."""
    return {"self": urls.node(node_id), "neighbors": urls.neighbors(node_id)}


def node_out(node: Node, *, evidence: bool = True, fields: Collection[str] | None = None) -> dict[str, Any]:
    """The one way a Node reaches the wire: its record (cut to `fields` if given) and links."""
    out = node_record(node, evidence=evidence, fields=fields)
    out["links"] = node_links(node.id)
    return out


def edge_out(edge: Edge) -> dict[str, Any]:
    """The one way an Edge reaches the wire."""
    out = edge_record(edge)
    out["links"] = {"self": urls.edge(edge.id), "from": urls.node(edge.source), "to": urls.node(edge.target)}
    return out


def node_item(node: Node) -> dict[str, Any]:
    """A node as a list item: everything but its evidence (fetch `links.self` for that)."""
    return node_out(node, evidence=False)


def node_body(
    kg: KnowledgeGraph, node: Node, include: Sequence[str] | None, fields: Sequence[str] | None
) -> dict[str, Any]:
    """One node with what `include` embeds (none given: evidence), cut to `fields` (none given: all).

    Embedded edges and neighbours are the one-hop neighbourhood query over every edge kind,
    the derived `mentioned_in` included: `/v1/nodes/{id}/neighbors?kind=...` with all kinds.
    """
    wanted = set(include) if include else {"evidence"}
    keep = set(fields) if fields else None
    out = node_out(node, evidence="evidence" in wanted, fields=keep)
    if wanted & {"edges", "neighbors"} and (keep is None or keep & {"edges", "neighbors"}):
        hood = queries.neighbors(kg, node.id, kinds=queries.ALL_KINDS, limit=queries.MAX_NEIGHBORS)
        if "edges" in wanted and (keep is None or "edges" in keep):
            out["edges"] = [edge_out(e) for e in hood.edges]
        if "neighbors" in wanted and (keep is None or "neighbors" in keep):
            out["neighbors"] = [node_item(n) for n in hood.nodes]
    return out


def neighborhood_body(hood: Neighborhood, self_url: str) -> dict[str, Any]:
    """`{center, nodes, edges, depth, truncated, links}`."""
    return {
        "center": node_item(hood.center),
        "nodes": [node_item(n) for n in hood.nodes],
        "edges": [edge_out(e) for e in hood.edges],
        "depth": hood.depth,
        "truncated": hood.truncated,
        "links": {"self": self_url},
    }


def paths_body(result: PathResult, self_url: str) -> dict[str, Any]:
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
                        "edge": edge_out(hop.edge),
                    }
                    for hop in path
                ],
            }
            for path in result.paths
        ],
        "truncated": result.truncated,
        "links": {"self": self_url},
    }


def search_hit(hit: SearchHit) -> dict[str, Any]:
    """One search result: `{node, score, field, snippet}`."""
    return {"node": node_item(hit.node), "score": hit.score, "field": hit.field, "snippet": hit.snippet}


def citation(kg: KnowledgeGraph, ev: Evidence) -> dict[str, Any]:
    """A quote with its article's title and author, so a front end can cite it as it is."""
    article = kg.nodes[ev.source].attributes
    return {
        "source": ev.source,
        "title": article.get("title"),
        "author": article.get("author"),
        "quote": ev.quote,
        "start": ev.start,
        "end": ev.end,
    }


def _related(kg: KnowledgeGraph, node: Node, edge: Edge) -> dict[str, Any]:
    return {
        "node": node_item(node),
        "edge": edge.id,
        "basis": edge.basis,
        "note": edge.note,
        "citations": [citation(kg, ev) for ev in edge.evidence],
    }


def card_body(kg: KnowledgeGraph, result: Card, self_url: str) -> dict[str, Any]:
    """`{node, citations, relations: [{label, kind, direction, items}], links}`."""
    node = node_out(result.node)
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
        "links": {"self": self_url, "node": node["links"]["self"], "neighbors": node["links"]["neighbors"]},
    }


def guide_body(kg: KnowledgeGraph, result: GuideResult, self_url: str) -> dict[str, Any]:
    """`{signs, scoring, reasons: [{reason, score, quotes, because, addressed_by, backfired_by}], links}`."""
    return {
        "signs": [node_item(s) for s in result.signs],
        "scoring": SCORING,
        "reasons": [
            {
                "reason": node_item(r.reason),
                "score": r.score,
                "quotes": r.quotes,
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
            }
            for r in result.reasons
        ],
        "links": {"self": self_url},
    }


def disagreements_body(kg: KnowledgeGraph, found: list[Disagreement], self_url: str) -> dict[str, Any]:
    """`{items: [{id, about, note, sides: [{node, citations}], citations, links}], total, links}`."""
    return {
        "items": [
            {
                "id": d.edge.id,
                "about": d.about,
                "note": d.edge.note,
                "sides": [
                    {"node": node_item(side), "citations": [citation(kg, ev) for ev in side.evidence]}
                    for side in d.sides
                ],
                "citations": [citation(kg, ev) for ev in d.edge.evidence],
                "links": {"self": urls.edge(d.edge.id)},
            }
            for d in found
        ],
        "total": len(found),
        "links": {"self": self_url},
    }
