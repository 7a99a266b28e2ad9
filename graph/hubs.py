"""Hubs: the phenomenon the articles explain, as the content marks it.

A hub is a concept written with `hub: true` in seeds/graph/concepts.yaml (today "pulling
away" and its special case "post-intimacy withdrawal"). Reasons explain a hub, signs point to
it, questions ask about it. This module is the one definition graph code reads: the editorial
linter checks that every reason reaches a hub, and ranking code can route through them.
"""

from __future__ import annotations

from graph.build import KnowledgeGraph
from graph.types import NodeId

__all__ = ["hubs", "is_hub"]


def is_hub(kg: KnowledgeGraph, node_id: NodeId) -> bool:
    """Whether `node_id` is a hub (False for an unknown id).

    >>> is_hub(tiny_graph(), "oxytocin"), is_hub(tiny_graph(), "no-such-node")
    (False, False)
    """
    node = kg.nodes.get(node_id)
    return node is not None and node.hub


def hubs(kg: KnowledgeGraph) -> tuple[NodeId, ...]:
    """The ids of every hub, in id order.

    >>> hubs(tiny_graph())
    ()
    """
    return tuple(node_id for node_id, node in kg.nodes.items() if node.hub)
