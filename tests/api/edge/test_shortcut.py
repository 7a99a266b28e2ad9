"""The pipeline's shortcut past routing: a plain GET of every node is answered byte for byte as
the route answers it, and everything else is left to the route."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Scope

from api.app import create_app
from api.edge.answer import Answer
from api.edge.cache import AnswerCache
from api.edge.frontdoor import Bounds, FrontDoor
from api.edge.pipeline import Pipeline
from api.edge.shortcut import node_answer
from api.edge.variant import Variant
from api.settings import Settings
from graph.build import KnowledgeGraph, load_graph


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    return load_graph(Settings().seeds_dir)


def _scope(app: Any, path: str, query: bytes = b"", **extra: Any) -> Scope:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "", "headers": [],
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000), "app": app,
        "state": {"graph": app.state.graph, "variant": Variant()}, **extra,
    }  # fmt: skip


async def _through_the_route(app: Any, scope: Scope) -> Answer:
    """The answer of the app inside the edge pipeline (Starlette's stack, FastAPI's router)."""
    start: Message = {}
    chunks: list[bytes] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        else:
            chunks.append(message.get("body", b""))

    await app.state.pipeline.app(scope, receive, send)
    return Answer(start["status"], list(start["headers"]), b"".join(chunks))


def test_every_node_is_answered_as_the_route_answers_it(shipped: KnowledgeGraph) -> None:
    app = create_app(Settings(access_log=False), shipped)
    app.build_middleware_stack()

    async def compare() -> int:
        for node_id in shipped.nodes:
            scope = _scope(app, f"/v1/nodes/{node_id}")
            direct = node_answer(scope, shipped, Variant())
            assert direct is not None, node_id
            assert direct == await _through_the_route(app, scope), node_id
        return len(shipped.nodes)

    assert asyncio.run(compare()) > 150  # sources included


@pytest.mark.parametrize(
    ("path", "query", "extra"),
    [
        ("/v1/nodes/oxytocin", b"include=edges", {}),  # any query string: the route validates it
        ("/v1/nodes/oxytocin", b"fields=label&bogus=1", {}),
        ("/v1/nodes/oxytocn", b"", {}),  # unknown: the route's 404 and its suggestions
        ("/v1/nodes/bad id", b"", {}),  # malformed: the route's 422
        ("/v1/nodes/oxytocin/neighbors", b"", {}),
        ("/v1/nodes/", b"", {}),
        ("/v1/edges/oxytocin", b"", {}),
        ("/v1/nodes/oxytocin", b"", {"root_path": "/mounted"}),
    ],
)
def test_anything_else_is_left_to_the_route(shipped: KnowledgeGraph, path: str, query: bytes, extra: Any) -> None:
    app = create_app(Settings(access_log=False), shipped)
    assert node_answer(_scope(app, path, query, **extra), shipped, Variant()) is None


def test_another_media_type_is_left_to_the_route(shipped: KnowledgeGraph) -> None:
    app = create_app(Settings(access_log=False), shipped)
    turtle = Variant(accept=("text/turtle",))
    assert node_answer(_scope(app, "/v1/nodes/oxytocin"), shipped, turtle) is None
    with TestClient(app) as client:
        assert (
            client.get("/v1/nodes/oxytocin", headers={"Accept": "text/turtle"})
            .headers["content-type"]
            .startswith("text/turtle")
        )
        assert client.get("/v1/nodes/oxytocin", headers={"Accept": "image/png"}).status_code == 406


def test_either_coding_is_made_from_the_same_raw_answer(shipped: KnowledgeGraph) -> None:
    app = create_app(Settings(access_log=False), shipped)
    scope = _scope(app, "/v1/nodes/oxytocin")
    plain = node_answer(scope, shipped, Variant())
    assert plain is not None
    assert node_answer(scope, shipped, Variant(coding="gzip")) == plain


def test_errors_and_parameters_still_come_from_the_route(shipped: KnowledgeGraph) -> None:
    with TestClient(create_app(Settings(access_log=False, cache_entries=0), shipped)) as client:
        missing = client.get("/v1/nodes/oxytocn")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert "oxytocin" in missing.text  # the suggestion
        assert client.get("/v1/nodes/bad%20id").status_code == 422
        assert client.get("/v1/nodes/oxytocin?bogus=1").status_code == 422
        assert "edges" in client.get("/v1/nodes/oxytocin?include=edges").json()
        assert client.head("/v1/nodes/oxytocin").content == b""
        etag = client.get("/v1/nodes/oxytocin").headers["etag"]
        assert client.get("/v1/nodes/oxytocin", headers={"If-None-Match": etag}).status_code == 304


def test_a_fault_in_the_shortcut_is_answered_by_the_app(shipped: KnowledgeGraph) -> None:
    def broken(scope: Scope, graph: Any, variant: Variant) -> Answer | None:
        raise RuntimeError("a fault in the shortcut")

    app = create_app(Settings(access_log=False), shipped)
    app.build_middleware_stack()
    pipeline: Pipeline = app.state.pipeline
    faulty = Pipeline(pipeline.app, door=FrontDoor(), bounds=Bounds(max_url_bytes=8000, max_concurrency=8),
                      cache=AnswerCache(max_entries=0, max_bytes=0), gzip_min_bytes=1024, lifetime=b"public",
                      shortcut=broken)  # fmt: skip
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(faulty(_scope(app, "/v1/nodes/oxytocin"), receive, send))
    assert sent[0]["status"] == 200
    assert b'"id":"oxytocin"' in sent[1]["body"]
