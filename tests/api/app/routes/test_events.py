"""`/v1/events` on a live `distance serve`: an SSE client (httpx-sse) sees each reload, a receiver its webhook."""

from __future__ import annotations

import base64
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import standardwebhooks
from fastapi.testclient import TestClient
from httpx_sse import ServerSentEvent, connect_sse

from tests.live import DISTANCE, LiveServer, free_port, serve, wait_for

OLD_SUMMARY = "A hormone tied to touch and bonding."
SECRET = "whsec_" + base64.b64encode(b"a secret of twenty-four b").decode()


@dataclass
class Listener:
    """An SSE client in a thread: every event with the time it arrived."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    events: list[tuple[float, ServerSentEvent]] = field(default_factory=list)
    open: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    error: Exception | None = None
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=httpx.Timeout(5, read=30)))

    def close(self) -> None:
        """Hang up (a server waits for open streams when it stops)."""
        self.client.close()
        self.done.wait(5)

    def run(self) -> None:
        try:
            self._read()
        except (httpx.HTTPError, RuntimeError) as exc:  # hung up: the test reads what came before
            self.error = exc
        self.done.set()

    def _read(self) -> None:
        with connect_sse(self.client, "GET", self.url, headers=self.headers) as source:
            assert source.response.headers["content-type"].startswith("text/event-stream")
            self.open.set()
            for event in source.iter_sse():
                if event.data:  # the spec dispatches no event without data (httpx-sse yields `retry:` alone)
                    self.events.append((time.monotonic(), event))

    def named(self, topic: str) -> list[tuple[float, ServerSentEvent]]:
        return [(at, e) for at, e in self.events if e.event == topic]


OPEN: list[Listener] = []


def _listen(url: str, **headers: str) -> Listener:
    listener = Listener(url, headers)
    OPEN.append(listener)
    threading.Thread(target=listener.run, daemon=True).start()
    assert listener.open.wait(10), "the stream did not open"
    return listener


@pytest.fixture
def received() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A local webhook receiver: its URL and what it was sent."""
    got: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["content-length"]))
            got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/revalidate", got
    server.shutdown()
    server.server_close()


@pytest.fixture
def live(seeds: Path, tmp_path: Path, received: tuple[str, list[tuple[dict[str, str], bytes]]]) -> Iterator[LiveServer]:
    hooks = tmp_path / "webhooks.yaml"
    hooks.write_text(
        f"- url: {received[0]}\n  secret: {SECRET}\n  topics: [content.changed, release.recorded]\n"
        "  allow_private: true\n"
    )
    port = free_port()
    env = {
        "DISTANCE_WEBHOOKS": str(hooks),
        "DISTANCE_RUN_DIR": str(tmp_path / "run"),
        "DISTANCE_EVENTS_HEARTBEAT": "0.5",
        "DISTANCE_EVENTS_PER_CLIENT": "3",
        "DISTANCE_ACCESS_LOG": "false",
    }
    command = [DISTANCE, "serve", "--seeds", str(seeds), "--port", str(port)]
    with serve(command, port, tmp_path / "logs", env=env) as server:
        try:
            yield server
        finally:
            while OPEN:
                OPEN.pop().close()


def _edit_summary(seeds: Path, old: str, new: str) -> None:
    concepts = seeds / "graph" / "concepts.yaml"
    text = concepts.read_text(encoding="utf-8")
    assert old in text
    concepts.write_text(text.replace(old, new), encoding="utf-8")


def _version(server: LiveServer) -> str:
    version: str = httpx.get(server.url + "/v1/meta").json()["content_version"]
    return version


def test_a_valid_reload_is_an_event_within_a_second_and_an_invalid_one_is_none(
    live: LiveServer, seeds: Path, received: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    before = _version(live)
    listener = _listen(live.url + "/v1/events")
    _edit_summary(seeds, OLD_SUMMARY, "A hormone of touch and closeness.")
    live.process.send_signal(signal.SIGUSR1)
    wait_for(lambda: _version(live) != before, 30, "the reload")
    served = time.monotonic()
    wait_for(lambda: bool(listener.named("content.changed")), 1.0, "the event, within 1 s of serving the new content")
    at, event = listener.named("content.changed")[0]
    assert at - served < 1.0
    after = _version(live)
    data = event.json()
    assert event.id == f"content.changed:{before[:12]}..{after[:12]}"
    assert (data["previous"], data["content_version"]) == (before, after)
    assert data["counts"] == {"added": 0, "removed": 0, "changed": 1}
    assert data["tags"] == ["graph", "node:oxytocin"]
    assert data["links"]["changes"] == f"/v1/changes?since={before}"

    # The same event as a webhook, signed: the receiver verifies it with the secret.
    wait_for(lambda: bool(received[1]), 5, "the webhook")
    headers, body = received[1][0]
    assert headers["webhook-id"] == event.id
    assert standardwebhooks.Webhook(SECRET).verify(body, headers)["data"] == data

    # Invalid content: the reload is refused, and no event follows (heartbeats only).
    _edit_summary(seeds, "  label: Oxytocin\n", "")
    live.process.send_signal(signal.SIGUSR1)
    wait_for(lambda: "refused" in live.err(), 30, "the refused reload")
    time.sleep(1.5)
    assert [e.event for _, e in listener.events] == ["content.changed"]
    assert _version(live) == after
    assert len(received[1]) == 1


def test_a_client_resumes_with_last_event_id_and_sees_a_release(live: LiveServer, seeds: Path, tmp_path: Path) -> None:
    first = _listen(live.url + "/v1/events")
    _edit_summary(seeds, OLD_SUMMARY, "One.")
    live.process.send_signal(signal.SIGUSR1)
    wait_for(lambda: bool(first.events), 30, "the first event")
    seen = first.events[0][1].id
    _edit_summary(seeds, "One.", "Two.")
    live.process.send_signal(signal.SIGUSR1)
    wait_for(lambda: len(first.events) == 2, 30, "the second event")
    # A client that saw only the first is sent the second at once when it comes back.
    resumed = _listen(live.url + "/v1/events", **{"Last-Event-ID": seen})
    wait_for(lambda: bool(resumed.events), 2, "the missed event")
    assert [e.id for _, e in resumed.events] == [first.events[1][1].id]
    # Recording a release is an event too (no content change, so no content.changed).
    import subprocess

    subprocess.run([DISTANCE, "release", "--seeds", str(seeds)], check=True, capture_output=True)
    live.process.send_signal(signal.SIGUSR1)
    wait_for(lambda: bool(first.named("release.recorded")), 10, "the release event")
    ((_, release),) = first.named("release.recorded")
    assert release.json()["content_version"] == _version(live)
    assert release.json()["served"] is True
    assert len(first.named("content.changed")) == 2


def test_with_workers_every_stream_gets_the_event_under_the_same_id(seeds: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [DISTANCE, "serve", "--seeds", str(seeds), "--port", str(port), "--workers", "2"]
    env = {"DISTANCE_ACCESS_LOG": "false", "DISTANCE_EVENTS_PER_CLIENT": "8"}
    with serve(command, port, tmp_path / "logs", env=env) as server:
        try:
            before = _version(server)
            listeners = [_listen(server.url + "/v1/events") for _ in range(6)]  # spread over both workers
            _edit_summary(seeds, OLD_SUMMARY, "A hormone of touch and closeness.")
            server.process.send_signal(signal.SIGUSR1)  # `distance reload PID`
            wait_for(lambda: all(x.named("content.changed") for x in listeners), 15, "the event on every stream")
            assert {x.named("content.changed")[0][1].id for x in listeners} == {
                f"content.changed:{before[:12]}..{_version(server)[:12]}"
            }
        finally:
            while OPEN:
                OPEN.pop().close()


def test_the_stream_beats_ends_when_asked_and_is_bounded_per_client(live: LiveServer) -> None:
    started = time.monotonic()
    with httpx.stream("GET", live.url + "/v1/events?timeout=2", timeout=10) as response:
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-accel-buffering"] == "no"
        text = "".join(response.iter_text())
    assert 1.9 < time.monotonic() - started < 4
    assert text.startswith("retry: 2000\n: content ")
    assert text.count(": heartbeat\n\n") >= 2
    head = httpx.head(live.url + "/v1/events")
    assert (head.status_code, head.headers["content-type"], head.content) == (
        200,
        "text/event-stream; charset=utf-8",
        b"",
    )
    streams = [_listen(live.url + "/v1/events?timeout=30") for _ in range(3)]
    refused = httpx.get(live.url + "/v1/events")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert "3 event streams are open for this client" in refused.json()["detail"]
    assert all(not s.done.is_set() for s in streams)


@pytest.mark.parametrize("query", ["timeout=0", "timeout=1.5", "timeout=x", "timeout=1&timeout=2", "since=1"])
def test_bad_parameters_are_422s(client: TestClient, query: str) -> None:
    response = client.get(f"/v1/events?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] in {"timeout", "since"}


def test_a_client_that_takes_no_event_stream_gets_a_406(client: TestClient) -> None:
    response = client.get("/v1/events", headers={"Accept": "text/csv"})
    assert (response.status_code, response.json()["status"]) == (406, 406)
