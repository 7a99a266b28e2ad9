"""Bounded traversal: neighbourhoods and shortest paths over typed edges.

Both walk the adjacency indexes by hand (breadth first, capped) rather than through
networkx views: `nx.ego_graph(..., undirected=True)` copies the whole graph, and a bounded
BFS over adjacency lists is far cheaper on a large graph. Symmetric kinds (`contradicts`,
`related_to`) are stored once but walked both ways. The derived `mentioned_in` kind is left
out unless asked for: every node cites an article, so it would join everything to everything.

Every query also stops after looking at `STEP_BUDGET` edges and says `truncated: true`: on a
large graph a few hubs carry thousands of edges, and without a bound one request through
them could cost seconds. Paths search from both ends at once, always growing the side with
fewer edges to look at, so a hub is crossed at most once.
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
    "STEP_BUDGET",
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
# Edges one query may look at (~5 ms of Python); far above what the seed graph ever needs.
STEP_BUDGET = 20_000
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
        Cap on returned nodes (1–500); `truncated` says when more were reachable, or when
        the walk stopped at `STEP_BUDGET` edges looked at (a hub-heavy neighbourhood).

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
    budget = STEP_BUDGET
    for _ in range(depth):
        next_frontier: list[str] = []
        for current in frontier:
            budget -= len(kg.out_edges.get(current, ())) + len(kg.in_edges.get(current, ()))
            if budget < 0:
                truncated = True
                break
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
    No path within `max_hops` gives an empty list, not an error. `truncated` says that more
    shortest paths exist than `limit`, or that the search stopped at `STEP_BUDGET` edges.

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
    # Breadth first from both ends; each side keeps, per node it reached, every predecessor
    # on a shortest path from its own end.
    ahead, behind = _Side(kg, from_id), _Side(kg, to_id)
    budget = STEP_BUDGET
    meeting: list[str] = []
    while not meeting and ahead.depth + behind.depth < max_hops:
        side, other = (ahead, behind) if ahead.cost <= behind.cost else (behind, ahead)
        if not side.frontier:
            break
        budget -= side.cost
        if budget < 0:
            return PathResult(source, target, [], True)
        side.grow(walk)
        meeting = [n for n in side.frontier if n in other.level]
    found: list[list[Hop]] = []
    for middle in meeting:
        for head in _unwind(ahead.parents, from_id, middle):
            for tail in _unwind(behind.parents, to_id, middle):
                if len(found) == limit:
                    return PathResult(source, target, found, True)
                found.append([*head, *(Hop(h.target, h.source, h.edge, not h.forward) for h in reversed(tail))])
    return PathResult(source, target, found, False)


_Parent = tuple[str, Edge, bool]  # (the node walked from, the edge, whether along it)


class _Side:
    """One end of a two-sided breadth-first search: depth per node reached, and parents."""

    def __init__(self, kg: KnowledgeGraph, start: str) -> None:
        self.kg = kg
        self.depth = 0
        self.level = {start: 0}
        self.parents: dict[str, list[_Parent]] = {}
        self.frontier = [start]
        self.cost = self._cost()

    def _cost(self) -> int:
        """Edges that growing this side by one level would look at."""
        out, into = self.kg.out_edges, self.kg.in_edges
        return sum(len(out.get(n, ())) + len(into.get(n, ())) for n in self.frontier)

    def grow(self, walk: frozenset[str]) -> None:
        """Reach one level further; the new frontier is what was first reached at it.

        The hot loop of a path search, so written flat: no per-edge objects but a tuple
        for each shortest-path predecessor (Hops are made only for the paths returned).
        """
        self.depth += 1
        depth, level, parents, edges = self.depth, self.level, self.parents, self.kg.edges
        out, into = self.kg.out_edges, self.kg.in_edges
        frontier: list[str] = []
        for current in self.frontier:
            for along, edge_ids in ((True, out.get(current, ())), (False, into.get(current, ()))):
                for eid in edge_ids:
                    edge = edges[eid]
                    if edge.kind not in walk:
                        continue
                    other = edge.target if along else edge.source
                    seen_at = level.get(other)
                    if seen_at is None:
                        level[other] = seen_at = depth
                        frontier.append(other)
                    if seen_at == depth:
                        parents.setdefault(other, []).append((current, edge, along))
        self.frontier = frontier
        self.cost = self._cost()


def _unwind(parents: dict[str, list[_Parent]], start: str, node: str) -> Iterator[list[Hop]]:
    """Every shortest path from `start` to `node`, built back from the predecessors."""
    if node == start:
        yield []
        return
    for before, edge, along in parents.get(node, ()):
        for prefix in _unwind(parents, start, before):
            yield [*prefix, Hop(before, node, edge, along)]
