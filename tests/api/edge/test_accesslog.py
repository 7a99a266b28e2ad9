"""The access log's own buffer: one write per burst, whatever the stream buffers itself."""

from __future__ import annotations

import asyncio
import io

import orjson

from api.edge.accesslog import JsonLines


class _Raw(io.BytesIO):
    """An unbuffered stream, as `sys.stdout.buffer` is under PYTHONUNBUFFERED: it counts its
    write calls and takes at most `most` bytes per call, as a raw file may."""

    def __init__(self, most: int = 1 << 30) -> None:
        super().__init__()
        self.most = most
        self.writes = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.writes += 1
        return super().write(bytes(data)[: self.most])


def test_a_burst_is_one_write_on_an_unbuffered_stream() -> None:
    stream = _Raw()
    sink = JsonLines(stream, interval=0.01)

    async def burst() -> int:
        for status in range(100):
            sink.write({"status": status})
        before = stream.writes
        await asyncio.sleep(0.1)
        return before

    assert asyncio.run(burst()) == 0
    assert stream.writes == 1
    assert [orjson.loads(line)["status"] for line in stream.getvalue().splitlines()] == list(range(100))


def test_a_full_buffer_is_written_before_the_interval() -> None:
    stream = _Raw()
    sink = JsonLines(stream, interval=60, max_bytes=100)

    async def fill() -> None:
        for status in range(20):
            sink.write({"status": status})  # 15 bytes a line

    asyncio.run(fill())
    assert 1 <= stream.writes < 20
    assert len(stream.getvalue().splitlines()) >= 7


def test_a_stream_that_takes_part_of_a_write_gets_the_rest() -> None:
    stream = _Raw(most=7)
    sink = JsonLines(stream)

    async def write() -> None:
        sink.write({"status": 200, "path": "/v1/meta"})
        sink.flush()

    asyncio.run(write())
    assert orjson.loads(stream.getvalue()) == {"status": 200, "path": "/v1/meta"}
