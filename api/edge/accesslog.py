"""The access log: one JSON object per line, kept in a buffer of its own and written in bursts.

It bypasses `logging` on purpose: building a LogRecord and flushing a StreamHandler per
request costs ~20 µs, several times a cached response. Lines are kept in this object's own
buffer, not the stream's: with `PYTHONUNBUFFERED` set (as in many containers, and here)
`sys.stdout.buffer` is the raw file, so leaning on its buffering meant one `write` system
call per request. The buffer is written out at most `interval` seconds after its first line
(and when the lifespan ends, and whenever it holds `max_bytes`), so a line is never held back
long, and there is one write call per burst rather than per request.
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

    def __init__(self, stream: BinaryIO, *, interval: float = 0.5, max_bytes: int = 1 << 16) -> None:
        self.stream = stream
        self.interval = interval
        self.max_bytes = max_bytes
        self._buffer = bytearray()
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
        """Append one record to the buffer; it reaches the stream at the next flush."""
        self._buffer += orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
        if len(self._buffer) >= self.max_bytes:
            self._drain()
        elif not self._flush_pending:
            self._flush_pending = True
            asyncio.get_running_loop().call_later(self.interval, self.flush)

    def flush(self) -> None:
        """Push buffered lines out now."""
        self._flush_pending = False
        self._drain()
        with contextlib.suppress(OSError, ValueError):
            self.stream.flush()

    def _drain(self) -> None:
        """Write the buffer whole (a raw file may take it in parts); a closed or broken stream
        drops the lines, never the request."""
        data, self._buffer = memoryview(self._buffer), bytearray()
        with contextlib.suppress(OSError, ValueError):
            while data:
                written: int | None = self.stream.write(data)
                if written is None:  # a non-blocking stream that is full: drop the rest
                    return
                data = data[written:]
