"""Composite bodies: query results turned into wire dicts, one converter per shape."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.wire import edge_out, node_out
from graph.build import KnowledgeGraph
from graph.models import Node
from graph.queries import Neighborhood, PathResult, SearchHit

__all__ = [
    "ALWAYS_FIELDS",
    "neighborhood_body",
    "node_body",
    "node_item",
    "paths_body",
    "search_hit",
]

ALWAYS_FIELDS = ("id", "type", "links")


def node_item(node: Node) -> dict[str, Any]:
    """A node as a list item: everything but its evidence (fetch `links.self` for that)."""
    out = node_out(node)
    del out["evidence"]
    return out


def node_body(
    kg: KnowledgeGraph, node: Node, include: Sequence[str] | None, fields: Sequence[str] | None
) -> dict[str, Any]:
    """One node with what `include` embeds (default: evidence), cut to `fields` if given."""
    wanted = set(include) if include is not None else {"evidence"}
    out = node_out(node) if "evidence" in wanted else node_item(node)
    if "edges" in wanted:
        ids = [*kg.out_edges.get(node.id, ()), *kg.in_edges.get(node.id, ())]
        out["edges"] = [edge_out(kg.edges[e]) for e in ids]
    if "neighbors" in wanted:
        others = dict.fromkeys(
            [kg.edges[e].target for e in kg.out_edges.get(node.id, ())]
            + [kg.edges[e].source for e in kg.in_edges.get(node.id, ())]
        )
        out["neighbors"] = [node_item(kg.nodes[o]) for o in others]
    if fields is not None:
        keep = {*ALWAYS_FIELDS, *fields}
        out = {k: v for k, v in out.items() if k in keep}
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
