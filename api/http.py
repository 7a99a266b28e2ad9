"""Serialize once and tag: the one way a handler's body leaves.

Conditional requests and HEAD are not answered here but by the answer layer
(`api.representation`), for cached and fresh answers alike; a handler always makes the full 200.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from fastapi import Request
from starlette.responses import Response

from api import urls
from graph.build import KnowledgeGraph
from graph.queries import Page

T = TypeVar("T")

__all__ = ["bytes_response", "etag_for", "json_response", "list_response"]


def etag_for(kg: KnowledgeGraph, body: bytes) -> str:
    """A strong ETag: the content version plus a digest of this exact representation."""
    return f'"{kg.content_version[:16]}-{hashlib.blake2b(body, digest_size=8).hexdigest()}"'


def json_response(
    request: Request, kg: KnowledgeGraph, payload: Any, *, headers: dict[str, str] | None = None
) -> Response:
    """Serialize `payload` with orjson and tag it."""
    return bytes_response(request, kg, orjson.dumps(payload), "application/json", headers=headers)


def bytes_response(
    request: Request, kg: KnowledgeGraph, body: bytes, media_type: str, *, headers: dict[str, str] | None = None
) -> Response:
    """Tag an already serialized body."""
    tags = {"ETag": etag_for(kg, body), "Cache-Control": request.app.state.cache_control, **(headers or {})}
    return Response(body, media_type=media_type, headers=tags)


def list_response(
    request: Request,
    kg: KnowledgeGraph,
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
    return json_response(request, kg, body, headers={"Link": urls.link_header(links)})
