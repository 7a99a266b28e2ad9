"""The represent step: every header that says how an answer may be kept, coded and revalidated.

The edge pipeline (`api.edge.pipeline`) passes every answer it sends through `represent`
(the app's, the node shortcut's, a refusal, a fault's 500): `ETag`, `Cache-Control`, `Vary`
and the gzip coding are written here and nowhere else. The app says only what an answer is
(`Validity`, in `request.state.validity` when it is not the default of its path); the
response cache keeps what `kept` says.

| answer | ETag | Cache-Control |
|---|---|---|
| 200, `content` (default under /v1) | content version + body digest | the settings' public lifetime |
| 200, `page` (elsewhere: explorer, docs, GraphiQL) | body digest | `no-cache` (changes with a deploy) |
| 200, `moment` (a query sent by POST) | none | `no-store` |
| any 4xx or 5xx | none | `no-store` |
| 204 (OPTIONS), 304 | as they are | as they are |

An error is never kept by a browser or a shared cache: a 404 is true of this content, and
content changes (a fix, a reload) while a kept 404 would go on answering. The response cache
of this process may keep a `content` 404 all the same: its store is the graph's own and ends
with it, so a flood of unknown ids costs a lookup each and never outlives the content.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import Final, Literal

from starlette.types import Message

from api.edge.answer import Answer, Headers
from api.edge.variant import Variant

__all__ = ["Validity", "etag", "kept", "public_lifetime", "represent", "stream_start"]

# What an answer is, as the app says: a function of the URL and the served content (`content`),
# of the code shipped (`page`), or true at this moment only (`moment`).
Validity = Literal["content", "page", "moment"]

# Bodies of these types are compressed already (or streamed); gzip only costs time.
_PRECOMPRESSED: Final = (
    b"image/", b"audio/", b"video/", b"font/woff", b"application/gzip", b"application/zip", b"text/event-stream",
)  # fmt: skip
_GZIP_LEVEL: Final = 6  # ~as small as 9 on JSON, several times faster
# What the represent step writes: the app's own fields of these names, if any, are dropped.
_WRITTEN: Final = frozenset({b"etag", b"cache-control", b"vary", b"cache-tag"})
_NO_STORE: Final = b"no-store"
_NO_CACHE: Final = b"no-cache"
_STREAM_FIELDS: Final = ((b"cache-control", _NO_STORE), (b"x-accel-buffering", b"no"))


def public_lifetime(max_age: int, shared_max_age: int, stale: int = 0) -> bytes:
    """The `Cache-Control` of a `content` 200: browsers keep it for `max_age`, shared caches (a
    proxy, a CDN) for the shorter `shared_max_age`, then revalidate it with its ETag; with
    `stale`, a shared cache may serve it that long while it fetches anew, or fails to.

    >>> public_lifetime(300, 5, 60)
    b'public, max-age=300, s-maxage=5, stale-while-revalidate=60, stale-if-error=60'
    """
    value = f"public, max-age={max_age}, s-maxage={shared_max_age}"
    if stale:
        value += f", stale-while-revalidate={stale}, stale-if-error={stale}"
    return value.encode()


def etag(version: str, body: bytes) -> bytes:
    """A strong ETag: `version` (a content version, or nothing for a page) and a digest of `body`.

    >>> etag("53e8fe2ec674b0aa99", b"{}"), etag("", b"{}")
    (b'"53e8fe2ec674b0aa-44136fa355b3678a"', b'"44136fa355b3678a"')
    """
    # SHA-256 for its speed here (CPUs hash it in hardware: ~2.5 us for a 4 KB node, a third
    # of blake2b's), cut to 64 bits: a validator needs no more.
    digest = hashlib.sha256(body).hexdigest()[:16]
    return f'"{version[:16]}-{digest}"'.encode() if version else f'"{digest}"'.encode()


def kept(status: int, validity: Validity) -> bool:
    """Whether the response cache keeps an answer: a `content` 200, or a `content` 404 (see above)."""
    return validity == "content" and status in (200, 404)


def represent(
    answer: Answer,
    variant: Variant,
    *,
    validity: Validity,
    version: str | None,
    lifetime: bytes,
    min_size: int,
    tags: bytes | None = None,
) -> Answer:
    """`answer` with its caching fields (the table above) as `variant` asks: gzip-coded when
    chosen, with `Vary` naming what it varies on. `version` is the served content's version
    (None when no graph serves: a `content` 200 then gets no ETag); `tags`, what a `content`
    200 depends on, go out in `Cache-Tag` (`api.edge.cachetags`) for shared caches that purge
    by tag.

    Every answer varies on `Accept` (a route either picks its media type from it or answers a
    406). It also varies on the coding when it could be compressed: a body of at least
    `min_size` bytes, of a type worth compressing, not coded already. Both its codings then
    say `Vary: Accept, Accept-Encoding`, and the gzip one gets its own strong ETag (RFC 9110
    §8.8.3: a content coding changes the representation, so it changes the validator).
    Pure and deterministic (gzip writes no timestamp), so a cached and a fresh answer agree.
    """
    status, body = answer.status, answer.body
    if status in (204, 304):
        return answer
    headers: Headers = []
    named: list[bytes] = []  # what the app named in `Vary` itself
    media_type, coded = b"", False
    for field in answer.headers:  # one pass: what this step writes is dropped, the rest read once
        name = field[0]
        if name in _WRITTEN:
            if name == b"vary":
                named += [n.strip() for n in field[1].split(b",") if n.strip()]
            continue
        if name == b"content-type":
            media_type = field[1].lower()
        elif name == b"content-encoding":
            coded = True
        headers.append(field)
    compressible = not coded and len(body) >= min_size and not media_type.startswith(_PRECOMPRESSED)
    headers.append((b"vary", _vary(named, variant.vary(compressible))))
    tag: bytes | None = None
    if status >= 400 or validity == "moment":
        headers.append((b"cache-control", _NO_STORE))
    elif validity == "page":
        tag = etag("", body) if status == 200 else None
        headers.append((b"cache-control", _NO_CACHE))
    else:
        if status == 200 and version is not None:
            tag = etag(version, body)
            if tags is not None:
                headers.append((b"cache-tag", tags))
        headers.append((b"cache-control", lifetime))
    if compressible and variant.coding == "gzip":
        compressor = zlib.compressobj(_GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        body = compressor.compress(body) + compressor.flush()
        length = str(len(body)).encode()
        headers = [(k, length if k == b"content-length" else v) for k, v in headers]
        headers.append((b"content-encoding", b"gzip"))
        if tag is not None:
            tag = tag[:-1] + b'-gzip"'
    if tag is not None:
        headers.append((b"etag", tag))
    return Answer(status, headers, body)


def stream_start(message: Message) -> Message:
    """The start of a stream that never ends on its own (`/v1/events`), which passes no other
    step: no cache may keep it, and no proxy may hold its parts back (`X-Accel-Buffering: no`,
    which nginx honours)."""
    fields = [(k, v) for k, v in message.get("headers", []) if k not in (b"cache-control", b"x-accel-buffering")]
    return {**message, "headers": [*fields, *_STREAM_FIELDS]}


def _vary(named: list[bytes], names: tuple[bytes, ...]) -> bytes:
    """One `Vary` value: what the app `named`, then `names` it did not (never repeated)."""
    if not named:
        return b", ".join(names)
    have = {n.lower() for n in named}
    return b", ".join([*named, *(n for n in names if n.lower() not in have)])
