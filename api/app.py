"""The app factory: `create_app(settings, graph)`; nothing is built at import time."""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse, HTMLResponse
from starlette.types import ASGIApp

from api.accesslog import JsonLines
from api.cache import ResponseCache
from api.deps import reject_unknown_parameters
from api.errors import install_error_handlers
from api.frontdoor import REQUEST_ID_HEADER, FrontDoor
from api.middleware import MethodGate
from api.openapi import build_openapi
from api.reload import live_reload
from api.routes import ROUTERS
from api.settings import Settings
from graph.build import KnowledgeGraph, load_graph

__all__ = ["DESCRIPTION", "create_app"]

DESCRIPTION = """\
Distance serves a knowledge graph of why men pull away in relationships, built from five
articles: concepts, reasons, signs, responses, questions and statistics, joined by typed edges.
Every node and edge carries verbatim quotes with their character offsets in the source article.

Every route answers GET and HEAD; responses carry a strong `ETag` (send `If-None-Match` for a
304) and CORS is open to any origin. Errors are RFC 9457 `application/problem+json`; a
malformed, out-of-range or unknown query parameter is a 422 naming it, never silently clamped.
"""

_DOCS_STATIC = Path(fastapi_offline.__file__).parent / "static"
_EXPLORER = Path(__file__).resolve().parent / "explorer"


def create_app(settings: Settings, graph: KnowledgeGraph | None = None) -> FastAPI:
    """Build the app; the graph is loaded and validated in the lifespan unless given.

    A ContentError raised in the lifespan stops start-up before the server accepts a request.
    While serving, SIGHUP (and with `settings.watch`, a change under the seeds) reloads the
    content; see `api.reload`.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.graph = graph if graph is not None else load_graph(settings.seeds_dir)
        gc.freeze()  # the graph lives as long as it is served: no full collection walks it
        try:
            async with live_reload(app.state, settings.seeds_dir, watch=settings.watch):
                yield
        finally:
            if app.state.access_log is not None:
                app.state.access_log.flush()

    app = _Distance(
        title="Distance",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(reject_unknown_parameters)],
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
        ],
    )
    if graph is not None:  # usable before the lifespan runs, e.g. by in-process fuzzers
        app.state.graph = graph
    app.state.settings = settings
    stdout = getattr(sys.stdout, "buffer", None)  # None where stdout is not a real stream
    app.state.access_log = JsonLines(stdout) if settings.access_log and stdout is not None else None
    # Browsers keep an answer for max-age; shared caches (nginx in `make cluster`, a CDN) for the
    # shorter s-maxage, then revalidate it with its ETag (a cheap 304 while the content is the same).
    app.state.cache_control = f"public, max-age={settings.cache_max_age}, s-maxage={settings.cache_shared_max_age}"
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    _install_docs(app)
    _install_explorer(app)
    app.openapi = lambda: _cached_openapi(app)  # type: ignore[method-assign]

    app.add_middleware(GZipMiddleware, minimum_size=settings.gzip_min_bytes)
    app.add_middleware(MethodGate)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["If-None-Match", "Accept", "Accept-Encoding"],
        expose_headers=["ETag", "Link", "Deprecation", "Sunset", REQUEST_ID_HEADER, "Retry-After"],
        max_age=86_400,
    )
    return app


class _Distance(FastAPI):
    """FastAPI with the front door outside everything, Starlette's ServerErrorMiddleware
    included: a 500 is then tagged and logged like any answer, and refused requests (414,
    503) cost no routing at all.

    The response cache sits right inside the front door, outside everything that shapes a
    response (so a hit replays the finished bytes) and outside Starlette's error and body
    middlewares (a hit is a dict lookup that cannot fail; misses still go through them).
    """

    def build_middleware_stack(self) -> ASGIApp:
        settings: Settings = self.state.settings
        cache = ResponseCache(
            super().build_middleware_stack(), max_entries=settings.cache_entries, max_bytes=settings.cache_bytes
        )
        return FrontDoor(
            cache,
            max_url_bytes=settings.max_url_bytes,
            max_concurrency=settings.max_concurrency,
            access_log=self.state.access_log,
        )


def _cached_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        app.openapi_schema = build_openapi(app)
    return app.openapi_schema


def _install_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from files shipped in a package: nothing loads from the internet."""
    app.mount("/docs/static", StaticFiles(directory=_DOCS_STATIC), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Distance API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/docs/static/favicon.png",
        )


def _install_explorer(app: FastAPI) -> None:
    """The demo explorer at `/`: static files shipped in this package, no build step, using
    only the public /v1 API. Not part of the contract (nothing here is in openapi.yaml)."""
    app.mount("/explorer", StaticFiles(directory=_EXPLORER), name="explorer")

    @app.get("/", include_in_schema=False)
    async def explorer() -> FileResponse:
        return FileResponse(_EXPLORER / "index.html", media_type="text/html")
