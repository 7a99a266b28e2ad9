"""The GraphQL schema's one way into the graph: every read counted, siblings read together.

A GraphQL answer resolves field by field, so a naive resolver for "each of these 50 nodes'
neighbours" reads the graph 50 times (the N+1 problem). Here the nodes of one page form a
`Cohort`; the first sibling to ask for its neighbours (or anything else read per node) makes
the `Reader` read them for the whole cohort in one call, and the others find them done. The
neighbours on every page of that level form the next cohort, so a query costs one read per
level and field, whatever the number of nodes. `Reader.lookups` counts the reads: the
batching test reads it, and it is the same counter in every request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from api.contract.graphql.pages import Slice, slice_of
from graph import queries
from graph.build import KnowledgeGraph
from graph.models import Node
from graph.queries import Hop
from graph.queries.traverse import Direction
from graph.types import EdgeKind, NodeType

__all__ = ["Cohort", "Neighbor", "Reader", "Ref"]


@dataclass(slots=True)
class Reader:
    """One request's reads of one graph; `lookups` counts the reads that touched the graph."""

    kg: KnowledgeGraph
    lookups: int = 0
    _nodes: dict[str, Node] = field(default_factory=dict)

    def node(self, node_id: str) -> Node:
        """One node (NodeNotFound with close ids when there is none); kept for the request."""
        found = self._nodes.get(node_id)
        if found is None:
            self.lookups += 1
            found = self._nodes[node_id] = queries.get_node(self.kg, node_id)
        return found

    def adjacent(
        self, node_ids: Sequence[str], kinds: Sequence[EdgeKind], direction: Direction, types: Sequence[NodeType]
    ) -> dict[str, list[tuple[Hop, Node]]]:
        """Every node's one-hop steps with the node each reaches: one read for all of them."""
        self.lookups += 1
        steps = queries.adjacent(self.kg, node_ids, kinds=kinds, direction=direction, types=types)
        return {node_id: [(hop, self.kg.nodes[hop.target]) for hop in hops] for node_id, hops in steps.items()}

    def read(self, query: Any, *args: Any, **options: Any) -> Any:
        """Any other query of `graph.queries` (a page of nodes, a search, the guide): one read."""
        self.lookups += 1
        return query(self.kg, *args, **options)


@dataclass(frozen=True, slots=True)
class Neighbor:
    """One step from a node: the neighbour (as a `Ref`), the edge and the way it was walked."""

    ref: Ref
    hop: Hop


class Cohort:
    """Nodes resolved side by side (one page, one level); what one of them needs is read for all."""

    __slots__ = ("_done", "ids", "reader")

    def __init__(self, reader: Reader, ids: Sequence[str]) -> None:
        self.reader, self.ids = reader, tuple(dict.fromkeys(ids))
        self._done: dict[tuple[Any, ...], dict[str, Slice]] = {}

    @classmethod
    def of(cls, reader: Reader, nodes: Sequence[Node]) -> list[Ref]:
        """`nodes` as refs of one new cohort."""
        cohort = cls(reader, [n.id for n in nodes])
        return [Ref(n, cohort) for n in nodes]

    def neighbors(
        self,
        node_id: str,
        kinds: Sequence[EdgeKind],
        direction: Direction,
        types: Sequence[NodeType],
        first: int,
        after: str | None,
    ) -> Slice:
        """`node_id`'s page of neighbours; the first call reads every member's at once."""
        key = (tuple(kinds), direction, tuple(types), first, after)
        pages = self._done.get(key)
        if pages is None:
            steps = self.reader.adjacent(self.ids, kinds, direction, types)
            cut = {member: slice_of(found, first, after) for member, found in steps.items()}
            # The neighbours on every page of this level are the next level's cohort.
            nxt = Cohort(self.reader, [hop.target for page in cut.values() for hop, _ in page.items])
            pages = self._done[key] = {
                member: Slice([Neighbor(Ref(n, nxt), hop) for hop, n in page.items], page.start, page.total)
                for member, page in cut.items()
            }
        return pages[node_id]


@dataclass(frozen=True, slots=True)
class Ref:
    """A node as the schema resolves it: the node and the cohort it was read with."""

    node: Node
    cohort: Cohort
