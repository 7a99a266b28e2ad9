"""The events of this process: what each reload publishes to the open `/v1/events` streams.

A reload that switches the graph publishes `graph.events.events_between(old, new)` here
(`Events.publish`); every open stream of this process gets each event, and the last
`history` events are kept so that a client resuming with `Last-Event-ID` is sent what it
missed. Ids come from the content versions (`graph.events`), so every worker and every
replica names the same reload alike, and a client may resume on any of them.

Open streams are bounded twice: `max_streams` in this process, and `per_client` for each
client, keyed as the rate limiter keys it (its address, or behind the cluster's proxy the
address the proxy names). A stream whose client reads too slowly for `queue` events in a row
is ended; the client resumes from where it was.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from starlette.types import Scope

from graph.events import Event

__all__ = ["Events", "StreamRefused", "Subscription"]

_QUEUE: Final = 64


class StreamRefused(Exception):
    """No stream opens: too many in this process (`per_process`) or for this client."""

    def __init__(self, per_process: bool, limit: int) -> None:
        super().__init__(f"{limit} event streams are open {'in this process' if per_process else 'for this client'}")
        self.per_process, self.limit = per_process, limit


@dataclass
class Subscription:
    """One open stream: the events it missed (resumed from `Last-Event-ID`), then its queue."""

    missed: list[Event]
    queue: asyncio.Queue[Event | None]
    client: bytes
    closed: bool = False


class Events:
    """Fans events out to this process's streams; keeps the last `history` for resuming."""

    def __init__(
        self,
        *,
        max_streams: int,
        per_client: int,
        client: Callable[[Scope], bytes],
        history: int = 256,
    ) -> None:
        self.max_streams = max_streams
        self.per_client = per_client
        self.client = client
        self.history: deque[Event] = deque(maxlen=history)
        self._streams: set[asyncio.Queue[Event | None]] = set()
        self._clients: Counter[bytes] = Counter()

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    def publish(self, events: Sequence[Event]) -> None:
        """Send `events` to every open stream and keep them for resuming; never waits."""
        for event in events:
            self.history.append(event)
            for stream in list(self._streams):
                try:
                    stream.put_nowait(event)
                except asyncio.QueueFull:  # a client this far behind is ended; it resumes by id
                    self._streams.discard(stream)
                    stream.get_nowait()
                    stream.put_nowait(None)

    def missed(self, last_event_id: str | None) -> list[Event]:
        """The kept events after the latest one with `last_event_id` ([] when it is not kept)."""
        if not last_event_id:
            return []
        kept = list(self.history)
        for index in range(len(kept) - 1, -1, -1):
            if kept[index].id == last_event_id:
                return kept[index + 1 :]
        return []

    def open(self, scope: Scope, last_event_id: str | None) -> Subscription:
        """An open stream for the request `scope` (`close` it), or StreamRefused past a bound."""
        if len(self._streams) >= self.max_streams:
            raise StreamRefused(True, self.max_streams)
        key = self.client(scope)
        if self._clients[key] >= self.per_client:
            raise StreamRefused(False, self.per_client)
        self._clients[key] += 1
        sub = Subscription(self.missed(last_event_id), asyncio.Queue(maxsize=_QUEUE), key)
        self._streams.add(sub.queue)
        return sub

    def close(self, sub: Subscription) -> None:
        """The stream ended (a second call does nothing)."""
        if sub.closed:
            return
        sub.closed = True
        self._streams.discard(sub.queue)
        self._clients[sub.client] -= 1
        if self._clients[sub.client] <= 0:
            del self._clients[sub.client]
