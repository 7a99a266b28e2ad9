"""Webhooks against a real HTTP receiver on loopback, their signatures checked by `standardwebhooks`."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest
import standardwebhooks

from api.process.webhooks import Deliveries, Endpoint, WebhookConfigError, read_deliveries, read_endpoints
from tests.live import wait_for

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef01234567").decode()


@dataclass
class Receiver:
    """A loopback HTTP server that records every POST and answers `fail` 500s before 204s."""

    url: str
    fail: int = 0
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["content-length"]))
            box.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = 500 if len(box.received) <= box.fail else 204
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box
    server.shutdown()
    server.server_close()


def _endpoint(tmp_path: Path, url: str) -> Endpoint:
    config = tmp_path / "webhooks.yaml"
    config.write_text(f"- url: {url}\n  secret: {SECRET}\n  topics: [content.changed]\n  allow_private: true\n")
    (endpoint,) = read_endpoints(config)
    return endpoint


def test_a_delivery_is_signed_as_standard_webhooks_says(tmp_path: Path, receiver: Receiver) -> None:
    deliveries = Deliveries([_endpoint(tmp_path, receiver.url)], tmp_path / "run" / "webhooks.jsonl")
    try:
        assert deliveries.submit("content.changed", "content.changed:aaa..bbb", {"content_version": "bbb"}) == 1
        assert deliveries.submit("release.recorded", "release.recorded:bbb", {}) == 0  # not its topic
        wait_for(lambda: len(receiver.received) == 1, 10, "the delivery")
    finally:
        deliveries.close()
    headers, body = receiver.received[0]
    payload = standardwebhooks.Webhook(SECRET).verify(body, headers)
    assert payload["type"] == "content.changed"
    assert payload["data"] == {"content_version": "bbb"}
    assert headers["webhook-id"] == "content.changed:aaa..bbb"
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook("whsec_" + base64.b64encode(b"another secret of 24 byte").decode()).verify(
            body, headers
        )
    (delivery,) = read_deliveries(tmp_path / "run" / "webhooks.jsonl")
    assert (delivery.attempts, delivery.status, delivery.outcome) == (1, 204, "delivered")


def test_a_receiver_that_fails_twice_gets_the_retries(tmp_path: Path, receiver: Receiver) -> None:
    receiver.fail = 2
    log = tmp_path / "webhooks.jsonl"
    deliveries = Deliveries([_endpoint(tmp_path, receiver.url)], log, first_backoff=0.2)
    try:
        deliveries.submit("content.changed", "id-1", {"n": 1})
        wait_for(lambda: len(receiver.received) == 3, 10, "two retries")
        wait_for(lambda: bool(read_deliveries(log)) and read_deliveries(log)[0].outcome == "delivered", 5, "the log")
    finally:
        deliveries.close()
    assert {headers["webhook-id"] for headers, _ in receiver.received} == {"id-1"}
    for headers, body in receiver.received:  # each attempt signed afresh, each valid
        standardwebhooks.Webhook(SECRET).verify(body, headers)
    lines = [orjson.loads(line) for line in log.read_bytes().splitlines()]
    assert [(x["attempt"], x["status"], x["outcome"]) for x in lines] == [
        (1, 500, "retrying"),
        (2, 500, "retrying"),
        (3, 204, "delivered"),
    ]
    assert [x["retry_in"] for x in lines[:2]] == [0.2, 0.4]  # exponential backoff


def test_retries_stop_after_the_stated_time(tmp_path: Path, receiver: Receiver) -> None:
    receiver.fail = 100
    log = tmp_path / "webhooks.jsonl"
    deliveries = Deliveries([_endpoint(tmp_path, receiver.url)], log, first_backoff=0.1, retry_seconds=0.5)
    try:
        deliveries.submit("content.changed", "id-2", {})
        wait_for(lambda: bool(read_deliveries(log)) and read_deliveries(log)[0].outcome == "failed", 10, "giving up")
    finally:
        deliveries.close()
    (delivery,) = read_deliveries(log)
    assert (delivery.status, delivery.attempts) == (500, len(receiver.received))
    assert 3 <= delivery.attempts <= 4  # 0.1 + 0.2 (+ 0.4 would pass 0.5 s)


def test_a_receiver_that_is_down_is_retried_not_fatal(tmp_path: Path) -> None:
    log = tmp_path / "webhooks.jsonl"
    endpoint = _endpoint(tmp_path, "http://127.0.0.1:9/never")  # discard port: nothing listens
    deliveries = Deliveries([endpoint], log, first_backoff=0.1, retry_seconds=0.2)
    try:
        deliveries.submit("content.changed", "id-3", {})
        wait_for(lambda: bool(read_deliveries(log)) and read_deliveries(log)[0].outcome == "failed", 10, "giving up")
    finally:
        deliveries.close()
    assert read_deliveries(log)[0].status is None
    assert "ConnectError" in log.read_text()


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("- url: ftp://example.com/x\n  secret: {s}\n  topics: [content.changed]\n", "must be an http:// or https://"),
        ("- url: http://127.0.0.1:8000/x\n  secret: {s}\n  topics: [content.changed]\n", "loopback, private"),
        ("- url: http://localhost/x\n  secret: {s}\n  topics: [content.changed]\n", "loopback, private"),
        ("- url: https://10.1.2.3/x\n  secret: {s}\n  topics: [content.changed]\n", "(10.1.2.3)"),
        ("- url: https://[::1]/x\n  secret: {s}\n  topics: [content.changed]\n", "(::1)"),
        ("- url: https://192.0.2.1/x\n  secret: nope\n  topics: [content.changed]\n", "starting with 'whsec_'"),
        ("- url: https://192.0.2.1/x\n  secret: whsec_!!\n  topics: [content.changed]\n", "followed by base64"),
        ("- url: https://192.0.2.1/x\n  secret: whsec_YWJj\n  topics: [content.changed]\n", "24 to 64 bytes"),
        ("- url: https://192.0.2.1/x\n  secret: {s}\n  topics: [node.changed]\n", "unknown topic 'node.changed'"),
        ("- url: https://192.0.2.1/x\n  secret: {s}\n  topics: []\n", "topics must be a non-empty list"),
        ("- url: https://192.0.2.1/x\n  secret: {s}\n  topics: [content.changed]\n  retry: 3\n", "unknown key"),
        ("- url: https://192.0.2.1/x\n  topics: [content.changed]\n", "secret is missing"),
        ("- url: https://192.0.2.1/x\n  secret: {s}\n  topics: [content.changed]\n  allow_private: 1\n", "true or"),
        ("url: https://192.0.2.1/x\n", "must be a list of entries"),
        ("a: b: c\n", "not a YAML file: mapping values are not allowed here"),
    ],
)  # fmt: skip
def test_read_endpoints_refuses_a_bad_entry_naming_it(tmp_path: Path, entry: str, problem: str) -> None:
    config = tmp_path / "webhooks.yaml"
    config.write_text(entry.format(s=SECRET))
    with pytest.raises(WebhookConfigError) as caught:
        read_endpoints(config)
    assert problem in str(caught.value)
    assert str(caught.value).startswith(f"{config}:1:")


def test_read_endpoints_names_the_entry_and_its_line(tmp_path: Path) -> None:
    config = tmp_path / "webhooks.yaml"
    good = f"- url: http://127.0.0.1:1/a\n  secret: {SECRET}\n  topics: [release.recorded]\n  allow_private: true\n"
    config.write_text(good + "- url: http://127.0.0.1:1/b\n  secret: " + SECRET + "\n  topics: [content.changed]\n")
    with pytest.raises(WebhookConfigError) as caught:
        read_endpoints(config)
    assert caught.value.problems[0].startswith(f"{config}:5: entry 2: url http://127.0.0.1:1/b names a loopback")


def test_allow_private_admits_a_loopback_receiver(tmp_path: Path) -> None:
    endpoint = _endpoint(tmp_path, "http://127.0.0.1:1/x")
    assert endpoint.topics == {"content.changed"}
    assert endpoint.key == b"0123456789abcdef01234567"
