"""A token bucket per client: one client cannot take the whole server, whichever worker it reaches.

Each client (its address, or behind a proxy the address a configured header names) has a
bucket of `burst` tokens that refills at `rate` tokens a second; a request takes one. With
none left the edge pipeline answers 429 with `Retry-After` and the IETF draft's fields
(draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` states the policy (`q` requests
per window of `w` seconds, the time an empty bucket takes to fill) and `RateLimit` the
remaining quota `r` and the seconds `t` until the bucket is full again.

The buckets live in a `BucketTable`: fixed slots in memory, a client's bucket in one of
the four slots of the set its (keyed) hash picks. Given a file (`Settings.rate_table`, which
`distance serve --workers N` makes before its workers start), every worker maps the same
file and takes a lock on the set while it updates it, so the limit is per client for the
whole server, not per worker: what `RateLimit-Policy` states is what is enforced. A client
not found takes the slot of its set that has gone longest unused: a bucket idle long
enough to refill is the same as one never seen, so that loses at most a partly refilled
bucket of the quietest client of the set.
"""

from __future__ import annotations

import fcntl
import hashlib
import math
import mmap
import os
import struct
import time
from pathlib import Path
from typing import Final

from starlette.types import Scope

from api.edge.answer import Headers

__all__ = ["BucketTable", "RateLimiter", "client_key"]

_MAX_CLIENTS: Final = 65_536
_POLICY: Final = "per-client"
_WAYS: Final = 4  # slots per set
_SLOT: Final = struct.Struct("=Qdd")  # client hash (0: empty), tokens, when last updated (monotonic)
_SET: Final = struct.Struct("=" + "Qdd" * _WAYS)
_KEY_BYTES: Final = 16
_REMEMBERED: Final = 4096  # clients whose place in the table is kept at hand (a cache of the hash)


class BucketTable:
    """Token buckets in fixed slots, in this process's memory or in a file several processes map.

    `create(path, clients)` makes the file once (before the workers start); each process then
    opens it with `BucketTable(path=path)`. Without a path the table is this process's own.
    """

    def __init__(self, *, path: Path | None = None, clients: int = _MAX_CLIENTS) -> None:
        self._fd: int | None = None
        if path is None:
            sets = max(1, math.ceil(clients / _WAYS))
            self.memory = mmap.mmap(-1, sets * _SET.size)
            self._key = os.urandom(_KEY_BYTES)
        else:
            self._fd = os.open(path, os.O_RDWR)
            size = os.fstat(self._fd).st_size
            self.memory = mmap.mmap(self._fd, size)
            self._key = self.memory[:_KEY_BYTES]  # the hash key every process of the server shares
            sets = (size - _KEY_BYTES) // _SET.size
        self.sets = sets
        self._base = _KEY_BYTES if path is not None else 0
        self._where: dict[bytes, tuple[int, int]] = {}

    @staticmethod
    def create(path: Path, clients: int = _MAX_CLIENTS) -> None:
        """Make the table's file at `path` (mode 0600): a random hash key, then empty slots."""
        sets = max(1, math.ceil(clients / _WAYS))
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, os.urandom(_KEY_BYTES))
            os.ftruncate(fd, _KEY_BYTES + sets * _SET.size)
        finally:
            os.close(fd)

    def take(self, client: bytes, burst: float, rate: float, now: float) -> float:
        """Refill `client`'s bucket to `now` and take a token if it holds one; the tokens left
        (negative: the request is refused, and -tokens is what it lacked, less than 1)."""
        where = self._where.get(client)
        if where is None:
            where = self._place(client)
        digest, start = where
        if self._fd is not None:
            fcntl.lockf(self._fd, fcntl.LOCK_EX, _SET.size, start)
        try:
            row = _SET.unpack_from(self.memory, start)
            slot, tokens, at = -1, burst, now
            for way in range(0, 3 * _WAYS, 3):
                if row[way] == digest:
                    slot, tokens, at = way // 3, row[way + 1], row[way + 2]
                    break
            if slot < 0:  # an empty slot, else the one unused longest
                slot = min(range(_WAYS), key=lambda w: (row[3 * w] != 0, row[3 * w + 2]))
            tokens = min(burst, tokens + max(0.0, now - at) * rate)
            kept = tokens - 1.0 if tokens >= 1.0 else tokens  # a refused request takes nothing
            _SLOT.pack_into(self.memory, start + slot * _SLOT.size, digest, kept, now)
            return tokens - 1.0
        finally:
            if self._fd is not None:
                fcntl.lockf(self._fd, fcntl.LOCK_UN, _SET.size, start)

    def _place(self, client: bytes) -> tuple[int, int]:
        """The client's hash (keyed, so no client can aim at another's set) and its set's offset."""
        digest = int.from_bytes(hashlib.blake2b(client, digest_size=8, key=self._key).digest(), "little") or 1
        if len(self._where) >= _REMEMBERED:
            self._where.clear()
        where = self._where[client] = (digest, self._base + (digest % self.sets) * _SET.size)
        return where

    def close(self) -> None:
        """Unmap the table (and close its file)."""
        self.memory.close()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def client_key(scope: Scope, header: bytes = b"") -> bytes:
    """Who sent the request: the last element of `header` (lower case) when the request has it,
    else the peer address. The rate limit and the event streams' bound key on it."""
    if header:
        for name, value in scope["headers"]:
            if name == header:
                return bytes(value.rpartition(b",")[2].strip())
    peer = scope.get("client")
    return peer[0].encode() if peer else b"-"


class RateLimiter:
    """Buckets keyed on the client; `check(scope)` is None to serve, else the 429's headers.

    `client_header` (lower case, for instance `x-forwarded-for`) names the header a trusted
    proxy sets to the client's address; its last element (the one the nearest proxy wrote)
    keys the bucket. Without it, or when a request lacks it, the peer address does. `table`
    is where the buckets live (by default this process's own `BucketTable`).
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        client_header: str = "",
        max_clients: int = _MAX_CLIENTS,
        table: BucketTable | None = None,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.header = client_header.lower().encode()
        self.table = table if table is not None else BucketTable(clients=max_clients)
        window = max(1, math.ceil(burst / rate))
        self.policy = f'"{_POLICY}";q={burst};w={window}'.encode()

    def client(self, scope: Scope) -> bytes:
        """The key of the request's client."""
        return client_key(scope, self.header)

    def check(self, scope: Scope, now: float | None = None) -> Headers | None:
        """Take a token for this request's client: None when it had one, else the refusal's fields."""
        now = time.monotonic() if now is None else now
        left = self.table.take(self.client(scope), float(self.burst), self.rate, now)
        if left >= 0.0:
            return None
        tokens = left + 1.0  # what the bucket holds, short of a whole token
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
