"""The response cache's policy and store: which finished answers are kept, under what key, how many.

For a given graph, a `/v1` answer is a pure function of the path, the query string and the
request's `Variant` (`api.edge.variant`), so that triple is the key, and the answer is kept as it
was sent (already coded, headers and all). The edge pipeline (`api.edge.pipeline`) asks this
module which requests may be answered from it (`cacheable_request`); their key and the store's
bounds are decided here, and which answers are kept by the represent step
(`api.edge.represent.kept`), which also writes what browsers and shared caches may keep. Which
paths are made before a graph serves is the routes' (`api.app.routes`).

The store hangs off the graph being served: when a reload swaps `app.state.graph`, the next
request sees another graph and starts an empty store, so an answer from old content is never
served. A request pins its graph when it enters (`scope["state"]["graph"]`), so its answer
is stored under the graph that made it; a graph once replaced is retired, so a request on it
that finishes after the swap cannot put its store back. A reload's answers, prebuilt for the
next graph before it is swapped in, fill a store of their own beside the served one: until
the first request on the next graph retires it, the served graph keeps every answer.

Prebuilt answers (`api.app.routes.PREBUILT`, made before a graph serves) are kept beside the LRU,
outside its bounds: traffic never evicts them, and the list of paths bounds them instead.
"""

from __future__ import annotations

import pickle
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import NamedTuple

from api.app import urls
from api.edge.answer import Answer
from api.edge.variant import Variant

__all__ = ["AnswerCache", "Batch", "CacheKey", "cacheable_request"]

CacheKey = tuple[str, bytes, Variant]
# Prebuilt answers per pickled batch handed between processes, and body bytes past which a
# batch ends early (a batch is read on a serving loop: each must take well under a millisecond).
_BATCH = 64
_BATCH_BYTES = 1 << 20
# A body of this many bytes or more travels out of band (`Batch.bodies`): the process that
# reads a batch gets it as bytes of its own, read from a file by a thread (the copy and the
# fresh pages it fills, ~3 ms for the 5 MB export on a serving loop, are the thread's).
_APART = 64 << 10


class Batch(NamedTuple):
    """Prebuilt answers handed to another process (`AnswerCache.prebuilt`, `adopt`): their rows
    pickled (protocol 5), and the bodies of `_APART` bytes or more out of band, in order."""

    rows: bytes | memoryview
    bodies: tuple[bytes, ...] = ()


def cacheable_request(method: str, path: str) -> bool:
    """Whether an answer to this request may come from, and go into, the cache."""
    return method in ("GET", "HEAD") and path.startswith(urls.API)


@dataclass(slots=True)
class _Store:
    """The prebuilt answers of one graph, and its LRU, bounded by entry count and by total body bytes."""

    graph: object
    prebuilt: dict[CacheKey, Answer] = field(default_factory=dict)
    entries: OrderedDict[CacheKey, Answer] = field(default_factory=OrderedDict)
    size: int = 0


class AnswerCache:
    """A per-graph LRU of finished answers; `max_entries=0` keeps nothing.

    `max_body` keeps one large export from evicting hundreds of small answers.
    """

    def __init__(self, *, max_entries: int, max_bytes: int, max_body: int = 1 << 20) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_body = max_body
        self._store: _Store | None = None
        self._next: _Store | None = None  # prebuilt answers of a graph not served yet
        self._retired: weakref.WeakSet[object] = weakref.WeakSet()

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0

    def _for(self, graph: object) -> _Store | None:
        """The store of `graph`, which a request is served on: started when `graph` is new
        (the one prebuilt for it when there is one); None for a retired graph."""
        store = self._store
        if store is None or store.graph is not graph:
            if graph in self._retired:
                return None
            if store is not None:
                self._retired.add(store.graph)
            incoming, self._next = self._next, None
            store = self._store = incoming if incoming is not None and incoming.graph is graph else _Store(graph)
        return store

    def get(self, graph: object, key: CacheKey) -> Answer | None:
        """The answer kept for `key` on `graph`, marked as just used; None when there is none."""
        store = self._store
        if store is None or store.graph is not graph:
            if self._next is None or self._next.graph is not graph:
                return None
            store = self._for(graph)  # the first request on a reloaded graph
            if store is None:
                return None
        answer = store.prebuilt.get(key)
        if answer is None:
            answer = store.entries.get(key)
            if answer is not None:
                store.entries.move_to_end(key)
        return answer

    def put_prebuilt(self, graph: object, key: CacheKey, answer: Answer) -> None:
        """Keep `answer` for as long as `graph` is served, outside the LRU and its bounds; for a
        graph not served yet, beside the served one's answers, which stay until it serves."""
        if not self.enabled or graph in self._retired:
            return
        store = self._store
        if store is None or store.graph is not graph:
            if self._next is None or self._next.graph is not graph:
                self._next = _Store(graph)
            store = self._next
        store.prebuilt[key] = answer

    def prebuilt(self, graph: object) -> list[Batch]:
        """The prebuilt answers kept for `graph`, to hand to another process with it: pickled
        in batches of plain tuples, which the other process reads one batch at a time
        (`adopt`), each in well under a millisecond, so its event loop is never held long;
        large bodies out of band (`Batch.bodies`)."""
        store = next((s for s in (self._store, self._next) if s is not None and s.graph is graph), None)
        if store is None:
            return []
        batches: list[Batch] = []
        rows: list[tuple[object, ...]] = []
        bodies: list[bytes] = []
        size = 0
        for (path, query, variant), answer in store.prebuilt.items():
            body: object = answer.body
            if len(answer.body) >= _APART:
                body = pickle.PickleBuffer(answer.body)
                bodies.append(answer.body)
            rows.append((path, query, variant.coding, variant.accept, answer.status, answer.headers, body))
            size += len(answer.body)
            if len(rows) >= _BATCH or size >= _BATCH_BYTES:
                batches.append(_batch(rows, bodies))
                rows, bodies, size = [], [], 0
        if rows:
            batches.append(_batch(rows, bodies))
        return batches

    def adopt(self, graph: object, batch: Batch) -> None:
        """Keep one batch of answers prebuilt for `graph` elsewhere (`prebuilt`), as if made here."""
        for path, query, coding, accept, status, headers, body in pickle.loads(batch.rows, buffers=batch.bodies):
            key = (path, query, Variant(coding=coding, accept=accept))
            self.put_prebuilt(graph, key, Answer(status, headers, body))

    def put(self, graph: object, key: CacheKey, answer: Answer) -> None:
        """Keep `answer`, evicting the least recently used past a bound (one past `max_body` is not kept)."""
        if not self.enabled or len(answer.body) > self.max_body:
            return
        store = self._for(graph)
        if store is None or key in store.prebuilt:
            return
        old = store.entries.pop(key, None)
        if old is not None:
            store.size -= len(old.body)
        store.entries[key] = answer
        store.size += len(answer.body)
        while len(store.entries) > self.max_entries or store.size > self.max_bytes:
            _, evicted = store.entries.popitem(last=False)
            store.size -= len(evicted.body)


def _batch(rows: list[tuple[object, ...]], bodies: list[bytes]) -> Batch:
    """`rows` pickled with the `bodies` they hold (as `pickle.PickleBuffer`s, in order) left out."""
    pickled = pickle.dumps(rows, protocol=5, buffer_callback=lambda _: False)
    return Batch(pickled, tuple(bodies))
