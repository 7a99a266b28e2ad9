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
from itertools import pairwise, product
from typing import Literal

import numpy as np
import numpy.typing as npt

from graph.adjacency import Adjacency, kind_mask
from graph.build import KnowledgeGraph
from graph.load import edge_id
from graph.models import Edge, Node
from graph.queries._checks import require_range
from graph.queries.lookup import get_node
from graph.registry import EDGE_KINDS
from graph.types import EdgeKind, NodeType

__all__ = [
    "ALL_KINDS",
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
    "adjacent",
    "neighbors",
    "paths",
]

Direction = Literal["out", "in", "both"]
MAX_DEPTH = 3
MAX_NEIGHBORS = 500
MAX_HOPS = 6
MAX_PATHS = 10
# Edges (or neighbours) one query may look at: ~2-5 ms of Python; the seed graph never
# comes near it, a hub-heavy 1M-edge graph does.
STEP_BUDGET = 10_000
DEFAULT_KINDS: tuple[EdgeKind, ...] = tuple(k for k, spec in EDGE_KINDS.items() if not spec.derived)
ALL_KINDS: tuple[EdgeKind, ...] = tuple(EDGE_KINDS)


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


def adjacent(
    kg: KnowledgeGraph,
    node_ids: Sequence[str],
    *,
    kinds: Sequence[EdgeKind] = (),
    direction: Direction = "both",
    types: Sequence[NodeType] = (),
) -> dict[str, list[Hop]]:
    """Each node's one-hop steps, for many nodes in one call: what a batched reader asks.

    The same walk as `neighbors` at depth 1 (symmetric kinds both ways, `mentioned_in` left
    out unless `kinds` names it, `types` filters the far end), but one hop per edge rather
    than one per neighbour, so a neighbour joined by two edges is listed with each. Ids
    must exist (callers hold nodes already).

    >>> steps = adjacent(tiny_graph(), ["slower-replies", "oxytocin"], direction="both")
    >>> [(h.target, h.edge.kind, h.forward) for h in steps["slower-replies"]], len(steps["oxytocin"])
    ([('needs-space', 'indicates', True)], 1)
    """
    walk = frozenset(kinds or DEFAULT_KINDS)
    allowed = frozenset(types)
    return {
        node_id: [
            hop for hop in _steps(kg, node_id, walk, direction) if not allowed or kg.nodes[hop.target].type in allowed
        ]
        for node_id in node_ids
    }


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
    # Breadth first from both ends over the compiled adjacency (`graph.adjacency`), a whole
    # level at a time, always growing the side with fewer neighbours to look at; each side
    # keeps the level at which it reached each node. Predecessors and edges are looked up
    # only for the paths returned.
    adjacency, mask = kg.adjacency, kind_mask(walk)
    ahead = _Side(adjacency, mask, adjacency.index[from_id])
    behind = _Side(adjacency, mask, adjacency.index[to_id])
    budget = STEP_BUDGET
    meeting: list[int] = []
    while not meeting and ahead.depth + behind.depth < max_hops:
        side, other = (ahead, behind) if ahead.cost <= behind.cost else (behind, ahead)
        if not len(side.frontier):
            break
        budget -= side.cost
        if budget < 0:
            return PathResult(source, target, [], True)
        meeting = side.grow(other.level)
    found: list[list[Hop]] = []
    ids = adjacency.ids
    for middle in meeting:
        for head in ahead.unwind(middle):
            for tail in behind.unwind(middle):
                chain = [ids[i] for i in (*head, *reversed(tail[:-1]))]
                for hops in product(*(_hops(kg, a, b, walk) for a, b in pairwise(chain))):
                    if len(found) == limit:
                        return PathResult(source, target, found, True)
                    found.append(list(hops))
    return PathResult(source, target, found, False)


def _hops(kg: KnowledgeGraph, a: str, b: str, walk: frozenset[str]) -> list[Hop]:
    """Every walkable edge between two adjacent nodes, as hops from `a` to `b`: the edges
    along their direction first, each group in id order.

    An edge's id is `from--kind--to`, so the candidates are looked up by id, one per kind,
    rather than found by scanning the adjacency of what may be a hub with thousands of edges.
    """
    edges = kg.edges
    along = sorted(i for i in (edge_id(a, k, b) for k in walk) if i in edges)
    against = sorted(i for i in (edge_id(b, k, a) for k in walk) if i in edges)
    return [Hop(a, b, edges[i], True) for i in along] + [Hop(a, b, edges[i], False) for i in against]


class _Side:
    """One end of a two-sided breadth-first search: the level at which it reached each node
    (-1: not reached), and its last level's nodes."""

    def __init__(self, adjacency: Adjacency, mask: int, start: int) -> None:
        self.adjacency, self.mask = adjacency, mask
        self.depth = 0
        self.level = np.full(len(adjacency.ids), -1, np.int8)
        self.level[start] = 0
        self.start = start
        self.frontier = np.array([start], np.int32)
        self.cost = adjacency.cost(self.frontier, mask)

    def grow(self, others: npt.NDArray[np.int8]) -> list[int]:
        """Reach one level further; return the nodes reached that the other side knows."""
        self.depth += 1
        reached = self.adjacency.reach(self.frontier, self.mask)
        fresh = np.unique(reached[self.level[reached] < 0])
        self.level[fresh] = self.depth
        self.frontier = fresh
        self.cost = self.adjacency.cost(fresh, self.mask)
        meeting: list[int] = fresh[others[fresh] >= 0].tolist()
        return meeting

    def unwind(self, node: int) -> Iterator[list[int]]:
        """Every shortest path from this side's start to `node`, as node indexes: back
        through the neighbours one level nearer the start, in index (= id) order."""
        if node == self.start:
            yield [node]
            return
        near = self.adjacency.row(node, self.mask)
        for before in near[self.level[near] == self.level[node] - 1].tolist():
            for prefix in self.unwind(before):
                yield [*prefix, node]
