"""Which representation a request gets, decided once.

`variant_of(scope)` is the one function of the request that says what the answer may vary
on. The code that shapes an answer (`api.edge.represent`, and handlers choosing a media type with
`Variant.choose`) and the response cache's key both take the `Variant` it returns, so they
cannot read a header differently: a body is never stored under one variant and served to another.

A variant has two axes: the content coding (`Accept-Encoding`, RFC 9110 §12.5.3) and the media
type (`Accept`, §12.5.1), the latter kept as the media types Distance makes that the client
takes, most wanted first. A client whose first choice is JSON (and one that sends no `Accept`,
or `*/*`) gets what every route makes first, so all of them share one variant and the answers
built before the port opens. CORS is not an axis: every answer carries the same CORS headers
(`api.edge.frontdoor`), as the Fetch standard allows for public resources read without
credentials, so nothing varies on `Origin` and shared caches keep one copy instead of one per origin.

Adding an axis is three steps in this module and none elsewhere in the mechanism: a field on
`Variant`, its negotiation in `variant_of`, and its header in `Variant.vary`; the code that
shapes a body reads `request.state.variant`, and the cache keys on the whole `Variant` already.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

from starlette.types import Scope

from graph.exports import FORMATS

__all__ = ["JSON", "MEDIA_TYPES", "Coding", "Variant", "negotiate_coding", "negotiate_media", "variant_of"]

Coding = Literal["gzip", "identity"]

# RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
_QVALUE: Final = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")
JSON: Final = "application/json"
# Every media type a Distance answer may have (type/subtype, no parameters), in the order
# chosen among those a client weighs alike: JSON first, then the export formats', then text,
# then the event stream (`/v1/events`).
MEDIA_TYPES: Final[tuple[str, ...]] = tuple(
    dict.fromkeys(
        [
            JSON,
            *(f.media_type.split(";")[0] for f in FORMATS.values()),
            "text/plain",
            # What the query languages answer besides: GraphQL over HTTP's own type and
            # SPARQL's results formats. (Not text/html: a browser's `Accept` would no longer
            # share the JSON variant; GraphiQL's page is chosen by its route.)
            "application/graphql-response+json",
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/tab-separated-values",
            "text/event-stream",  # /v1/events
        ]
    )
)


@dataclass(frozen=True, slots=True)
class Variant:
    """What an answer may vary on, as decided for one request."""

    coding: Coding = "identity"
    # The `MEDIA_TYPES` the client takes, most wanted first; None when its first choice is
    # JSON or it states none, which is what every route makes first (so they share a key).
    accept: tuple[str, ...] | None = None

    def choose(self, offers: Sequence[str]) -> str | None:
        """Which of `offers` (media types, the route's own first) to send; None: a 406.

        >>> Variant().choose(["application/json", "text/turtle"])
        'application/json'
        >>> Variant(accept=("text/turtle",)).choose(["application/json"]) is None
        True
        """
        if self.accept is None:
            return offers[0]
        return next((media for media in self.accept if media in offers), None)

    @staticmethod
    def vary(compressible: bool) -> tuple[bytes, ...]:
        """The request headers an answer names in `Vary`: one per axis it varies on."""
        return (b"Accept", b"Accept-Encoding") if compressible else (b"Accept",)


def variant_of(scope: Scope) -> Variant:
    """The variant this request asks for, from its headers (repeated fields combined).

    Computed once per request by the edge pipeline and kept in `scope["state"]["variant"]`,
    where handlers read it as `request.state.variant`.
    """
    encodings, accepts = [], []
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            encodings.append(value)
        elif name == b"accept":
            accepts.append(value)
    return _variant(tuple(encodings), tuple(accepts))


@lru_cache(maxsize=512)
def _variant(encodings: tuple[bytes, ...], accepts: tuple[bytes, ...]) -> Variant:
    # Clients send a handful of distinct fields (each browser one), so the negotiation of
    # each is kept: a cache hit then costs a tuple hash, not a parse. Bounded, so a client
    # sending a new field per request only ever evicts.
    accept = negotiate_media(accepts)
    return Variant(coding=negotiate_coding(encodings), accept=None if accept and accept[0] == JSON else accept)


def negotiate_media(fields: Iterable[bytes]) -> tuple[str, ...] | None:
    """The `MEDIA_TYPES` that every `Accept` field of a request takes, most wanted first.

    RFC 9110 §12.5.1: each media type gets the weight of the most specific range that matches
    it (`type/subtype` over `type/*` over `*/*`; parameters other than `q` are not compared),
    a weight of 0 refuses, and types weighed alike keep `MEDIA_TYPES`' order. No field at all,
    or none with a well-formed range, is no preference: None. A member with a malformed
    qvalue is ignored.

    >>> negotiate_media([b"text/turtle, application/json;q=0.5"])
    ('text/turtle', 'application/json')
    >>> negotiate_media([b"text/*"]), negotiate_media([]), negotiate_media([b"image/png"])
    (('text/turtle', 'text/csv', 'text/plain', 'text/tab-separated-values', 'text/event-stream'), None, ())
    """
    ranges: dict[str, float] = {}
    for field in fields:
        for member in field.decode("latin-1").split(","):
            name, _, params = member.partition(";")
            name = name.strip().lower()
            kind, slash, sub = name.partition("/")
            if not slash or not kind or not sub or (kind == "*" and sub != "*"):
                continue
            weight = _weight(params)
            if weight is not None:
                ranges[name] = weight
    if not ranges:
        return None
    weighed = []
    for order, media in enumerate(MEDIA_TYPES):
        weight = next(
            (ranges[r] for r in (media, media.split("/")[0] + "/*", "*/*") if r in ranges),
            0.0,
        )
        if weight > 0:
            weighed.append((-weight, order, media))
    return tuple(media for _, _, media in sorted(weighed))


def negotiate_coding(fields: Iterable[bytes]) -> Coding:
    """The content coding to send, from every `Accept-Encoding` field of a request.

    RFC 9110 §12.5.3: repeated fields are one comma list; names are case-insensitive and
    `x-gzip` is `gzip`; `*` stands for any coding not named; a qvalue of 0 refuses. No field
    at all means no preference, and Distance then sends identity (a plain `curl` gets plain
    text). gzip is sent when it is acceptable and weighs at least as much as identity when
    identity is weighed; when nothing offered is acceptable, identity is sent (the RFC's
    SHOULD for that case). A member with a malformed qvalue is ignored.

    >>> negotiate_coding([b"gzip, deflate, br"]), negotiate_coding([b"gzip;q=0"]), negotiate_coding([])
    ('gzip', 'identity', 'identity')
    >>> negotiate_coding([b"gzip", b"identity"]), negotiate_coding([b"gzip;q=0.5, identity"])
    ('gzip', 'identity')
    """
    weights: dict[str, float] = {}
    for field in fields:
        for member in field.decode("latin-1").split(","):
            name, _, params = member.partition(";")
            name = name.strip().lower()
            if not name:
                continue
            weight = _weight(params)
            if weight is not None:
                weights["gzip" if name == "x-gzip" else name] = weight
    star = weights.get("*")
    gzip = weights.get("gzip", star if star is not None else 0.0)
    identity = weights.get("identity", star)
    return "gzip" if gzip > 0 and (identity is None or gzip >= identity) else "identity"


def _weight(params: str) -> float | None:
    """The qvalue of one member (1 when none is given), or None when it is malformed."""
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "q":
            value = value.strip()
            return float(value) if _QVALUE.fullmatch(value) else None
    return 1.0
