"""Fetch one node or edge by id, or say which ids come closest (`suggest`, from graph.errors)."""

from __future__ import annotations

from graph.build import KnowledgeGraph
from graph.errors import EdgeNotFound, NodeNotFound, Retired, suggest
from graph.models import Edge, Node
from graph.registry import EDGE_KINDS

__all__ = ["get_edge", "get_node", "require_live", "retired_edge", "suggest"]


def get_node(kg: KnowledgeGraph, node_id: str) -> Node:
    """The node with this id.

    Raises
    ------
    NodeNotFound
        With the closest existing ids as suggestions.

    Examples
    --------
    >>> get_node(tiny_graph(), "oxytocin").type
    'concept'
    """
    node = kg.nodes.get(node_id)
    if node is None:
        require_live(kg, node_id)
        raise NodeNotFound(node_id, suggest(node_id, kg.nodes))
    return node


def require_live(kg: KnowledgeGraph, node_id: str) -> None:
    """Raise `Retired` (with its successor) when `node_id` was retired; else nothing.

    >>> require_live(tiny_graph(), "oxytocin")
    """
    gone = kg.retired.get(node_id)
    if gone is not None:
        raise Retired("node", node_id, gone.replaced_by, gone.note)


def retired_edge(kg: KnowledgeGraph, edge_id: str) -> tuple[str | None, str] | None:
    """For an edge id (`from--kind--to`) with a retired end: the edge of the same kind between
    the successors when the content has one (else None), and why, in the content's words. None
    when no end of `edge_id` was retired.

    >>> retired_edge(tiny_graph(), "give-him-space--addresses--needs-space") is None
    True
    """
    parts = edge_id.split("--")
    if len(parts) != 3 or not any(end in kg.retired for end in parts[::2]):
        return None
    gone = [kg.retired[end] for end in parts[::2] if end in kg.retired]
    start, stop = (kg.retired[end].replaced_by if end in kg.retired else end for end in parts[::2])
    candidates = [f"{start}--{parts[1]}--{stop}"]
    spec = EDGE_KINDS.get(parts[1])  # type: ignore[call-overload]
    if spec is not None and spec.symmetric:
        candidates.append(f"{stop}--{parts[1]}--{start}")
    successor = next((c for c in candidates if start and stop and c in kg.edges), None)
    return successor, " ".join(dict.fromkeys(r.note for r in gone))


def get_edge(kg: KnowledgeGraph, edge_id: str) -> Edge:
    """The edge with this id (`from--kind--to`).

    Raises
    ------
    EdgeNotFound
        With the closest existing ids as suggestions.
    """
    edge = kg.edges.get(edge_id)
    if edge is None:
        gone = retired_edge(kg, edge_id)
        if gone is not None:
            raise Retired("edge", edge_id, *gone)
        raise EdgeNotFound(edge_id, suggest(edge_id, kg.edges))
    return edge
