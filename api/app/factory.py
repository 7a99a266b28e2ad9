"""The app factory: `create_app(settings, graph)`; nothing is built at import time."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.app import urls
from api.app.errors import install_error_handlers
from api.app.routes import ROUTERS, per_item_paths, prebuilt_paths
from api.app.routes.graphql import GRAPHIQL_ASSETS
from api.contract.openapi import build_openapi
from api.edge.accesslog import JsonLines
from api.edge.answer import LargeSends
from api.edge.cache import AnswerCache, Batch
from api.edge.cachetags import cache_tags
from api.edge.frontdoor import Bounds, FrontDoor, peer
from api.edge.pipeline import Pipeline
from api.edge.ratelimit import BucketTable, RateLimiter, client_key
from api.edge.represent import public_lifetime
from api.edge.shortcut import node_answer
from api.process.events import Events
from api.process.graphfile import PAUSE
from api.process.reload import follow_reloads
from api.settings import Settings
from graph.build import KnowledgeGraph, load_graph
from graph.events import Event
from graph.indexes import Saved, make_indexes, opening
from graph.text_index import text_index

__all__ = ["DESCRIPTION", "create_app"]

log = logging.getLogger("distance.reload")

DESCRIPTION = """\
Distance serves a knowledge graph of why men pull away in relationships, built from five
articles: concepts, reasons, signs, responses, questions and statistics, joined by typed edges.
Every node and edge carries verbatim quotes with their character offsets in the source article.

Every route answers GET and HEAD; responses carry a strong `ETag` (send `If-None-Match` for a
304) and CORS is open to any origin. Errors are RFC 9457 `application/problem+json`; a
malformed, out-of-range or unknown query parameter is a 422 naming it, never silently clamped.
"""

_DOCS_STATIC = Path(fastapi_offline.__file__).parent / "static"
_EXPLORER = Path(__file__).resolve().parent.parent / "explorer"
# The pages (the explorer at /, Swagger UI at /docs) load only this origin's files and are
# never framed by another site. Swagger UI starts from an inline script and styles; the
# explorer needs neither.
_PAGE_HEADERS = {"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
_EXPLORER_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def create_app(settings: Settings, graph: KnowledgeGraph | None = None) -> FastAPI:
    """Build the app; the graph is loaded and validated in the lifespan unless given.

    A ContentError raised in the lifespan stops start-up before the server accepts a request.
    Under `distance serve`, the app follows the server's content reloads (`api.process.reload`).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        served = app.state.graph = graph if graph is not None else load_graph(settings.seeds_dir)
        if app.middleware_stack is None:  # built on the first call; a lifespan run by hand comes first
            app.middleware_stack = app.build_middleware_stack()
        gc.freeze()  # the graph lives as long as it is served: no full collection walks it
        # The search index and every prebuilt answer are made once the port is open, so they do
        # not delay the first 200: a request that comes before its answer is made is a miss.
        per_item = app.state.prebuilding = asyncio.create_task(_warm_up(app, served))
        try:
            async with follow_reloads(
                app.state,
                prepare=partial(_prepare, app),
                adopt=partial(_adopt, app),
                ready=_ready,
                on_change=partial(_announce, app),
            ):
                yield
        finally:
            per_item.cancel()
            with suppress(asyncio.CancelledError):
                await per_item
            if app.state.access_log is not None:
                app.state.access_log.flush()
            sparql = getattr(app.state, "sparql", None)
            if sparql is not None:  # its children, and a store being built, which shutdown would wait for
                app.state.sparql = None  # a lifespan run again (an app reused by tests) makes a new pool
                sparql.close()

    app = _Distance(
        title="Distance",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # No trailing-slash redirect: Starlette's builds an absolute Location from the Host
        # header, which a client controls; `/v1/meta/` is a 404 that names `/v1/meta`.
        redirect_slashes=False,
        docs_url=None,
        redoc_url=None,
        # Distance exports no OpenTelemetry; off, FastAPI skips asking the providers on every
        # request (~15 % of a cached answer's time).
        telemetry={"tracing": False, "metrics": False, "logs": False},
        openapi_tags=[
            {"name": "meta", "description": "What is served and the closed sets it uses."},
            {"name": "nodes", "description": "Concepts, reasons, signs, responses, questions, statistics, sources."},
            {"name": "edges", "description": "Typed, evidenced edges between nodes."},
            {"name": "explore", "description": "How ideas connect, and ranked search."},
            {"name": "front ends", "description": "Guide, cards and disagreements: one request per screen."},
            {"name": "export", "description": "The whole graph in several formats."},
            {"name": "releases", "description": "Recorded releases, and what changed since one."},
            {"name": "events", "description": "Server-sent events when the content changes or a release is recorded."},
            {"name": "query languages", "description": "The graph in GraphQL and in SPARQL."},
        ],
    )
    if graph is not None:  # usable before the lifespan runs, e.g. by in-process fuzzers
        app.state.graph = graph
    app.state.settings = settings
    stdout = getattr(sys.stdout, "buffer", None)  # None where stdout is not a real stream
    app.state.access_log = JsonLines(stdout) if settings.access_log and stdout is not None else None
    # Linked data names each node and edge by a URL a client can GET (DISTANCE_BASE_URL).
    app.state.iris = urls.iris(settings.public_base)
    app.state.graphql = None  # made on the first GraphQL request (`api.app.routes.graphql`)
    app.state.events = Events(
        max_streams=settings.events_max_streams,
        per_client=settings.events_per_client,
        client=partial(client_key, header=settings.client_header.lower().encode()),
    )
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    _install_docs(app)
    _install_explorer(app)
    # GraphiQL's scripts and styles (`/v1/graphql` answers a browser with its page): files of this package.
    app.mount("/graphiql", _WholeFiles(StaticFiles(directory=GRAPHIQL_ASSETS)), name="graphiql")
    app.openapi = lambda: _cached_openapi(app)  # type: ignore[method-assign]
    return app


async def _warm(app: FastAPI, graph: KnowledgeGraph, paths: Iterable[str]) -> None:
    """Index `graph` for search and make the prebuilt answers at `paths` (`api.app.routes`, Pipeline.prebuild)."""
    graph.derived(text_index)
    if app.middleware_stack is None:  # built on the first call; a lifespan run by hand comes first
        app.middleware_stack = app.build_middleware_stack()
    await app.state.pipeline.prebuild(app, graph, paths)


async def _warm_up(app: FastAPI, graph: KnowledgeGraph) -> None:
    """A starting worker's search and answer indexes (in a thread) and prebuilt answers (on the loop, with
    requests served between two), made while `graph` serves; it stops if a reload replaces it."""
    await asyncio.to_thread(make_indexes, graph)
    paths = chain(prebuilt_paths(graph), per_item_paths(graph))
    await app.state.pipeline.prebuild(app, graph, paths, background=True)
    gc.freeze()  # the answers live as long as the graph: no full collection walks them


async def _announce(app: FastAPI, old: KnowledgeGraph, new: KnowledgeGraph, events: list[Event]) -> None:
    """The events of this worker's switch from `old` to `new` (made by the server's main process:
    `api.process.reload`), to its open streams (`/v1/events`); and the SPARQL store of `new`
    started, if this worker has answered SPARQL (in the background)."""
    sparql = getattr(app.state, "sparql", None)
    if sparql is not None:
        sparql.prepare(new, app.state.iris)
    app.state.events.publish(events)


async def _prepare(app: FastAPI, graph: KnowledgeGraph) -> None:
    """A reloaded graph's prebuilt answers, every one, made before it is swapped in."""
    await _warm(app, graph, chain(prebuilt_paths(graph), per_item_paths(graph)))


def prebuilt_answers(app: FastAPI, graph: KnowledgeGraph) -> list[Batch]:
    """Every prebuilt answer of `graph`, made on `app` with an event loop of its own: what a
    reload runs in the child process that loads the content (`api.process.reload`), so that
    no serving loop makes them."""
    asyncio.run(_prepare(app, graph))
    pipeline: Pipeline = app.state.pipeline
    return pipeline.cache.prebuilt(graph)


async def _ready(graph: KnowledgeGraph, indexes: Saved | None) -> None:
    """A reloaded graph's search and answer indexes, before the swap: opened on the loop a step
    at a time (`graph.indexes.opening`, `api.process.graphfile.PAUSE` apart) where the loading
    child made them; made in a thread where it did not (or their folder is gone)."""
    if indexes is not None:
        try:
            for _ in opening(graph, indexes):
                await asyncio.sleep(PAUSE)
        except (OSError, ValueError) as exc:
            log.warning("made the indexes of content %s here: %s", graph.content_version[:16], exc)
        else:
            return
    await asyncio.to_thread(make_indexes, graph)


async def _adopt(app: FastAPI, graph: KnowledgeGraph, prebuilt: object) -> bool:
    """File away the answers prebuilt for `graph` in another process, a batch at a time with
    other requests served between two (`api.process.graphfile.PAUSE` apart); False when there are none."""
    if not isinstance(prebuilt, list) or not prebuilt:
        return False
    pipeline: Pipeline = app.state.pipeline
    for batch in prebuilt:
        pipeline.cache.adopt(graph, batch)
        await asyncio.sleep(PAUSE)
    return True


class _Distance(FastAPI):
    """FastAPI with Distance's layers around Starlette's own; the one place their order is set.

    Every request passes the edge pipeline (`api.edge.pipeline.Pipeline`: refuse, pin the
    graph, variant, cache lookup, the app on a miss, represent, store, send; request id, CORS
    and the access log around it), then, on a miss, Starlette's stack: ServerErrorMiddleware
    (a fault becomes a 500 problem), the exception handlers of `api.app.errors`, the router;
    no user middleware.
    """

    def build_middleware_stack(self) -> ASGIApp:
        settings: Settings = self.state.settings
        limiter = (
            RateLimiter(
                settings.rate_limit,
                settings.rate_burst,
                client_header=settings.client_header,
                table=BucketTable(path=settings.rate_table) if settings.rate_table is not None else None,
            )
            if settings.rate_limit > 0
            else None
        )
        pipeline = self.state.pipeline = Pipeline(
            super().build_middleware_stack(),
            door=FrontDoor(
                access_log=self.state.access_log,
                large_sends=LargeSends(
                    limiter.client if limiter is not None else peer,
                    rate=settings.large_body_rate / settings.workers,  # the server's rate, shared evenly
                ),
            ),
            bounds=Bounds(
                max_url_bytes=settings.max_url_bytes, max_concurrency=settings.max_concurrency, limiter=limiter
            ),
            cache=AnswerCache(max_entries=settings.cache_entries, max_bytes=settings.cache_bytes),
            gzip_min_bytes=settings.gzip_min_bytes,
            lifetime=public_lifetime(
                settings.cache_max_age, settings.cache_shared_max_age, settings.cache_stale_seconds
            ),
            shortcut=node_answer,
            streams=frozenset({urls.events()}),
            tags=cache_tags,
        )
        return pipeline


def _cached_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        app.openapi_schema = build_openapi(app, [route for router in ROUTERS for route in router.routes])
    return app.openapi_schema


def _install_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from files shipped in a package: nothing loads from the internet."""
    app.mount("/docs/static", _WholeFiles(StaticFiles(directory=_DOCS_STATIC)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Distance API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/docs/static/favicon.png",
        )
        page.headers.update({**_PAGE_HEADERS, "Content-Security-Policy": _DOCS_CSP})
        return page


def _install_explorer(app: FastAPI) -> None:
    """The demo explorer at `/`: static files shipped in this package, no build step, using
    only the public /v1 API. Not part of the contract (nothing here is in openapi.yaml)."""
    app.mount("/explorer", _WholeFiles(StaticFiles(directory=_EXPLORER)), name="explorer")
    index = (_EXPLORER / "index.html").read_bytes()

    @app.get("/", include_in_schema=False)
    async def explorer() -> HTMLResponse:
        return HTMLResponse(index, headers={**_PAGE_HEADERS, "Content-Security-Policy": _EXPLORER_CSP})


class _WholeFiles:
    """Static files served whole: `Range` is ignored (RFC 9110 §14.2 allows it; these files are
    a few kilobytes), so no request meets Starlette's text/plain 416."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"range"]}
        await self.app(scope, receive, send)
