"""uvicorn's request-response cycle, sending each answer in one write.

uvicorn's own cycle writes the status line and headers as soon as the app starts its
response, and the body in a second write: two system calls per answer, and on loopback each
write also runs the receiver's side of TCP, so the second costs about as much as the rest
of a cached answer's Python. It also runs two regular expressions per header field. This
cycle holds the header block until the first body message and hands both to the transport
at once (`writelines`: uvloop sends them in one `writev`, the body not copied), and checks
a whole header block with one `translate` for the names and one for the values, uvicorn's
patterns made tables. To do that it writes its own sending: what a header field means to
the framing, HEAD, chunked bodies, keep-alive and the errors for a body longer or shorter
than its Content-Length are decided here, after uvicorn's rules, not inherited from it.

`api.edge.httpproto` makes each connection's cycles of this class.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from typing import Final

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.http.httptools_impl import HEADER_RE, HEADER_VALUE_RE, STATUS_LINE, RequestResponseCycle

__all__ = ["OneWriteCycle"]

# Field names the framing reads; every other field is passed through as it is.
_FRAMING: Final = frozenset({b"content-length", b"transfer-encoding", b"connection"})
_FIELD: Final = b": ".join  # (name, value) -> b"name: value"
_NAME: Final = itemgetter(0)
_VALUE: Final = itemgetter(1)
# uvicorn's two patterns as translation tables: a byte either pattern refuses becomes `_BAD`,
# so one `translate` and one `in` check a whole header block.
_BAD: Final = b"\x01"
_BAD_IN_NAME: Final = bytes(1 if HEADER_RE.fullmatch(bytes([b])) else 0 for b in range(256))
_BAD_IN_VALUE: Final = bytes(1 if HEADER_VALUE_RE.fullmatch(bytes([b])) else 0 for b in range(256))


class OneWriteCycle(RequestResponseCycle):
    """A cycle whose header block waits for the body and leaves in the same write."""

    _head: bytes = b""

    async def send(self, message: ASGISendEvent) -> None:
        if self.response_started and not self.response_complete and message["type"] == "http.response.body":
            await self._send_body(message.get("body", b""), message.get("more_body", False))
        elif not self.response_started and message["type"] == "http.response.start":
            if self.flow.write_paused and not self.disconnected:
                await self.flow.drain()
            if not self.disconnected:
                self.response_started = True
                self.waiting_for_100_continue = False
                self._head = self._header_block(message["status"], message.get("headers", ()))
        else:  # a message out of order: uvicorn's own send raises what it raises
            await super().send(message)

    def _header_block(self, status: int, fields: Iterable[tuple[bytes, bytes]]) -> bytes:
        """The status line and header fields, framing noted as uvicorn's cycle notes it.

        The loops over the fields are C (`map`, `join`, `translate`): a field costs no Python
        bytecode unless its name has capitals or frames the body."""
        headers = [*self.default_headers, *fields]
        names = tuple(map(_NAME, headers))
        joined = b"".join(names)
        if _BAD in joined.translate(_BAD_IN_NAME):
            raise RuntimeError("Invalid HTTP header name.")
        if _BAD in b"\t".join(map(_VALUE, headers)).translate(_BAD_IN_VALUE):  # a tab is allowed in a value
            raise RuntimeError("Invalid HTTP header value.")
        if not joined.islower():
            names = tuple(name.lower() for name in names)
            headers = [(name, value) for name, (_, value) in zip(names, headers, strict=True)]
        closes = False
        if not _FRAMING.isdisjoint(names):
            for name, value in headers:
                if name in _FRAMING:
                    closes |= self._framing(name, value)
        lines = [STATUS_LINE[status], b"\r\n".join(map(_FIELD, headers)), b"\r\n"] if headers else [STATUS_LINE[status]]
        if not self.keep_alive and not closes:
            lines.append(b"connection: close\r\n")
        if self.chunked_encoding is None and self.scope["method"] != "HEAD" and status not in (204, 304):
            self.chunked_encoding = True
            lines.append(b"transfer-encoding: chunked\r\n")
        lines.append(b"\r\n")
        return b"".join(lines)

    def _framing(self, name: bytes, value: bytes) -> bool:
        """Note what a framing field says; True when it closes the connection."""
        if name == b"content-length" and self.chunked_encoding is None:
            self.expected_content_length = int(value.decode())
            self.chunked_encoding = False
        elif name == b"transfer-encoding" and value.lower() == b"chunked":
            self.expected_content_length = 0
            self.chunked_encoding = True
        elif name == b"connection" and b"close" in [token.lower().strip() for token in value.split(b",")]:
            self.keep_alive = False
            return True
        return False

    async def _send_body(self, body: bytes, more_body: bool) -> None:
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if self.disconnected:
            return
        head, self._head = self._head, b""
        if self.scope["method"] == "HEAD":
            self.expected_content_length = 0
            body = b""
        elif self.chunked_encoding:
            body = (b"%x\r\n%b\r\n" % (len(body), body) if body else b"") + (b"" if more_body else b"0\r\n\r\n")
        elif len(body) > self.expected_content_length:
            raise RuntimeError("Response content longer than Content-Length")
        else:
            self.expected_content_length -= len(body)
        if head and body:
            self.transport.writelines((head, body))
        elif head or body:
            self.transport.write(head or body)
        if not more_body:
            if self.expected_content_length != 0:
                raise RuntimeError("Response content shorter than Content-Length")
            self.response_complete = True
            self.message_event.set()
            if not self.keep_alive:
                self.transport.close()
            self.on_response()
