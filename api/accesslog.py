"""The access log: one JSON object per line, written to a buffered binary stream.

It bypasses `logging` on purpose: building a LogRecord and flushing a StreamHandler per
request costs ~20 µs, several times a cached response. Lines are buffered and flushed at
most `interval` seconds after the first unflushed one (and when the lifespan ends), so a
line is never held back long, and there is one write call per burst rather than per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import BinaryIO

import orjson

__all__ = ["JsonLines"]


class JsonLines:
    """Write records as JSON lines to `stream`; flush within `interval` seconds."""

    def __init__(self, stream: BinaryIO, *, interval: float = 0.5) -> None:
        self.stream = stream
        self.interval = interval
        self._flush_pending = False
        self._second = -1
        self._second_text = ""

    def timestamp(self, now: float) -> str:
        """ISO 8601 UTC with milliseconds; the date part is formatted once per second."""
        second = int(now)
        if second != self._second:
            self._second, self._second_text = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._second_text}.{int((now - second) * 1000):03d}Z"

    def write(self, record: dict[str, object]) -> None:
        """Append one record; a closed or broken stream drops the line, never the request."""
        try:
            self.stream.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
        except (OSError, ValueError):
            return
        if not self._flush_pending:
            self._flush_pending = True
            asyncio.get_running_loop().call_later(self.interval, self.flush)

    def flush(self) -> None:
        """Push buffered lines out now."""
        self._flush_pending = False
        with contextlib.suppress(OSError, ValueError):
            self.stream.flush()
