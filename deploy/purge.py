"""Purging the cluster's nginx cache by tag, after a reload changed the content.

Every answer names what it depends on in `Cache-Tag` (api.edge.cachetags), and nginx writes
one line to `tags.log` for each answer it stores: its cache key and those tags. `TagIndex`
reads that log into tag -> keys. On a reload each replica publishes `content.changed` on
`/v1/events` with the tags the change made stale (graph.events.stale_tags): `ChangeWatch`
reads that stream while the replica reloads, so the supervisor learns the tags and that the
replica's workers serve the new content. `purge` then sends nginx's purge port (ngx_cache_purge)
one request per key stored under any stale tag. ngx_cache_purge removes by exact key, not by
tag, so the tag index is kept here, beside the cache it describes.
"""

from __future__ import annotations

import contextlib
import http.client
import queue
import threading
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

import httpx
import orjson

__all__ = ["ChangeWatch", "TagIndex", "purge"]

ALL: Final = "distance"  # graph.events.ALL: every answer carries it


class TagIndex:
    """Cache keys by tag, from nginx's `tags.log`, read on demand from where it was left."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.keys: defaultdict[str, set[str]] = defaultdict(set)
        self.tags: dict[str, set[str]] = {}

    def refresh(self) -> None:
        """Take in the lines nginx wrote since the last call (a line cut short waits for the next)."""
        try:
            with self.path.open("rb") as log:
                log.seek(self.offset)
                chunk = log.read()
        except FileNotFoundError:
            return
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        for raw in complete.splitlines():
            try:
                line = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue
            key, tags = str(line.get("key", "")), set(str(line.get("tags", "")).split())
            for tag in self.tags.get(key, set()) - tags:
                self.keys[tag].discard(key)
            self.tags[key] = tags
            for tag in tags:
                self.keys[tag].add(key)

    def take(self, tags: Iterable[str]) -> set[str]:
        """The keys stored under any of `tags`, forgotten here (they are about to be purged)."""
        self.refresh()
        found: set[str] = set()
        for tag in tags:
            found |= self.keys.pop(tag, set())
        for key in found:
            for tag in self.tags.pop(key, set()):
                self.keys[tag].discard(key)
        return found


def purge(port: int, keys: Iterable[str]) -> int:
    """PURGE each key on nginx's purge port (one keep-alive connection); how many entries it removed."""
    removed = 0
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        for key in keys:
            # nginx checks a stored answer's Vary against the purging request, as it does for a
            # lookup: so the purge carries the Accept and Accept-Encoding its key was made from.
            _, accept, coding = key.rsplit("|", 2)
            connection.putrequest("PURGE", "/", skip_accept_encoding=True)
            if accept:
                connection.putheader("Accept", accept.encode("latin-1", "replace"))
            if coding:
                connection.putheader("Accept-Encoding", coding.encode("latin-1", "replace"))
            connection.putheader("X-Purge-Key", key.encode("utf-8"))
            connection.endheaders()
            response = connection.getresponse()
            response.read()
            removed += response.status == 200
    finally:
        connection.close()
    return removed


class ChangeWatch:
    """One replica's event stream, read in a thread: the `content.changed` events it sends."""

    def __init__(self, url: str, seconds: int = 3600) -> None:
        self.url = f"{url}/v1/events?timeout={seconds}"
        self.changes: queue.Queue[dict[str, Any]] = queue.Queue()
        self.opened = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(5, read=None))
        self._thread = threading.Thread(target=self._read, name="distance-change-watch", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with (
            contextlib.suppress(httpx.HTTPError, RuntimeError),  # the replica went, or close() hung up
            self._client.stream("GET", self.url, headers={"Accept": "text/event-stream"}) as response,
        ):
            self.opened.set()
            event, data = "", ""
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data = line[5:].strip()
                elif not line:
                    if event == "content.changed" and data:
                        self.changes.put(orjson.loads(data))
                    event, data = "", ""
        self.opened.set()

    def next_change(self, timeout: float) -> dict[str, Any] | None:
        """The next `content.changed` event's data, or None after `timeout` seconds."""
        try:
            return self.changes.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self._client.close()
        self._thread.join(2)
