"""A pure-ASGI response cache in front of the app: a repeated GET skips routing entirely.

For a given graph, every `/v1` answer that carries an ETag is a pure function of the path,
the query string and two request facts: whether the client accepts gzip (GZipMiddleware)
and whether it sent `Origin` (CORSMiddleware). So the finished response (status, headers,
body, already compressed) is kept in a bounded LRU under that key, and a repeated request is
answered from it without routing, parameter validation or serialization. Conditional
requests are answered here too: `If-None-Match` naming the cached ETag gets a 304.

The store hangs off the graph object being served: when a reload swaps `app.state.graph`,
the next request sees another graph and starts an empty store, so no body from an old graph
is ever served. (A request that started on the old graph may finish after the swap and
store into the old, discarded store: harmless, and its body and ETag come from one handler
call, so they always agree.) Only misses reach FastAPI; they are forwarded without
`If-None-Match`, so the full 200 can be stored, and HEAD is forwarded as GET for the same
reason. Errors and untagged answers (docs, openapi.json) pass through uncached.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import urls

__all__ = ["CacheStats", "ResponseCache"]

# Headers a 304 leaves out: they describe the body it does not carry (RFC 9110 §15.4.5).
_BODY_HEADERS = frozenset({b"content-type", b"content-length", b"content-encoding"})

_Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class _Entry:
    status: int
    headers: _Headers
    body: bytes
    etag: bytes
    not_modified_headers: _Headers


@dataclass(slots=True)
class CacheStats:
    """Counters for one graph's store: hits, misses, and what it holds."""

    hits: int = 0
    misses: int = 0
    entries: int = 0
    bytes: int = 0


@dataclass(slots=True)
class _Store:
    """The LRU of one graph, bounded by entry count and by total body bytes."""

    graph: object
    max_entries: int
    max_bytes: int
    entries: OrderedDict[tuple[str, bytes, bool, bool], _Entry] = field(default_factory=OrderedDict)
    stats: CacheStats = field(default_factory=CacheStats)

    def put(self, key: tuple[str, bytes, bool, bool], entry: _Entry) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.stats.bytes -= len(old.body)
        self.entries[key] = entry
        self.stats.bytes += len(entry.body)
        while len(self.entries) > self.max_entries or self.stats.bytes > self.max_bytes:
            _, evicted = self.entries.popitem(last=False)
            self.stats.bytes -= len(evicted.body)
        self.stats.entries = len(self.entries)


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    """RFC 9110 weak comparison of an `If-None-Match` list against one ETag."""
    if if_none_match.strip() == b"*":
        return True
    return any(tag.strip().removeprefix(b"W/") == etag for tag in if_none_match.split(b","))


class ResponseCache:
    """Serve repeated `/v1` GETs and HEADs from a per-graph LRU of finished responses.

    `max_entries=0` turns the cache off. `max_body` keeps one large export from evicting
    hundreds of small bodies.
    """

    def __init__(self, app: ASGIApp, *, max_entries: int, max_bytes: int, max_body: int = 1 << 20) -> None:
        self.app = app
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_body = max_body
        self._store: _Store | None = None

    def stats(self, graph: object) -> CacheStats:
        """The counters of `graph`'s store (zeros if it has none yet)."""
        store = self._store
        return store.stats if store is not None and store.graph is graph else CacheStats()

    def _store_for(self, graph: object) -> _Store:
        store = self._store
        if store is None or store.graph is not graph:
            store = self._store = _Store(graph, self.max_entries, self.max_bytes)
        return store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        graph = getattr(scope["app"].state, "graph", None) if "app" in scope else None
        if (
            self.max_entries == 0
            or graph is None
            or method not in ("GET", "HEAD")
            or not scope["path"].startswith(urls.API)
        ):
            await self.app(scope, receive, send)
            return
        gzip = has_origin = False
        if_none_match: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                gzip = b"gzip" in value
            elif name == b"origin":
                has_origin = True
            elif name == b"if-none-match":
                if_none_match = value
        store = self._store_for(graph)
        key = (scope["path"], scope["query_string"], gzip, has_origin)
        entry = store.entries.get(key)
        if entry is not None:
            store.entries.move_to_end(key)
            store.stats.hits += 1
        else:
            store.stats.misses += 1
            entry = await self._fetch(scope, receive, send)
            if entry is None:  # already answered: an error or an untagged response
                return
            if len(entry.body) <= self.max_body:
                store.put(key, entry)
        if if_none_match is not None and _matches(if_none_match, entry.etag):
            await send({"type": "http.response.start", "status": 304, "headers": entry.not_modified_headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": entry.status, "headers": entry.headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else entry.body})

    async def _fetch(self, scope: Scope, receive: Receive, send: Send) -> _Entry | None:
        """Run the app as a plain GET; return a cacheable 200, or forward anything else as is."""
        headers = [(k, v) for k, v in scope["headers"] if k != b"if-none-match"]
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app({**scope, "method": "GET", "headers": headers}, receive, capture)
        except Exception:
            # Starlette's error middleware answers a fault with a 500, then re-raises it so
            # the server and the front door log it: pass that answer on, then the fault.
            if start is not None:
                await send(start)
                await send(
                    {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else b"".join(chunks)}
                )
            raise
        assert start is not None, "the app finished without starting a response"
        body = b"".join(chunks)
        raw: _Headers = list(start.get("headers", []))
        etag = next((v for k, v in raw if k == b"etag"), None)
        if start["status"] != 200 or etag is None:
            await send(start)
            await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
            return None
        kept = [(k, v) for k, v in raw if k not in _BODY_HEADERS]
        return _Entry(start["status"], raw, body, etag, kept)
