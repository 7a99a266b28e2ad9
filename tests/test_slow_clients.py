"""`distance serve` alone against slow and malformed clients, over raw sockets.

What granian and the app hold on their own is tested here; what needs nginx in front (a
connection that never sends a byte, a client that never reads, problem+json for granian's
own refusals) is tested through the proxy in tests/test_cluster.py, as the README says.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import orjson
import pytest

from api.settings import Settings
from tests.live import DISTANCE, LiveServer, closed_by_server, free_port, serve

LIMITS = {"DISTANCE_HEADER_TIMEOUT": "1", "DISTANCE_MAX_CONCURRENCY": "2"}


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The shipped content, with a 1 s header timeout and 2 requests in flight."""
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


def _head_and_body(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    return int(lines[0].split()[1]), dict(line.lower().split(": ", 1) for line in lines[1:]), body


def test_a_connection_that_dribbles_its_headers_is_closed_at_the_header_timeout(strict_server: LiveServer) -> None:
    with _connect(strict_server) as dribbling:
        dribbling.sendall(b"GET /v1/meta HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        for _ in range(12):  # a header byte every 0.25 s: a slowloris, never done
            time.sleep(0.25)
            try:
                dribbling.send(b"X")
            except OSError:
                break
        assert httpx.get(strict_server.url + "/v1/meta").status_code == 200  # others are served meanwhile
        assert closed_by_server(dribbling)
        assert time.monotonic() - started < 2.5


def test_an_idle_keep_alive_connection_is_closed_at_the_header_timeout(strict_server: LiveServer) -> None:
    with _connect(strict_server) as sock:
        sock.sendall(b"GET /v1/meta HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        assert closed_by_server(sock)
        assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("method", [b"GET", b"HEAD"])
def test_a_head_past_the_buffer_is_a_431_and_an_unparseable_request_a_400_with_no_body(
    strict_server: LiveServer, method: bytes
) -> None:
    shipped = Settings()
    large = b"X-Large: " + b"a" * 2 * (shipped.max_url_bytes + shipped.max_header_bytes) + b"\r\n"  # past the buffer
    for request, expected in (
        (method + b" /v1/meta HTTP/1.1\r\nHost: x\r\n" + large + b"\r\n", 431),
        (method + b" /v1/\x01meta HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ):
        with _connect(strict_server) as sock:
            sock.sendall(request)
            status, headers, body = _head_and_body(_answer(sock))
        assert (status, headers.get("content-length"), body) == (expected, "0", b"")


def test_a_large_body_on_a_get_is_refused_unread_as_a_413_problem(strict_server: LiveServer) -> None:
    with _connect(strict_server) as sock:
        sock.sendall(b"GET /v1/meta HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n" + b"x" * 65536)
        status, headers, body = _head_and_body(_answer(sock))  # the server closes without waiting for the rest
    assert (status, headers["content-type"]) == (413, "application/problem+json")
    assert orjson.loads(body)["type"] == "/problems/content-too-large"


def test_clients_pipelining_exports_without_reading_hold_no_concurrency_slot(strict_server: LiveServer) -> None:
    with contextlib.ExitStack() as stack:
        for _ in range(6):  # three times the 2 requests in flight the app takes
            sock = stack.enter_context(_connect(strict_server))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(b"GET /v1/graph?format=graphml HTTP/1.1\r\nHost: x\r\n\r\n" * 40)
        time.sleep(0.5)
        statuses = [httpx.get(strict_server.url + "/v1/meta").status_code for _ in range(10)]
    assert statuses == [200] * 10  # no 503: the stalled clients hold no slot of the app's


def test_a_head_shed_past_the_concurrency_bound_is_a_503_with_no_body(strict_server: LiveServer) -> None:
    """Two runaway SPARQL queries hold the app's 2 request slots until their time limit; a HEAD
    that comes meanwhile is shed at once, with the GET's headers and no body."""
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"
    sparql = strict_server.url + "/v1/sparql"
    assert httpx.get(sparql, params={"query": "ASK {}"}, timeout=60).status_code == 200  # the store is built
    with ThreadPoolExecutor(2) as pool:
        held = [pool.submit(httpx.get, sparql, params={"query": runaway}, timeout=30) for _ in range(2)]
        time.sleep(0.5)
        with _connect(strict_server) as sock:
            sock.sendall(b"HEAD /v1/meta HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            status, headers, body = _head_and_body(_answer(sock))
        assert [answer.result().status_code for answer in held] == [422, 422]  # each stopped at its limit
    assert (status, headers["content-type"], headers["retry-after"], body) == (
        503,
        "application/problem+json",
        "1",
        b"",
    )
    assert int(headers["content-length"]) > 0  # the GET's length: a HEAD's headers are the GET's


def test_a_head_to_the_apps_refusals_has_no_body_over_the_wire(tmp_path_factory: pytest.TempPathFactory) -> None:
    port = free_port()
    env = {"DISTANCE_RATE_LIMIT": "0.01", "DISTANCE_RATE_BURST": "1"}
    logs = tmp_path_factory.mktemp("limited")
    with serve([DISTANCE, "serve", "--port", str(port)], port, logs, env=env) as server:
        answers = []
        for request in (
            b"HEAD /v1/" + b"a" * Settings().max_url_bytes + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            b"HEAD /v1/meta HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n",
            b"HEAD /v1/meta HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",  # the ready check took the one token
        ):
            with _connect(server) as sock:
                sock.sendall(request)
                sock.settimeout(2)
                chunks = []
                with contextlib.suppress(TimeoutError):
                    while chunk := sock.recv(65536):
                        chunks.append(chunk)
                answers.append(_head_and_body(b"".join(chunks)))
    assert [(status, headers["content-type"], body) for status, headers, body in answers] == [
        (status, "application/problem+json", b"") for status in (414, 413, 429)
    ]
