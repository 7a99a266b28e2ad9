"""The one-write cycle: the bytes uvicorn's own cycle sends, in one write per small answer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from api.edge.httpcycle import OneWriteCycle

_DATE = [(b"date", b"Thu, 03 Dec 2026 08:28:33 GMT")]


class _Transport:
    """What a cycle writes, call by call (a stand-in for the socket's transport; uvloop sends
    one `writelines` call in one `writev`)."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.parts: list[tuple[bytes, ...]] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))
        self.parts.append((data,))

    def writelines(self, data: Any) -> None:
        self.parts.append(tuple(data))
        self.writes.append(b"".join(self.parts[-1]))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


def _cycle(cls: type[RequestResponseCycle], method: str = "GET", keep_alive: bool = True, defaults: Any = _DATE) -> Any:
    transport = _Transport()
    scope: Any = {"method": method}
    return cls(
        scope, transport, FlowControl(transport), None, None, False,  # type: ignore[arg-type]
        defaults, asyncio.Event(), False, keep_alive, lambda: None,
    )  # fmt: skip


def _run(cls: type[RequestResponseCycle], messages: list[dict[str, Any]], **kwargs: Any) -> tuple[list[bytes], bool]:
    cycle = _cycle(cls, **kwargs)

    async def send_all() -> None:
        for message in messages:
            await cycle.send(message)

    asyncio.run(send_all())
    return cycle.transport.writes, cycle.transport.closed


def _answer(headers: list[tuple[bytes, bytes]], *bodies: bytes, status: int = 200) -> list[dict[str, Any]]:
    chunks = [{"type": "http.response.body", "body": b, "more_body": True} for b in bodies]
    chunks[-1]["more_body"] = False
    return [{"type": "http.response.start", "status": status, "headers": headers}, *chunks]


_JSON = [(b"content-type", b"application/json"), (b"content-length", b"7"), (b"etag", b'"a"')]
CASES: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {
    "plain": (_answer(_JSON, b'{"a":1}'), {}),
    "head": (_answer(_JSON, b""), {"method": "HEAD"}),
    "not modified": (_answer([(b"etag", b'"a"')], b"", status=304), {}),
    "capital names": (_answer([(b"Content-Length", b"2"), (b"X-Thing", b"Yes")], b"ok"), {}),
    "closes": (_answer([(b"content-length", b"2"), (b"connection", b"Keep-Alive, Close")], b"ok"), {}),
    "not kept alive": (_answer([(b"content-length", b"2")], b"ok"), {"keep_alive": False}),
    "chunked, streamed": (_answer([(b"content-type", b"text/plain")], b"one", b"two", b""), {}),
    "chunked, declared": (_answer([(b"transfer-encoding", b"chunked")], b"one", b"two"), {}),
    "a tab in a value": (_answer([(b"content-length", b"2"), (b"x-list", b"a,\tb")], b"ok"), {}),
    "no field at all": (_answer([], b"", status=204), {"defaults": []}),
    "two lengths, the first counts": (_answer([(b"content-length", b"2"), (b"Content-Length", b"9")], b"ok"), {}),
}


@pytest.mark.parametrize("case", CASES)
def test_the_bytes_are_uvicorns_and_a_small_answer_is_one_write(case: str) -> None:
    messages, kwargs = CASES[case]
    theirs, their_close = _run(RequestResponseCycle, messages, **kwargs)
    ours, our_close = _run(OneWriteCycle, messages, **kwargs)
    assert b"".join(ours) == b"".join(theirs)
    assert our_close == their_close
    streamed = len([m for m in messages if m["type"] == "http.response.body"])
    assert len(ours) == min(streamed, len(theirs))  # the header block rides with the first body message


def test_a_large_body_goes_with_the_header_block_uncopied() -> None:
    big = b"x" * 1_000_000
    cycle = _cycle(OneWriteCycle)

    async def send() -> None:
        for message in _answer([(b"content-length", b"1000000")], big):
            await cycle.send(message)

    asyncio.run(send())
    ((head, body),) = cycle.transport.parts
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert body is big


@pytest.mark.parametrize(
    ("headers", "body", "error"),
    [
        ([(b"bad name", b"x"), (b"content-length", b"0")], b"", "Invalid HTTP header name."),
        ([(b"x-a", b"a\r\nx-b: b"), (b"content-length", b"0")], b"", "Invalid HTTP header value."),
        ([(b"content-length", b"1")], b"too long", "Response content longer than Content-Length"),
        ([(b"content-length", b"9")], b"short", "Response content shorter than Content-Length"),
    ],
)
def test_what_uvicorn_refuses_is_refused(headers: list[tuple[bytes, bytes]], body: bytes, error: str) -> None:
    for cls in (RequestResponseCycle, OneWriteCycle):
        with pytest.raises(RuntimeError, match=error):
            _run(cls, _answer(headers, body))


def test_a_message_out_of_order_is_refused_as_uvicorn_does() -> None:
    with pytest.raises(RuntimeError, match="Expected ASGI message 'http.response.start'"):
        _run(OneWriteCycle, [{"type": "http.response.body", "body": b""}])
    with pytest.raises(RuntimeError, match="Unexpected ASGI message"):
        _run(OneWriteCycle, [*_answer([(b"content-length", b"0")], b""), {"type": "http.response.body"}])
