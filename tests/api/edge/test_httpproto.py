"""The hardened protocol in this process: uvicorn with `api.process.serve`'s config, in a thread, over raw sockets.

(tests/test_slow_clients.py runs the same checks against a real `distance serve`; these run
in-process so that each limit is seen from both sides: what the client got, what the
protocol counted.)
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
import uvloop
from starlette.types import Receive, Scope, Send

from api.edge.httpproto import FdWatch, connection_cap
from api.process.serve import uvicorn_config
from api.settings import Settings
from tests.live import closed_by_server

BIG = b"x" * 2_000_000


async def _app(scope: Scope, receive: Receive, send: Send) -> None:
    """/big answers 2 MB, anything else a few bytes."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = BIG if scope["path"] == "/big" else b"ok"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


class _Running:
    def __init__(self, server: uvicorn.Server, port: int) -> None:
        self.server = server
        self.port = port

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)

    def get(self, path: str = "/") -> bytes:
        with self.connect() as sock:
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % path.encode())
            return _all(sock)

    @property
    def connections(self) -> int:
        return len(self.server.server_state.connections)


def _all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def running() -> Iterator[_Running]:
    settings = Settings(port=0, header_timeout=0.5, send_timeout=1, max_connections=16, keepalive_timeout=5)
    config = uvicorn_config(_app, settings)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: uvloop.run(server.serve(sockets=[listener])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    yield _Running(server, listener.getsockname()[1])
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()


def test_a_connection_is_closed_when_its_headers_do_not_come_in_time(running: _Running) -> None:
    with running.connect() as silent, running.connect() as partial:
        partial.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")
        started = time.monotonic()
        assert closed_by_server(silent)
        assert closed_by_server(partial)
        assert 0.4 < time.monotonic() - started < 3


def test_after_an_answer_the_header_timer_runs_again(running: _Running) -> None:
    with running.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert sock.recv(65536).endswith(b"ok")
        sock.sendall(b"GET / HTTP/1.1\r\n")  # the next request, never finished
        assert closed_by_server(sock)


@pytest.mark.parametrize(
    ("request_bytes", "status", "detail"),
    [
        (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(70)) + b"\r\n", 431, b"64 header fields"),
        (b"GET / HTTP/1.1\r\nX: " + b"y" * 17_000 + b"\r\n\r\n", 431, b"16384 bytes of header"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, b"more than 65536 bytes"),
        (b"GET /\x7f HTTP/1.1\r\n\r\n", 400, b"could not be parsed"),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400, b"could not be parsed"),  # TLS on a plain port
    ],
)
def test_requests_breaking_a_limit_get_a_problem_and_a_close(
    running: _Running, request_bytes: bytes, status: int, detail: bytes
) -> None:
    with running.connect() as sock:
        sock.sendall(request_bytes)
        answer = _all(sock)
    assert answer.startswith(b"HTTP/1.1 %d " % status)
    assert b"content-type: application/problem+json\r\n" in answer
    assert b"connection: close\r\n" in answer
    assert detail in answer


def test_a_pipelining_client_that_does_not_read_runs_no_request_and_is_cut_off(running: _Running) -> None:
    with running.connect() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: t\r\n\r\n" * 5)
        time.sleep(0.3)
        assert not running.server.server_state.tasks  # the follow-ups wait, holding no request
        assert running.get().endswith(b"ok")
        deadline = time.monotonic() + 5
        while running.connections > 0:
            assert time.monotonic() < deadline, "the send timeout did not cut the client off"
            time.sleep(0.05)


def test_a_slow_reader_that_catches_up_gets_every_pipelined_answer(running: _Running) -> None:
    with running.connect() as sock:
        sock.sendall(
            b"GET /big HTTP/1.1\r\nHost: t\r\n\r\n" * 2 + b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        )
        time.sleep(0.3)  # the buffer fills; the second request waits
        answer = _all(sock)
    assert answer.count(b"HTTP/1.1 200 OK") == 3
    assert answer.endswith(b"ok")


def test_past_the_connection_cap_the_longest_waiting_connection_makes_room(
    running: _Running, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="distance.http"):
        held = [running.connect() for _ in range(16)]
        time.sleep(0.1)
        assert running.get().endswith(b"ok")  # the 17th connection is served
        assert closed_by_server(held[0])  # the oldest idle one made room
        for sock in held:
            sock.close()
    assert [r.message for r in caplog.records if "connection cap reached" in r.message]


def test_the_connection_cap_follows_the_descriptor_limit() -> None:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert connection_cap(0) == max(16, soft - 64)
    assert connection_cap(500) == 500


def test_fd_watch_logs_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    async def watch() -> None:
        fds = FdWatch(interval=10.0, margin=1_000_000)  # "nearly exhausted" from the first look
        fds.start()
        await asyncio.sleep(2.5)
        fds.stop()

    with caplog.at_level(logging.WARNING, logger="distance.http"):
        asyncio.run(watch())
    assert len([r for r in caplog.records if "file descriptors nearly exhausted" in r.message]) == 1
