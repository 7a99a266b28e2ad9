"""The response cache: identical bytes to the uncached app, 304s, HEAD, bounds, graph swaps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from api.app import create_app
from api.cache import CacheStats, ResponseCache
from api.settings import Settings
from graph.build import KnowledgeGraph, load_graph

URLS = [
    "/v1",
    "/v1/meta",
    "/v1/schema",
    "/v1/nodes/give-him-space",
    "/v1/nodes/give-him-space?include=edges,neighbors&fields=label,edges",
    "/v1/nodes?type=response&limit=1",
    "/v1/signs",
    "/v1/responses?polarity=dont",
    "/v1/edges?kind=addresses",
    "/v1/edges/chase-him--backfires--needs-space",
    "/v1/nodes/slower-replies/neighbors?depth=2",
    "/v1/paths?from=slower-replies&to=give-him-space",
    "/v1/search?q=oxytocn",
    "/v1/graph?format=node-link",
]
HEADER_SETS = [{}, {"Accept-Encoding": "gzip"}, {"Origin": "https://example.org"}]


def _cache_of(app: FastAPI) -> ResponseCache:
    """The ResponseCache layer of a started app's middleware stack."""
    layer = app.middleware_stack
    while not isinstance(layer, ResponseCache):
        layer = layer.app  # type: ignore[union-attr]
    return layer


def _stats(client: TestClient) -> CacheStats:
    app = client.app
    assert isinstance(app, FastAPI)
    return _cache_of(app).stats(app.state.graph)


def _shape(response: Response) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers as a sorted list (less the per-request id), raw body."""
    return response.status_code, _headers(response), response.content


def _headers(response: Response, drop: tuple[str, ...] = ("x-request-id",)) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in response.headers.multi_items() if k not in drop)


@pytest.fixture
def cached(tiny: KnowledgeGraph, seeds: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(seeds_dir=seeds), tiny)) as client:
        yield client


@pytest.fixture
def uncached(tiny: KnowledgeGraph, seeds: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(seeds_dir=seeds, cache_entries=0), tiny)) as client:
        yield client


@pytest.mark.parametrize("headers", HEADER_SETS, ids=["plain", "gzip", "cors"])
@pytest.mark.parametrize("url", URLS)
def test_cache_hit_is_identical_to_the_uncached_response(
    cached: TestClient, uncached: TestClient, url: str, headers: dict[str, str]
) -> None:
    expected = _shape(uncached.get(url, headers=headers))
    miss = _shape(cached.get(url, headers=headers))
    hit = _shape(cached.get(url, headers=headers))
    assert expected[0] == 200
    assert miss == expected
    assert hit == expected
    assert (_stats(cached).misses, _stats(cached).hits) == (1, 1)


def test_cache_keeps_gzip_and_identity_bodies_apart(cached: TestClient) -> None:
    plain = cached.get("/v1/graph", headers={"Accept-Encoding": "identity"})
    gzipped = cached.get("/v1/graph", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert gzipped.headers["content-encoding"] == "gzip"
    assert plain.content == gzipped.content  # httpx decodes the gzip body
    assert _stats(cached).entries == 2


@pytest.mark.parametrize("url", URLS)
def test_cache_answers_if_none_match_with_the_uncached_304(cached: TestClient, uncached: TestClient, url: str) -> None:
    etag = uncached.get(url).headers["etag"]
    expected = uncached.get(url, headers={"If-None-Match": etag})
    on_miss = cached.get(url, headers={"If-None-Match": etag})
    on_hit = cached.get(url, headers={"If-None-Match": f'"other", W/{etag}'})
    assert expected.status_code == on_miss.status_code == on_hit.status_code == 304
    assert _shape(on_miss) == _shape(on_hit)
    # RFC 9110 §15.4.5: a 304 carries the Vary of the 200 it stands for; the uncached app's
    # 304 is too small for GZipMiddleware to add `Accept-Encoding` to it. All else is equal.
    vary = ("vary", cached.get(url).headers["vary"])
    assert _shape(on_hit)[1] == sorted([*_headers(expected, ("x-request-id", "vary")), vary])


def test_cache_serves_200_when_if_none_match_names_another_etag(cached: TestClient) -> None:
    first = cached.get("/v1/meta")
    stale = cached.get("/v1/meta", headers={"If-None-Match": '"stale"'})
    star = cached.get("/v1/meta", headers={"If-None-Match": "*"})
    assert (stale.status_code, stale.content) == (200, first.content)
    assert star.status_code == 304


def test_cache_answers_head_with_get_headers_and_no_body(cached: TestClient, uncached: TestClient) -> None:
    url = "/v1/nodes/oxytocin"
    expected = uncached.head(url)
    miss, hit = cached.head(url), cached.head(url)
    assert _shape(miss) == _shape(hit) == _shape(expected)
    assert hit.content == b""
    assert hit.headers["content-length"] == str(len(cached.get(url).content))
    assert (_stats(cached).misses, _stats(cached).hits) == (1, 2)


@pytest.mark.parametrize("url", ["/v1/nodes/oxytocn", "/v1/nodes?limit=0", "/openapi.json", "/v1/nope"])
def test_cache_passes_errors_and_untagged_answers_through_unstored(
    cached: TestClient, uncached: TestClient, url: str
) -> None:
    assert _shape(cached.get(url)) == _shape(uncached.get(url))
    assert _shape(cached.head(url))[:2] == _shape(uncached.head(url))[:2]
    assert _stats(cached).entries == 0


def test_cache_evicts_the_least_recently_used_entry(tiny: KnowledgeGraph, seeds: Path) -> None:
    with TestClient(create_app(Settings(seeds_dir=seeds, cache_entries=2), tiny)) as client:
        for url in ("/v1/nodes/oxytocin", "/v1/nodes/needs-space", "/v1/nodes/oxytocin", "/v1/nodes/chase-him"):
            client.get(url)
        assert (_stats(client).entries, _stats(client).hits) == (2, 1)
        client.get("/v1/nodes/oxytocin")  # kept: it was used after needs-space
        client.get("/v1/nodes/needs-space")  # evicted: a miss again
        assert (_stats(client).hits, _stats(client).misses) == (2, 4)


def test_cache_stays_within_its_byte_budget(tiny: KnowledgeGraph, seeds: Path) -> None:
    with TestClient(create_app(Settings(seeds_dir=seeds, cache_bytes=3000), tiny)) as client:
        sizes = [len(client.get(f"/v1/nodes/{n}").content) for n in tiny.nodes]
        stats = _stats(client)
        assert 0 < stats.bytes <= 3000 < sum(sizes)
        assert stats.entries < len(sizes)


def test_cache_does_not_store_a_body_over_the_per_entry_cap(tiny: KnowledgeGraph) -> None:
    seen: list[str] = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        seen.append(str(scope["path"]))
        await send({"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"x"')]})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"x" * 100})  # type: ignore[operator]

    outer = FastAPI()
    outer.state.graph = tiny
    cache = ResponseCache(app, max_entries=10, max_bytes=1000, max_body=50)  # type: ignore[arg-type]
    outer.mount("/", cache)
    with TestClient(outer) as client:
        assert client.get("/v1/big").content == b"x" * 100
        assert client.get("/v1/big", headers={"If-None-Match": '"x"'}).status_code == 304
    assert (seen, cache.stats(tiny).entries) == (["/v1/big", "/v1/big"], 0)


def test_graph_swap_serves_the_new_graph_at_once(seeds: Path, tiny: KnowledgeGraph) -> None:
    with TestClient(create_app(Settings(seeds_dir=seeds), tiny)) as client:
        before = client.get("/v1/nodes/oxytocin")
        assert client.get("/v1/nodes/oxytocin").headers["etag"] == before.headers["etag"]
        path = seeds / "graph" / "concepts.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("label: Oxytocin", "label: Oxytocin!"), "utf-8")
        fresh = load_graph(seeds)
        client.app.state.graph = fresh  # type: ignore[attr-defined]
        after = client.get("/v1/nodes/oxytocin")
        assert after.json()["label"] == "Oxytocin!"
        assert after.headers["etag"] != before.headers["etag"]
        assert client.get("/v1/nodes/oxytocin", headers={"If-None-Match": before.headers["etag"]}).status_code == 200
        assert (_stats(client).misses, _stats(client).hits) == (1, 1)


def test_cache_is_off_with_zero_entries(uncached: TestClient) -> None:
    uncached.get("/v1/meta")
    uncached.get("/v1/meta")
    assert _stats(uncached) == CacheStats()
