"""Every 4xx and 5xx is problem+json and leaks nothing: no traceback, path or library version."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import fastapi
import granian
import pydantic
import pytest
import starlette
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from graph import queries
from graph.build import KnowledgeGraph

ROOT = Path(__file__).resolve().parents[2]
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}
# Anything that would tell a caller how the server is built or where it lives.
LEAKS = [
    "Traceback", 'File "', ".py", str(ROOT), sys.prefix, "site-packages", "injected fault", "RuntimeError",
    "fastapi", "starlette", "granian", "pydantic", "python",
    f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}",
    *(f"/{v}" for v in (fastapi.__version__, starlette.__version__, granian.__version__, pydantic.VERSION)),
]  # fmt: skip


@pytest.fixture
def faulty(tiny: KnowledgeGraph, seeds: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A client whose node lookup raises, as a bug deep in a query would."""

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError(f"injected fault in {__file__}")

    monkeypatch.setattr(queries, "get_node", broken)
    with TestClient(create_app(Settings(seeds_dir=seeds), tiny), raise_server_exceptions=False) as raw:
        yield raw


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/v1/nodes/oxytocin", 500),
        ("HEAD", "/v1/nodes/oxytocin", 500),
        ("GET", "/v1/nowhere", 404),
        ("GET", "/v1/edges/no--such--edge", 404),
        ("DELETE", "/v1/meta", 405),
        ("POST", "/v1/nodes", 405),
        ("TRACE", "/v1/meta", 405),
        ("GET", "/v1/nodes?limit=0", 422),
        ("GET", "/v1/meta?debug=1", 422),
        ("GET", "/v1/nodes/" + "a" * 14200, 414),
    ],
)
def test_every_error_is_a_problem_without_internals(faulty: TestClient, method: str, url: str, status: int) -> None:
    response = faulty.request(method, url)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "server" not in response.headers
    if method == "HEAD":
        assert response.content == b""
        return
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    text = response.text.lower() + str(response.headers).lower()
    leaked = [leak for leak in LEAKS if leak.lower() in text]
    assert not leaked, leaked


def test_a_500_is_logged_with_its_request_id(faulty: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    response = faulty.get("/v1/nodes/oxytocin")
    # The prebuilt answers meet the fault too, before any request (logged without a request id).
    request_id = response.headers["x-request-id"]
    [record] = [r for r in caplog.records if r.name == "distance.errors" and request_id in r.getMessage()]
    assert record.exc_info is not None
    assert "injected fault" in str(record.exc_info[1])


def test_error_bodies_name_no_version_of_anything(client: TestClient) -> None:
    """A sanity check on LEAKS itself: the version patterns would match if a body carried them."""
    versions = re.compile(r"\d+\.\d+\.\d+")
    assert versions.search(fastapi.__version__)
    assert not versions.search(client.get("/v1/nodes?limit=0").text)


@pytest.mark.parametrize(
    ("url", "status", "cache_control"),
    [
        ("/v1/nodes/oxytocin", 500, "no-store"),
        ("/v1/nodes/" + "a" * 14200, 414, "no-store"),
        ("/v1/nowhere", 404, "no-store"),
        ("/v1/nodes?limit=0", 422, "no-store"),
        ("/v1/nodes/oxytocin?format=x", 422, "no-store"),
    ],
)
def test_an_error_is_never_stored_like_content(faulty: TestClient, url: str, status: int, cache_control: str) -> None:
    """No browser or shared cache keeps an error: the content can change under it (a fix, a reload)."""
    response = faulty.get(url)
    assert (response.status_code, response.headers["cache-control"]) == (status, cache_control)
    assert "etag" not in response.headers


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_get_405_with_allow(client: TestClient, method: str) -> None:
    response = client.request(method, "/v1/meta")
    assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD, OPTIONS")
    assert (response.headers["cache-control"], response.headers.get("etag")) == ("no-store", None)
    assert response.json()["type"] == "/problems/method-not-allowed"


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/v2/nothing")
    assert (response.status_code, response.headers["content-type"]) == (404, "application/problem+json")
    assert response.json() == {
        "type": "/problems/not-found", "title": "Not found", "status": 404,
        "detail": "no resource at /v2/nothing", "instance": "/v2/nothing",
    }  # fmt: skip


def test_an_unexpected_fault_is_a_500_problem_without_internals(seeds: Path) -> None:
    app = create_app(Settings(seeds_dir=seeds))
    with TestClient(app, raise_server_exceptions=False) as raw:
        app.state.graph = None  # injected fault: every graph read now fails inside a handler
        response = raw.get("/v1/meta")
    assert (response.status_code, response.headers["content-type"]) == (500, "application/problem+json")
    assert "Traceback" not in response.text
    assert response.json()["detail"] == "the server met an unexpected fault"
