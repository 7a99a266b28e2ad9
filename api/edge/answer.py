"""A finished answer, and how the app sends one: HEAD and conditional requests are decided here.

Every answer the app gives to a GET or HEAD (from the response cache, fresh from FastAPI or
the node shortcut, or a refusal from the front door or OPTIONS) leaves through `send_answer`,
so HEAD (the GET's headers, no body) and `If-None-Match` (RFC 9110 §13.1.2, weak comparison,
a 304 for a match) are one rule whether or not the cache answered. What the server protocol
refuses before a request reaches the app (`api.edge.httpproto`) does not pass here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from starlette.types import Send

__all__ = ["Answer", "Headers", "etag_matches", "send_answer"]

Headers = list[tuple[bytes, bytes]]

# What a 304 leaves out: the fields that describe the body it does not carry (RFC 9110 §15.4.5
# keeps Cache-Control, ETag, Vary and the like, so a cache can refresh what it stored).
_BODY_FIELDS: Final = frozenset({b"content-type", b"content-length", b"content-encoding"})


@dataclass(frozen=True, slots=True)
class Answer:
    """Status, raw header fields (lower-case names) and the whole body of one response."""

    status: int
    headers: Headers
    body: bytes

    def header(self, name: bytes) -> bytes | None:
        """The first field called `name` (lower case), or None."""
        return next((value for key, value in self.headers if key == name), None)


def etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """Whether an `If-None-Match` field names `etag`: RFC 9110 §8.8.3.2 weak comparison.

    >>> etag_matches(b'"a", W/"b"', b'"b"'), etag_matches(b"*", b'"c"'), etag_matches(b'"a"', b'"b"')
    (True, True, False)
    """
    if if_none_match.strip() == b"*":
        return True
    bare = etag.removeprefix(b"W/")
    return any(tag.strip().removeprefix(b"W/") == bare for tag in if_none_match.split(b","))


async def send_answer(send: Send, answer: Answer, *, head: bool, if_none_match: bytes | None = None) -> None:
    """Send `answer`: a 304 when `if_none_match` names its ETag (200s only), no body for HEAD."""
    etag = answer.header(b"etag") if if_none_match is not None and answer.status == 200 else None
    if etag is not None and if_none_match is not None and etag_matches(if_none_match, etag):
        headers = [(k, v) for k, v in answer.headers if k not in _BODY_FIELDS]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    await send({"type": "http.response.body", "body": b"" if head else answer.body})
