"""What the edge pipeline (`api.edge.pipeline`) does first and last for every request.

`FrontDoor`: an id, the headers every answer carries (the id, `nosniff`, CORS), and one JSON
access-log line. `Bounds`: the refusals before anything else runs (URL size, request body,
the client's rate, concurrency), as problem answers the pipeline sends like any other.
Both sit on the hot path of every request: one `send` wrapper, a counter for the request id
and a buffered orjson line for the log.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Final

from starlette.types import Message, Scope, Send

from api.app.errors import QUERY_ROUTES, problem_answer
from api.edge.accesslog import JsonLines
from api.edge.answer import Answer, LargeSends
from api.edge.ratelimit import RateLimiter

__all__ = ["CORS_HEADERS", "MAX_BODY_BYTES", "REQUEST_ID_HEADER", "Bounds", "FrontDoor"]

REQUEST_ID_HEADER: Final = "X-Request-Id"
_REQUEST_ID_KEY: Final = REQUEST_ID_HEADER.lower().encode()
# A caller's own request id is kept (to trace one call across services) only when it is a
# short plain token; anything else could forge log structure, so it is replaced.
_SAFE_ID: Final = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
_NOSNIFF: Final = (b"x-content-type-options", b"nosniff")
_INSTANCE_CHARS: Final = 256
# Distance takes no request bodies (every method it answers is GET, HEAD or OPTIONS), but for
# a query sent by POST to a query-language route (`QUERY_ROUTES`), of at most `MAX_QUERY_BYTES`.
# One past its size (413), or of unknown length (411), is refused before it is read, and the
# connection closed, so a body is never read without bound.
MAX_BODY_BYTES: Final = 1024
MAX_QUERY_BYTES: Final = 64 << 10
_CLOSE: Final = (b"connection", b"close")
_EXPOSED: Final = (
    "ETag",
    "Link",
    "Deprecation",
    "Sunset",
    REQUEST_ID_HEADER,
    "Retry-After",
    "RateLimit",
    "RateLimit-Policy",
)
# CORS open to any origin, without credentials, on every answer: the same for every request,
# so no answer varies on `Origin` (see api.edge.variant) and a refusal is readable by a page too.
CORS_HEADERS: Final = (
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", ", ".join(_EXPOSED).encode()),
)


class FrontDoor:
    """Give each request an id, add `X-Request-Id`, `X-Content-Type-Options: nosniff` and the
    CORS headers to every answer, and write one access-log line per request.

    Request ids are a random per-process prefix and a counter: unique across workers and
    restarts in practice, and far cheaper than a random draw per request.
    """

    def __init__(self, *, access_log: JsonLines | None = None, large_sends: LargeSends | None = None) -> None:
        self.access_log = access_log
        # Large bodies (exports) sent at once, per process and per client (`api.edge.answer`).
        self.large_sends = large_sends if large_sends is not None else LargeSends(peer)
        self._id_prefix = secrets.token_hex(4)
        self._id_count = 0

    def enter(self, scope: Scope, send: Send) -> tuple[Send, _Record]:
        """The request's id set in its state, and `send` wrapped to tag every answer and count what left."""
        request_id = self._request_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id.decode()
        state["large_sends"] = self.large_sends
        extra = [(_REQUEST_ID_KEY, request_id), _NOSNIFF, *CORS_HEADERS]
        record = _Record(request_id)

        async def send_tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            elif message["type"] == "http.response.body":
                record.sent += len(message.get("body", b""))
            await send(message)

        return send_tagged, record

    def leave(self, scope: Scope, record: _Record, started: float) -> None:
        """One access-log record; orjson escapes control characters in the path."""
        if self.access_log is None:
            return
        client = scope.get("client")
        self.access_log.write(
            {
                "ts": self.access_log.timestamp(time.time()),
                "request_id": record.request_id.decode(),
                "method": scope["method"],
                "path": scope["path"][:_INSTANCE_CHARS],
                "query": scope["query_string"][:_INSTANCE_CHARS].decode("latin-1"),
                "status": record.status,
                "bytes": record.sent,
                "ms": round((time.perf_counter() - started) * 1000, 3),
                "client": client[0] if client else None,
                "cache": scope.get("state", {}).get("cache"),
            }
        )

    def _request_id(self, scope: Scope) -> bytes:
        """The caller's `X-Request-Id` when it is a safe token, else the next of ours."""
        for key, value in scope["headers"]:
            if key == _REQUEST_ID_KEY and _SAFE_ID.fullmatch(value):
                return bytes(value)
        self._id_count += 1
        return f"{self._id_prefix}{self._id_count:08x}".encode()


@dataclass(slots=True)
class _Record:
    """What the access log says of one request, filled in as its answer leaves."""

    request_id: bytes
    status: int = 0
    sent: int = 0


class Bounds:
    """The refusals before anything else runs, each bound checked here and nowhere else in the app:

    - A URL (path and query, as sent) longer than `max_url_bytes` is a 414 problem.
    - A request body past what the route reads is a 413 problem, and one of unknown length
      (chunked) a 411, both unread, and the connection is closed.
    - A client past its `limiter`'s rate is a 429 problem with `Retry-After` and the
      `RateLimit` fields (`api.edge.ratelimit`), before it costs anything else.
    - With `max_concurrency` requests already `in_flight` (per process; the pipeline counts
      them), the next one is a 503 problem with `Retry-After` at once: excess load is shed,
      never queued without bound.
    """

    def __init__(
        self, *, max_url_bytes: int, max_concurrency: int, limiter: RateLimiter | None = None, retry_after: int = 1
    ) -> None:
        self.max_url_bytes = max_url_bytes
        self.max_concurrency = max_concurrency
        self.limiter = limiter
        self.retry_after = str(retry_after).encode()
        self.in_flight = 0

    def refusal(self, scope: Scope) -> Answer | None:
        """The problem answer refusing this request, or None to go on."""
        url_bytes = len(scope.get("raw_path") or scope["path"].encode()) + len(scope["query_string"])
        if url_bytes > self.max_url_bytes:
            detail = f"the URL has {url_bytes} bytes; at most {self.max_url_bytes} are accepted"
            return _problem(scope, 414, detail)
        if (body := _body_size(scope, most := _most_body(scope))) is not None:
            if body < 0:
                detail = f"a request body of unknown length is not taken; send Content-Length (at most {most} bytes)"
                return _problem(scope, 411, detail, [_CLOSE])
            detail = f"a request body of {body} bytes is not taken; this route reads at most {most} bytes"
            return _problem(scope, 413, detail, [_CLOSE])
        if self.limiter is not None and (limited := self.limiter.check(scope)) is not None:
            return _problem(scope, 429, self.limiter.detail(), limited)
        if self.in_flight >= self.max_concurrency:
            detail = f"{self.in_flight} requests are in flight, the most this server takes; retry shortly"
            return _problem(scope, 503, detail, [(b"retry-after", self.retry_after)])
        return None


def _most_body(scope: Scope) -> int:
    """The largest request body this request's route reads."""
    return MAX_QUERY_BYTES if scope["method"] == "POST" and scope["path"] in QUERY_ROUTES else MAX_BODY_BYTES


def _body_size(scope: Scope, most: int) -> int | None:
    """The declared size of a request body past `most` bytes (-1: chunked), else None."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            size = int(value) if value.isdigit() else -1
            if size > most or size < 0:
                return size
        elif name == b"transfer-encoding":
            return -1
    return None


def peer(scope: Scope) -> bytes:
    """The client's address as the connection gives it."""
    client = scope.get("client")
    return client[0].encode() if client else b"-"


def _problem(scope: Scope, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> Answer:
    """A problem answer before routing; `instance` is the path, cut short if huge."""
    return problem_answer(status, detail, scope["path"][:_INSTANCE_CHARS], headers or ())
