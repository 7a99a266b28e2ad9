"""uvicorn's httptools protocol with the limits a public server needs against slow clients.

uvicorn (on httptools and uvloop) is the server behind `distance serve`; on its own it
holds a connection that never finishes its headers forever, takes any number of headers of
any size, answers a malformed request in text/plain, and lets a client that never reads
hold a request (and one of the front door's concurrency slots) as long as it likes. This
subclass adds, per connection:

- a header-read timeout: from the moment the connection is ready for a request (opened, or
  the last answer sent) to the end of the request's headers; past it the connection is
  closed, however many bytes trickled in. (uvicorn's own keep-alive timeout still closes a
  connection that sends nothing after an answer.)
- caps on the request line and headers: more than `max_headers` fields or `max_header_bytes`
  of them is a 431 problem, a URL past `max_url_bytes` a 414 problem, a request httptools
  cannot parse (a raw control byte in the request line, say) a 400 problem; each closes
  the connection.
- a send timeout: when the client stops reading and the transport's buffer is full, the
  connection is aborted after `send_timeout` seconds without progress.
- no request started while the client is not reading: the next pipelined request waits for
  the buffer to drain, so a client pipelining exports without reading holds no
  concurrency slot (only its one connection, until the send timeout).
- a bound on open connections per worker: past `max_connections`, the connection that has
  waited longest for its headers is closed to make room (or, with none waiting, the new
  one), so slow clients cannot use up the process's file descriptors.

The limits are one `Limits` per worker, given to `protocol_class`; uvicorn builds one
protocol object per connection.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Final

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle

from api.app.errors import problem_answer
from api.edge.frontdoor import CORS_HEADERS
from api.edge.httpcycle import OneWriteCycle

__all__ = ["FdWatch", "Limits", "protocol_class"]

log = logging.getLogger("distance.http")
_NOSNIFF: Final = (b"x-content-type-options", b"nosniff")
# Descriptors a worker keeps for itself beyond client connections: the listener, logs,
# the seeds when reloading, the loop's own.
FD_RESERVE: Final = 64


@dataclass
class Limits:
    """The per-connection limits of one worker, and the connections waiting on headers."""

    header_timeout: float
    send_timeout: float
    max_headers: int
    max_header_bytes: int
    max_url_bytes: int
    max_connections: int
    # Connections still reading a request's headers, oldest first, with the loop time their
    # header timeout ends: whom to close for room, and whom the sweep closes next.
    waiting: OrderedDict[Any, float] = field(default_factory=OrderedDict)
    full: _FullLog = field(default_factory=lambda: _FullLog())
    sweep: asyncio.TimerHandle | None = None

    def wait_for_headers(self, connection: _Guarded) -> None:
        """Start `connection`'s header timeout.

        One timer per worker, not one per request: every connection waits the same
        `header_timeout`, so `waiting` is in deadline order, and the one timer is set for the
        first deadline (a call_later and a cancel per request cost about a microsecond)."""
        loop = connection.loop
        self.waiting[connection] = loop.time() + self.header_timeout
        self.waiting.move_to_end(connection)
        if self.sweep is None:
            self.sweep = loop.call_at(next(iter(self.waiting.values())), self._sweep, loop)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        """Close every connection whose header timeout has ended; set the timer for the next one."""
        self.sweep = None
        now = loop.time()
        while self.waiting:
            connection, deadline = next(iter(self.waiting.items()))
            if deadline > now:
                self.sweep = loop.call_at(deadline, self._sweep, loop)
                return
            del self.waiting[connection]
            connection.header_timeout()


class _FullLog:
    """One log line per `interval` while the connection cap is being hit, with a count."""

    def __init__(self, interval: float = 10.0) -> None:
        self.interval = interval
        self._last = -interval
        self._since = 0

    def report(self, open_now: int, evicted: bool) -> None:
        self._since += 1
        now = time.monotonic()
        if now - self._last >= self.interval:
            what = "closed the connection waiting longest for its headers" if evicted else "refused the new one"
            log.warning(
                "connection cap reached: %d open (DISTANCE_MAX_CONNECTIONS); %s (%d times since the last line)",
                open_now, what, self._since,
            )  # fmt: skip
            self._last, self._since = now, 0


def connection_cap(configured: int) -> int:
    """`configured`, or with 0 what this process's descriptor limit leaves after a reserve."""
    if configured:
        return configured
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(16, soft - FD_RESERVE)


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a request that broke a limit."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class _Guarded(HttpToolsProtocol):
    limits: Limits

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._send_timer: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._head_count = 0
        self._deferred = False  # a finished answer whose follow-up waits for the buffer to drain
        self.url = b""

    # --- connection life -------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        limits = self.limits
        if len(self.connections) > limits.max_connections:
            victim = next(iter(limits.waiting), None)
            limits.full.report(len(self.connections) - 1, victim is not None)
            if victim is None:
                transport.abort()
                return
            victim.transport.abort()
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        self._stop_send_timer()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        self._head_bytes = self._head_count = 0
        self.limits.wait_for_headers(self)

    def _stop_header_timer(self) -> None:
        self.limits.waiting.pop(self, None)

    def header_timeout(self) -> None:
        """The headers did not come in time (`Limits` has already stopped waiting for them)."""
        if not self.transport.is_closing():
            self.transport.abort()

    # --- parsing, with caps ------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass  # no WebSockets here: the request goes on as plain HTTP
        except _Refused as refused:
            self._refuse(refused.status, refused.detail)
        except httptools.HttpParserError as exc:
            cause = exc.__context__
            if isinstance(cause, _Refused):
                self._refuse(cause.status, cause.detail)
            else:
                self._refuse(400, "the request could not be parsed as HTTP/1.1")

    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > self.limits.max_url_bytes:
            raise _Refused(414, f"the URL has more than {self.limits.max_url_bytes} bytes")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_count += 1
        self._head_bytes += len(name) + len(value)
        limits = self.limits
        if self._head_count > limits.max_headers:
            raise _Refused(431, f"more than {limits.max_headers} header fields")
        if self._head_bytes > limits.max_header_bytes:
            raise _Refused(431, f"more than {limits.max_header_bytes} bytes of header fields")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._stop_header_timer()
        super().on_headers_complete()
        # uvicorn has just made this request's cycle and queued its task, which has not run
        # yet: from its first step on, the cycle sends as `OneWriteCycle` (same state, one
        # write per answer). No upgrade or other path makes a cycle of any other class.
        if type(self.cycle) is RequestResponseCycle:
            self.cycle.__class__ = OneWriteCycle

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, "the request could not be parsed as HTTP/1.1")

    def _refuse(self, status: int, detail: str) -> None:
        """Answer a problem the app never sees (from the one error table), then close."""
        answer = problem_answer(status, detail, "/", [*CORS_HEADERS, _NOSNIFF, (b"connection", b"close")])
        head = [
            STATUS_LINE[status],
            *(b"%s: %s\r\n" % pair for pair in (*self.server_state.default_headers, *answer.headers)),
            b"\r\n",
        ]
        self._stop_header_timer()
        if not self.transport.is_closing():
            self.transport.write(b"".join(head) + answer.body)
            self.transport.close()

    # --- answers and the client's reading ------------------------------------------------
    def on_response_complete(self) -> None:
        if self.transport.is_closing():
            super().on_response_complete()
            return
        if self.flow.write_paused:
            self._deferred = True  # start nothing more until the client reads
            return
        self._next_request()

    def _next_request(self) -> None:
        waiting_on_pipeline = bool(self.pipeline)
        super().on_response_complete()
        if not waiting_on_pipeline and not self.transport.is_closing():
            self._await_headers()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._send_timer is None:
            self._send_timer = self.loop.call_later(self.limits.send_timeout, self._send_timeout)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._stop_send_timer()
        if self._deferred:
            self._deferred = False
            self._next_request()

    def _stop_send_timer(self) -> None:
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _send_timeout(self) -> None:
        self._send_timer = None
        if not self.transport.is_closing():
            self.transport.abort()  # close() would wait for the buffer to drain: never


def protocol_class(limits: Limits) -> type[HttpToolsProtocol]:
    """A protocol class for uvicorn's `http` option, bound to one worker's limits."""
    return type("DistanceHttpProtocol", (_Guarded,), {"limits": limits})


class FdWatch:
    """Log, at most once per `interval`, that the process is out of file descriptors.

    uvloop (libuv) answers EMFILE on accept by closing the pending connection unseen, and
    logs nothing; plain asyncio logs a traceback per attempt. Either way an operator wants
    one line now and then saying new connections are being refused, and why.
    """

    def __init__(self, interval: float = 10.0, *, margin: int = 8) -> None:
        self.interval = interval
        self.margin = margin
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        last = 0.0
        while True:
            await asyncio.sleep(min(1.0, self.interval))
            soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            used = len(os.listdir("/proc/self/fd"))
            now = time.monotonic()
            if used >= soft - self.margin and now - last >= self.interval:
                last = now
                log.warning(
                    "file descriptors nearly exhausted: %d of %d in use; new connections may be refused",
                    used, soft,
                )  # fmt: skip
