"""Bounded traversal: neighbourhoods and shortest paths over typed edges.

Both walk the adjacency indexes by hand (breadth first, capped) rather than through
networkx views: `nx.ego_graph(..., undirected=True)` copies the whole graph, and a bounded
BFS over adjacency lists is far cheaper on a large graph. Symmetric kinds (`contradicts`,
`related_to`) are stored once but walked both ways. The derived `mentioned_in` kind is left
out unless asked for: every node cites an article, so it would join everything to everything.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from graph.build import KnowledgeGraph
from graph.models import Edge, Node
from graph.queries._checks import require_range
from graph.queries.lookup import get_node
from graph.registry import EDGE_KINDS
from graph.types import EdgeKind, NodeType

__all__ = [
    "DEFAULT_KINDS",
    "Direction",
    "Hop",
    "MAX_DEPTH",
    "MAX_HOPS",
    "MAX_NEIGHBORS",
    "MAX_PATHS",
    "Neighborhood",
    "PathResult",
    "neighbors",
    "paths",
]

Direction = Literal["out", "in", "both"]
MAX_DEPTH = 3
MAX_NEIGHBORS = 500
MAX_HOPS = 6
MAX_PATHS = 10
DEFAULT_KINDS: tuple[EdgeKind, ...] = tuple(k for k, spec in EDGE_KINDS.items() if not spec.derived)


@dataclass(frozen=True)
class Neighborhood:
    """Nodes within `depth` hops of `center` (center excluded), the edges walked, and
    whether the node cap cut the result short."""

    center: Node
    nodes: list[Node]
    edges: list[Edge]
    depth: int
    truncated: bool


@dataclass(frozen=True)
class Hop:
    """One step of a path: the edge, and whether it was walked along or against its direction."""

    source: str
    target: str
    edge: Edge
    forward: bool


@dataclass(frozen=True)
class PathResult:
    """Shortest paths between two nodes, each a list of hops, and whether more exist."""

    source: Node
    target: Node
    paths: list[list[Hop]]
    truncated: bool


def _steps(kg: KnowledgeGraph, node_id: str, kinds: frozenset[str], direction: Direction) -> Iterator[Hop]:
    """Edges leaving `node_id` in `direction`, as hops; symmetric kinds go both ways.

    The edges along `direction` come first (for `in`, the incoming ones), so results list
    the requested direction before symmetric extras.
    """
    forward = (True, kg.out_edges.get(node_id, ()))
    backward = (False, kg.in_edges.get(node_id, ()))
    for along, edge_ids in (backward, forward) if direction == "in" else (forward, backward):
        refused = "in" if along else "out"  # the direction that does not walk this way
        for eid in edge_ids:
            edge = kg.edges[eid]
            if edge.kind in kinds and (direction != refused or EDGE_KINDS[edge.kind].symmetric):
                yield Hop(node_id, edge.target if along else edge.source, edge, along)


def neighbors(
    kg: KnowledgeGraph,
    node_id: str,
    *,
    depth: int = 1,
    kinds: Sequence[EdgeKind] = (),
    direction: Direction = "both",
    types: Sequence[NodeType] = (),
    limit: int = 100,
) -> Neighborhood:
    """Nodes reachable from `node_id` within `depth` hops, breadth first.

    Parameters
    ----------
    kinds
        Edge kinds to walk; empty means every hand-written kind (not `mentioned_in`).
    direction
        `out` follows edges as written, `in` against them, `both` either way.
    types
        Only nodes of these types are returned and walked through; empty means all.
    limit
        Cap on returned nodes (1–500); `truncated` says when more were reachable.

    Examples
    --------
    >>> hood = neighbors(tiny_graph(), "slower-replies", depth=2, kinds=["indicates", "addresses"])
    >>> [n.id for n in hood.nodes], hood.truncated
    (['needs-space', 'give-him-space'], False)
    """
    center = get_node(kg, node_id)
    require_range("depth", depth, 1, MAX_DEPTH)
    require_range("limit", limit, 1, MAX_NEIGHBORS)
    walk = frozenset(kinds or DEFAULT_KINDS)
    allowed = frozenset(types)
    seen = {node_id}
    found: list[Node] = []
    edges: dict[str, Edge] = {}
    frontier = [node_id]
    truncated = False
    for _ in range(depth):
        next_frontier: list[str] = []
        for current in frontier:
            for hop in _steps(kg, current, walk, direction):
                other = kg.nodes[hop.target]
                if allowed and other.type not in allowed:
                    continue
                if hop.target in seen:
                    edges.setdefault(hop.edge.id, hop.edge)
                    continue
                if len(found) >= limit:
                    truncated = True
                    break
                seen.add(hop.target)
                found.append(other)
                edges.setdefault(hop.edge.id, hop.edge)
                next_frontier.append(hop.target)
            if truncated:
                break
        if truncated or not next_frontier:
            break
        frontier = next_frontier
    kept = [e for e in edges.values() if e.source in seen and e.target in seen]
    return Neighborhood(center, found, kept, depth, truncated)


def paths(
    kg: KnowledgeGraph,
    from_id: str,
    to_id: str,
    *,
    max_hops: int = 4,
    kinds: Sequence[EdgeKind] = (),
    limit: int = 3,
) -> PathResult:
    """Up to `limit` shortest paths from one node to another, walking edges either way.

    Each hop keeps its edge (with evidence) and says whether it was walked forward.
    No path within `max_hops` gives an empty list, not an error.

    Examples
    --------
    >>> result = paths(tiny_graph(), "slower-replies", "give-him-space")
    >>> [[(h.source, h.edge.kind, h.target) for h in p] for p in result.paths]
    [[('slower-replies', 'indicates', 'needs-space'), ('needs-space', 'addresses', 'give-him-space')]]
    """
    source, target = get_node(kg, from_id), get_node(kg, to_id)
    require_range("max_hops", max_hops, 1, MAX_HOPS)
    require_range("limit", limit, 1, MAX_PATHS)
    walk = frozenset(kinds or DEFAULT_KINDS)
    if from_id == to_id:
        return PathResult(source, target, [[]], False)
    # Breadth first, keeping every shortest-path predecessor hop of each node.
    level = {from_id: 0}
    parents: dict[str, list[Hop]] = {}
    frontier = [from_id]
    for hops in range(1, max_hops + 1):
        next_frontier: list[str] = []
        for current in frontier:
            for hop in _steps(kg, current, walk, "both"):
                seen_at = level.get(hop.target)
                if seen_at is None:
                    level[hop.target] = hops
                    next_frontier.append(hop.target)
                    seen_at = hops
                if seen_at == hops:
                    parents.setdefault(hop.target, []).append(hop)
        if to_id in level or not next_frontier:
            break
        frontier = next_frontier
    if to_id not in level:
        return PathResult(source, target, [], False)
    found: list[list[Hop]] = []
    truncated = False
    for path in _unwind(parents, from_id, to_id):
        if len(found) == limit:
            truncated = True
            break
        found.append(path)
    return PathResult(source, target, found, truncated)


def _unwind(parents: dict[str, list[Hop]], start: str, node: str) -> Iterator[list[Hop]]:
    """Every shortest path from `start` to `node`, built back from the predecessor hops."""
    if node == start:
        yield []
        return
    for hop in parents.get(node, ()):
        for prefix in _unwind(parents, start, hop.source):
            yield [*prefix, hop]
