"""Domain objects to wire dicts: the records from graph/ plus `links`, nothing guessed."""

from __future__ import annotations

from typing import Any

from graph.models import Edge, Node
from graph.records import edge_record, node_record

__all__ = ["API_PREFIX", "edge_out", "node_links", "node_out"]

API_PREFIX = "/v1"


def node_links(node_id: str) -> dict[str, str]:
    """Where a client goes next from a node."""
    base = f"{API_PREFIX}/nodes/{node_id}"
    return {"self": base, "neighbors": f"{base}/neighbors"}


def node_out(node: Node) -> dict[str, Any]:
    """The one way a Node reaches the wire."""
    out = node_record(node)
    out["links"] = node_links(node.id)
    return out


def edge_out(edge: Edge) -> dict[str, Any]:
    """The one way an Edge reaches the wire."""
    out = edge_record(edge)
    out["links"] = {
        "self": f"{API_PREFIX}/edges/{edge.id}",
        "from": f"{API_PREFIX}/nodes/{edge.source}",
        "to": f"{API_PREFIX}/nodes/{edge.target}",
    }
    return out
