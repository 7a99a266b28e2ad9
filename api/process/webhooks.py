"""Webhooks: each content change and release POSTed to the endpoints of a YAML file, signed as
the Standard Webhooks specification says, retried, and logged.

The file (named by `DISTANCE_WEBHOOKS`) is a list of entries:

```yaml
- url: https://site.example/api/revalidate
  secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw   # "whsec_" + base64 of 24 to 64 random bytes
  topics: [content.changed, release.recorded]
  allow_private: false                            # true lets the url name a loopback or private address
```

`read_endpoints` refuses the whole file at start, naming `file:line` and the entry, for an
unknown key, a scheme other than http(s), a secret that is not `whsec_` + base64, an unknown
topic, or a host that is (or resolves to) a loopback, private, link-local or reserved address
without `allow_private: true`: a content API should not be the way into its own network.

`Deliveries` runs in a thread of its own with a bounded queue, so serving never waits on a
receiver: `submit` returns at once (and logs a drop when the queue is full). Each delivery is
POSTed with `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` + base64 of
HMAC-SHA256 over `id.timestamp.body`, keyed with the secret's bytes); any answer but a 2xx,
or none within 5 s, is retried after 1 s, 2 s, 4 s, … (at most 5 minutes apart) until
`retry_seconds` have passed since the first attempt. A redirect is not followed (it is a
failed attempt). Every attempt is one JSON line in the log file, which `distance webhooks`
prints.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import heapq
import hmac
import ipaddress
import logging
import queue
import socket
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import orjson
import yaml

from graph.build import KnowledgeGraph
from graph.events import events_between

__all__ = [
    "TOPICS",
    "Deliveries",
    "Delivery",
    "Endpoint",
    "WebhookConfigError",
    "read_deliveries",
    "read_endpoints",
    "send_events",
    "sign",
    "webhook_deliveries",
]

log = logging.getLogger("distance.webhooks")

TOPICS: Final = ("content.changed", "release.recorded")
_KEYS: Final = {"url", "secret", "topics", "allow_private"}
_SECRET_PREFIX: Final = "whsec_"
_TIMEOUT: Final = 5.0
_FIRST_BACKOFF: Final = 1.0
_MAX_BACKOFF: Final = 300.0
_QUEUE: Final = 1024


class WebhookConfigError(Exception):
    """The webhooks file cannot be used; `problems` holds one `file:line: entry N: message` each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Endpoint:
    """One receiver: where, with which key, for which topics; `name` says which entry it is."""

    url: str
    key: bytes = field(repr=False)
    topics: frozenset[str]
    name: str


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`.

    >>> sign(b"secret", "msg_1", 1700000000, b'{"a":1}')
    'v1,Q5nZ7DiOGwijBBqvBVAK6c0zDr2JLkXI7TaV4f+Q2vY='
    """
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def _private(host: str) -> str | None:
    """The loopback, private, link-local or reserved address `host` is or resolves to, if any."""
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except OSError as exc:
            return f"does not resolve ({exc.strerror or exc})"
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        if not address.is_global or address.is_multicast:
            return str(address)
    return None


def _entry(item: Any, where: str, check_private: bool) -> tuple[Endpoint | None, list[str]]:
    problems: list[str] = []
    if not isinstance(item, Mapping):
        return None, [f"{where}: must be a mapping with url, secret and topics"]
    for name in sorted(set(map(str, item)) - _KEYS):
        problems.append(f"{where}: unknown key {name!r} (allowed: {', '.join(sorted(_KEYS))})")
    for name in sorted({"url", "secret", "topics"} - set(map(str, item))):
        problems.append(f"{where}: {name} is missing")
    url, secret, topics = item.get("url"), item.get("secret"), item.get("topics")
    allow_private = item.get("allow_private", False)
    if not isinstance(allow_private, bool):
        problems.append(f"{where}: allow_private must be true or false")
    key = b""
    if "secret" in item:
        if not isinstance(secret, str) or not secret.startswith(_SECRET_PREFIX):
            problems.append(f"{where}: secret must be a string starting with {_SECRET_PREFIX!r}")
        else:
            try:
                key = base64.b64decode(secret[len(_SECRET_PREFIX) :], validate=True)
            except binascii.Error:
                problems.append(f"{where}: secret must be {_SECRET_PREFIX!r} followed by base64")
            else:
                if not 24 <= len(key) <= 64:
                    problems.append(f"{where}: secret must hold 24 to 64 bytes (it holds {len(key)})")
    if "topics" in item:
        if not isinstance(topics, list) or not topics or not all(isinstance(t, str) for t in topics):
            problems.append(f"{where}: topics must be a non-empty list of {', '.join(TOPICS)}")
        else:
            for topic in topics:
                if topic not in TOPICS:
                    problems.append(f"{where}: unknown topic {topic!r} (known: {', '.join(TOPICS)})")
    if "url" in item:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"{where}: url must be an http:// or https:// URL with a host, not {url!r}")
        elif check_private and allow_private is not True and (found := _private(parts.hostname)) is not None:
            problems.append(
                f"{where}: url {url} names a loopback, private or reserved address ({found}); "
                "refused unless the entry says allow_private: true"
            )
    if problems:
        return None, problems
    assert isinstance(url, str)
    assert isinstance(topics, list)
    return Endpoint(url, key, frozenset(topics), where), []


def read_endpoints(path: Path, *, check_private: bool = True) -> tuple[Endpoint, ...]:
    """The endpoints of the webhooks file at `path`.

    Raises
    ------
    WebhookConfigError
        With every problem found, each naming `file:line` and the entry (1-based).
    """
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except OSError as exc:
        raise WebhookConfigError([f"{path}: cannot read the webhooks file: {exc.strerror or exc}"]) from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        said = getattr(exc, "problem", None) or str(exc)
        raise WebhookConfigError([f"{path}:{max(line, 1)}: not a YAML file: {said}"]) from None
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        raise WebhookConfigError([f"{path}:1: must be a list of entries (url, secret, topics, allow_private)"])
    endpoints, problems = [], []
    for number, (item, node) in enumerate(zip(data, root.value, strict=True), start=1):
        endpoint, found = _entry(item, f"{path}:{node.start_mark.line + 1}: entry {number}", check_private)
        problems += found
        if endpoint is not None:
            endpoints.append(endpoint)
    if problems:
        raise WebhookConfigError(problems)
    return tuple(endpoints)


@dataclass(order=True)
class _Job:
    due: float
    sequence: int
    endpoint: Endpoint = field(compare=False)
    msg_id: str = field(compare=False)
    topic: str = field(compare=False)
    body: bytes = field(compare=False)
    first: float = field(compare=False, default=0.0)
    attempt: int = field(compare=False, default=0)


class Deliveries:
    """A thread that POSTs events to endpoints, retries them and logs each attempt.

    `submit` never blocks; `close` stops the thread (deliveries still waiting to be retried
    are logged as abandoned).
    """

    def __init__(
        self,
        endpoints: Iterable[Endpoint],
        log_path: Path,
        *,
        retry_seconds: float = 3600.0,
        first_backoff: float = _FIRST_BACKOFF,
        timeout: float = _TIMEOUT,
    ) -> None:
        self.endpoints = tuple(endpoints)
        self.log_path = log_path
        self.retry_seconds = retry_seconds
        self.first_backoff = first_backoff
        self._queue: queue.Queue[_Job | None] = queue.Queue(maxsize=_QUEUE)
        import httpx  # here, not at the top: `distance serve` without webhooks never pays its import

        self._client = httpx.Client(timeout=timeout, follow_redirects=False, headers={"user-agent": "Distance"})
        self._sequence = 0
        self._thread = threading.Thread(target=self._run, name="distance-webhooks", daemon=True)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def submit(self, topic: str, msg_id: str, data: Mapping[str, Any]) -> int:
        """Queue `data` as a `topic` event for every endpoint that takes the topic; how many were queued."""
        body = orjson.dumps({"type": topic, "timestamp": _now_iso(), "data": data})
        queued = 0
        for endpoint in self.endpoints:
            if topic not in endpoint.topics:
                continue
            self._sequence += 1
            job = _Job(0.0, self._sequence, endpoint, msg_id, topic, body)
            try:
                self._queue.put_nowait(job)
                queued += 1
            except queue.Full:
                self._write(job, status=None, outcome="dropped", ms=0.0, error="the delivery queue is full")
        return queued

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread once the queue is drained (at most `timeout` seconds)."""
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=timeout)
        self._thread.join(timeout)
        self._client.close()

    def _run(self) -> None:
        waiting: list[_Job] = []
        while True:
            wait = max(0.0, waiting[0].due - time.monotonic()) if waiting else None
            try:
                job = self._queue.get(timeout=wait)
            except queue.Empty:
                job = None
            else:
                if job is None:
                    for left in waiting:
                        self._write(left, status=None, outcome="abandoned", ms=0.0, error="the server stopped")
                    return
                job.first = time.monotonic()
                heapq.heappush(waiting, job)
            while waiting and waiting[0].due <= time.monotonic():
                due = heapq.heappop(waiting)
                if self._attempt(due):
                    heapq.heappush(waiting, due)

    def _attempt(self, job: _Job) -> bool:
        """POST once; True when it should be tried again (its `due` set to when)."""
        import httpx  # already imported by __init__: a lookup

        job.attempt += 1
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": job.msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(job.endpoint.key, job.msg_id, timestamp, job.body),
        }
        started = time.monotonic()
        status: int | None = None
        error = ""
        try:
            status = self._client.post(job.endpoint.url, content=job.body, headers=headers).status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        ms = (time.monotonic() - started) * 1000
        if status is not None and 200 <= status < 300:
            self._write(job, status=status, outcome="delivered", ms=ms)
            return False
        backoff = min(_MAX_BACKOFF, self.first_backoff * 2 ** (job.attempt - 1))
        if time.monotonic() + backoff - job.first > self.retry_seconds:
            self._write(job, status=status, outcome="failed", ms=ms, error=error)
            log.warning("webhook %s to %s failed after %d attempt(s)", job.msg_id, job.endpoint.url, job.attempt)
            return False
        self._write(job, status=status, outcome="retrying", ms=ms, error=error, retry_in=backoff)
        job.due = time.monotonic() + backoff
        return True

    def _write(
        self, job: _Job, *, status: int | None, outcome: str, ms: float, error: str = "", retry_in: float | None = None
    ) -> None:
        line = {
            "ts": _now_iso(),
            "id": job.msg_id,
            "topic": job.topic,
            "url": job.endpoint.url,
            "attempt": job.attempt,
            "status": status,
            "outcome": outcome,
            "ms": round(ms, 1),
        }
        if error:
            line["error"] = error
        if retry_in is not None:
            line["retry_in"] = retry_in
        try:
            with self.log_path.open("ab") as out:
                out.write(orjson.dumps(line) + b"\n")
        except OSError as exc:
            log.error("cannot write the webhook log %s: %s", self.log_path, exc)


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


@dataclass(frozen=True)
class Delivery:
    """One event to one endpoint as the log tells it: its attempts and how the last one went."""

    id: str
    topic: str
    url: str
    attempts: int
    status: int | None
    outcome: str
    first: str
    last: str


def read_deliveries(path: Path) -> list[Delivery]:
    """The deliveries in a webhook log, oldest first, each with its latest attempt (a torn or
    foreign line is passed over)."""
    found: dict[tuple[str, str], Delivery] = {}
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return []
    for raw in lines:
        try:
            line = orjson.loads(raw)
            key = (str(line["id"]), str(line["url"]))
            first = found[key].first if key in found else str(line["ts"])
            found[key] = Delivery(
                key[0], str(line["topic"]), key[1], int(line["attempt"]), line["status"],
                str(line["outcome"]), first, str(line["ts"]),
            )  # fmt: skip
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            continue
    return list(found.values())


def webhook_deliveries(settings: Any) -> Deliveries | None:
    """The deliveries `settings` ask for (`webhooks`, `run_dir`, `webhook_retry_seconds`), or None.

    The file was checked when the server started (`distance serve`); a fault here is raised."""
    if settings.webhooks is None:
        return None
    return Deliveries(
        read_endpoints(settings.webhooks),
        settings.run_dir / "webhooks.jsonl",
        retry_seconds=settings.webhook_retry_seconds,
    )


def send_events(deliveries: Deliveries, old: KnowledgeGraph, new: KnowledgeGraph) -> None:
    """Queue the events of a switch from `old` to `new` as webhooks: a listener of the server's
    reload routine (`api.process.reload.Content.listeners`), which runs once per content change."""
    for event in events_between(old, new):
        deliveries.submit(event.topic, event.id, event.data)
