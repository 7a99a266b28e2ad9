"""The per-client token bucket: 429 problems with Retry-After and the RateLimit fields, per client."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.edge.ratelimit import BucketTable, RateLimiter
from api.settings import Settings
from graph.build import KnowledgeGraph


def _scope(client: str = "10.0.0.1", headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {"type": "http", "headers": headers or [], "client": (client, 5000)}


def test_a_bucket_allows_the_burst_then_refills_at_the_rate() -> None:
    limiter = RateLimiter(2.0, 3)
    assert [limiter.check(_scope(), now=0.0) is None for _ in range(4)] == [True, True, True, False]
    refused = dict(limiter.check(_scope(), now=0.1) or [])
    assert refused[b"retry-after"] == b"1"
    assert refused[b"ratelimit-policy"] == b'"per-client";q=3;w=2'
    assert re.fullmatch(rb'"per-client";r=0;t=\d+', refused[b"ratelimit"])
    assert limiter.check(_scope(), now=0.6) is None  # half a second at 2/s: one token back
    assert limiter.check(_scope("10.0.0.2"), now=0.6) is None  # another client has its own bucket


def test_the_client_is_the_last_element_of_the_configured_header_else_the_peer() -> None:
    limiter = RateLimiter(1.0, 1, client_header="X-Forwarded-For")
    forwarded = [(b"x-forwarded-for", b"6.6.6.6, 203.0.113.9")]
    assert limiter.client(_scope(headers=forwarded)) == b"203.0.113.9"
    assert limiter.client(_scope()) == b"10.0.0.1"
    assert limiter.client({"headers": []}) == b"-"
    assert RateLimiter(1.0, 1).client(_scope(headers=forwarded)) == b"10.0.0.1"  # not configured: not trusted


def test_the_table_of_clients_is_bounded_and_forgets_the_longest_unused_first() -> None:
    limiter = RateLimiter(0.001, 2, max_clients=4)  # one set of four slots: every client shares it
    a = _scope("10.0.0.1")
    assert [limiter.check(a, now=0.0) is None for _ in range(3)] == [True, True, False]
    for n, now in ((2, 1.0), (3, 2.0), (4, 3.0)):
        limiter.check(_scope(f"10.0.0.{n}"), now=now)
    assert limiter.check(a, now=4.0) is not None  # still in the table, still empty
    for n, now in ((5, 5.0), (6, 6.0), (7, 7.0)):  # each takes the slot unused longest: .2, .3, .4
        limiter.check(_scope(f"10.0.0.{n}"), now=now)
    assert limiter.check(a, now=8.0) is not None
    limiter.check(_scope("10.0.0.8"), now=9.0)  # now a's slot is the one unused longest
    limiter.check(_scope("10.0.0.9"), now=9.5)
    limiter.check(_scope("10.0.0.10"), now=9.6)
    limiter.check(_scope("10.0.0.11"), now=9.7)
    assert limiter.check(a, now=10.0) is None  # forgotten: a full bucket again


def test_workers_sharing_a_table_file_share_each_client_s_bucket(tmp_path: Path) -> None:
    """Two processes take from one client's bucket of 50 (no refill to speak of) 100 times each:
    50 are served in all, not 50 each."""
    path = tmp_path / "rate-limit"
    BucketTable.create(path)
    read_end, write_end = os.pipe()
    children = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:  # a worker: its own mapping of the file, as a forked or spawned worker has
            limiter = RateLimiter(0.001, 50, table=BucketTable(path=path))
            served = sum(limiter.check(_scope("192.0.2.1")) is None for _ in range(100))
            os.write(write_end, f"{served}\n".encode())
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        counts = [int(line) for line in pipe.read().split()]
    assert sum(counts) == 50, counts
    own = RateLimiter(0.001, 50, table=BucketTable(path=path))
    assert own.check(_scope("192.0.2.1")) is not None  # a third process sees the same empty bucket
    assert own.check(_scope("192.0.2.2")) is None


def test_a_client_past_its_rate_gets_a_429_problem_others_do_not(tiny: KnowledgeGraph, seeds: Path) -> None:
    """A slow rate (a token every 20 s): a loaded machine never refills one between her requests."""
    app = create_app(Settings(seeds_dir=seeds, access_log=False, rate_limit=0.05, rate_burst=3), tiny)
    with TestClient(app) as client, TestClient(app, client=("198.51.100.7", 1)) as other:
        codes = [client.get("/v1/nodes/nobody-at-all").status_code for _ in range(4)]
        assert codes == [404, 404, 404, 429]
        refused = client.get("/v1/meta", headers={"Origin": "https://example.org"})
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "/problems/too-many-requests"
        assert "Retry-After" in refused.json()["detail"]
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.headers["ratelimit-policy"] == '"per-client";q=3;w=60'
        assert refused.headers["ratelimit"].startswith('"per-client";r=0;t=')
        assert refused.headers["cache-control"] == "no-store"
        assert refused.headers["access-control-allow-origin"] == "*"
        exposed = refused.headers["access-control-expose-headers"]
        assert {"Retry-After", "RateLimit", "RateLimit-Policy"} <= set(exposed.split(", "))
        assert other.get("/v1/meta").status_code == 200


def test_the_limit_is_on_by_default_far_above_a_front_end_and_zero_turns_it_off(
    tiny: KnowledgeGraph, seeds: Path
) -> None:
    defaults = Settings.model_fields
    assert (defaults["rate_limit"].default, defaults["rate_burst"].default) == (100.0, 1000)
    app = create_app(Settings(seeds_dir=seeds, access_log=False, rate_limit=0, rate_burst=1), tiny)
    with TestClient(app) as client:
        assert {client.get("/v1/meta").status_code for _ in range(5)} == {200}
