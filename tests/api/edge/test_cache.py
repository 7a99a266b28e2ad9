"""The response cache: identical bytes to the uncached app, 304s, HEAD, bounds, graph swaps.

Hits and misses are read where an operator reads them: the `cache` member of each access-log line.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from api.app import create_app
from api.app.routes import per_item_paths, prebuilt_paths
from api.edge.accesslog import JsonLines
from api.edge.answer import Answer
from api.edge.cache import AnswerCache
from api.edge.variant import Variant
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
HEADER_SETS = [{"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip"}, {"Origin": "https://example.org"}]


class Logged:
    """A client on an app whose access log goes to memory, so a test can read hit or miss."""

    def __init__(self, app: FastAPI) -> None:
        self.stream = io.BytesIO()
        app.state.access_log = JsonLines(self.stream)
        self.app = app
        self.client = TestClient(app)

    def caches(self) -> list[str | None]:
        """The `cache` member of every access-log line so far: "hit", "miss" or None."""
        self.app.state.access_log.flush()
        return [orjson.loads(line)["cache"] for line in self.stream.getvalue().splitlines()]


def _logged(tiny: KnowledgeGraph, settings: Settings) -> Iterator[Logged]:
    logged = Logged(create_app(settings, tiny))
    with logged.client:
        while not logged.app.state.prebuilding.done():  # every node, card and edge, made once the port opens
            time.sleep(0.001)
        yield logged


@pytest.fixture
def cached(tiny: KnowledgeGraph, seeds: Path) -> Iterator[Logged]:
    yield from _logged(tiny, Settings(seeds_dir=seeds))


@pytest.fixture
def uncached(tiny: KnowledgeGraph, seeds: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(seeds_dir=seeds, cache_entries=0, access_log=False), tiny)) as client:
        yield client


def _shape(response: Response) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers as a sorted list (less the per-request id), body."""
    headers = sorted((k, v) for k, v in response.headers.multi_items() if k != "x-request-id")
    return response.status_code, headers, response.content


@pytest.mark.parametrize("headers", HEADER_SETS, ids=["identity", "gzip", "cors"])
@pytest.mark.parametrize("url", URLS)
def test_cache_hit_is_identical_to_the_uncached_response(
    cached: Logged, uncached: TestClient, tiny: KnowledgeGraph, url: str, headers: dict[str, str]
) -> None:
    expected = _shape(uncached.get(url, headers=headers))
    miss = _shape(cached.client.get(url, headers=headers))
    hit = _shape(cached.client.get(url, headers=headers))
    assert expected[0] == 200
    assert miss == expected
    assert hit == expected
    warmed = url in {*prebuilt_paths(tiny), *per_item_paths(tiny)}  # made before the first request
    assert cached.caches() == (["hit", "hit"] if warmed else ["miss", "hit"])


def test_cache_keeps_gzip_and_identity_bodies_apart(cached: Logged) -> None:
    plain = cached.client.get("/v1/graph", headers={"Accept-Encoding": "identity"})
    gzipped = cached.client.get("/v1/graph", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert gzipped.headers["content-encoding"] == "gzip"
    assert plain.content == gzipped.content  # the client decodes the gzip body
    assert plain.headers["vary"] == gzipped.headers["vary"] == "Accept, Accept-Encoding"
    assert gzipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert cached.caches() == ["miss", "miss"]


def test_a_client_that_refuses_gzip_never_gets_it_from_the_cache(cached: Logged) -> None:
    url = "/v1/nodes?limit=37&sort=-label"
    first = cached.client.get(url, headers=[("Accept-Encoding", "gzip"), ("Accept-Encoding", "identity")])
    assert first.headers["content-encoding"] == "gzip"  # both fields are one list: gzip is acceptable
    for refusal in ("identity", "gzip;q=0", "br", "", "*;q=0"):
        again = cached.client.get(url, headers={"Accept-Encoding": refusal})
        assert "content-encoding" not in again.headers, refusal


@pytest.mark.parametrize("url", URLS)
def test_cache_answers_if_none_match_with_the_uncached_304(cached: Logged, uncached: TestClient, url: str) -> None:
    etag = uncached.get(url).headers["etag"]
    expected = uncached.get(url, headers={"If-None-Match": etag})
    on_first = cached.client.get(url, headers={"If-None-Match": etag})
    on_hit = cached.client.get(url, headers={"If-None-Match": f'"other", W/{etag}'})
    assert expected.status_code == on_first.status_code == on_hit.status_code == 304
    assert _shape(on_first) == _shape(on_hit) == _shape(expected)  # one rule, cache or not
    assert "vary" in dict(_shape(on_hit)[1]) or len(uncached.get(url).content) < 1024  # RFC 9110 §15.4.5


def test_cache_serves_200_when_if_none_match_names_another_etag(cached: Logged) -> None:
    first = cached.client.get("/v1/meta")
    stale = cached.client.get("/v1/meta", headers={"If-None-Match": '"stale"'})
    star = cached.client.get("/v1/meta", headers={"If-None-Match": "*"})
    assert (stale.status_code, stale.content) == (200, first.content)
    assert star.status_code == 304


def test_cache_answers_head_with_get_headers_and_no_body(cached: Logged, uncached: TestClient) -> None:
    url = "/v1/nodes/oxytocin?fields=label,summary"  # not prebuilt
    expected = uncached.head(url)
    miss, hit = cached.client.head(url), cached.client.head(url)
    assert _shape(miss) == _shape(hit) == _shape(expected)
    assert hit.content == b""
    assert hit.headers["content-length"] == str(len(cached.client.get(url).content))
    assert cached.caches() == ["miss", "hit", "hit"]


@pytest.mark.parametrize("url", ["/v1/nodes/oxytocn", "/v1/nope"])
def test_cache_keeps_unknown_id_answers_like_the_others(cached: Logged, uncached: TestClient, url: str) -> None:
    first, second = cached.client.get(url), cached.client.get(url)
    assert first.status_code == 404
    assert _shape(first) == _shape(second) == _shape(uncached.get(url))
    assert cached.caches() == ["miss", "hit"]


@pytest.mark.parametrize("url", ["/v1/nodes?limit=0", "/openapi.json"])
def test_cache_passes_errors_and_untagged_answers_through_unstored(
    cached: Logged, uncached: TestClient, url: str
) -> None:
    assert _shape(cached.client.get(url)) == _shape(uncached.get(url))
    assert _shape(cached.client.head(url))[:2] == _shape(uncached.head(url))[:2]
    assert "hit" not in cached.caches()


def test_cache_evicts_the_least_recently_used_entry(tiny: KnowledgeGraph, seeds: Path) -> None:
    for logged in _logged(tiny, Settings(seeds_dir=seeds, cache_entries=2)):
        for name in ("oxytocin", "needs-space", "oxytocin", "chase-him", "oxytocin", "needs-space"):
            logged.client.get(f"/v1/nodes/{name}/neighbors")
        # needs-space was the least recently used when chase-him came, so it was evicted.
        assert logged.caches() == ["miss", "miss", "hit", "miss", "hit", "miss"]


def test_cache_stays_within_its_byte_budget(tiny: KnowledgeGraph, seeds: Path) -> None:
    for logged in _logged(tiny, Settings(seeds_dir=seeds, cache_bytes=3000)):
        sizes = [len(logged.client.get(f"/v1/nodes/{n}/neighbors").content) for n in tiny.nodes]
        assert sum(sizes) > 3000
        logged.client.get(f"/v1/nodes/{next(iter(tiny.nodes))}/neighbors")  # the oldest: evicted to stay in budget
        logged.client.get(f"/v1/nodes/{list(tiny.nodes)[-1]}/neighbors")  # the newest: still kept
        assert logged.caches()[-2:] == ["miss", "hit"]


def test_cache_does_not_keep_a_body_over_the_per_entry_cap(tiny: KnowledgeGraph) -> None:
    cache = AnswerCache(max_entries=10, max_bytes=1000, max_body=50)
    key = ("/v1/big", b"", Variant())
    cache.put(tiny, key, Answer(200, [(b"etag", b'"x"')], b"x" * 100))
    cache.put(tiny, ("/v1/small", b"", Variant()), Answer(200, [(b"etag", b'"y"')], b"y"))
    assert (cache.get(tiny, key), cache.get(tiny, ("/v1/small", b"", Variant())) is not None) == (None, True)


def test_graph_swap_serves_the_new_graph_at_once(seeds: Path, tiny: KnowledgeGraph) -> None:
    for logged in _logged(tiny, Settings(seeds_dir=seeds)):
        before = logged.client.get("/v1/nodes/oxytocin?include=edges")  # not prebuilt
        assert logged.client.get("/v1/nodes/oxytocin?include=edges").headers["etag"] == before.headers["etag"]
        path = seeds / "graph" / "concepts.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("label: Oxytocin", "label: Oxytocin!"), "utf-8")
        logged.app.state.graph = load_graph(seeds)
        after = logged.client.get("/v1/nodes/oxytocin?include=edges")
        assert after.json()["label"] == "Oxytocin!"
        assert after.headers["etag"] != before.headers["etag"]
        stale = logged.client.get("/v1/nodes/oxytocin?include=edges", headers={"If-None-Match": before.headers["etag"]})
        assert stale.status_code == 200
        assert logged.caches() == ["miss", "hit", "miss", "hit"]


def test_cache_is_off_with_zero_entries(tiny: KnowledgeGraph, seeds: Path) -> None:
    for logged in _logged(tiny, Settings(seeds_dir=seeds, cache_entries=0)):
        first, second = logged.client.get("/v1/meta"), logged.client.get("/v1/meta")
        assert first.content == second.content
        assert logged.caches() == [None, None]


def test_prebuilt_answers_stay_whatever_the_traffic(tiny: KnowledgeGraph) -> None:
    cache = AnswerCache(max_entries=1, max_bytes=1000)
    kept, other = ("/v1/meta", b"", Variant()), ("/v1/other", b"", Variant())
    cache.put_prebuilt(tiny, kept, Answer(200, [(b"etag", b'"m"')], b"m"))
    cache.put(tiny, kept, Answer(200, [(b"etag", b'"late"')], b"late"))  # a miss never replaces it
    for n in range(3):
        cache.put(tiny, (f"/v1/x{n}", b"", Variant()), Answer(200, [(b"etag", b'"x"')], b"x"))
    assert cache.get(tiny, kept) == Answer(200, [(b"etag", b'"m"')], b"m")
    assert cache.get(tiny, other) is None


def test_a_replaced_graph_cannot_put_its_answers_back(tiny: KnowledgeGraph, seeds: Path) -> None:
    new = load_graph(seeds)
    cache = AnswerCache(max_entries=10, max_bytes=1000)
    key = ("/v1/meta", b"", Variant())
    cache.put(tiny, key, Answer(200, [(b"etag", b'"old"')], b"old"))
    cache.put_prebuilt(new, key, Answer(200, [(b"etag", b'"new"')], b"new"))
    assert cache.get(new, key) == Answer(200, [(b"etag", b'"new"')], b"new")  # the first request on the new graph
    cache.put(tiny, key, Answer(200, [(b"etag", b'"old"')], b"old"))  # a request on the old graph, ending late
    assert (cache.get(new, key), cache.get(tiny, key)) == (Answer(200, [(b"etag", b'"new"')], b"new"), None)


def test_answers_prebuilt_for_the_next_graph_leave_the_served_graph_its_answers(
    tiny: KnowledgeGraph, seeds: Path
) -> None:
    new = load_graph(seeds)
    cache = AnswerCache(max_entries=10, max_bytes=1000)
    key, other = ("/v1/meta", b"", Variant()), ("/v1/other", b"", Variant())
    cache.put_prebuilt(tiny, key, Answer(200, [(b"etag", b'"old"')], b"old"))
    cache.put(tiny, other, Answer(200, [(b"etag", b'"o"')], b"o"))
    cache.put_prebuilt(new, key, Answer(200, [(b"etag", b'"new"')], b"new"))  # a reload, before the swap
    assert (cache.get(tiny, key), cache.get(tiny, other)) == (
        Answer(200, [(b"etag", b'"old"')], b"old"),
        Answer(200, [(b"etag", b'"o"')], b"o"),
    )
    assert (cache.get(new, key), cache.get(new, other)) == (Answer(200, [(b"etag", b'"new"')], b"new"), None)
    assert cache.get(tiny, key) is None  # swapped: the old graph is retired
