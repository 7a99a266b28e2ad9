"""Cards: one node with everything a front end needs to render it in one request.

Relations are the node's one-hop edges grouped by how they read from this node: the
registry's `label` for edges leaving it, `inverse_label` for edges arriving (symmetric kinds
read the same both ways). The derived `mentioned_in` edges are left out: the card's
citations already say which articles quote the node. A reason or a sign that no response is
aimed at carries `advice_note`, saying that the articles give none (in the content's own
words where it has them).
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.build import KnowledgeGraph
from graph.models import Edge, Node
from graph.queries.guide import advice_note, situations
from graph.queries.lookup import get_node
from graph.registry import EDGE_KINDS
from graph.types import EdgeKind

__all__ = ["Card", "RelationGroup", "card"]


@dataclass(frozen=True)
class RelationGroup:
    """Neighbours reached through one edge kind in one direction, under its human label."""

    label: str
    kind: EdgeKind
    direction: str
    items: list[tuple[Node, Edge]]


@dataclass(frozen=True)
class Card:
    """A node and its relation groups, in registry order (outgoing before incoming).

    `advice_note` is set on a reason or sign that no response addresses or backfires on.
    """

    node: Node
    relations: list[RelationGroup]
    advice_note: str | None = None


def card(kg: KnowledgeGraph, node_id: str) -> Card:
    """The node `node_id` and its one-hop neighbours grouped under the registry's labels.

    Raises NodeNotFound (with suggestions) for an unknown id.

    Examples
    --------
    >>> c = card(tiny_graph(), "needs-space")
    >>> [(g.label, [n.id for n, _ in g.items]) for g in c.relations]
    [('involves', ['oxytocin']), ('indicated by', ['slower-replies']), ('addressed by', ['give-him-space']), \
('worsened by', ['chase-him']), ('measured by', ['a-few-days'])]
    """
    node = get_node(kg, node_id)
    groups: dict[tuple[EdgeKind, str], list[tuple[Node, Edge]]] = {}
    for direction, edge_ids in (("out", kg.out_edges.get(node_id, ())), ("in", kg.in_edges.get(node_id, ()))):
        for eid in edge_ids:
            edge = kg.edges[eid]
            spec = EDGE_KINDS[edge.kind]
            if spec.derived:
                continue
            other = edge.target if direction == "out" else edge.source
            way = "both" if spec.symmetric else direction
            groups.setdefault((edge.kind, way), []).append((kg.nodes[other], edge))
    order = {kind: i for i, kind in enumerate(EDGE_KINDS)}
    ways = {"out": 0, "both": 1, "in": 2}
    relations = [
        RelationGroup(
            EDGE_KINDS[kind].inverse_label if way == "in" else EDGE_KINDS[kind].label,
            kind,
            way,
            items,
        )
        for (kind, way), items in sorted(groups.items(), key=lambda kv: (order[kv[0][0]], ways[kv[0][1]]))
    ]
    note = advice_note(kg, node) if node.type in ("reason", "sign") else None
    if note is not None and node.type == "sign":
        named = " and ".join(f"“{s.hub.label}”" for s in situations(kg, node))
        note = f"{note[:-1]}; the advice they write for {named}, which it is a sign of, applies." if named else note
    return Card(node, relations, note)
