"""The GraphQL root: the same questions REST answers, each resolved by the same `graph.queries`."""

from __future__ import annotations

from typing import Any, Final

from graphql import (
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLString,
)

from api.contract.graphql.pages import Slice, connection, page_args, slice_of, window
from api.contract.graphql.reader import Cohort
from api.contract.graphql.types import (
    CITATIONS,
    DIRECTION,
    EDGE,
    EDGE_KIND,
    EDGES,
    NEIGHBORS,
    NODE,
    NODE_TYPE,
    NODES,
    neighbor_args,
    neighbors_of,
    reader,
    ref,
)
from api.contract.shapes import ANSWER_HEADINGS
from graph import queries, releases
from graph.queries.answer import answer
from graph.queries.autocomplete import MAX_SUGGESTIONS
from graph.queries.traverse import MAX_HOPS

__all__ = ["QUERY"]

_str = GraphQLNonNull(GraphQLString)
_int = GraphQLNonNull(GraphQLInt)
_ids = GraphQLList(GraphQLNonNull(GraphQLID))


def _paged(info: GraphQLResolveInfo, query: Any, first: int, after: str | None, **options: Any) -> Slice:
    """A page from a query that pages itself (`limit`, `offset`); nodes come back as refs of one cohort."""
    offset, limit = window(first, after)
    page = reader(info).read(query, limit=limit, offset=offset, **options)
    items = page.items
    if items and hasattr(items[0], "evidence") and hasattr(items[0], "aliases"):
        items = Cohort.of(reader(info), items)
    return Slice(items, offset, page.total)


def _node(_: None, info: GraphQLResolveInfo, id: str) -> Any:
    return ref(info, id)


def _nodes(_: None, info: GraphQLResolveInfo, first: int, after: str | None = None, **f: Any) -> Slice:
    filters = {"ids": f.get("ids") or (), "types": f.get("type") or (), "source": f.get("source"), "q": f.get("q")}
    return _paged(info, queries.list_nodes, first, after, **filters)


def _edge(_: None, info: GraphQLResolveInfo, id: str) -> Any:
    return reader(info).read(queries.get_edge, id)


def _edges(_: None, info: GraphQLResolveInfo, first: int, after: str | None = None, **f: Any) -> Slice:
    filters = {"kinds": f.get("kind") or (), "from_id": f.get("from"), "to_id": f.get("to"), "source": f.get("source")}
    return _paged(info, queries.list_edges, first, after, **filters)


def _neighbors(_: None, info: GraphQLResolveInfo, id: str, **args: Any) -> Any:
    return neighbors_of(ref(info, id), info, **args)


SEARCH_HIT: Final = GraphQLObjectType(
    "SearchHit",
    {
        "node": GraphQLField(GraphQLNonNull(NODE), resolve=lambda hit, info: ref(info, hit.node.id)),
        "score": GraphQLField(GraphQLNonNull(GraphQLFloat), resolve=lambda hit, _: hit.score),
        "field": GraphQLField(_str, resolve=lambda hit, _: hit.field, description="Which text the snippet is from."),
        "snippet": GraphQLField(_str, resolve=lambda hit, _: hit.snippet),
        "highlights": GraphQLField(
            GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLList(_int)))),
            resolve=lambda hit, _: [list(span) for span in hit.highlights],
            description="`[start, end]` of each matched word in the snippet.",
        ),
    },
    description="One search result, as `/v1/search` ranks it.",
)

HOP: Final = GraphQLObjectType(
    "Hop",
    {
        "from": GraphQLField(GraphQLNonNull(NODE), resolve=lambda hop, info: ref(info, hop.source)),
        "to": GraphQLField(GraphQLNonNull(NODE), resolve=lambda hop, info: ref(info, hop.target)),
        "direction": GraphQLField(GraphQLNonNull(DIRECTION), resolve=lambda hop, _: "out" if hop.forward else "in"),
        "edge": GraphQLField(GraphQLNonNull(EDGE), resolve=lambda hop, _: hop.edge),
    },
    description="One step of a path: the edge, walked along (`out`) or against (`in`) its direction.",
)
HOPS: Final = connection("Hop", HOP)
PATH: Final = GraphQLObjectType(
    "Path",
    {
        "length": GraphQLField(_int, resolve=lambda path, _: len(path)),
        "hops": GraphQLField(
            GraphQLNonNull(HOPS),
            page_args(MAX_HOPS),
            resolve=lambda path, _, first, after=None: slice_of(path, first, after),
        ),
    },
)
PATHS: Final = GraphQLObjectType(
    "Paths",
    {
        "paths": GraphQLField(
            GraphQLNonNull(connection("Path", PATH)),
            page_args(),
            resolve=lambda result, _, first, after=None: slice_of(result.paths, first, after),
        ),
        "truncated": GraphQLField(GraphQLNonNull(GraphQLBoolean), resolve=lambda result, _: result.truncated),
    },
    description="Shortest paths between two nodes, as `/v1/paths` finds them.",
)

# A node and the edge that ties it to the node being described (a response that addresses a reason).
RELATED: Final = GraphQLObjectType(
    "Related",
    {
        "node": GraphQLField(GraphQLNonNull(NODE), resolve=lambda pair, info: ref(info, pair[0].id)),
        "edge": GraphQLField(GraphQLNonNull(EDGE), resolve=lambda pair, _: pair[1]),
    },
)
RELATEDS: Final = connection("Related", RELATED)


def _related_list(attr: str) -> GraphQLField:
    return GraphQLField(
        GraphQLNonNull(RELATEDS),
        page_args(),
        resolve=lambda item, _, first, after=None: slice_of(getattr(item, attr), first, after),
    )


GUIDE_REASON: Final = GraphQLObjectType(
    "GuideReason",
    {
        "reason": GraphQLField(GraphQLNonNull(NODE), resolve=lambda r, info: ref(info, r.reason.id)),
        "score": GraphQLField(GraphQLNonNull(GraphQLFloat), resolve=lambda r, _: r.score),
        "direct": GraphQLField(_int, resolve=lambda r, _: r.direct, description="Given signs that indicate it."),
        "quotes": GraphQLField(_int, resolve=lambda r, _: r.quotes),
        "via": GraphQLField(_str, resolve=lambda r, _: r.via, description="How it was reached, in words."),
        "because": GraphQLField(
            GraphQLNonNull(EDGES),
            page_args(),
            resolve=lambda r, _, first, after=None: slice_of(r.because, first, after),
        ),
        "addressedBy": _related_list("addressed_by"),
        "backfiredBy": _related_list("backfired_by"),
    },
    description="A reason the guide ranks for the given signs, with what helps and what backfires.",
)
SIGN_NOTE: Final = GraphQLObjectType(
    "GuideSign",
    {
        "sign": GraphQLField(GraphQLNonNull(NODE), resolve=lambda s, info: ref(info, s.sign.id)),
        "direct": GraphQLField(_int, resolve=lambda s, _: s.direct),
        "fallback": GraphQLField(GraphQLNonNull(GraphQLBoolean), resolve=lambda s, _: s.fallback),
        "note": GraphQLField(GraphQLString, resolve=lambda s, _: s.note),
        "addressedBy": _related_list("addressed_by"),
        "backfiredBy": _related_list("backfired_by"),
    },
)
GUIDE: Final = GraphQLObjectType(
    "Guide",
    {
        "reasons": GraphQLField(
            GraphQLNonNull(connection("GuideReason", GUIDE_REASON)),
            page_args(),
            resolve=lambda g, _, first, after=None: slice_of(g.reasons, first, after),
        ),
        "perSign": GraphQLField(
            GraphQLNonNull(connection("GuideSign", SIGN_NOTE)),
            page_args(),
            resolve=lambda g, _, first, after=None: slice_of(g.notes, first, after),
        ),
        "scoring": GraphQLField(_str, resolve=lambda *_: queries.SCORING, description="How reasons are ranked."),
    },
    description="From signs to reasons to responses, as `/v1/guide` ranks them.",
)

DISAGREEMENT: Final = GraphQLObjectType(
    "Disagreement",
    {
        "id": GraphQLField(GraphQLNonNull(GraphQLID), resolve=lambda d, _: d.edge.id),
        "about": GraphQLField(_str, resolve=lambda d, _: d.about, description="What the two sides disagree on."),
        "edge": GraphQLField(GraphQLNonNull(EDGE), resolve=lambda d, _: d.edge),
        "sides": GraphQLField(
            GraphQLNonNull(NODES),
            page_args(2),
            resolve=lambda d, info, first, after=None: slice_of(Cohort.of(reader(info), d.sides), first, after),
        ),
    },
    description="Two nodes a `contradicts` edge joins: both sides, each quoted.",
)

RELEASE: Final = GraphQLObjectType(
    "Release",
    {
        "contentVersion": GraphQLField(_str, resolve=lambda r, _: r.content_version),
        "releasedAt": GraphQLField(_str, resolve=lambda r, _: r.released_at),
        "nodes": GraphQLField(_int, resolve=lambda r, _: len(r.snapshot.nodes)),
        "edges": GraphQLField(_int, resolve=lambda r, _: len(r.snapshot.edges)),
        "served": GraphQLField(
            GraphQLNonNull(GraphQLBoolean), resolve=lambda r, info: r.content_version == reader(info).kg.content_version
        ),
    },
)
CHANGE: Final = GraphQLObjectType(
    "Change",
    {
        "resource": GraphQLField(_str, resolve=lambda c, _: c.resource, description="`node` or `edge`."),
        "id": GraphQLField(GraphQLNonNull(GraphQLID), resolve=lambda c, _: c.id),
        "change": GraphQLField(_str, resolve=lambda c, _: c.change, description="`added`, `changed` or `removed`."),
        "fields": GraphQLField(GraphQLNonNull(GraphQLList(_str)), resolve=lambda c, _: c.fields),
        "type": GraphQLField(_str, resolve=lambda c, _: c.type, description="A node's type or an edge's kind."),
        "label": GraphQLField(GraphQLString, resolve=lambda c, _: c.label),
    },
)


def _changes(_: None, info: GraphQLResolveInfo, since: str, first: int, after: str | None = None) -> Slice:
    offset, limit = window(first, after)
    found = reader(info).read(releases.changes, since, limit=limit, offset=offset)
    return Slice(found.page.items, offset, found.page.total)


def _sections(result: Any) -> list[tuple[str, str, list[tuple[Any, Any]]]]:
    """The answer's sections in reading order, each `(name, heading, [(item, disagreement or None)])`."""
    out = []
    for name in result.order:
        if name == "sides":
            items = [(side, pair) for pair in result.sides for side in pair.sides]
        else:
            items = [(item, None) for item in getattr(result, name)]
        if items:
            out.append((name, ANSWER_HEADINGS[name], items))
    return out


ANSWER_ITEM: Final = GraphQLObjectType(
    "AnswerItem",
    {
        "node": GraphQLField(GraphQLNonNull(NODE), resolve=lambda pair, info: ref(info, pair[0].node.id)),
        "how": GraphQLField(_str, resolve=lambda pair, _: pair[0].how, description="Why it is in the answer."),
        "purpose": GraphQLField(GraphQLString, resolve=lambda pair, _: pair[0].purpose),
        "about": GraphQLField(
            GraphQLString,
            resolve=lambda pair, _: pair[1].about if pair[1] else None,
            description="A disagreement's point.",
        ),
        "edge": GraphQLField(EDGE, resolve=lambda pair, _: pair[1].edge if pair[1] else None),
        "verdictKind": GraphQLField(GraphQLString, resolve=lambda pair, _: pair[0].verdict and pair[0].verdict[0]),
        "verdictSays": GraphQLField(GraphQLString, resolve=lambda pair, _: pair[0].verdict and pair[0].verdict[1]),
        "citations": GraphQLField(
            GraphQLNonNull(CITATIONS),
            page_args(),
            resolve=lambda pair, _, first, after=None: slice_of(pair[0].citations, first, after),
        ),
    },
    description="One node of an answer, why it is there, and its citations.",
)
ANSWER_SECTION: Final = GraphQLObjectType(
    "AnswerSection",
    {
        "name": GraphQLField(_str, resolve=lambda s, _: s[0]),
        "heading": GraphQLField(_str, resolve=lambda s, _: s[1]),
        "items": GraphQLField(
            GraphQLNonNull(connection("AnswerItem", ANSWER_ITEM)),
            page_args(),
            resolve=lambda s, _, first, after=None: slice_of(s[2], first, after),
        ),
    },
)
ANSWER: Final = GraphQLObjectType(
    "Answer",
    {
        "q": GraphQLField(_str, resolve=lambda a, _: a.message),
        "answered": GraphQLField(
            GraphQLNonNull(GraphQLBoolean),
            resolve=lambda a, _: a.answered,
            description="False: the articles do not cover it.",
        ),
        "note": GraphQLField(GraphQLString, resolve=lambda a, _: a.note),
        "asks": GraphQLField(GraphQLNonNull(GraphQLList(_str)), resolve=lambda a, _: sorted(a.asks)),
        "sections": GraphQLField(
            GraphQLNonNull(connection("AnswerSection", ANSWER_SECTION)),
            page_args(),
            resolve=lambda a, _, first, after=None: slice_of(_sections(a), first, after),
        ),
        "citations": GraphQLField(
            GraphQLNonNull(CITATIONS),
            page_args(),
            resolve=lambda a, _, first, after=None: slice_of(a.citations(), first, after),
            description="Every citation once, in reading order.",
        ),
    },
    description="A reader's message answered from the graph alone, as `/v1/answer` answers it.",
)


_filters_doc = "Filters are REST's: `type`, `source` (an article id), `q` (a substring)."
QUERY: Final = GraphQLObjectType(
    "Query",
    lambda: {
        "node": GraphQLField(
            NODE, {"id": GraphQLArgument(GraphQLNonNull(GraphQLID))}, resolve=_node, description="One node by id."
        ),
        "nodes": GraphQLField(
            GraphQLNonNull(NODES),
            {
                "ids": GraphQLArgument(_ids, description="A batch, in the order given; an unknown id is an error."),
                "type": GraphQLArgument(GraphQLList(GraphQLNonNull(NODE_TYPE))),
                "source": GraphQLArgument(GraphQLID),
                "q": GraphQLArgument(GraphQLString),
                **page_args(),
            },
            resolve=_nodes,
            description=_filters_doc,
        ),
        "edge": GraphQLField(
            EDGE, {"id": GraphQLArgument(GraphQLNonNull(GraphQLID))}, resolve=_edge, description="One edge by id."
        ),
        "edges": GraphQLField(
            GraphQLNonNull(EDGES),
            {
                "kind": GraphQLArgument(GraphQLList(GraphQLNonNull(EDGE_KIND))),
                "from": GraphQLArgument(GraphQLID),
                "to": GraphQLArgument(GraphQLID),
                "source": GraphQLArgument(GraphQLID),
                **page_args(),
            },
            resolve=_edges,
        ),
        "neighbors": GraphQLField(
            GraphQLNonNull(NEIGHBORS),
            {"id": GraphQLArgument(GraphQLNonNull(GraphQLID)), **neighbor_args()},
            resolve=_neighbors,
            description="A node's neighbours (the same as `node(id) { neighbors }`).",
        ),
        "paths": GraphQLField(
            GraphQLNonNull(PATHS),
            {
                "from": GraphQLArgument(GraphQLNonNull(GraphQLID)),
                "to": GraphQLArgument(GraphQLNonNull(GraphQLID)),
                "maxHops": GraphQLArgument(_int, default_value=4),
                "kind": GraphQLArgument(GraphQLList(GraphQLNonNull(EDGE_KIND))),
                "limit": GraphQLArgument(_int, default_value=3, description="How many shortest paths, 1 to 10."),
            },
            resolve=lambda _, info, **a: reader(info).read(
                queries.paths, a["from"], a["to"], max_hops=a["maxHops"], kinds=a.get("kind") or (), limit=a["limit"]
            ),
        ),
        "search": GraphQLField(
            GraphQLNonNull(connection("SearchHit", SEARCH_HIT)),
            {
                "q": GraphQLArgument(_str),
                "type": GraphQLArgument(GraphQLList(GraphQLNonNull(NODE_TYPE))),
                **page_args(),
            },
            resolve=lambda _, info, q, first, after=None, type=None: _paged(
                info, queries.search, first, after, q=q, types=type or ()
            ),
        ),
        "suggest": GraphQLField(
            GraphQLNonNull(NODES),
            {"q": GraphQLArgument(_str), **page_args(MAX_SUGGESTIONS)},
            resolve=lambda _, info, q, first, after=None: slice_of(
                Cohort.of(reader(info), reader(info).read(queries.autocomplete, q)), first, after
            ),
            description=f"Autocomplete: up to {MAX_SUGGESTIONS} nodes for a search box, best first.",
        ),
        "guide": GraphQLField(
            GraphQLNonNull(GUIDE),
            {"signs": GraphQLArgument(GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLID))))},
            resolve=lambda _, info, signs: reader(info).read(queries.guide, signs),
        ),
        "disagreements": GraphQLField(
            GraphQLNonNull(connection("Disagreement", DISAGREEMENT)),
            page_args(),
            resolve=lambda _, info, first, after=None: slice_of(reader(info).read(queries.disagreements), first, after),
        ),
        "releases": GraphQLField(
            GraphQLNonNull(connection("Release", RELEASE)),
            page_args(),
            resolve=lambda _, info, first, after=None: _paged(info, releases.list_releases, first, after),
            description="The recorded releases, newest first.",
        ),
        "answer": GraphQLField(
            GraphQLNonNull(ANSWER),
            {"q": GraphQLArgument(_str, description="A reader's message in her own words, up to 1,000 characters.")},
            resolve=lambda _, info, q: reader(info).read(answer, q),
            description="A reader's message answered with cited nodes, or `answered: false` when not covered.",
        ),
        "changes": GraphQLField(
            GraphQLNonNull(connection("Change", CHANGE)),
            {"since": GraphQLArgument(_str, description="A release's content_version or its prefix."), **page_args()},
            resolve=_changes,
            description="What changed from a release to what is served, nodes first, then edges, by id.",
        ),
    },
)
