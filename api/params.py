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

import inspect
import re
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, TypeVar, get_args, get_origin

from fastapi import Depends, Path, Query, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from api import urls
from api.schemas import NodeOut
from api.shapes import ALWAYS_FIELDS
from graph.errors import InvalidParameter
from graph.exports import EXPORT_FORMATS, FORMATS
from graph.queries import MAX_LIMIT, MAX_NEIGHBORS, MAX_SIGNS
from graph.queries.autocomplete import MAX_TYPED
from graph.queries.listing import MAX_IDS, MAX_OFFSET, NodeSort
from graph.queries.search import MAX_QUERY, MAX_RESULTS
from graph.queries.traverse import MAX_DEPTH, MAX_HOPS, MAX_PATHS, Direction
from graph.registry import EDGE_KINDS
from graph.types import NODE_TYPES, EdgeKind, NodeType

__all__ = [
    "INCLUDES",
    "NODE_FIELDS",
    "EdgeIdPath",
    "EdgeListQuery",
    "ExportQuery",
    "GuideQuery",
    "NeighborQuery",
    "NoQuery",
    "NodeIdPath",
    "NodeListQuery",
    "NodeQuery",
    "PathQuery",
    "QueryModel",
    "ResponseListQuery",
    "SearchQuery",
    "SourceIdPath",
    "SourceTextQuery",
    "SuggestQuery",
    "TypedListQuery",
    "query",
]

Q = TypeVar("Q", bound="QueryModel")

_ID: Final = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
_MAX_ID: Final = 200
_DIGITS: Final = re.compile(r"-?[0-9]{1,20}")


def _digits(value: object) -> object:
    """A number as the query string gives it: plain decimal digits, an optional minus, nothing else."""
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise PydanticCustomError("digits", "must be a whole number written in plain digits")
    return value


def _split(value: object) -> object:
    """Every value of a repeated parameter, each split on commas: `a&b,c` is `[a, b, c]`."""
    if isinstance(value, list):
        return [part for item in value for part in (item.split(",") if isinstance(item, str) else [item])]
    return value


# Put last in an Annotated int, after its bounds, so the bounds stay in the contract's schema.
Digits: Final = BeforeValidator(_digits)
# The export formats are the registry's (graph.exports.FORMATS): a format added there is a
# value here, in the contract and in the CLI, with no edit in api/.
if TYPE_CHECKING:
    ExportFormat = str
else:
    ExportFormat = Literal[EXPORT_FORMATS]
Slug = Annotated[str, Field(min_length=1, max_length=_MAX_ID, pattern=_ID)]
# The contract says what a sign id is (a slug, `format: sign-id`), never which ones exist: the
# served graph says that, and the fuzzers learn the ids from it (tests/schemathesis_hooks.py).
SignId = Annotated[str, Field(min_length=1, max_length=_MAX_ID, pattern=_ID, json_schema_extra={"format": "sign-id"})]


# Every list parameter says it, so a reader of /docs knows both forms work.
_LIST: Final = " Repeat it or separate with commas."


class QueryModel(BaseModel):
    """Base of every route's query model: unknown parameters refused, naming the ones it takes."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    @model_validator(mode="before")
    @classmethod
    def _known_names(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = sorted(f.alias or name for name, f in cls.model_fields.items())
            for name in data:
                if name not in known:
                    raise PydanticCustomError(
                        "unknown_parameter",
                        "is not a parameter of this route (allowed: {allowed})",
                        {"parameter": name, "allowed": ", ".join(known) or "none", "value": data[name]},
                    )
        return data

    @classmethod
    def single_valued(cls) -> frozenset[str]:
        """The query-string names that take one value."""
        return frozenset(
            f.alias or name for name, f in cls.model_fields.items() if get_origin(_bare(f.annotation)) is not list
        )


def _bare(annotation: Any) -> Any:
    """`list[X] | None` as `list[X]`: what a field holds when it is given."""
    args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    return args[0] if get_origin(annotation) is not list and len(args) == 1 else annotation


def query(model: type[Q]) -> Any:
    """The dependency that reads `model` from the query string.

    FastAPI parses and documents the model's fields; this then refuses a single-valued
    parameter given more than once, which FastAPI would otherwise read as its last value.
    """
    single = model.single_valued()

    async def read(request: Request, params: Any) -> Any:  # async: inline, not a thread-pool hop
        counts = Counter(name for name, _ in request.query_params.multi_items())
        for name in sorted(n for n, c in counts.items() if c > 1 and n in single):
            values = ",".join(request.query_params.getlist(name))
            raise InvalidParameter(name, f"is given {counts[name]} times; give it once", values)
        return params

    read.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
            inspect.Parameter("params", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Annotated[model, Query()]),
        ]
    )
    return Depends(read)


NodeIdPath = Annotated[
    str, Path(description="A node's stable slug.", examples=["oxytocin"], max_length=_MAX_ID, pattern=_ID)
]
SourceIdPath = Annotated[
    str, Path(description="An article's id, three digits.", examples=["001"], max_length=3, pattern=r"^[0-9]{3}$")
]
EdgeIdPath = Annotated[
    str,
    Path(
        description="An edge id, `from--kind--to`.",
        examples=["give-him-space--addresses--needs-space"],
        max_length=2 * _MAX_ID + 20,
        pattern=_ID,
    ),
]

_Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"Page size, 1–{MAX_LIMIT}."), Digits]
_Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description="Items to skip."), Digits]
# Lists are bounded by the size of their closed set: naming a value twice adds nothing.
_Types = Annotated[
    list[NodeType],
    BeforeValidator(_split),
    Field(alias="type", max_length=len(NODE_TYPES), description="Node types to keep." + _LIST),
]
_Kinds = Annotated[
    list[EdgeKind],
    BeforeValidator(_split),
    Field(alias="kind", max_length=len(EDGE_KINDS), description="Edge kinds to keep or walk." + _LIST),
]
_Include = Literal["edges", "evidence", "neighbors"]
# `fields` takes the node shape's own fields (api.schemas.NodeOut): a field a node type adds
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
_Substring = Annotated[
    str | None,
    Field(min_length=1, max_length=MAX_QUERY, description="Case-insensitive substring of label, aliases, summary."),
]


# A batch of ids must fit the URL bound (`DISTANCE_MAX_URL_BYTES`, 8000): 100 ids of at most
# 64 characters, none of which is ever percent-encoded. A longer id is fetched on its own.
_MAX_BATCH_ID: Final = 64
_BatchId = Annotated[str, Field(min_length=1, max_length=_MAX_BATCH_ID, pattern=_ID)]


class NoQuery(QueryModel):
    """A route without query parameters: any parameter is refused."""


class TypedListQuery(QueryModel):
    """The typed shortcuts (`/v1/concepts`, …): filters, sort and page."""

    source: _Source = None
    q: _Substring = None
    sort: NodeSort = Field("id", description="Sort key; `-` for descending.")
    limit: _Limit = 50
    offset: _Offset = 0


class NodeListQuery(TypedListQuery):
    """`/v1/nodes`: the shortcuts' parameters, the node types to keep, and a batch of ids.

    With `ids` the page is those nodes in the order given (repeats count once), and `limit`
    defaults to their number, so one request fetches the whole batch; `q` is refused with it.
    """

    types: _Types = []
    ids: Annotated[
        list[_BatchId],
        BeforeValidator(_split),
        Field(
            max_length=MAX_IDS,
            description=(
                f"Fetch these nodes, in this order (at most {MAX_IDS} ids of up to {_MAX_BATCH_ID} characters); "
                "an unknown id is a 404." + _LIST
            ),
            examples=[["oxytocin", "slower-replies"]],
            # A batch is fetched as it is, never searched: with `q` as well, the URL bound
            # could refuse a URL the contract calls valid (tests/api/test_bounds.py reads this).
            json_schema_extra={"x-excludes": ["q"]},
        ),
    ] = []

    @model_validator(mode="after")
    def _batch_limit(self) -> NodeListQuery:
        if self.ids and self.q is not None:
            raise PydanticCustomError(
                "excluded",
                "is not taken with ids: a batch is fetched as it is, not searched",
                {"parameter": "q", "value": self.q},
            )
        if self.ids and "limit" not in self.model_fields_set:
            self.limit = len(dict.fromkeys(self.ids))
        return self


class ResponseListQuery(TypedListQuery):
    """`/v1/responses`: the shortcuts' parameters and `polarity`."""

    polarity: Literal["do", "dont"] | None = Field(None, description="`do` or `dont`.")


class NodeQuery(QueryModel):
    """`/v1/nodes/{id}`: what to embed, and which fields to return."""

    include: Annotated[
        list[_Include],
        BeforeValidator(_split),
        Field(max_length=len(get_args(_Include)), description="What to embed (default: evidence)." + _LIST),
    ] = []
    fields: Annotated[
        list[_NodeField],
        BeforeValidator(_split),
        Field(
            max_length=len(get_args(_NodeField)),
            description="Fields to return (default: all); id, type and links always come." + _LIST,
        ),
    ] = []


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
    to_id: Slug = Field(alias="to", description="End node id.", examples=["needs-space"])
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
        BeforeValidator(_split),
        Field(
            alias="signs",
            min_length=1,
            max_length=MAX_SIGNS,
            description=f"1–{MAX_SIGNS} sign ids (see {urls.api('/signs')}); repeats count once." + _LIST,
            examples=[["leaves-right-after-sex"]],
        ),
    ]


def _offset_schema(description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "description": description}


class SourceTextQuery(QueryModel):
    """`/v1/sources/{id}/text`: a slice of the article body, by character offsets."""

    # Declared as a plain integer, not `integer | null`: "absent" is the only null a query string
    # has, and a fuzzer reading the union would send `5.0`, which the digits rule refuses.
    start: Annotated[
        int | None,
        Field(ge=0, le=MAX_OFFSET, description="Where the slice starts (default: 0)."),
        WithJsonSchema(_offset_schema("Where the slice starts (default: 0).")),
        Digits,
    ] = None
    end: Annotated[
        int | None,
        Field(ge=0, le=MAX_OFFSET, description="Where the slice ends (default: the body's end)."),
        WithJsonSchema(_offset_schema("Where the slice ends (default: the body's end).")),
        Digits,
    ] = None


class ExportQuery(QueryModel):
    """`/v1/graph`."""

    format: ExportFormat = Field(
        EXPORT_FORMATS[0],
        description="The export format: " + "; ".join(f"`{f.name}`, {f.description}" for f in FORMATS.values()) + ".",
    )


INCLUDES: Final = get_args(_Include)
NODE_FIELDS: Final = get_args(_NodeField)
