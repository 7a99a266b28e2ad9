"""The one URL builder: every link in a body and every `Link` header is made here.

Routers mount under `API`, and bodies, headers, examples and the cache's path test all
build their URLs from these functions, so moving the API (a `/v2` beside it) or changing a
route's path is one edit. URLs are relative (path and query): an answer never depends on
the `Host` the client sent, so it can be cached and shared as it is. Linked data's identifiers
are the one absolute form (`iris`): under the configured base, never the `Host` header. Ids are slugs (the
loader refuses anything else), so they go into paths as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Final
from urllib.parse import urlencode

from starlette.requests import Request

from graph.rdf import Iris

__all__ = [
    "API",
    "DOCS",
    "OPENAPI",
    "api",
    "card",
    "changes",
    "edge",
    "id_template",
    "events",
    "iris",
    "link_header",
    "neighbors",
    "node",
    "page_links",
    "passage",
    "releases",
    "request_url",
    "source_text",
    "template",
    "with_query",
]

API: Final = "/v1"
DOCS: Final = "/docs"
OPENAPI: Final = "/openapi.json"
PROBLEMS: Final = "/problems"


def api(path: str = "") -> str:
    """A path under the API root: `api("/meta")` is `/v1/meta`."""
    return API + path


def problem(slug: str) -> str:
    """What a problem's `type` is, and where its explanation is served."""
    return f"{PROBLEMS}/{slug}"


def node(node_id: str) -> str:
    """One node."""
    return f"{API}/nodes/{node_id}"


def neighbors(node_id: str) -> str:
    """A node's neighbourhood."""
    return f"{API}/nodes/{node_id}/neighbors"


def edge(edge_id: str) -> str:
    """One edge."""
    return f"{API}/edges/{edge_id}"


def card(node_id: str) -> str:
    """A node's card."""
    return f"{API}/cards/{node_id}"


def source_text(source_id: str) -> str:
    """An article's body as plain text."""
    return f"{API}/sources/{source_id}/text"


def passage(source_id: str, start: int, end: int) -> str:
    """The slice `[start:end]` of an article's body: where a quote sits."""
    return f"{API}/sources/{source_id}/text?start={start}&end={end}"


def events() -> str:
    """The server-sent events stream."""
    return f"{API}/events"


def releases() -> str:
    """The recorded releases."""
    return f"{API}/releases"


def changes(since: str) -> str:
    """What changed from a release to what is served."""
    return with_query(f"{API}/changes", [("since", since)])


def iris(base: str) -> Iris:
    """The identifiers linked data is written with: URLs under `base` that this API answers.

    A node's `@id` is its `/v1/nodes/{id}` URL, an edge's its `/v1/edges/{id}`, the scheme is
    the whole graph's `/v1/graph` and the vocabulary lives at `/v1/schema#`, so a GET of any
    identifier (fragments aside) answers what it names.

    >>> iris("https://distance.example").of_node("oxytocin")
    'https://distance.example/v1/nodes/oxytocin'
    """
    return Iris(
        node=base + node("{}"),
        edge=base + edge("{}"),
        text=base + source_text("{}"),
        vocab=base + api("/schema#"),
        scheme=base + api("/graph"),
    )


def with_query(path: str, params: Iterable[tuple[str, str]]) -> str:
    """`path` with `params` as its query string (none: the bare path)."""
    query = urlencode(list(params))
    return f"{path}?{query}" if query else path


def template(path: str, names: Sequence[str]) -> str:
    """An RFC 6570 form-style query template: `template("/v1/search", ["q"])` is `/v1/search{?q}`."""
    return f"{path}{{?{','.join(names)}}}"


def id_template(url_for: Callable[[str], str], name: str = "id") -> str:
    """An RFC 6570 template of a route that takes an id in its path, as a path-segment expansion.

    Written so, the template is the path of no route: a client that takes it for a URL meets a
    404 rather than sending `{id}` as an id. Expanded with an id it is that route's URL.

    >>> id_template(node)
    '/v1/nodes{/id}'
    >>> template(id_template(source_text), ["start", "end"])
    '/v1/sources{/id}/text{?start,end}'
    """
    marker = "\x00"
    return url_for(marker).replace(f"/{marker}", f"{{/{name}}}")


def request_url(request: Request) -> str:
    """The request's own path and query, as a shareable relative URL."""
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


def page_links(path: str, query: list[tuple[str, str]], total: int, limit: int, offset: int) -> dict[str, str | None]:
    """`self`, `next` and `prev` URLs for a page: the same query with another offset.

    Past the end, `prev` is the last page that has items (the first page when none has), so a
    stale or mistyped offset leads back to the data.

    >>> page_links("/v1/nodes", [("limit", "10"), ("offset", "1000")], 216, 10, 1000)["prev"]
    '/v1/nodes?limit=10&offset=210'
    """
    last = (max(total, 1) - 1) // limit * limit  # the offset of the last page with items

    def at(new_offset: int) -> str:
        params = [(k, v) for k, v in query if k != "offset"]
        if new_offset:
            params.append(("offset", str(new_offset)))
        return with_query(path, params)

    return {
        "self": at(offset),
        "next": at(offset + limit) if offset + limit < total else None,
        "prev": at(min(max(0, offset - limit), last)) if offset > 0 else None,
    }


def link_header(links: dict[str, str | None]) -> str:
    """An RFC 8288 `Link` header from named links (`None` ones are left out)."""
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url is not None)
