"""The answer layer: with the response cache on, every request is answered byte for byte as
the uncached app answers it, whatever the request's media types, codings, origin, validators
and method."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.settings import Settings
from graph.build import KnowledgeGraph
from graph.exports import FORMATS

# Small and large bodies (gzip applies from 1 KiB), lists, errors, untagged answers, exports.
URLS = [
    "/v1/meta",
    "/v1/nodes/oxytocin",
    "/v1/nodes?limit=37&sort=-label",
    "/v1/nodes/give-him-space?include=edges,neighbors",
    "/v1/graph?format=graphml",
    "/v1/graph?format=node-link",
    "/v1/graph",
    "/v1/edges/a-few-days--measures--needs-space",
    "/v1/search?q=space",
    "/v1/nodes/oxytocn",
    "/v1/nodes?limit=0",
    "/openapi.json",
    "/docs",
]
_CODINGS = ["gzip", "GZIP", "x-gzip", "identity", "*", "br", "deflate", ""]
_WEIGHTS = ["", ";q=0", ";q=0.5", ";q=1", ";q=1.000", ";q=0.001", ";q=abc", ";q=2", " ; q=0 "]
_MEMBER = st.builds(lambda c, w: c + w, st.sampled_from(_CODINGS), st.sampled_from(_WEIGHTS))
# Zero fields (absent), one, or repeated fields, each a comma list of members.
_ACCEPT_ENCODING = st.lists(st.lists(_MEMBER, max_size=3).map(", ".join), max_size=3)
_MEDIA = ["application/json", "text/turtle", "application/n-triples", "application/ld+json", "*/*", "text/*"]
_MEDIA += ["image/png", "TEXT/TURTLE", "nonsense", ""]
_ACCEPT = st.lists(
    st.lists(st.builds(lambda m, w: m + w, st.sampled_from(_MEDIA), st.sampled_from(_WEIGHTS)), max_size=3).map(
        ", ".join
    ),
    max_size=2,
)
_VALIDATOR = st.sampled_from(["none", "*", "match", "weak-match", "other", "match-in-list"])


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    from tests.tiny import write_tiny_seeds

    seeds = write_tiny_seeds(tmp_path_factory.mktemp("seeds"))
    from graph.build import load_graph

    kg: KnowledgeGraph = load_graph(seeds)
    cached = TestClient(create_app(Settings(seeds_dir=seeds, access_log=False), kg))
    uncached = TestClient(create_app(Settings(seeds_dir=seeds, access_log=False, cache_entries=0), kg))
    with cached, uncached:
        for client in (cached, uncached):
            del client.headers["accept-encoding"]  # "absent" must be absent, not the client's default
            del client.headers["accept"]
        yield cached, uncached


def _raw(client: TestClient, method: str, url: str, headers: list[tuple[str, str]]) -> tuple[object, ...]:
    """Status, headers (less the per-request id) and the body bytes exactly as sent."""
    with client.stream(method, url, headers=headers) as response:
        body = b"".join(response.iter_raw())
        fields = sorted((k, v) for k, v in response.headers.multi_items() if k != "x-request-id")
        return response.status_code, fields, body


def _validator(kind: str, etag: str | None) -> list[tuple[str, str]]:
    if kind == "none" or (etag is None and kind != "*"):
        return []
    forms = {
        "*": "*",
        "match": etag,
        "weak-match": f"W/{etag}",
        "other": '"0000"',
        "match-in-list": f'"0000", {etag}',
    }
    return [("If-None-Match", str(forms[kind]))]


CASES = 600


@given(
    url=st.sampled_from(URLS),
    accept=_ACCEPT,
    accept_encoding=_ACCEPT_ENCODING,
    origin=st.sampled_from([None, "https://a.example", "null"]),
    validator=_VALIDATOR,
    method=st.sampled_from(["GET", "HEAD"]),
)
@settings(max_examples=CASES, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_cached_app_answers_exactly_as_the_uncached_one(
    clients: tuple[TestClient, TestClient],
    url: str,
    accept: list[str],
    accept_encoding: list[str],
    origin: str | None,
    validator: str,
    method: str,
) -> None:
    cached, uncached = clients
    headers = [("Accept", value) for value in accept] + [("Accept-Encoding", value) for value in accept_encoding]
    if origin is not None:
        headers.append(("Origin", origin))
    # The validator the client would hold: the ETag of the variant these headers get.
    etag = dict(_raw(uncached, "GET", url, headers)[1]).get("etag")  # type: ignore[call-overload]
    headers += _validator(validator, etag)
    # The cached app persists across examples, so earlier requests have filled its cache
    # with other variants of the same URL: exactly what a poisoned key would serve wrongly.
    assert _raw(cached, method, url, headers) == _raw(uncached, method, url, headers)


def test_a_repeated_field_is_one_list_for_the_cache_and_the_coder(clients: tuple[TestClient, TestClient]) -> None:
    """The reported poisoning: gzip then identity fields, then a plain request to the same URL."""
    cached, _ = clients
    url = "/v1/nodes?limit=37&sort=-label&q=e"
    both = cached.get(url, headers=[("Accept-Encoding", "gzip"), ("Accept-Encoding", "identity")])
    plain = cached.get(url)
    assert both.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept, Accept-Encoding"


def test_the_first_request_for_a_prebuilt_answer_is_a_hit(seeds: Path, tiny: KnowledgeGraph) -> None:
    from tests.api.edge.test_cache import _logged

    for logged in _logged(tiny, Settings(seeds_dir=seeds)):
        logged.client.get("/v1/meta", headers={"Accept-Encoding": "gzip"})
        logged.client.get("/v1/schema", headers={"Accept-Encoding": "identity"})
        logged.client.get("/v1/signs")  # the first page of a list
        logged.client.get("/v1/nodes/oxytocin")  # every node, card and edge, once the port is open
        logged.client.get("/v1/cards/oxytocin")
        logged.client.get("/v1/edges/chase-him--backfires--needs-space")
        logged.client.get("/v1/nodes/oxytocin/neighbors")  # not prebuilt
        assert logged.caches() == ["hit"] * 6 + ["miss"]


def test_a_large_graph_makes_its_per_item_answers_on_first_use(tiny: KnowledgeGraph, monkeypatch: Any) -> None:
    from api.app import routes

    assert len(list(routes.per_item_paths(tiny))) == len(FORMATS) + 2 * len(tiny.nodes) + len(tiny.edges)
    monkeypatch.setattr(routes, "PER_ITEM_LIMIT", len(tiny.nodes) + len(tiny.edges) - 1)
    assert list(routes.per_item_paths(tiny)) == []
    assert "/v1/signs" in set(routes.prebuilt_paths(tiny))


def test_large_bodies_are_gzipped(client: TestClient) -> None:
    response = client.get("/v1/graph", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    small = client.get("/v1/edges/chase-him--backfires--needs-space", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


def test_a_reloaded_graph_serves_its_prebuilt_answers_as_hits(seeds: Path, tiny: KnowledgeGraph) -> None:
    """A worker following a reload (api.process.reload): the new graph's answers are made before it serves."""
    import asyncio
    import os
    import signal

    import httpx

    from api.process.reload import Content
    from tests.api.edge.test_cache import Logged

    settings_ = Settings(seeds_dir=seeds)
    logged = Logged(create_app(settings_, tiny))
    content = Content(settings_, tiny)
    content.follow(logged.app)

    async def scenario() -> dict[str, Any]:
        async with logged.app.router.lifespan_context(logged.app):
            await logged.app.state.prebuilding  # a starting worker's answers, made once it serves
            transport = httpx.ASGITransport(app=logged.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                before = (await client.get("/v1/meta")).json()["content_version"]
                path = seeds / "graph" / "concepts.yaml"
                path.write_text(
                    path.read_text(encoding="utf-8").replace("label: Oxytocin", "label: Oxytocin!"), "utf-8"
                )
                assert await asyncio.to_thread(content.reload, "test") == "reloaded"
                os.kill(os.getpid(), signal.SIGUSR1)  # what the main process sends its workers
                deadline = time.monotonic() + 20
                while (await client.get("/v1/meta")).json()["content_version"] == before:
                    assert time.monotonic() < deadline, "the reload was never followed"
                    await asyncio.sleep(0.05)
                card: dict[str, Any] = (await client.get("/v1/cards/oxytocin")).json()  # made before the swap too
                return card

    try:
        card = asyncio.run(scenario())
    finally:
        content.close()
    # Every /v1/meta was prebuilt: the first graph's at start, the reloaded one's before it served.
    assert set(logged.caches()) == {"hit"}
    assert card["node"]["label"] == "Oxytocin!"
