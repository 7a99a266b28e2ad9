"""Where the articles disagree: every `contradicts` edge, with both sides and their quotes."""

from __future__ import annotations

from dataclasses import dataclass

from graph.build import KnowledgeGraph
from graph.models import Edge, Node
from graph.queries._checks import require_range
from graph.queries.listing import MAX_LIMIT, MAX_OFFSET, Page

__all__ = ["Disagreement", "disagreements", "list_disagreements"]


@dataclass(frozen=True)
class Disagreement:
    """Two nodes a `contradicts` edge joins, the edge (its quotes, its note) and what is at stake.

    `about` is the edge's own `about`, curated in the content (the loader requires one on
    every `contradicts` edge): one sentence in our words naming the point of disagreement,
    never a verdict that merges the two sides.
    """

    edge: Edge
    sides: tuple[Node, Node]
    about: str


def disagreements(kg: KnowledgeGraph) -> list[Disagreement]:
    """Every `contradicts` pair, in edge-id order.

    Examples
    --------
    >>> disagreements(tiny_graph())
    []
    """
    found = []
    for edge in kg.edges.values():
        if edge.kind != "contradicts":
            continue
        one, other = kg.nodes[edge.source], kg.nodes[edge.target]
        # Built content always has `about` here; the fallback only serves hand-built graphs.
        about = edge.about or f"“{one.label}” against “{other.label}”"
        found.append(Disagreement(edge, (one, other), about))
    return found


def list_disagreements(kg: KnowledgeGraph, *, limit: int = 50, offset: int = 0) -> Page[Disagreement]:
    """A page of `disagreements`, bounded like every list.

    Raises
    ------
    InvalidParameter
        For `limit` or `offset` out of range.

    Examples
    --------
    >>> list_disagreements(tiny_graph(), limit=5).total
    0
    """
    require_range("limit", limit, 1, MAX_LIMIT)
    require_range("offset", offset, 0, MAX_OFFSET)
    found = disagreements(kg)
    return Page(found[offset : offset + limit], len(found), limit, offset)
