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

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise, product
from typing import Literal

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
    # Breadth first from both ends over node adjacency; each side keeps, per node it
    # reached, every predecessor on a shortest path from its own end. Edges are looked up
    # only for the paths returned.
    near = _near(kg, walk)
    ahead, behind = _Side(near, from_id), _Side(near, to_id)
    budget = STEP_BUDGET
    meeting: list[str] = []
    while not meeting and ahead.depth + behind.depth < max_hops:
        side, other = (ahead, behind) if ahead.cost <= behind.cost else (behind, ahead)
        if not side.frontier:
            break
        budget -= side.cost
        if budget < 0:
            return PathResult(source, target, [], True)
        meeting = side.grow(other.level, limit)
    found: list[list[Hop]] = []
    for middle in meeting:
        for head in _unwind(ahead.parents, from_id, middle):
            for tail in _unwind(behind.parents, to_id, middle):
                for hops in product(*(_hops(kg, a, b, walk) for a, b in pairwise([*head, *reversed(tail[:-1])]))):
                    if len(found) == limit:
                        return PathResult(source, target, found, True)
                    found.append(list(hops))
    return PathResult(source, target, found, False)


_DEFAULT_WALK = frozenset(DEFAULT_KINDS)


def _near(kg: KnowledgeGraph, walk: frozenset[str]) -> Mapping[str, tuple[str, ...]]:
    """Each node's neighbours over `walk`, either way: `kg.near` for the default kinds, else
    worked out from a node's edges when first asked (and kept for the rest of this query)."""
    if walk == _DEFAULT_WALK:
        return kg.near
    return _NearBy(kg, walk)


class _NearBy(dict[str, tuple[str, ...]]):
    """`kg.near` for other edge kinds, filled in as the search reaches nodes."""

    def __init__(self, kg: KnowledgeGraph, walk: frozenset[str]) -> None:
        super().__init__()
        self.kg, self.walk = kg, walk

    def __missing__(self, node: str) -> tuple[str, ...]:
        found = self[node] = tuple(dict.fromkeys(hop.target for hop in _steps(self.kg, node, self.walk, "both")))
        return found


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
    """One end of a two-sided breadth-first search: depth per node reached, and the
    predecessors of each node on shortest paths from this end."""

    def __init__(self, near: Mapping[str, tuple[str, ...]], start: str) -> None:
        self.near = near
        self.depth = 0
        self.level = {start: 0}
        self.parents: dict[str, dict[str, None]] = {}
        self.frontier = [start]
        self.cost = self._cost()

    def _cost(self) -> int:
        """Neighbours that growing this side by one level would look at."""
        return sum(map(len, map(self.near.__getitem__, self.frontier)))

    def grow(self, others: Mapping[str, int], enough: int) -> list[str]:
        """Reach one level further; return the nodes reached that the other side knows.

        The new frontier is what was first reached at this level. The level is cut short
        once more than `enough` meeting nodes are known: each gives at least one shortest
        path, so the answer is already a full, truncated page. The hot loop of a path
        search, so written flat, over node ids only.
        """
        self.depth += 1
        depth, level, parents, near = self.depth, self.level, self.parents, self.near
        frontier: list[str] = []
        meeting: list[str] = []
        self.frontier, old = frontier, self.frontier
        for current in old:
            for other in near[current]:
                seen_at = level.get(other)
                if seen_at is None:
                    level[other] = seen_at = depth
                    frontier.append(other)
                    parents[other] = {current: None}
                    if other in others:
                        meeting.append(other)
                        if len(meeting) > enough:  # even in the middle of a hub's list
                            return meeting
                elif seen_at == depth:
                    parents[other][current] = None
        self.cost = self._cost()
        return meeting


def _unwind(parents: dict[str, dict[str, None]], start: str, node: str) -> Iterator[list[str]]:
    """Every shortest path from `start` to `node` as node ids, built back from predecessors."""
    if node == start:
        yield [start]
        return
    for before in parents.get(node, ()):
        for prefix in _unwind(parents, start, before):
            yield [*prefix, node]
