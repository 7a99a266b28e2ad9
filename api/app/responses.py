"""Serialize once: the one way a handler's body leaves, in the media type the request takes.

What an answer may be kept as (`ETag`, `Cache-Control`, `Vary`), conditional requests and
HEAD are decided not here but by the edge pipeline's represent step (`api.edge.represent`),
for cached and fresh answers alike; a handler always makes the full 200.
The media type is chosen here too (`negotiate`, from the variant the edge pipeline decided):
a JSON route answers a client that takes no JSON with a 406, and the routes that also speak
linked data (a node, an edge, the graph) answer JSON-LD, Turtle or N-Triples as `Accept` asks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

import orjson
from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from api.app import urls
from api.edge.variant import JSON, Variant
from graph.queries import Page
from graph.rdf import RDF_SYNTAXES, to_rdf

T = TypeVar("T")

__all__ = [
    "JSON",
    "LINKED_DATA",
    "LINKED_FORMATS",
    "bytes_response",
    "json_response",
    "linked_data_response",
    "linked_media",
    "list_response",
    "negotiate",
]

JSONLD: Final = "application/ld+json"
_SYNTAX_OF: Final = {media: syntax for syntax, media in RDF_SYNTAXES.items()}
# What a node or an edge is served as: JSON first (what a client stating no preference gets).
LINKED_DATA: Final[tuple[str, ...]] = (JSON, JSONLD, *RDF_SYNTAXES.values())
# The same by the names `?format=` takes (the export formats' names for the RDF syntaxes).
LINKED_FORMATS: Final[dict[str, str]] = {"json": JSON, "jsonld": JSONLD, **RDF_SYNTAXES}
_NO_PREFERENCE: Final = Variant()


def negotiate(request: Request, offers: Sequence[str], named: str | None = None) -> str:
    """Which of `offers` (the route's media types, its default first) this request takes.

    `named` is a media type the request names in its URL (`?format=`), which wins over
    `Accept`. Raises a 406 naming what the route makes when `Accept` takes none of them.
    """
    if named is not None:
        return named
    variant: Variant = getattr(request.state, "variant", _NO_PREFERENCE)
    chosen = variant.choose(offers)
    if chosen is None:
        raise HTTPException(406, f"this route answers {', '.join(offers)}; the Accept header takes none of them")
    return chosen


def linked_media(request: Request, fmt: str | None) -> str:
    """What a node, an edge or the schema is sent as: `fmt` (a `LINKED_FORMATS` name from the
    URL) when given, else what `Accept` takes of `LINKED_DATA`."""
    return negotiate(request, LINKED_DATA, LINKED_FORMATS[fmt] if fmt else None)


def json_response(
    request: Request, payload: Any, *, headers: dict[str, str] | None = None, negotiated: bool = False
) -> Response:
    """`payload` serialized with orjson: a 406 for a client that takes no JSON, unless the
    handler `negotiated` JSON already (among other media types, or named in the URL)."""
    if not negotiated:
        negotiate(request, (JSON,))
    return bytes_response(orjson.dumps(payload), JSON, headers=headers)


def bytes_response(body: bytes, media_type: str, *, headers: dict[str, str] | None = None) -> Response:
    """An already serialized body as `media_type` (`api.edge.shortcut` answers through it too, outside FastAPI)."""
    return Response(body, media_type=media_type, headers=headers)


def linked_data_response(request: Request, media: str, jsonld: bytes) -> Response:
    """A JSON-LD document from graph.rdf as `media` (JSON-LD, or its triples in Turtle or N-Triples)."""
    body = jsonld if media == JSONLD else to_rdf(jsonld, _SYNTAX_OF[media], request.app.state.iris)
    return bytes_response(body, media)


def list_response(
    request: Request,
    page: Page[T],
    convert: Callable[[T], dict[str, Any]],
    *,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The list envelope `{items, total, limit, offset, links}`, its links also in a `Link` header.

    `extra` adds members that describe the whole list (what `/v1/changes` compares), before `links`."""
    query = list(request.query_params.multi_items())
    links = urls.page_links(request.url.path, query, page.total, page.limit, page.offset)
    body = {
        "items": [convert(item) for item in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
        **({"facets": page.facets} if page.facets is not None else {}),
        **(extra or {}),
        "links": links,
    }
    return json_response(request, body, headers={"Link": urls.link_header(links)})
