"""The passages an answer cites, each under one node that quotes it (`by_passages`).

`graph.queries.answer` first puts an answer together from the nodes retrieval ranks, then hands
it here with the passages `graph.passage_rank` chose: each passage goes under one node quoting it
(the question it replies to, else a node whose own quote it is, an item the answer has before a
new one; a new idea her words do not name goes under the reasons, as what explains her situation,
not what she told), an item none of them is quoted by is left out, and a section she asks for that no
passage falls in keeps the answer's own first item with one quote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from graph.build import KnowledgeGraph
from graph.models import Evidence
from graph.passage_rank import Passage
from graph.queries.answer_parts import (
    CITED,
    Answer,
    Item,
    Section,
    attribution,
    how_found,
    named,
    overlaps,
    purpose_of,
    quoted,
    reading_order,
)
from graph.reading import Term
from graph.retrieval import ANCHOR_WEIGHT, Found, Retrieval
from graph.text_index import stem_set

__all__ = ["PER_ITEM", "by_passages"]

PER_ITEM: Final = 3  # the passages one item cites at most
_CITING: Final[tuple[Section, ...]] = ("understood", "reasons", "do", "dont", "statistics")
_SECTIONS_ASKED: Final[dict[str, tuple[Section, ...]]] = {
    "advice": ("do", "dont"),
    "why": ("reasons",),
    "signs": ("understood",),
    "duration": ("statistics",),
    "verdict": (),  # the verdict keeps its own quotes
}
_SECTION_OF: Final[dict[str, Section]] = {
    "sign": "understood",
    "concept": "understood",
    "question": "understood",
    "reason": "reasons",
    "statistic": "statistics",
}


def by_passages(
    kg: KnowledgeGraph, a: Answer, chosen: Sequence[Passage], r: Retrieval, about: dict[str, int]
) -> Answer:
    """The answer citing the passages her message is about (`graph.passage_rank`), each under one
    node that quotes it: the question it replies to, else a node whose own quote it is before an
    edge's end, an item the answer already has before a new one (in reading order), then the
    best-ranked; at most `PER_ITEM` each. A new item goes to its type's section. A verdict and
    both sides of a disagreement keep their own quotes (one on the very point she asks about is
    read right after what was understood; one on another point last, and only where the chosen
    passages leave room for it); an item none of the passages is quoted by is left out. At most
    `CITED` citations in all."""
    ranked = r.ranked
    early = "sides" in a.order and a.order.index("sides") <= 1  # on the very point she asks about
    sides = [side for pair in a.sides for side in pair.sides]
    kept = {c.span for item in (*a.verdict, *(sides if early else ())) for c in item.citations}
    chosen = [p for p in chosen if not overlaps(p.evidence.span, kept)]
    later = {c.span for side in sides for c in side.citations} - kept if not early else set()
    if later and len(kept) + len(chosen) + len(later) > CITED:  # another point's: only where room is left
        a, sides, later = replace(a, sides=()), [], set()
    kept |= later
    budget = CITED - len(kept)
    chosen = [p for p in chosen if not overlaps(p.evidence.span, kept)][: max(0, budget)]
    listed = [i.node.id for section in a.order if section not in ("sides", "verdict") for i in getattr(a, section)]
    rank = {f.node.id: n for n, f in enumerate(ranked)}
    found = {f.node.id: f for f in ranked}

    def misread(node_id: str) -> bool:  # only her words about herself match it, and it is his state
        f = found.get(node_id) or Found(kg.nodes[node_id])
        if attribution(f):  # who says so, not what she lives
            return True
        return bool(f.words) and not any(m.weight >= ANCHOR_WEIGHT for m in f.words)

    def owner(p: Passage) -> str | None:
        asking = p.evidence.quote.rstrip().endswith("?")
        holders = [
            h
            for h in p.nodes
            if kg.nodes[h].type != "source" and not (asking and kg.nodes[h].type == "question") and not misread(h)
        ]
        if not holders:
            return None
        # Not under a figure how long she says contradicts, when another node quotes it too.
        holders = [h for h in holders if h not in r.outside] or holders
        holders = [h for h in holders if len(given.get(h, ())) < PER_ITEM]
        where = p.evidence.span

        def preference(h: str) -> tuple[bool, bool, int, bool, bool, int, str]:
            node = kg.nodes[h]
            reply = node.type == "question" and _replies(kg, h, where, p.nodes)  # read under the question it answers
            own = where in {ev.span for ev in node.evidence}  # its own quote before an edge's
            at = listed.index(h) if h in listed else len(listed)
            return (not reply, not own, at, node.hub, node.type == "question", rank.get(h, len(rank)), h)

        return min(holders, key=preference) if holders else None

    def assign(chosen: Sequence[Passage]) -> dict[str, list[Item]]:
        given.clear()
        with_.clear()
        for p in chosen:
            node_id = owner(p)
            if node_id is not None:
                given.setdefault(node_id, []).append(p.evidence)
                with_.setdefault(node_id, []).extend(h for h in p.nodes if h != node_id)
        sections: dict[str, list[Item]] = {}
        for section in _CITING:
            items: tuple[Item, ...] = getattr(a, section)
            sections[section] = [replace(i, citations=tuple(given[i.node.id])) for i in items if i.node.id in given]
        for node_id, quotes in given.items():
            if node_id in listed:
                continue
            node = kg.nodes[node_id]
            if node_id in found and found[node_id].lexical > 0:
                how = how_found(kg, found[node_id])
            else:
                others = [found[h] for h in with_.get(node_id, ()) if h in found]
                how = _how_quoted(kg, found.get(node_id), quotes, r.terms, others)
            if node.type == "response":
                section = "dont" if node.attributes.get("advice") == "warned_against" else "do"
                sections[section].append(Item(node, how, tuple(quotes), purpose_of(kg, node, about)))
            elif node.type == "concept" and not (node_id in found and named(found[node_id])):
                # An idea her words do not name explains her situation; it is not what she told.
                sections["reasons"].append(Item(node, how, tuple(quotes)))
            else:
                sections[_SECTION_OF.get(node.type, "understood")].append(Item(node, how, tuple(quotes)))
        return sections

    given: dict[str, list[Evidence]] = {}
    with_: dict[str, list[str]] = {}  # the other nodes quoting the passages an item cites
    sections = assign(chosen)
    # A section she asks for, when no passage chosen is in it, gets the answer's own first item
    # there (reached over the typed graph), with one quote.
    wanted = [s for intent in r.intents for s in _SECTIONS_ASKED[intent]]
    fills = [s for s in dict.fromkeys(wanted) if not sections[s] and getattr(a, s)]
    over = len(kept) + sum(len(i.citations) for items in sections.values() for i in items) + len(fills) - CITED
    if fills and over > 0:
        sections = assign(chosen[: max(0, len(chosen) - over)])
    listed_now = {i.node.id for items in sections.values() for i in items}
    for described in a.understood[:1]:  # what she describes, when a verdict already quotes it
        own = {ev.span for ev in described.node.evidence}
        free = [c for item in (*a.verdict, *sides) for c in item.citations if overlaps(c.span, own)]
        if described.node.id not in listed_now and free:
            sections["understood"].insert(0, replace(described, citations=(free[0],)))
    for section in fills:
        first: Item = getattr(a, section)[0]
        if not any(i.node.id == first.node.id for items in sections.values() for i in items):
            sections[section].append(replace(first, citations=first.citations[:1]))
    shown = {"sides": bool(a.sides), "verdict": bool(a.verdict)}
    order = tuple(s for s in reading_order(r, early) if shown.get(s) or sections.get(s))
    return replace(
        a,
        understood=tuple(sections["understood"]),
        reasons=tuple(sections["reasons"]),
        do=tuple(sections["do"]),
        dont=tuple(sections["dont"]),
        statistics=tuple(sections["statistics"]),
        order=order,
    )


def _replies(kg: KnowledgeGraph, question: str, where: tuple[str, int, int], holders: Sequence[str]) -> bool:
    """Whether the passage at `where` is quoted on an `answers` edge into `question` (one of the
    articles' replies to it). The edge's other end quotes the passage too, so it is one of its
    `holders`: each one's edges are looked at from whichever side has fewer (a question a big graph
    answers thousands of times is not walked for every passage)."""
    into = kg.in_edges.get(question, ())
    for other in holders:
        if other == question:
            continue
        out = kg.out_edges.get(other, ())
        edges = (kg.edges[eid] for eid in (out if len(out) <= len(into) else into))
        for edge in edges:
            if (
                edge.kind == "answers"
                and edge.source == other
                and edge.target == question
                and any(ev.span == where for ev in edge.evidence)
            ):
                return True
    return False


def _how_quoted(
    kg: KnowledgeGraph, node: Found | None, quotes: Sequence[Evidence], words: Sequence[Term], others: Sequence[Found]
) -> str:
    """How a node no word of hers names was found: her words in the passages it is cited for, else
    the node her words match that quotes the same passage (an edge's other end), else the edge
    that brought it."""
    stems_in = set().union(*(stem_set(ev.quote) for ev in quotes))
    shared = [t.word for t in words if t.stem in stems_in]
    if shared:
        return f"your words {quoted(shared)} in its quotes"
    matched = sorted((f for f in others if f.lexical > 0), key=lambda f: -f.lexical)
    if matched:
        return f"through the graph: its passage is quoted for “{matched[0].node.label}”, which your words match"
    return how_found(kg, node) if node is not None else "found in the graph"
