"""The GraphQL object types: a `Node` interface with a type per node type, edges, citations.

Field names are GraphQL's camelCase; values are REST's (`/v1/nodes/{id}` and this schema
say the same of a node). Every list of objects is a connection (`api.contract.graphql.pages`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLField,
    GraphQLFieldMap,
    GraphQLID,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLString,
)

from api.app import urls
from api.contract.graphql.pages import connection, page_args, slice_of
from api.contract.graphql.reader import Cohort, Neighbor, Reader, Ref
from graph.models import Evidence
from graph.passages import context
from graph.queries.guide import VERDICTS
from graph.registry import EDGE_KINDS
from graph.types import NODE_TYPES

__all__ = [
    "CITATIONS",
    "DIRECTION",
    "EDGE",
    "EDGES",
    "EDGE_KIND",
    "NEIGHBORS",
    "NODE",
    "NODES",
    "NODE_TYPE",
    "OBJECT_TYPES",
    "neighbor_args",
    "neighbors_of",
    "reader",
    "ref",
]

_str = GraphQLNonNull(GraphQLString)
_int = GraphQLNonNull(GraphQLInt)


def reader(info: GraphQLResolveInfo) -> Reader:
    """The request's reader (the execution context value)."""
    found: Reader = info.context
    return found


def ref(info: GraphQLResolveInfo, node_id: str) -> Ref:
    """One node by id as a ref of its own cohort."""
    return Ref(reader(info).node(node_id), Cohort(reader(info), [node_id]))


def _enum(name: str, values: tuple[str, ...], description: str, about: Callable[[str], str | None]) -> GraphQLEnumType:
    # Values are spelled as REST spells them (`leads_to`, `concept`), so a value moves between the two as it is.
    return GraphQLEnumType(
        name, {v: GraphQLEnumValue(v, description=about(v)) for v in values}, description=description
    )


_KIND_ABOUT: Final[dict[str, str]] = {kind: spec.description for kind, spec in EDGE_KINDS.items()}
NODE_TYPE: Final = _enum("NodeType", NODE_TYPES, "The closed set of node types.", lambda _: None)
EDGE_KIND: Final = _enum(
    "EdgeKind", tuple(EDGE_KINDS), "The edge-kind registry (`/v1/schema`).", lambda k: _KIND_ABOUT[k]
)
DIRECTION: Final = _enum(
    "Direction",
    ("out", "in", "both"),
    "Which way an edge is walked: `out` as written, `in` against it, `both` either way.",
    lambda _: None,
)


def _node() -> GraphQLInterfaceType:
    """`NODE`, defined further down (a citation's source is a node, and a node has citations)."""
    return NODE


def _title(info: GraphQLResolveInfo, source_id: str) -> Any:
    return reader(info).node(source_id).attributes.get("title")


CITATION: Final = GraphQLObjectType(
    "Citation",
    lambda: {
        "quote": GraphQLField(_str, resolve=lambda ev, _: ev.quote, description="Verbatim from the article."),
        "start": GraphQLField(_int, resolve=lambda ev, _: ev.start, description="Offset of the quote in the body."),
        "end": GraphQLField(_int, resolve=lambda ev, _: ev.end, description="`text[start:end] == quote`."),
        "context": GraphQLField(
            _str, resolve=lambda ev, info: context(reader(info).kg, ev), description="The sentence the quote sits in."
        ),
        "articleTitle": GraphQLField(GraphQLString, resolve=lambda ev, info: _title(info, ev.source)),
        "passage": GraphQLField(
            _str,
            resolve=lambda ev, _: urls.passage(ev.source, ev.start, ev.end),
            description="The link to exactly the quote: `/v1/sources/{id}/text?start=&end=`.",
        ),
        "source": GraphQLField(GraphQLNonNull(_node()), resolve=lambda ev, info: ref(info, ev.source)),
    },
    description="A quote with where it sits in its article and the article it is from.",
)
CITATIONS: Final = connection("Citation", CITATION)


def _evidence(owner: Callable[[Any], tuple[Evidence, ...]]) -> GraphQLField:
    return GraphQLField(
        GraphQLNonNull(CITATIONS),
        page_args(),
        resolve=lambda item, _, first, after=None: slice_of(owner(item), first, after),
        description="The quotes that are evidence for it (REST's `evidence`).",
    )


VERDICT: Final = GraphQLObjectType(
    "Verdict",
    lambda: {
        "kind": GraphQLField(_str, resolve=lambda v, _: v.kind, description="`healthy`, `address` or `seek_support`."),
        "says": GraphQLField(_str, resolve=lambda v, _: VERDICTS[v.kind], description="The verdict in words."),
        "evidence": _evidence(lambda v: v.evidence),
    },
    description="The articles' verdict on a sign, quoted.",
)


def neighbor_args() -> dict[str, GraphQLArgument]:
    """The arguments of a neighbour list: REST's `kind`, `direction`, `type`, then a page."""
    return {
        "kind": GraphQLArgument(
            GraphQLList(GraphQLNonNull(EDGE_KIND)), description="Edge kinds to walk; none: every hand-written kind."
        ),
        "direction": GraphQLArgument(GraphQLNonNull(DIRECTION), default_value="both"),
        "type": GraphQLArgument(GraphQLList(GraphQLNonNull(NODE_TYPE)), description="Only neighbours of these types."),
        **page_args(),
    }


def neighbors_of(item: Ref, _: GraphQLResolveInfo, **args: Any) -> Any:
    """A node's neighbours, read with its cohort's (`Cohort.neighbors`)."""
    return item.cohort.neighbors(
        item.node.id,
        args.get("kind") or (),
        args["direction"],
        args.get("type") or (),
        args["first"],
        args.get("after"),
    )


def _relation(n: Neighbor, _: GraphQLResolveInfo) -> str:
    spec = EDGE_KINDS[n.hop.edge.kind]
    return spec.label if n.hop.forward else spec.inverse_label


def _node_fields() -> GraphQLFieldMap:
    return {
        "id": GraphQLField(GraphQLNonNull(GraphQLID), resolve=lambda r, _: r.node.id),
        "type": GraphQLField(GraphQLNonNull(NODE_TYPE), resolve=lambda r, _: r.node.type),
        "label": GraphQLField(_str, resolve=lambda r, _: r.node.label),
        "summary": GraphQLField(_str, resolve=lambda r, _: r.node.summary, description="In our own words."),
        "aliases": GraphQLField(GraphQLNonNull(GraphQLList(_str)), resolve=lambda r, _: r.node.aliases),
        "evidence": _evidence(lambda r: r.node.evidence),
        "sources": GraphQLField(
            GraphQLNonNull(GraphQLList(_str)),
            resolve=lambda r, _: r.node.sources,
            description="Ids of the articles it is quoted from.",
        ),
        "link": GraphQLField(_str, resolve=lambda r, _: urls.node(r.node.id), description="Its REST resource."),
        "neighbors": GraphQLField(
            GraphQLNonNull(NEIGHBORS),
            neighbor_args(),
            resolve=neighbors_of,
            description="One hop away, by edge kind and direction; a neighbour joined twice is listed per edge.",
        ),
    }


NODE: Final = GraphQLInterfaceType(
    "Node",
    _node_fields,
    resolve_type=lambda r, *_: r.node.type.capitalize(),
    description="Any node: concept, reason, sign, response, question, statistic or source.",
)

# Type-specific fields (REST keeps them in the node's own object, by these names in snake_case).
_ATTRIBUTES: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "concept": {"category": ("category", "What kind of idea it is.")},
    "reason": {"noAdvice": ("no_advice", "Says that the articles give no advice aimed at this reason, if so.")},
    "sign": {"group": ("group", "The article's grouping of signs, if any.")},
    "response": {
        "advice": ("advice", "`recommended` or `warned_against`: what the articles say of doing it."),
        "polarity": ("polarity", "`do` or `dont`, derived from `advice` (kept for older clients)."),
        "group": ("group", "The situation the advice is written for, if any."),
    },
    "question": {},
    "statistic": {"value": ("value", "The number."), "unit": ("unit", "Its unit.")},
    "source": {
        "title": ("title", "The article's title."),
        "author": ("author", "Who wrote it."),
        "url": ("url", "Where it was published, if known."),
        "urlNote": ("url_note", "Why `url` is null, when it is."),
    },
}


def _attribute(key: str) -> Callable[[Ref, GraphQLResolveInfo], Any]:
    return lambda r, _: r.node.attributes.get(key)


def _object(node_type: str) -> GraphQLObjectType:
    extra = {
        name: GraphQLField(GraphQLString, resolve=_attribute(key), description=about)
        for name, (key, about) in _ATTRIBUTES[node_type].items()
    }
    if node_type == "sign":
        extra["verdict"] = GraphQLField(
            VERDICT, resolve=lambda r, _: r.node.verdict, description="Healthy space or a pattern to address, if given."
        )
    if node_type == "source":
        extra["text"] = GraphQLField(
            _str, resolve=lambda r, _: urls.source_text(r.node.id), description="The link to the article's body."
        )
    return GraphQLObjectType(
        node_type.capitalize(),
        lambda: {**_node_fields(), **extra},
        interfaces=[NODE],
        description=f"A node of type `{node_type}`.",
    )


OBJECT_TYPES: Final = tuple(_object(t) for t in NODE_TYPES)

EDGE: Final = GraphQLObjectType(
    "Edge",
    lambda: {
        "id": GraphQLField(GraphQLNonNull(GraphQLID), resolve=lambda e, _: e.id),
        "kind": GraphQLField(GraphQLNonNull(EDGE_KIND), resolve=lambda e, _: e.kind),
        "label": GraphQLField(_str, resolve=lambda e, _: EDGE_KINDS[e.kind].label),
        "inverseLabel": GraphQLField(_str, resolve=lambda e, _: EDGE_KINDS[e.kind].inverse_label),
        "from": GraphQLField(GraphQLNonNull(NODE), resolve=lambda e, info: ref(info, e.source)),
        "to": GraphQLField(GraphQLNonNull(NODE), resolve=lambda e, info: ref(info, e.target)),
        "basis": GraphQLField(_str, resolve=lambda e, _: e.basis, description="`quoted`, `editorial` or `derived`."),
        "note": GraphQLField(GraphQLString, resolve=lambda e, _: e.note, description="Why an editorial edge is drawn."),
        "about": GraphQLField(
            GraphQLString, resolve=lambda e, _: e.about, description="What a `contradicts` is about."
        ),
        "evidence": _evidence(lambda e: e.evidence),
        "link": GraphQLField(_str, resolve=lambda e, _: urls.edge(e.id), description="Its REST resource."),
    },
    description="A typed, evidenced edge between two nodes.",
)
EDGES: Final = connection("Edge", EDGE)
NODES: Final = connection("Node", NODE)
NEIGHBORS: Final = connection(
    "Neighbor",
    NODE,
    node_of=lambda n: n.ref,
    edge_fields={
        "edge": GraphQLField(GraphQLNonNull(EDGE), resolve=lambda n, _: n.hop.edge),
        "direction": GraphQLField(
            GraphQLNonNull(DIRECTION), resolve=lambda n, _: "out" if n.hop.forward else "in", description="How walked."
        ),
        "relation": GraphQLField(
            _str, resolve=_relation, description="The edge read from this node: `indicates`, `indicated by`, …"
        ),
    },
    description="A node's neighbours; each edge says which edge joins them and how it reads.",
)
