"""Query parameters, one pydantic model per route: names, bounds, examples and docs declared once.

A route takes its model as `p: Annotated[NodeListQuery, query(NodeListQuery)]`; FastAPI reads
the model's fields as the query parameters (and documents them), and the model refuses what
the contract does not take, each refusal a 422 naming the parameter:

- a parameter the route does not have (`extra="forbid"`, with the names it does have);
- a single-valued parameter given twice (`?limit=5&limit=7`): never a silent last-one-wins;
- a number not written as plain digits (`1_0`, `+5`, `1.0`, ` 5`): `Digits`;
- a value outside its bounds, which come from the queries (`MAX_LIMIT`, …), named once there.

List parameters (`kind`, `type`, `signs`, `include`, `fields`) take both repetition and commas:
`signs=a&signs=b` is `signs=a,b`. Field names are the query functions' keyword names (the
query-string names are aliases), so a handler passes `**p.model_dump()` straight through.
Nothing here depends on the content: a sign id is any slug (`format: sign-id`), judged
against the served graph by the guide query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Final, Literal, get_args

from fastapi import Path
from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from api.app import urls
from api.app.querymodel import ID_PATTERN, LIST_HINT, MAX_ID, Digits, QueryModel, query, split_commas
from api.contract.schemas import NodeOut
from api.contract.shapes import ALWAYS_FIELDS
from graph.exports import EXPORT_FORMATS, FORMATS
from graph.queries import MAX_LIMIT, MAX_NEIGHBORS, MAX_SIGNS
from graph.queries.answer import MAX_MESSAGE
from graph.queries.autocomplete import MAX_TYPED
from graph.queries.listing import MAX_IDS, MAX_OFFSET, NodeSort
from graph.queries.search import MAX_QUERY, MAX_RESULTS
from graph.queries.traverse import MAX_DEPTH, MAX_HOPS, MAX_PATHS, Direction
from graph.registry import EDGE_KINDS
from graph.releases import MIN_PREFIX
from graph.types import NODE_TYPES, EdgeKind, NodeType

__all__ = [
    "INCLUDES",
    "LinkedQuery",
    "NODE_FIELDS",
    "AnswerQuery",
    "ChangesQuery",
    "DisagreementsQuery",
    "EdgeIdPath",
    "EdgeListQuery",
    "EventsQuery",
    "ExportQuery",
    "GuideQuery",
    "NeighborQuery",
    "NoQuery",
    "NodeIdPath",
    "NodeListQuery",
    "NodeQuery",
    "PathQuery",
    "QueryModel",
    "ReleaseListQuery",
    "ResponseListQuery",
    "SearchQuery",
    "SourceIdPath",
    "SourceTextQuery",
    "SuggestQuery",
    "TypedListQuery",
    "query",
]

# The export formats are the registry's (graph.exports.FORMATS): a format added there is a
# value here, in the contract and in the CLI, with no edit in api/.
if TYPE_CHECKING:
    ExportFormat = str
else:
    ExportFormat = Literal[EXPORT_FORMATS]
Slug = Annotated[str, Field(min_length=1, max_length=MAX_ID, pattern=ID_PATTERN)]
# The contract says what a sign id is (a slug, `format: sign-id`), never which ones exist: the
# served graph says that, and the fuzzers learn the ids from it (tests/schemathesis_hooks.py).
SignId = Annotated[
    str, Field(min_length=1, max_length=MAX_ID, pattern=ID_PATTERN, json_schema_extra={"format": "sign-id"})
]


NodeIdPath = Annotated[
    str, Path(description="A node's stable slug.", examples=["oxytocin"], max_length=MAX_ID, pattern=ID_PATTERN)
]
SourceIdPath = Annotated[
    str, Path(description="An article's id, three digits.", examples=["001"], max_length=3, pattern=r"^[0-9]{3}$")
]
EdgeIdPath = Annotated[
    str,
    Path(
        description="An edge id, `from--kind--to`.",
        examples=["leaves-right-after-sex--indicates--oxytocin-triggers-fight-or-flight"],
        max_length=2 * MAX_ID + 20,
        pattern=ID_PATTERN,
    ),
]

_Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"Page size, 1–{MAX_LIMIT}."), Digits]
_Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description="Items to skip."), Digits]
# Lists are bounded by the size of their closed set: naming a value twice adds nothing.
_Types = Annotated[
    list[NodeType],
    BeforeValidator(split_commas),
    Field(alias="type", max_length=len(NODE_TYPES), description="Node types to keep." + LIST_HINT),
]
_Kinds = Annotated[
    list[EdgeKind],
    BeforeValidator(split_commas),
    Field(alias="kind", max_length=len(EDGE_KINDS), description="Edge kinds to keep or walk." + LIST_HINT),
]
_Include = Literal["edges", "evidence", "neighbors"]
# `fields` takes the node shape's own fields (api.contract.schemas.NodeOut): a field a node type adds
# there is selectable at once.
if TYPE_CHECKING:
    _NodeField = str
else:
    _NodeField = Literal[tuple(name for name in NodeOut.model_fields if name not in ALWAYS_FIELDS)]
_Source = Annotated[
    str | None,
    Field(
        pattern=r"^[0-9]{3}$",
        max_length=3,
        description="Keep what quotes this article; an unknown id matches nothing.",
        examples=["001"],
    ),
]
# A list's substring filter and a batch of ids share one URL, which must fit the URL bound
# (`DISTANCE_MAX_URL_BYTES`, 14000): 100 ids of at most 48 characters (never percent-encoded;
# a longer id is fetched on its own) and a substring of at most 128 characters (any of them
# may take 12 bytes encoded). tests/api/app/test_bounds.py checks every route's worst case.
_MAX_SUBSTRING: Final = 128
_MAX_BATCH_ID: Final = 48
_Substring = Annotated[
    str | None,
    Field(
        min_length=1, max_length=_MAX_SUBSTRING, description="Case-insensitive substring of label, aliases, summary."
    ),
]
_BatchId = Annotated[str, Field(min_length=1, max_length=_MAX_BATCH_ID, pattern=ID_PATTERN)]


class EventsQuery(QueryModel):
    """`/v1/events`: how long the stream may stay open."""

    timeout: Annotated[
        int | None,
        Field(
            ge=1,
            le=86_400,
            description="End the stream after this many seconds (at most the server's own bound, "
            "`DISTANCE_EVENTS_MAX_SECONDS`, which applies when it is not given).",
        ),
        WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 86_400}),  # as `_Bound`: no `| null`
        Digits,
    ] = None


class NoQuery(QueryModel):
    """A route without query parameters: any parameter is refused."""


class TypedListQuery(QueryModel):
    """The typed shortcuts (`/v1/concepts`, …): filters, sort, page and what to embed."""

    include: Annotated[
        # An enum of one, not a `const`: the contract's string parameters all say their values.
        list[Annotated[Literal["evidence"], WithJsonSchema({"type": "string", "enum": ["evidence"]})]],
        BeforeValidator(split_commas),
        Field(
            max_length=1,
            description="`evidence` gives each item its quotes, each with its article's title (default: none)."
            + LIST_HINT,
        ),
    ] = []
    source: _Source = None
    q: _Substring = None
    sort: NodeSort = Field("id", description="Sort key; `-` for descending.")
    limit: _Limit = 50
    offset: _Offset = 0


class NodeListQuery(TypedListQuery):
    """`/v1/nodes`: the shortcuts' parameters, the node types to keep, and a batch of ids.

    With `ids` the page is those nodes in the order given (repeats count once), and `limit`
    defaults to their number, so one request fetches the whole batch; the other filters
    (`types`, `source`, `q`) keep those of the batch that match, as they do on the whole list.
    """

    types: _Types = []
    ids: Annotated[
        list[_BatchId],
        BeforeValidator(split_commas),
        Field(
            max_length=MAX_IDS,
            description=(
                f"Fetch these nodes, in this order (at most {MAX_IDS} ids of up to {_MAX_BATCH_ID} characters); "
                "an unknown id is a 404." + LIST_HINT
            ),
            examples=[["oxytocin", "disappears"]],
        ),
    ] = []

    @model_validator(mode="after")
    def _batch_limit(self) -> NodeListQuery:
        if self.ids and "limit" not in self.model_fields_set:
            self.limit = len(dict.fromkeys(self.ids))
        return self


class ResponseListQuery(TypedListQuery):
    """`/v1/responses`: the shortcuts' parameters, `advice` and the deprecated `polarity`."""

    advice: Literal["recommended", "warned_against"] | None = Field(
        None, description="`recommended` or `warned_against`: whether the articles recommend the action."
    )
    polarity: Literal["do", "dont"] | None = Field(
        None,
        deprecated=True,
        description="Deprecated: use `advice` (`do` is `recommended`, `dont` is `warned_against`).",
    )


# A node's or an edge's representation by name, for a link, where no `Accept` can be set.
LinkedFormat = Literal["json", "jsonld", "turtle", "ntriples"]
_LinkedFormat = Annotated[
    LinkedFormat | None,
    WithJsonSchema({"type": "string", "enum": list(get_args(LinkedFormat))}),
    Field(
        description="`json`, or the linked data as `jsonld`, `turtle` or `ntriples`. Without it, `Accept` "
        "chooses (no preference: JSON); with it, `Accept` is not read."
    ),
]


class NodeQuery(QueryModel):
    """`/v1/nodes/{id}`: what to embed, which fields to return, and in which format."""

    include: Annotated[
        list[_Include],
        BeforeValidator(split_commas),
        Field(max_length=len(get_args(_Include)), description="What to embed (default: evidence)." + LIST_HINT),
    ] = []
    fields: Annotated[
        list[_NodeField],
        BeforeValidator(split_commas),
        Field(
            max_length=len(get_args(_NodeField)),
            description="Fields to return (default: all); id, type and links always come." + LIST_HINT,
        ),
    ] = []
    format: _LinkedFormat = None


class LinkedQuery(QueryModel):
    """`/v1/edges/{id}` and `/v1/schema`: JSON or linked data, in which format."""

    format: _LinkedFormat = None


class NeighborQuery(QueryModel):
    """`/v1/nodes/{id}/neighbors`."""

    depth: Annotated[int, Field(ge=1, le=MAX_DEPTH, description=f"Hops to walk, 1–{MAX_DEPTH}."), Digits] = 1
    kinds: _Kinds = []
    direction: Direction = Field("both", description="Walk edges as written (`out`), against them (`in`), or both.")
    types: _Types = []
    limit: Annotated[
        int, Field(ge=1, le=MAX_NEIGHBORS, description=f"Cap on returned nodes, 1–{MAX_NEIGHBORS}."), Digits
    ] = 100


class EdgeListQuery(QueryModel):
    """`/v1/edges`."""

    kinds: _Kinds = []
    from_id: Slug | None = Field(None, alias="from", description="Start node id.")
    to_id: Slug | None = Field(None, alias="to", description="End node id.")
    source: _Source = None
    limit: _Limit = 50
    offset: _Offset = 0


class PathQuery(QueryModel):
    """`/v1/paths`."""

    from_id: Slug = Field(alias="from", description="Start node id.", examples=["oxytocin"])
    to_id: Slug = Field(alias="to", description="End node id.", examples=["oxytocin-triggers-fight-or-flight"])
    max_hops: Annotated[
        int, Field(ge=1, le=MAX_HOPS, description=f"Longest path considered, 1–{MAX_HOPS} hops."), Digits
    ] = 4
    kinds: _Kinds = []
    limit: Annotated[int, Field(ge=1, le=MAX_PATHS, description=f"Paths to return, 1–{MAX_PATHS}."), Digits] = 3


class SearchQuery(QueryModel):
    """`/v1/search`."""

    # The contract's `\S` says "not blank", so a fuzzer or a client generator knows that a query of
    # nothing but white space (Python's str.isspace, separators included) is refused; the check
    # and its one message are graph.queries.search's.
    q: str = Field(
        min_length=1,
        max_length=MAX_QUERY,
        json_schema_extra={"pattern": r"\S"},
        description="What to look for; typos are tolerated. Not blank.",
        examples=["oxytocin"],
    )
    types: _Types = []
    limit: Annotated[int, Field(ge=1, le=MAX_RESULTS, description=f"Results per page, 1–{MAX_RESULTS}."), Digits] = 20
    offset: _Offset = 0
    explain: bool = Field(False, description="Give each hit the parts its score is the sum of (`explain`).")


class AnswerQuery(QueryModel):
    """`/v1/answer`."""

    # Not blank, as for `/v1/search`: the check and its one message are graph.queries.answer's.
    q: str = Field(
        min_length=1,
        max_length=MAX_MESSAGE,
        json_schema_extra={"pattern": r"\S"},
        description=f"A reader's message in her own words, up to {MAX_MESSAGE} characters; several sentences are fine.",
        examples=["he hasn't texted me in 4 days since we slept together, what should I do?"],
    )


class SuggestQuery(QueryModel):
    """`/v1/suggest`."""

    q: str = Field(
        min_length=1,
        max_length=MAX_TYPED,
        description="What is typed so far; the last word may be unfinished.",
        examples=["oxyt"],
    )


class GuideQuery(QueryModel):
    """`/v1/guide`."""

    sign_ids: Annotated[
        list[SignId],
        BeforeValidator(split_commas),
        Field(
            alias="signs",
            min_length=1,
            max_length=MAX_SIGNS,
            description=f"1–{MAX_SIGNS} sign ids (see {urls.api('/signs')}); repeats count once." + LIST_HINT,
            examples=[["leaves-right-after-sex"]],
        ),
    ]


# A passage slice's bound. Declared as a plain integer, not `integer | null`: "absent" is the
# only null a query string has, and a fuzzer reading the union would send `5.0`, which the
# digits rule refuses. The description sits on the field, where the contract shows it.
_Bound = Annotated[
    int | None,
    Field(ge=0, le=MAX_OFFSET),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}),
    Digits,
]


class SourceTextQuery(QueryModel):
    """`/v1/sources/{id}/text`: a slice of the article body, by character offsets."""

    start: _Bound = Field(None, description="Where the slice starts (default: 0).")
    end: _Bound = Field(None, description="Where the slice ends (default: the body's end).")


class ExportQuery(QueryModel):
    """`/v1/graph`."""

    # A plain enum in the contract, not `enum | null`: absent is the only null a query has.
    format: Annotated[
        ExportFormat | None,
        WithJsonSchema({"type": "string", "enum": list(EXPORT_FORMATS)}),
        Field(
            description="The export format: "
            + "; ".join(f"`{f.name}`, {f.description}" for f in FORMATS.values())
            + ". Without it, `Accept` chooses among the formats' media types (no preference: `node-link`)."
        ),
    ] = None
    # The same filters as the lists, so a picture is asked for, not cut out client-side.
    types: _Types = []
    kinds: _Kinds = []
    derived: bool = Field(
        True,
        description="`false` leaves out the `mentioned_in` edges derived from each node's quotes to its articles "
        "(the biggest hubs of any layout).",
    )


class DisagreementsQuery(QueryModel):
    """`/v1/disagreements`: the page."""

    limit: _Limit = 50
    offset: _Offset = 0


class ReleaseListQuery(QueryModel):
    """`/v1/releases`."""

    limit: _Limit = 50
    offset: _Offset = 0


class ChangesQuery(QueryModel):
    """`/v1/changes`: since which release (a content_version or its start), and the page.

    The contract says what a content_version looks like (`format: content-version`); which ones
    are released is `/v1/releases`'s to say. Its one example is the first recorded release:
    releases are only ever added, so it names a release whatever the content becomes.
    """

    since: str = Field(
        min_length=MIN_PREFIX,
        max_length=64,
        pattern=rf"^[0-9a-f]{{{MIN_PREFIX},64}}$",
        json_schema_extra={"format": "content-version"},
        examples=["1ecede28677c"],
        description=(
            f"The content_version of a release (`{urls.releases()}`), or its first {MIN_PREFIX} or more "
            "characters when they name one release only; an unknown one is a 404 listing the releases."
        ),
    )
    limit: _Limit = 50
    offset: _Offset = 0


INCLUDES: Final = get_args(_Include)
NODE_FIELDS: Final = get_args(_NodeField)
