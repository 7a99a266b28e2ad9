"""A token bucket per client: one client cannot take the whole server.

Each client (its address, or behind a proxy the address a configured header names) has a
bucket of `burst` tokens that refills at `rate` tokens a second; a request takes one. With
none left the front door answers 429 with `Retry-After` and the IETF draft's fields
(draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` states the policy (`q` requests
per window of `w` seconds, the time an empty bucket takes to fill) and `RateLimit` the
remaining quota `r` and the seconds `t` until the bucket is full again.

The buckets are a bounded LRU: a client idle long enough to refill is the same as a client
never seen, so dropping the least recently seen bucket when the table is full loses nothing
but a partly refilled bucket of a long-quiet client.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from typing import Final

from starlette.types import Scope

from api.edge.answer import Headers

__all__ = ["RateLimiter"]

_MAX_CLIENTS: Final = 65_536
_POLICY: Final = "per-client"


class RateLimiter:
    """Buckets keyed on the client; `check(scope)` is None to serve, else the 429's headers.

    `client_header` (lower case, for instance `x-forwarded-for`) names the header a trusted
    proxy sets to the client's address; its last element (the one the nearest proxy wrote)
    keys the bucket. Without it, or when a request lacks it, the peer address does.
    """

    def __init__(self, rate: float, burst: int, *, client_header: str = "", max_clients: int = _MAX_CLIENTS) -> None:
        self.rate = rate
        self.burst = burst
        self.header = client_header.lower().encode()
        self.max_clients = max_clients
        self.buckets: OrderedDict[bytes, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)
        window = max(1, math.ceil(burst / rate))
        self.policy = f'"{_POLICY}";q={burst};w={window}'.encode()

    def client(self, scope: Scope) -> bytes:
        """The key of the request's client."""
        if self.header:
            for name, value in scope["headers"]:
                if name == self.header:
                    return bytes(value.rpartition(b",")[2].strip())
        peer = scope.get("client")
        return peer[0].encode() if peer else b"-"

    def check(self, scope: Scope, now: float | None = None) -> Headers | None:
        """Take a token for this request's client: None when it had one, else the refusal's fields."""
        now = time.monotonic() if now is None else now
        key = self.client(scope)
        tokens, at = self.buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens >= 1.0:
            self.buckets[key] = (tokens - 1.0, now)
            if len(self.buckets) > self.max_clients:
                self.buckets.popitem(last=False)
            return None
        self.buckets[key] = (tokens, now)
        retry = max(1, math.ceil((1.0 - tokens) / self.rate))
        full = max(1, math.ceil((self.burst - tokens) / self.rate))
        return [
            (b"retry-after", str(retry).encode()),
            (b"ratelimit-policy", self.policy),
            (b"ratelimit", f'"{_POLICY}";r=0;t={full}'.encode()),
        ]

    def detail(self) -> str:
        """The 429's sentence."""
        return (
            f"this client sent more than {self.burst} requests at once or more than {self.rate:g} a second "
            "for too long; retry after the number of seconds in Retry-After"
        )
