"""The edge: the one pipeline every HTTP request passes, in this order, written once.

1. **refuse**: the bounds and the rate (`api.edge.frontdoor.Bounds`: 414, 413, 429, 503) and
   OPTIONS (`api.edge.options`: 204, or a refused preflight), as finished answers;
2. **pin the graph** being served (`scope["state"]["graph"]`): a reload mid-request changes nothing;
3. **variant**: what the answer may vary on, decided once (`api.edge.variant.variant_of`);
4. **cache lookup** (`api.edge.cache`), for a GET or HEAD under /v1 (an event stream,
   `streams`, passes straight to the app instead, never kept);
5. **app**, on a miss: FastAPI, run as a plain GET (no `If-None-Match`, so the whole 200 is
   made and can be kept); a plain GET of a known node is made by its route's own function
   without routing (`api.edge.shortcut`), a decision taken here;
6. **represent** (`api.edge.represent`): `ETag`, `Cache-Control`, `Vary`, gzip and, for
   content, `Cache-Tag` (what it depends on, `api.edge.cachetags`), written here only, for
   every answer sent (refusals and faults included), from what the app says the answer is
   (its `Validity`) and the variant;
7. **store**: kept when the represent step says so (`api.edge.represent.kept`);
8. **send** (`api.edge.answer.send_answer`): HEAD (no body) and `If-None-Match` (304) are
   decided there for every answer, refusals included.

Around all of it: the request id, the headers every answer carries (the id, `nosniff`, CORS)
and one access-log line (`api.edge.frontdoor.FrontDoor`). Bodies made before a graph serves
(`prebuild`) go through steps 5 to 7, as a miss does, so a fresh server answers them as hits.
Methods other than GET, HEAD and OPTIONS go to the app after step 3 (a query-language route
takes a query by POST; the rest answer 405), then through steps 6 and 8, and are never kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, Final

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.app import urls
from api.edge.answer import Answer, send_answer
from api.edge.cache import AnswerCache, CacheKey, cacheable_request
from api.edge.frontdoor import Bounds, FrontDoor
from api.edge.options import options_answer
from api.edge.represent import Validity, kept, represent, stream_start
from api.edge.variant import Coding, Variant, variant_of

__all__ = ["Pipeline", "Shortcut"]

# Compressing this much or more would hold the event loop for milliseconds: it runs in a thread.
_THREAD_BYTES: Final = 128 << 10
_CODINGS: Final[tuple[Coding, ...]] = ("identity", "gzip")
_NO_PREFERENCE: Final = Variant()
_API: Final = urls.API
# The raw answer to a request (scope, its pinned graph, its variant) made without routing, or None.
Shortcut = Callable[[Scope, Any, Variant], Answer | None]


class Pipeline:
    """Refuse, pin the graph, decide the variant, look up, make, represent, store, send."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        door: FrontDoor,
        bounds: Bounds,
        cache: AnswerCache,
        gzip_min_bytes: int,
        lifetime: bytes,
        shortcut: Shortcut | None = None,
        streams: frozenset[str] = frozenset(),
        tags: Callable[[Any, str, bytes, Variant], bytes] | None = None,
    ) -> None:
        self.app = app
        self.door = door
        self.bounds = bounds
        self.cache = cache
        self.gzip_min_bytes = gzip_min_bytes
        # The `Cache-Control` of content (`api.edge.represent.public_lifetime`, from the settings).
        self.lifetime = lifetime
        self.shortcut = shortcut
        # Paths whose answer is a stream that never ends on its own (`/v1/events`): never kept,
        # passed through as the app sends it, HEAD included.
        self.streams = streams
        # What an answer depends on, for shared caches that purge by tag (`Cache-Tag`, api.edge.cachetags).
        self.tags = tags

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        send, record = self.door.enter(scope, send)
        try:
            await self._answer(scope, receive, send)
        finally:
            self.door.leave(scope, record, started)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        head = method == "HEAD"
        refused = self.bounds.refusal(scope) or (options_answer(scope) if method == "OPTIONS" else None)  # 1
        if refused is not None:
            await send_answer(send, self._represented(refused, _NO_PREFERENCE, None, "moment"), head=head)
            return
        # The in-flight bound counts the work of making an answer (steps 2 to 7), not its
        # delivery: a client that does not read holds no slot while its answer waits to be sent.
        self.bounds.in_flight += 1
        try:
            state = scope.setdefault("state", {})
            graph = state["graph"] = getattr(scope["app"].state, "graph", None)  # 2
            variant = state["variant"] = variant_of(scope)  # 3
            if scope["path"] in self.streams:
                await self.app(scope, receive, partial(_streamed, send))
                return
            if_none_match: bytes | None = None
            if method not in ("GET", "HEAD"):  # a query sent by POST, or the app's 405: never kept
                raw = await self._run(scope, receive, send, variant, head=False, method=method)
                answer = await self._represent(raw, variant, graph, "moment")
            else:
                conditions = [value for name, value in scope["headers"] if name == b"if-none-match"]
                if_none_match = b", ".join(conditions) if conditions else None
                key: CacheKey | None = None
                cached: Answer | None = None
                if graph is not None and self.cache.enabled and cacheable_request(method, scope["path"]):  # 4
                    key = (scope["path"], scope["query_string"], variant)
                    cached = self.cache.get(graph, key)
                    state["cache"] = "miss" if cached is None else "hit"
                answer = cached or await self._make(scope, receive, send, graph, variant, key)  # 5, 6, 7
        finally:
            self.bounds.in_flight -= 1
        await send_answer(send, answer, head=head, if_none_match=if_none_match, scope=scope)  # 8

    async def _make(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        graph: Any,
        variant: Variant,
        key: CacheKey | None,
        *,
        prebuilt: bool = False,
        raw: Answer | None = None,
    ) -> Answer:
        """Steps 5 to 7: the app's answer (unless `raw` is given), represented, and stored under `key`."""
        if raw is None:
            raw = await self._made(scope, receive, send, graph, variant)
        validity = _validity(scope)
        tags = None
        if self.tags is not None and graph is not None and validity == "content" and raw.status == 200:
            tags = self.tags(graph, scope["path"], scope["query_string"], variant)
        answer = await self._represent(raw, variant, graph, validity, tags)
        if key is not None and kept(answer.status, validity):
            (self.cache.put_prebuilt if prebuilt else self.cache.put)(graph, key, answer)
        return answer

    async def _made(self, scope: Scope, receive: Receive, send: Send, graph: Any, variant: Variant) -> Answer:
        """Step 5: the raw answer, by the node route's own function when the shortcut takes it, else by FastAPI."""
        if self.shortcut is not None and graph is not None:
            try:
                raw = self.shortcut(scope, graph, variant)
            except Exception:  # noqa: BLE001 - the app answers instead: it meets the fault inside its error layer
                raw = None
            if raw is not None:
                return raw
        return await self._run(scope, receive, send, variant, head=scope["method"] == "HEAD")

    async def prebuild(self, app: Any, graph: object, paths: Iterable[str], *, background: bool = False) -> None:
        """Make and keep the answers of `app` to `paths` (each a path and query) on `graph`, in
        every coding, through steps 5 to 7: their first request is then a hit, byte for byte what
        a miss would have made. `api.app.routes` lists the paths and says where the line is.

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
                raw = await self._made(scope, _no_body, _drop, graph, Variant())
            except Exception:  # noqa: BLE001 - logged by the error layer; a request there meets it again
                continue
            for coding in _CODINGS:  # one app answer, represented in every coding
                variant = Variant(coding=coding)
                key = (path, query.encode(), variant)
                await self._make(scope, _no_body, _drop, graph, variant, key, prebuilt=True, raw=raw)

    def _represented(
        self, raw: Answer, variant: Variant, graph: Any, validity: Validity, tags: bytes | None = None
    ) -> Answer:
        """Step 6 for `raw` on `graph` (None: no graph serves)."""
        version = graph.content_version if graph is not None else None
        return represent(
            raw, variant, validity=validity, version=version, lifetime=self.lifetime, min_size=self.gzip_min_bytes,
            tags=tags,
        )  # fmt: skip

    async def _represent(
        self, raw: Answer, variant: Variant, graph: Any, validity: Validity, tags: bytes | None = None
    ) -> Answer:
        """Step 6, in a thread when it compresses a body large enough to hold the event loop."""
        if variant.coding != "identity" and len(raw.body) >= _THREAD_BYTES:
            make: Callable[[], Answer] = partial(self._represented, raw, variant, graph, validity, tags)
            return await anyio.to_thread.run_sync(make)
        return self._represented(raw, variant, graph, validity, tags)

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, variant: Variant, head: bool, method: str = "GET"
    ) -> Answer:
        """The app's whole answer to `scope` as a plain `method` (a GET or HEAD is made as a GET).

        Starlette's error middleware answers a fault with a 500 and then re-raises it, so the
        server and the access log see it: that 500 is sent on (as the variant, HEAD honoured),
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
        inner = {**scope, "method": method, "headers": headers, "extensions": extensions}
        try:
            await self.app(inner, receive, capture)
        except Exception:
            if start is not None:
                fault = Answer(start["status"], list(start.get("headers", [])), b"".join(chunks))
                await send_answer(send, await self._represent(fault, variant, None, "moment"), head=head)
            raise
        assert start is not None, "the app finished without starting a response"
        return Answer(start["status"], list(start.get("headers", [])), b"".join(chunks))


def _validity(scope: Scope) -> Validity:
    """What the app said its answer to `scope` is, else the default of its path."""
    said: Validity | None = scope["state"].get("validity")
    return said or ("content" if scope["path"].startswith(_API) else "page")


async def _streamed(send: Send, message: Message) -> None:
    """A stream's answer as the app sends it, its start as the represent step says."""
    await send(stream_start(message) if message["type"] == "http.response.start" else message)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _drop(message: Message) -> None:
    """Where a prebuilt request's own answer would go: there is no client to send it to."""
