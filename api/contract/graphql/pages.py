"""Cursor pagination for every list of objects in the GraphQL schema (Relay's connection shape).

A list field takes `first` (1 to `MAX_PAGE`, never clamped: a larger one is an error naming
it) and `after` (a cursor this API gave) and answers a connection: `edges` (each with its
`cursor`), `nodes` (the items alone, for a front end that needs no cursors), `pageInfo` and
`totalCount`. Content is immutable for a content_version, so a cursor is an offset: the same
cursor names the same place for as long as the same content is served.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from graphql import (
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLError,
    GraphQLField,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
)

__all__ = ["DEFAULT_PAGE", "MAX_PAGE", "PAGE_INFO", "Slice", "connection", "cursor", "page_args", "slice_of", "window"]

MAX_PAGE: Final = 100
DEFAULT_PAGE: Final = 20
_PREFIX: Final = "offset:"


@dataclass(frozen=True, slots=True)
class Slice:
    """One page of a list: its items, the offset of the first, and the length of the whole list."""

    items: Sequence[Any]
    start: int
    total: int


def cursor(offset: int) -> str:
    """The opaque cursor of the item at `offset`.

    >>> cursor(0)
    'b2Zmc2V0OjA='
    """
    return base64.b64encode(f"{_PREFIX}{offset}".encode()).decode()


def _offset(after: str) -> int:
    try:
        text = base64.b64decode(after.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        text = ""
    number = text.removeprefix(_PREFIX)
    if not text.startswith(_PREFIX) or not number.isdigit() or len(number) > 9:
        raise GraphQLError("after is not a cursor this API gave", extensions=_bad("after", after))
    return int(number)


def _bad(argument: str, value: object) -> dict[str, Any]:
    return {"code": "BAD_USER_INPUT", "argument": argument, "value": str(value)[:100]}


def window(first: int, after: str | None) -> tuple[int, int]:
    """The (offset, limit) a page asks for; `first` out of range is an error naming it."""
    if not 1 <= first <= MAX_PAGE:
        raise GraphQLError(f"first must be between 1 and {MAX_PAGE}", extensions=_bad("first", first))
    return (0 if after is None else _offset(after) + 1), first


def slice_of(items: Sequence[Any], first: int, after: str | None) -> Slice:
    """The page of `items` that `first` and `after` ask for.

    >>> [s.items for s in (slice_of("abcde", 2, None), slice_of("abcde", 2, cursor(3)))]
    ['ab', 'e']
    """
    start, limit = window(first, after)
    return Slice(items[start : start + limit], start, len(items))


def page_args(default: int = DEFAULT_PAGE) -> dict[str, GraphQLArgument]:
    """`first` and `after`, as every list field takes them."""
    return {
        "first": GraphQLArgument(
            GraphQLNonNull(GraphQLInt), default_value=default, description=f"How many items, 1 to {MAX_PAGE}."
        ),
        "after": GraphQLArgument(GraphQLString, description="The `cursor` (or `pageInfo.endCursor`) to start after."),
    }


PAGE_INFO: Final = GraphQLObjectType(
    "PageInfo",
    {
        "hasNextPage": GraphQLField(
            GraphQLNonNull(GraphQLBoolean), resolve=lambda s, _: s.start + len(s.items) < s.total
        ),
        "hasPreviousPage": GraphQLField(GraphQLNonNull(GraphQLBoolean), resolve=lambda s, _: s.start > 0),
        "startCursor": GraphQLField(GraphQLString, resolve=lambda s, _: cursor(s.start) if s.items else None),
        "endCursor": GraphQLField(
            GraphQLString, resolve=lambda s, _: cursor(s.start + len(s.items) - 1) if s.items else None
        ),
    },
    description="Where a page sits in its list.",
)


def _edges(page: Slice, _: GraphQLResolveInfo) -> list[tuple[str, Any]]:
    return [(cursor(page.start + i), item) for i, item in enumerate(page.items)]


def connection(
    name: str,
    node_type: GraphQLOutputType,
    *,
    node_of: Callable[[Any], Any] = lambda item: item,
    edge_fields: dict[str, GraphQLField] | None = None,
    description: str = "",
) -> GraphQLObjectType:
    """`{name}Connection` over items of `node_type`; `node_of` maps an item to its node, and
    `edge_fields` are what an edge says besides its node (a neighbour's relation, say)."""
    edge = GraphQLObjectType(
        f"{name}Edge",
        lambda: {
            "cursor": GraphQLField(GraphQLNonNull(GraphQLString), resolve=lambda pair, _: pair[0]),
            "node": GraphQLField(GraphQLNonNull(node_type), resolve=lambda pair, _: node_of(pair[1])),
            **{
                key: GraphQLField(field.type, field.args, _on_item(field), description=field.description)
                for key, field in (edge_fields or {}).items()
            },
        },
    )
    return GraphQLObjectType(
        f"{name}Connection",
        lambda: {
            "edges": GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(edge))), resolve=_edges),
            "nodes": GraphQLField(
                GraphQLNonNull(GraphQLList(GraphQLNonNull(node_type))),
                resolve=lambda page, _: [node_of(item) for item in page.items],
            ),
            "pageInfo": GraphQLField(GraphQLNonNull(PAGE_INFO), resolve=lambda page, _: page),
            "totalCount": GraphQLField(GraphQLNonNull(GraphQLInt), resolve=lambda page, _: page.total),
        },
        description=description or f"A page of {name} items.",
    )


def _on_item(field: GraphQLField) -> Callable[..., Any]:
    """An edge field's resolver takes the item, not the (cursor, item) pair."""
    resolve = field.resolve
    assert resolve is not None, "edge fields resolve from the item"
    return lambda pair, info, **args: resolve(pair[1], info, **args)
