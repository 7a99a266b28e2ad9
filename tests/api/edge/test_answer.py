"""HEAD and conditional requests, answered in one place (api/edge/answer.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message

from api.app import create_app
from api.edge.answer import CHUNK_BYTES, LARGE_BYTES, Answer, LargeSends, send_answer
from api.settings import DEFAULT_SEEDS_DIR, Settings
from graph.build import load_graph


@pytest.mark.parametrize("path", ["/v1/meta", "/v1/schema", "/v1/nodes/oxytocin"])
def test_head_answers_like_get_without_a_body(client: TestClient, path: str) -> None:
    plain = {"Accept-Encoding": "identity"}
    get, head = client.get(path, headers=plain), client.head(path, headers=plain)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == str(len(get.content))


@pytest.mark.parametrize("path", ["/v1/meta", "/v1/schema", "/v1/nodes/oxytocin"])
def test_if_none_match_revalidates_with_304(client: TestClient, path: str) -> None:
    etag = client.get(path).headers["etag"]
    again = client.get(path, headers={"If-None-Match": f'W/"x", {etag}'})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200


def _collect() -> tuple[list[Message], Callable[[Message], Awaitable[None]]]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)
        await asyncio.sleep(0)

    return sent, send


def test_a_large_body_leaves_in_awaited_chunks_and_a_small_one_at_once() -> None:
    body = bytes(range(256)) * 4096  # 1 MiB
    sent, send = _collect()
    asyncio.run(send_answer(send, Answer(200, [(b"content-length", b"1048576")], body), head=False))
    chunks = [m for m in sent if m["type"] == "http.response.body"]
    assert len(chunks) == len(body) // CHUNK_BYTES
    assert b"".join(m["body"] for m in chunks) == body
    assert [m["more_body"] for m in chunks] == [True] * (len(chunks) - 1) + [False]
    sent, send = _collect()
    asyncio.run(send_answer(send, Answer(200, [], b"x" * LARGE_BYTES), head=False))
    assert [m.get("more_body", False) for m in sent if m["type"] == "http.response.body"] == [False]


def test_large_sends_are_bounded_per_client_and_per_process() -> None:
    async def scenario() -> list[str]:
        gate = LargeSends(lambda scope: scope["client"], per_process=3, per_client=2)
        order: list[str] = []
        release = asyncio.Event()

        async def one(name: str, client: bytes) -> None:
            async with gate.turn(client):
                order.append(name)
                await release.wait()

        tasks = [asyncio.create_task(one(n, c)) for n, c in (("a1", b"a"), ("a2", b"a"), ("a3", b"a"), ("b1", b"b"),
                                                                ("c1", b"c"))]  # fmt: skip
        await asyncio.sleep(0.05)
        started = list(order)
        assert (gate.sending, gate.by_client) == (3, {b"a": 2, b"b": 1})
        release.set()
        await asyncio.gather(*tasks)
        assert (gate.sending, gate.by_client) == (0, {})
        return started

    assert asyncio.run(scenario()) == ["a1", "a2", "b1"]  # a3 waits for a's turn, c1 for the process's


def test_large_sends_leave_together_no_faster_than_the_rate() -> None:
    """Two large answers sent at once share the process's rate chunk by chunk: 16 chunks at
    40 a second take 15/40 s after the first (which goes at once), neither waiting for the other."""
    chunks_per_second = 40

    async def scenario() -> tuple[float, list[int]]:
        gate = LargeSends(lambda scope: scope["client"], rate=CHUNK_BYTES * chunks_per_second)
        order: list[int] = []

        async def one(i: int) -> None:
            async def send(message: Message) -> None:
                if message["type"] == "http.response.body":
                    order.append(i)

            scope = {"client": f"client-{i}".encode(), "state": {"large_sends": gate}}
            await send_answer(send, Answer(200, [], bytes(8 * CHUNK_BYTES)), head=False, scope=scope)

        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(one(0), one(1))
        return loop.time() - started, order

    took, order = asyncio.run(scenario())
    assert took >= 15 / chunks_per_second
    assert all(set(order[i : i + 4]) == {0, 1} for i in range(len(order) - 3)), order


@pytest.mark.parametrize("workers", [1, 2])
def test_the_setting_paces_an_export_of_the_shipped_content(workers: int) -> None:
    """`large_body_rate` reaches the sends of the app the factory makes, each of a server's
    workers taking an equal share: the N-Triples export (~5 MB) at 25 MB/s takes a fifth of a
    second at least on one worker (its first chunk going at once), twice that on one of two."""
    rate = 25_000_000
    settings = Settings(access_log=False, large_body_rate=rate, workers=workers)
    client = TestClient(create_app(settings, load_graph(DEFAULT_SEEDS_DIR)))
    assert client.get("/v1/graph?format=ntriples").status_code == 200  # made once per graph, then kept
    started = time.perf_counter()
    export = client.get("/v1/graph?format=ntriples", headers={"Accept-Encoding": "identity"})
    took = time.perf_counter() - started
    assert (export.status_code, len(export.content) > LARGE_BYTES) == (200, True)
    assert took >= (len(export.content) - CHUNK_BYTES) / (rate / workers)
