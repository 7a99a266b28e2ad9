"""`distance serve` against slow and malformed clients, over raw sockets: timeouts, caps, non-readers."""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.live import DISTANCE, LiveServer, closed_by_server, free_port, serve, wait_for

LIMITS = {
    "DISTANCE_HEADER_TIMEOUT": "1",
    "DISTANCE_SEND_TIMEOUT": "2",
    "DISTANCE_MAX_CONCURRENCY": "2",
}


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The shipped content, with a 1 s header timeout, a 2 s send timeout and 2 requests in flight."""
    port = free_port()
    logs = tmp_path_factory.mktemp("strict")
    with serve([DISTANCE, "serve", "--port", str(port)], port, logs, env=LIMITS) as server:
        yield server


def _connect(server: LiveServer) -> socket.socket:
    port = int(server.url.rsplit(":", 1)[1])
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def _answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _problem(raw: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    assert "server" not in headers
    return int(lines[0].split()[1]), orjson.loads(body)


def test_connections_that_do_not_finish_their_headers_are_closed(strict_server: LiveServer) -> None:
    with _connect(strict_server) as silent, _connect(strict_server) as dribbling:
        _slowloris(strict_server, silent, dribbling)


def _slowloris(server: LiveServer, silent: socket.socket, dribbling: socket.socket) -> None:
    dribbling.sendall(b"GET /v1/meta HTTP/1.1\r\nHost: x\r\n")
    started = time.monotonic()
    for _ in range(8):  # a header byte every 0.25 s: a slowloris, never done
        time.sleep(0.25)
        try:
            dribbling.send(b"X")
        except OSError:
            break
    assert httpx.get(server.url + "/v1/meta").status_code == 200  # others are served meanwhile
    assert closed_by_server(silent)
    assert closed_by_server(dribbling)
    assert time.monotonic() - started < 5


def test_too_many_or_too_large_headers_are_a_431_problem(strict_server: LiveServer) -> None:
    many = b"".join(b"X-Field-%d: y\r\n" % i for i in range(100))
    large = b"X-Large: " + b"a" * 20_000 + b"\r\n"
    for extra, detail in ((many, "more than 64 header fields"), (large, "more than 16384 bytes of header fields")):
        with _connect(strict_server) as sock:
            sock.sendall(b"GET /v1/meta HTTP/1.1\r\nHost: x\r\n" + extra + b"\r\n")
            status, problem = _problem(_answer(sock))
        assert (status, problem["status"], problem["detail"]) == (431, 431, detail)
        assert problem["type"] == "/problems/header-fields-too-large"


def test_an_invalid_byte_in_the_request_line_is_a_400_problem(strict_server: LiveServer) -> None:
    with _connect(strict_server) as sock:
        sock.sendall(b"GET /v1/\x01meta HTTP/1.1\r\nHost: x\r\n\r\n")
        status, problem = _problem(_answer(sock))
    assert (status, problem["type"], problem["title"]) == (400, "/problems/bad-request", "Bad request")


def test_a_large_body_on_a_get_is_refused_unread_and_the_connection_closed(strict_server: LiveServer) -> None:
    with _connect(strict_server) as sock:
        sock.sendall(b"GET /v1/meta HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n" + b"x" * 65536)
        status, problem = _problem(_answer(sock))  # the server closes without waiting for the rest
    assert (status, problem["type"]) == (413, "/problems/content-too-large")


def _open_fds(server: LiveServer) -> int:
    return len(os.listdir(f"/proc/{server.process.pid}/fd"))


def test_clients_pipelining_exports_without_reading_hold_no_slot_and_are_cut_off(strict_server: LiveServer) -> None:
    with contextlib.ExitStack() as stack:
        _non_readers(strict_server, stack)


def _non_readers(strict_server: LiveServer, stack: contextlib.ExitStack) -> None:
    before = _open_fds(strict_server)
    for _ in range(6):  # three times the 2 requests in flight the server takes
        sock = stack.enter_context(_connect(strict_server))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET /v1/graph?format=graphml HTTP/1.1\r\nHost: x\r\n\r\n" * 40)
    time.sleep(0.5)
    statuses = [httpx.get(strict_server.url + "/v1/meta").status_code for _ in range(10)]
    assert statuses == [200] * 10  # no 503: the stalled clients hold no concurrency slot
    assert _open_fds(strict_server) >= before + 6
    wait_for(lambda: _open_fds(strict_server) <= before, timeout=10, what="the send timeout to cut them off")


def test_descriptor_exhaustion_closes_the_slowest_and_logs_once_per_interval(tmp_path: Path) -> None:
    port = free_port()
    command = ["sh", "-c", f"ulimit -n 128 && exec {DISTANCE} serve --port {port}"]
    logs = tmp_path / "logs"
    with serve(command, port, logs, env={"DISTANCE_HEADER_TIMEOUT": "30"}) as server, contextlib.ExitStack() as held:
        for _ in range(150):  # more idle connections than the worker has descriptors
            held.enter_context(_connect(server))
        time.sleep(0.5)
        for _ in range(5):
            assert httpx.get(server.url + "/v1/meta").status_code == 200
        assert _open_fds(server) <= 128
        wait_for(lambda: "connection cap reached" in server.err(), what="the log line")
        lines = [line for line in server.err().splitlines() if "connection cap reached" in line]
        assert len(lines) == 1, lines  # 90-odd evictions, one line
