"""Fetch one node or edge by id, or say which ids come closest (`suggest`, from graph.errors)."""

from __future__ import annotations

from graph.build import KnowledgeGraph
from graph.errors import EdgeNotFound, NodeNotFound, suggest
from graph.models import Edge, Node

__all__ = ["get_edge", "get_node", "suggest"]


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
        raise NodeNotFound(node_id, suggest(node_id, kg.nodes))
    return node


def get_edge(kg: KnowledgeGraph, edge_id: str) -> Edge:
    """The edge with this id (`from--kind--to`).

    Raises
    ------
    EdgeNotFound
        With the closest existing ids as suggestions.
    """
    edge = kg.edges.get(edge_id)
    if edge is None:
        raise EdgeNotFound(edge_id, suggest(edge_id, kg.edges))
    return edge
