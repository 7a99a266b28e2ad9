"""The front door: request ids, the access log, the URL bound (414) and the overload bound (503)."""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.edge.accesslog import JsonLines
from api.settings import Settings
from graph import queries
from graph.build import KnowledgeGraph

Message = MutableMapping[str, Any]


def _scope(path: str, method: str = "GET") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def test_every_response_carries_a_fresh_request_id(client: TestClient) -> None:
    ids = {client.get("/v1/meta").headers["x-request-id"] for _ in range(5)}
    ids.add(client.get("/v1/nothing").headers["x-request-id"])
    assert len(ids) == 6
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("trace-42.a:b", True), ("x" * 64, True), ("x" * 65, False), ('a"b', False), ("a\tb", False)],
)
def test_a_callers_request_id_is_kept_only_when_it_is_a_safe_token(client: TestClient, sent: str, kept: bool) -> None:
    echoed = client.get("/v1/meta", headers={"X-Request-Id": sent}).headers["x-request-id"]
    assert (echoed == sent) is kept


def test_access_log_is_one_json_line_per_request_with_its_id(
    tiny: KnowledgeGraph, seeds: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    with TestClient(create_app(Settings(seeds_dir=seeds), tiny)) as client:  # logs to the captured stdout
        ok = client.get("/v1/nodes?limit=2", headers={"Accept-Encoding": "identity"})  # the bytes as sent
        missing = client.get("/v1/nodes/nobody")
        long = client.get("/v1/search?q=" + "a" * 14200)
    lines = [orjson.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert [(line["path"], line["status"]) for line in lines] == [
        ("/v1/nodes", 200), ("/v1/nodes/nobody", 404), ("/v1/search", 414),
    ]  # fmt: skip
    assert [line["request_id"] for line in lines] == [r.headers["x-request-id"] for r in (ok, missing, long)]
    assert lines[0]["query"] == "limit=2"
    assert len(lines[2]["query"]) == 256  # a huge query is cut in the log
    assert lines[0]["bytes"] == len(ok.content)
    assert lines[0]["method"] == "GET"
    assert [line["cache"] for line in lines] == ["miss", "miss", None]  # a 414 never reaches the cache
    assert lines[0]["ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", lines[0]["ts"])


def test_access_log_can_be_turned_off(
    tiny: KnowledgeGraph, seeds: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    app = create_app(Settings(seeds_dir=seeds, access_log=False), tiny)
    with TestClient(app) as quiet:
        assert "x-request-id" in quiet.get("/v1/meta").headers
    assert capsysbinary.readouterr().out == b""


def test_access_log_survives_a_closed_stream() -> None:
    stream = io.BytesIO()
    sink = JsonLines(stream)
    stream.close()

    async def write() -> None:
        sink.write({"status": 200})
        sink.flush()

    asyncio.run(write())  # neither raises: a broken log never fails a request


def test_access_log_flushes_soon_after_a_burst() -> None:
    class Counting(io.BytesIO):
        flushes = 0

        def flush(self) -> None:
            self.flushes += 1

    stream = Counting()
    sink = JsonLines(stream, interval=0.05)

    async def burst() -> int:
        for status in range(100):
            sink.write({"status": status})
        before = stream.flushes
        await asyncio.sleep(0.2)
        return before

    assert asyncio.run(burst()) == 0
    assert stream.flushes == 1
    assert len(stream.getvalue().splitlines()) == 100


@pytest.mark.parametrize("path", ["/v1/nodes/", "/v1/search?q=", "/nowhere/"])
def test_a_14kb_url_is_a_414_problem(client: TestClient, path: str) -> None:
    response = client.get(path + "a" * (14_336 - len(path)))
    assert (response.status_code, response.headers["content-type"]) == (414, "application/problem+json")
    body = response.json()
    assert (body["type"], body["status"]) == ("/problems/uri-too-long", 414)
    assert len(body["instance"]) <= 256
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_url_bound_is_a_setting_and_counts_the_query(tiny: KnowledgeGraph, seeds: Path) -> None:
    app = create_app(Settings(seeds_dir=seeds, max_url_bytes=1024), tiny)
    with TestClient(app) as small:
        query = "q=" + "a" * (1024 - len("/v1/search") - 2)
        assert small.get(f"/v1/search?{query}").status_code == 422  # at the bound: routed (q is too long)
        assert small.get(f"/v1/search?{query}a").status_code == 414
        head = small.head(f"/v1/search?{query}a")
    assert (head.status_code, head.content) == (414, b"")
    assert int(head.headers["content-length"]) > 0


def test_over_the_concurrency_limit_a_request_gets_503_at_once(tiny: KnowledgeGraph, seeds: Path) -> None:
    """One request holds the only slot (its body arrives slowly, so the app is still at work on
    it); the next is shed, not queued."""
    app = create_app(Settings(seeds_dir=seeds, max_concurrency=1), tiny)

    async def scenario() -> tuple[list[Message], float, bool, list[Message]]:
        started, release = asyncio.Event(), asyncio.Event()

        async def slow_body() -> Message:
            started.set()
            await release.wait()
            return {"type": "http.request", "body": b"", "more_body": False}

        async def dropped(message: Message) -> None:
            pass

        post = _scope("/v1/sparql", "POST")
        post["headers"] = [
            *post["headers"],
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", b"0"),
        ]
        first = asyncio.create_task(app(post, slow_body, dropped))
        await asyncio.wait_for(started.wait(), 10)
        shed: list[Message] = []

        async def collect(message: Message) -> None:
            shed.append(message)

        t0 = time.perf_counter()
        await asyncio.wait_for(app(_scope("/v1/meta"), _receive, collect), 5)
        elapsed = time.perf_counter() - t0
        await asyncio.wait_for(app(_scope("/v1/meta", "HEAD"), _receive, collect), 5)  # refused too, no body
        first_was_pending = not first.done()
        release.set()
        await first
        after: list[Message] = []

        async def collect_after(message: Message) -> None:
            after.append(message)

        await app(_scope("/v1/meta"), _receive, collect_after)
        return shed, elapsed, first_was_pending, after

    shed, elapsed, first_was_pending, after = asyncio.run(scenario())
    headers = dict(shed[0]["headers"])
    assert (shed[0]["status"], headers[b"content-type"]) == (503, b"application/problem+json")
    assert headers[b"retry-after"] == b"1"
    assert headers[b"access-control-allow-origin"] == b"*"  # a page can read Retry-After
    assert b"Retry-After" in headers[b"access-control-expose-headers"]
    assert orjson.loads(shed[1]["body"])["type"] == "/problems/overloaded"
    assert (shed[2]["status"], shed[3]["body"]) == (503, b"")  # a HEAD refused: the GET's headers, no body
    assert first_was_pending
    assert elapsed < 1.0
    assert after[0]["status"] == 200  # the slot is free again once the first answer is sent


def test_a_fault_releases_its_concurrency_slot(
    tiny: KnowledgeGraph, seeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(queries, "get_node", broken)
    app = create_app(Settings(seeds_dir=seeds, max_concurrency=1), tiny)
    with TestClient(app, raise_server_exceptions=False) as raw:
        assert [raw.get("/v1/nodes/oxytocin").status_code for _ in range(3)] == [500, 500, 500]
        assert raw.get("/v1/meta").status_code == 200


@pytest.mark.parametrize("origin", [{"Origin": "https://example.org"}, {}], ids=["origin", "no-origin"])
def test_cors_is_open_without_credentials_and_exposes_etag(client: TestClient, origin: dict[str, str]) -> None:
    response = client.get("/v1/meta", headers=origin)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert "ETag" in response.headers["access-control-expose-headers"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "origin" not in response.headers.get("vary", "").lower()  # the same for every origin


@pytest.mark.parametrize("url", ["/v1/nowhere", "/v1/nodes?limit=0", "/v1/nodes/" + "a" * 14200])
def test_errors_and_refusals_carry_cors_too(client: TestClient, url: str) -> None:
    """So a page can read a problem, and a refusal's `Retry-After`."""
    response = client.get(url, headers={"Origin": "https://example.org"})
    assert response.status_code >= 400
    assert response.headers["access-control-allow-origin"] == "*"
    assert "Retry-After" in response.headers["access-control-expose-headers"]


@pytest.mark.parametrize(
    ("headers", "said", "status", "problem"),
    [
        ({"Content-Length": "1025"}, "of 1025 bytes", 413, "content-too-large"),
        ({"Transfer-Encoding": "chunked"}, "of unknown length", 411, "length-required"),
    ],
)
def test_a_request_body_past_the_cap_or_of_unknown_length_is_refused_with_a_close(
    client: TestClient, headers: dict[str, str], said: str, status: int, problem: str
) -> None:
    body = b"x" * 1025 if "Content-Length" in headers else None
    response = client.request("GET", "/v1/meta", headers=headers, content=body)
    assert (response.status_code, response.headers["content-type"]) == (status, "application/problem+json")
    assert response.json()["type"] == f"/problems/{problem}"
    assert said in response.json()["detail"]
    assert response.headers["connection"] == "close"
    assert response.headers["access-control-allow-origin"] == "*"


def test_a_small_body_on_a_get_is_ignored(client: TestClient) -> None:
    assert client.request("GET", "/v1/meta", content=b"x" * 1024).status_code == 200


def test_a_client_that_does_not_read_its_answer_holds_no_slot(tiny: KnowledgeGraph, seeds: Path) -> None:
    """The bound counts the work of making answers, not their delivery: with the only slot's
    answer made and waiting on its client, the next request is answered."""
    app = create_app(Settings(seeds_dir=seeds, max_concurrency=1), tiny)

    async def scenario() -> tuple[int, bool]:
        started, release = asyncio.Event(), asyncio.Event()

        async def stalled_client(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.set()
                await release.wait()

        first = asyncio.create_task(app(_scope("/v1/meta"), _receive, stalled_client))
        await asyncio.wait_for(started.wait(), 10)
        answered: list[Message] = []

        async def collect(message: Message) -> None:
            answered.append(message)

        await asyncio.wait_for(app(_scope("/v1/meta"), _receive, collect), 5)
        first_was_pending = not first.done()
        release.set()
        await first
        return answered[0]["status"], first_was_pending

    assert asyncio.run(scenario()) == (200, True)
