"""Ranked, typo-tolerant search over labels, aliases, summaries and quotes.

Each node contributes several texts, each with a weight (a label match outranks the same
words in a quote). rapidfuzz scores every text against the query in C; a node's score is its
best weighted text, and the snippet is cut from that text around the match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from graph.build import KnowledgeGraph
from graph.errors import InvalidParameter
from graph.models import Node
from graph.queries._checks import require_range
from graph.queries.listing import MAX_OFFSET, Page
from graph.types import NodeType

__all__ = ["FIELD_WEIGHTS", "MAX_QUERY", "MAX_RESULTS", "SearchHit", "search"]

MAX_QUERY = 256
MAX_RESULTS = 100
_CUTOFF = 70.0
_SNIPPET = 160
FIELD_WEIGHTS = {"label": 1.0, "alias": 0.95, "summary": 0.8, "quote": 0.75}


@dataclass(frozen=True)
class SearchHit:
    """A node, its score (0–100), which field matched best, and a snippet of that field."""

    node: Node
    score: float
    field: str
    snippet: str


@dataclass(frozen=True)
class _Index:
    texts: list[str]
    owners: list[tuple[str, str]]  # (node id, field) for each text


def _index(kg: KnowledgeGraph) -> _Index:
    """The flat text index of a graph; kept on the graph (`kg.derived(_index)`) once built."""
    texts: list[str] = []
    owners: list[tuple[str, str]] = []
    for node in kg.nodes.values():
        fields = [("label", node.label), *(("alias", a) for a in node.aliases), ("summary", node.summary)]
        fields += [("quote", ev.quote) for ev in node.evidence]
        for field, text in fields:
            texts.append(text)
            owners.append((node.id, field))
    return _Index(texts, owners)


def search(
    kg: KnowledgeGraph, q: str, *, types: Sequence[NodeType] = (), limit: int = 20, offset: int = 0
) -> Page[SearchHit]:
    """A page of the nodes matching `q`, best first; `total` counts every match.

    Examples
    --------
    >>> page = search(tiny_graph(), "oxytocn")
    >>> page.items[0].node.id, page.items[0].field
    ('oxytocin', 'label')
    """
    if not q.strip() or len(q) > MAX_QUERY:
        raise InvalidParameter("q", f"must be 1 to {MAX_QUERY} characters and not blank", q[:40])
    require_range("limit", limit, 1, MAX_RESULTS)
    require_range("offset", offset, 0, MAX_OFFSET)
    index = kg.derived(_index)
    query = utils.default_process(q)
    wanted = frozenset(types)
    best: dict[str, tuple[float, str, str]] = {}
    matches = process.extract(
        query, index.texts, scorer=fuzz.partial_ratio, processor=utils.default_process, limit=None, score_cutoff=_CUTOFF
    )
    for text, raw, position in matches:
        node_id, field = index.owners[position]
        if wanted and kg.nodes[node_id].type not in wanted:
            continue
        # Short texts that contain the whole query read as better matches than long ones.
        score = round(raw * FIELD_WEIGHTS[field] * (1.0 if len(text) >= len(q) else len(text) / len(q)), 2)
        if score > best.get(node_id, (-1.0, "", ""))[0]:
            best[node_id] = (score, field, text)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], kg.nodes[item[0]].label.casefold()))
    hits = [
        SearchHit(kg.nodes[node_id], score, field, _snippet(text, q))
        for node_id, (score, field, text) in ranked[offset : offset + limit]
    ]
    return Page(hits, len(ranked), limit, offset)


def _snippet(text: str, q: str) -> str:
    """Up to ~160 characters of `text` around the first occurrence of `q` (or its start)."""
    if len(text) <= _SNIPPET:
        return text
    at = text.casefold().find(q.casefold())
    start = max(0, at - _SNIPPET // 3) if at >= 0 else 0
    piece = text[start : start + _SNIPPET]
    return ("…" if start else "") + piece + ("…" if start + _SNIPPET < len(text) else "")
