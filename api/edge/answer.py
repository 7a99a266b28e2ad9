"""A finished answer, and how the app sends one: HEAD and conditional requests are decided here.

Every answer the app gives to a GET or HEAD (from the response cache, fresh from FastAPI or
the node shortcut, or a refusal: the bounds or OPTIONS) leaves through `send_answer`,
so HEAD (the GET's headers, no body) and `If-None-Match` (RFC 9110 §13.1.2, weak comparison,
a 304 for a match) are one rule whether or not the cache answered.

A large body (an export: N-Triples of the shipped content is ~5 MB) is sent in chunks, each
awaited: granian queues only a few of a response's chunks (four in its 2.8 source), so a
client that does not read holds only those and what the kernel's socket buffers took
(without chunks, granian copies the whole body into its own buffer at once, and 100 clients
that never read held 500 MB). How many large bodies are sent at once is bounded per process
and per client (`LargeSends`): past either bound, the next waits its turn, holding no copy
of the body. And together they leave the process no faster than `LargeSends.rate` bytes a
second (the server's `large_body_rate`, shared by its workers): 100 clients reading as fast
as loopback allows took their 500 MB in half a second, which kept both cores of a small
machine busy copying bytes in the kernel (sender and receiver), so every other client waited
for a core (p99 6-22x its usual, `bench/stall.py`); paced, a burst of exports takes a
bounded share of the CPU for longer, and the event loop serves others while a send waits its
share. What the server refuses before a request reaches the app (granian's own 400 and 431,
empty) does not pass here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Final

from starlette.types import Scope, Send

__all__ = ["Answer", "Headers", "LargeSends", "etag_matches", "send_answer"]

Headers = list[tuple[bytes, bytes]]

# What a 304 leaves out: the fields that describe the body it does not carry (RFC 9110 §15.4.5
# keeps Cache-Control, ETag, Vary and the like, so a cache can refresh what it stored).
_BODY_FIELDS: Final = frozenset({b"content-type", b"content-length", b"content-encoding"})
# A body larger than this is a large one: sent in chunks of CHUNK_BYTES, under `LargeSends`.
LARGE_BYTES: Final = 256 << 10
CHUNK_BYTES: Final = 64 << 10


@dataclass(frozen=True, slots=True)
class Answer:
    """Status, raw header fields (lower-case names) and the whole body of one response."""

    status: int
    headers: Headers
    body: bytes

    def header(self, name: bytes) -> bytes | None:
        """The first field called `name` (lower case), or None."""
        return next((value for key, value in self.headers if key == name), None)


def etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """Whether an `If-None-Match` field names `etag`: RFC 9110 §8.8.3.2 weak comparison.

    >>> etag_matches(b'"a", W/"b"', b'"b"'), etag_matches(b"*", b'"c"'), etag_matches(b'"a"', b'"b"')
    (True, True, False)
    """
    if if_none_match.strip() == b"*":
        return True
    bare = etag.removeprefix(b"W/")
    return any(tag.strip().removeprefix(b"W/") == bare for tag in if_none_match.split(b","))


class LargeSends:
    """How many large bodies one process sends at once (`per_process`), and one client
    (`per_client`, a client named by `key`, as the rate limit names it); past either, the
    next waits its turn. `rate`: the bytes a second they may leave at, all together (0: as
    fast as the clients read)."""

    def __init__(
        self, key: Callable[[Scope], bytes], *, per_process: int = 16, per_client: int = 2, rate: float = 0
    ) -> None:
        self.key = key
        self.per_process = per_process
        self.per_client = per_client
        self.rate = rate
        self.sending = 0
        self.by_client: dict[bytes, int] = {}
        self._turn = asyncio.Condition()
        self._paced_until = 0.0  # loop time at which the chunks let through so far have used the rate up

    async def pace(self, size: int) -> None:
        """Wait until `size` more bytes fit in the rate: each chunk of every large send takes
        the next slot of the process's rate, so sends in flight share it chunk by chunk."""
        if self.rate <= 0:
            return
        now = asyncio.get_running_loop().time()
        start = max(self._paced_until, now)
        self._paced_until = start + size / self.rate
        if start > now:
            await asyncio.sleep(start - now)

    @asynccontextmanager
    async def turn(self, client: bytes) -> AsyncIterator[None]:
        """Wait until both bounds leave room for one more of `client`'s, then hold a place."""
        async with self._turn:
            await self._turn.wait_for(
                lambda: self.sending < self.per_process and self.by_client.get(client, 0) < self.per_client
            )
            self.sending += 1
            self.by_client[client] = self.by_client.get(client, 0) + 1
        try:
            yield
        finally:
            async with self._turn:
                self.sending -= 1
                left = self.by_client[client] - 1
                if left:
                    self.by_client[client] = left
                else:
                    del self.by_client[client]
                self._turn.notify_all()


async def send_answer(
    send: Send,
    answer: Answer,
    *,
    head: bool,
    if_none_match: bytes | None = None,
    scope: Scope | None = None,
) -> None:
    """Send `answer`: a 304 when `if_none_match` names its ETag (200s only), no body for HEAD;
    a large body in awaited chunks, under the `LargeSends` bound and rate the edge pipeline
    put in the request's `scope` state, when there is one."""
    etag = answer.header(b"etag") if if_none_match is not None and answer.status == 200 else None
    if etag is not None and if_none_match is not None and etag_matches(if_none_match, etag):
        headers = [(k, v) for k, v in answer.headers if k not in _BODY_FIELDS]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    body = b"" if head else answer.body
    if len(body) <= LARGE_BYTES:
        await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
        await send({"type": "http.response.body", "body": body})
        return
    gate: LargeSends | None = scope.get("state", {}).get("large_sends") if scope is not None else None
    if gate is None or scope is None:
        await _send_chunks(send, answer, body, None)
        return
    async with gate.turn(gate.key(scope)):
        await _send_chunks(send, answer, body, gate)


async def _send_chunks(send: Send, answer: Answer, body: bytes, gate: LargeSends | None) -> None:
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    view = memoryview(body)
    for start in range(0, len(body), CHUNK_BYTES):
        end = start + CHUNK_BYTES
        if gate is not None:
            await gate.pace(min(end, len(body)) - start)
        await send({"type": "http.response.body", "body": bytes(view[start:end]), "more_body": end < len(body)})
