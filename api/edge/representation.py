"""The answer layer: every GET and HEAD passes here, whether or not the response cache is on.

For each request it pins the graph being served, decides the `Variant` once
(`api.edge.variant.variant_of`), and then either replays a kept answer (`api.edge.cache`) or runs the
app as a plain GET (no `If-None-Match`, so the full 200 is made and can be kept), makes that
answer into the variant (`api.edge.variant.represent`: gzip and `Vary`), keeps it if the policy
allows, and sends it through `api.edge.answer.send_answer`, where HEAD and 304s are decided
for every answer the app gives. Handlers therefore never answer HEAD or conditional requests themselves, and a hit
and a miss leave through the same code.

Only misses reach FastAPI. A cache hit skips routing, validation and serialization: a dict
lookup and two `send` calls. A miss the `shortcut` can answer (`api.edge.shortcut`: a plain GET
of a node) skips FastAPI too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, Final

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.edge.answer import Answer, send_answer
from api.edge.cache import AnswerCache, cacheable_request
from api.edge.variant import Coding, Variant, represent, variant_of

__all__ = ["Representation"]

# Compressing this much or more would hold the event loop for milliseconds: it runs in a thread.
_THREAD_BYTES: Final = 128 << 10
_CODINGS: Final[tuple[Coding, ...]] = ("identity", "gzip")
# The raw answer to a request (scope, its pinned graph, its variant) made without the app, or None.
Shortcut = Callable[[Scope, Any, Variant], Answer | None]


class Representation:
    """Pin the graph, decide the variant, answer from the cache or the app, and send."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: AnswerCache,
        gzip_min_bytes: int,
        shortcut: Shortcut | None = None,
        streams: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.cache = cache
        self.gzip_min_bytes = gzip_min_bytes
        self.shortcut = shortcut
        # Paths whose answer is a stream that never ends on its own (`/v1/events`): never kept,
        # passed through as the app sends it, HEAD included.
        self.streams = streams

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        graph = state["graph"] = getattr(scope["app"].state, "graph", None)
        variant = state["variant"] = variant_of(scope)
        if scope["path"] in self.streams:
            await self.app(scope, receive, partial(_streamed, send))
            return
        if scope["method"] not in ("GET", "HEAD"):  # a query sent by POST: pinned and negotiated, never kept
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        conditions = [value for name, value in scope["headers"] if name == b"if-none-match"]
        if_none_match = b", ".join(conditions) if conditions else None
        key = None
        if graph is not None and self.cache.enabled and cacheable_request(scope["method"], scope["path"]):
            key = (scope["path"], scope["query_string"], variant)
            kept = self.cache.get(graph, key)
            state["cache"] = "miss" if kept is None else "hit"
            if kept is not None:
                await send_answer(send, kept, head=head, if_none_match=if_none_match, scope=scope)
                return
        raw = None
        if self.shortcut is not None and graph is not None:
            try:
                raw = self.shortcut(scope, graph, variant)
            except Exception:  # noqa: BLE001 - the app answers instead: it meets the fault inside its error layer
                raw = None
        if raw is None:
            raw = await self._run(scope, receive, send, variant, head)
        answer = await self._represent(raw, variant)
        if key is not None:
            self.cache.put(graph, key, answer)
        await send_answer(send, answer, head=head, if_none_match=if_none_match, scope=scope)

    async def warm(self, app: Any, graph: object, paths: Iterable[str], *, background: bool = False) -> None:
        """Make and keep the answers of `app` to `paths` (each a path and query) on `graph`, in
        every coding: their first request is then a hit. The answers are made through the app
        itself, so they are byte for byte what a miss would have made. `api.app.routes` lists the
        paths and says where the line is.

        In the `background` (while `graph` serves), it lets other requests run between two
        answers and stops once `graph` is no longer the one served.
        """
        if not self.cache.enabled:
            return
        for target in paths:
            if background:
                await asyncio.sleep(0)
                if app.state.graph is not graph:
                    return
            path, _, query = target.partition("?")
            scope: Scope = {
                "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
                "root_path": "", "headers": [], "client": None, "server": None,
                "state": {"graph": graph, "variant": Variant()}, "app": app,
            }  # fmt: skip
            try:
                raw = await self._run(scope, _no_body, _drop, Variant(), head=False)
            except Exception:  # noqa: BLE001 - logged by the error layer; a request there meets it again
                continue
            for coding in _CODINGS:
                variant = Variant(coding=coding)
                self.cache.put_prebuilt(graph, (path, query.encode(), variant), await self._represent(raw, variant))

    async def _represent(self, raw: Answer, variant: Variant) -> Answer:
        make: Callable[[], Answer] = partial(represent, raw, variant, min_size=self.gzip_min_bytes)
        if variant.coding != "identity" and len(raw.body) >= _THREAD_BYTES:
            return await anyio.to_thread.run_sync(make)
        return make()

    async def _run(self, scope: Scope, receive: Receive, send: Send, variant: Variant, head: bool) -> Answer:
        """The app's whole answer to `scope` as a plain GET.

        Starlette's error middleware answers a fault with a 500 and then re-raises it, so the
        server and the front door log it: that 500 is sent on (as the variant, HEAD honoured),
        then the fault goes on up.
        """
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != "http.response.pathsend"}
        headers = [(k, v) for k, v in scope["headers"] if k != b"if-none-match"]
        inner = {**scope, "method": "GET", "headers": headers, "extensions": extensions}
        try:
            await self.app(inner, receive, capture)
        except Exception:
            if start is not None:
                fault = Answer(start["status"], list(start.get("headers", [])), b"".join(chunks))
                await send_answer(send, await self._represent(fault, variant), head=head)
            raise
        assert start is not None, "the app finished without starting a response"
        return Answer(start["status"], list(start.get("headers", [])), b"".join(chunks))


_STREAM_FIELDS: Final = ((b"cache-control", b"no-store"), (b"x-accel-buffering", b"no"))


async def _streamed(send: Send, message: Message) -> None:
    """A stream's answer as the app sends it; its start says no cache may keep it and no proxy
    may hold its parts back (`X-Accel-Buffering: no`, which nginx honours)."""
    if message["type"] == "http.response.start":
        kept = [(k, v) for k, v in message.get("headers", []) if k not in (b"cache-control", b"x-accel-buffering")]
        message = {**message, "headers": [*kept, *_STREAM_FIELDS]}
    await send(message)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _drop(message: Message) -> None:
    """Where a warming request's own answer would go: there is no client to send it to."""
