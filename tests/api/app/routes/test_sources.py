"""Article text and quotes in context, batch fetch, and the index's links (api/app/routes/nodes.py, meta.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import DEFAULT_SEEDS_DIR, Settings
from graph.build import KnowledgeGraph, load_graph


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    return load_graph(DEFAULT_SEEDS_DIR)


@pytest.fixture(scope="module")
def real(shipped: KnowledgeGraph) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(access_log=False), shipped)) as test_client:
        yield test_client


def _evidence_items(body: Any) -> Iterator[dict[str, Any]]:
    """Every quote in a body: a dict with `quote`, `start` and `end`, wherever it sits."""
    if isinstance(body, dict):
        if {"quote", "start", "end"} <= body.keys():
            yield body
        for value in body.values():
            yield from _evidence_items(value)
    elif isinstance(body, list):
        for value in body:
            yield from _evidence_items(value)


def test_the_text_route_serves_the_body_only(real: TestClient, shipped: KnowledgeGraph) -> None:
    response = real.get("/v1/sources/003/text")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["link"] == '</v1/nodes/003>; rel="describedby"'
    article = shipped.articles["003"]
    assert response.text == article.text[: article.body_end]
    assert "Dear Renee" in article.text
    assert "Dear Renee" not in response.text
    assert "Leave a Comment" not in real.get("/v1/sources/000/text").text


def test_every_evidence_item_links_to_its_passage_and_context(real: TestClient, shipped: KnowledgeGraph) -> None:
    """`text[start:end] == quote` for every quote served, through its own `links.passage`."""
    texts = {s: real.get(f"/v1/sources/{s}/text").text for s in shipped.by_type["source"]}
    seen = 0
    for node_id in shipped.nodes:
        for item in _evidence_items(real.get(f"/v1/nodes/{node_id}?include=edges").json()):
            seen += 1
            text = texts[item["source"]]
            assert text[item["start"] : item["end"]] == item["quote"]
            assert item["quote"].strip() in item["context"]
            assert item["context"] in text
            assert (
                item["links"]["passage"] == f"/v1/sources/{item['source']}/text?start={item['start']}&end={item['end']}"
            )
    assert seen > 500
    card = real.get("/v1/cards/oxytocin").json()
    for item in _evidence_items(card):
        passage = real.get(item["links"]["passage"])
        assert (passage.status_code, passage.text) == (200, item["quote"])
    assert all(c["title"] and "author" in c for c in card["citations"])


@pytest.mark.parametrize(
    ("query", "parameter"), [("start=0&end=999999", "end"), ("start=999999", "start"), ("start=9&end=3", "end")]
)
def test_a_slice_that_is_no_passage_of_the_body_is_a_404_naming_the_parameter(
    real: TestClient, query: str, parameter: str
) -> None:
    # Well formed (the contract cannot know an article's length), so not a 422; never clamped.
    response = real.get(f"/v1/sources/003/text?{query}")
    assert (response.status_code, response.json()["type"]) == (404, "/problems/not-in-content")
    assert response.json()["errors"][0]["parameter"] == parameter


@pytest.mark.parametrize(("path", "status"), [("/v1/sources/009/text", 404), ("/v1/sources/abc/text", 422)])
def test_an_unknown_article_is_refused(real: TestClient, path: str, status: int) -> None:
    assert real.get(path).status_code == status


def test_sources_state_title_author_and_an_unknown_url(real: TestClient, shipped: KnowledgeGraph) -> None:
    for source_id in shipped.by_type["source"]:
        node = real.get(f"/v1/nodes/{source_id}").json()
        assert node["title"]
        assert "author" in node
        assert node["url"] is None
        assert "not known" in node["url_note"]
    assert real.get("/v1/nodes/000").json()["author"] == "Daniela Duca Damian"


def test_batch_fetch_keeps_the_order_given(real: TestClient) -> None:
    body = real.get("/v1/nodes?ids=oxytocin,disappears&ids=003,oxytocin").json()
    assert [n["id"] for n in body["items"]] == ["oxytocin", "disappears", "003"]
    assert (body["total"], body["limit"]) == (3, 3)
    assert [n["id"] for n in real.get("/v1/nodes?ids=oxytocin,disappears&type=sign").json()["items"]] == ["disappears"]


def test_batch_fetch_takes_at_most_100_ids(real: TestClient, shipped: KnowledgeGraph) -> None:
    ids = list(shipped.nodes)[:100]
    body = real.get("/v1/nodes", params={"ids": ",".join(ids)}).json()
    assert [n["id"] for n in body["items"]] == ids
    response = real.get("/v1/nodes", params={"ids": ",".join([*ids, "one-more"])})
    assert (response.status_code, response.json()["errors"][0]["parameter"]) == (422, "ids")


def test_batch_fetch_names_an_unknown_id_with_suggestions(real: TestClient) -> None:
    response = real.get("/v1/nodes?ids=oxytocin,oxytocn")
    assert response.status_code == 404
    body = response.json()
    assert "'oxytocn'" in body["detail"]
    assert "oxytocin" in body["suggestions"]


def _expand(template: str, values: dict[str, str]) -> str:
    """RFC 6570 path-segment (`{/x}`) and form-style query (`{?x,y}`) expansion, the two kinds
    the index uses; a variable without a value is left out, as the RFC says."""

    def one(match: re.Match[str]) -> str:
        op, names = match.group(1), match.group(2).split(",")
        given = [(n, values[n]) for n in names if n in values]
        if op == "/":
            return "".join(f"/{v}" for _, v in given)
        return ("?" + "&".join(f"{n}={v}" for n, v in given)) if given else ""

    return re.sub(r"\{([/?])([a-z_,]+)\}", one, template)


def test_the_index_links_every_route_family(real: TestClient, shipped: KnowledgeGraph) -> None:
    index = real.get("/v1").json()
    links, templates = index["links"], index["templates"]
    assert templates["node"] == "/v1/nodes{/id}"
    assert templates["card"] == "/v1/cards{/id}"
    assert templates["guide"] == "/v1/guide{?signs}"
    assert links["disagreements"] == "/v1/disagreements"
    assert not [url for url in links.values() if "{" in url]  # a link is followed as it is
    families = {*links.values(), *(re.sub(r"\{\?.*\}$", "", url) for url in templates.values())}
    for route in real.app.routes:  # type: ignore[attr-defined]
        path = getattr(route, "path", "")
        if path.startswith("/v1"):
            family = re.sub(r"/\{[a-z_]+\}", "{/id}", path)
            assert family in families, f"{path} has no link or template in /v1"
    values = {"id": "oxytocin", "ids": "oxytocin,disappears", "signs": "disappears", "q": "oxy", "format": "jsonld"}
    expanded = {name: _expand(template, values) for name, template in templates.items()}
    assert expanded["node"] == "/v1/nodes/oxytocin"
    assert expanded["search"] == "/v1/search?q=oxy"
    expanded["source_text"] = _expand(templates["source_text"], {"id": "003", "start": "0", "end": "5"})
    expanded["edge"] = _expand(templates["edge"], {"id": next(iter(shipped.edges))})
    expanded["paths"] = _expand(templates["paths"], {"from": "oxytocin", "to": "disappears"})
    del expanded["changes"]  # a since= names a release, and a fresh checkout may have none
    for name, url in [*expanded.items(), *((name, url) for name, url in links.items() if name != "docs")]:
        assert real.get(url).status_code == 200, (name, url)


def test_an_id_template_followed_as_it_is_names_no_route(real: TestClient) -> None:
    # Not a 422 for an id spelled `{id}`: a client that took the template for a URL meets a 404.
    paths = [t.split("{?")[0] for t in real.get("/v1").json()["templates"].values() if "{/" in t]
    assert len(paths) == 5
    assert {real.get(path).json()["type"] for path in paths} == {"/problems/not-found"}


def test_batch_fetch_keeps_those_of_the_batch_a_filter_keeps(real: TestClient) -> None:
    body = real.get("/v1/nodes?ids=disappears,oxytocin&q=OXY").json()
    assert ([n["id"] for n in body["items"]], body["total"]) == (["oxytocin"], 1)


def test_batch_fetch_refuses_overlong_ids(real: TestClient) -> None:
    response = real.get(f"/v1/nodes?ids={'a' * 49}")
    assert (response.status_code, response.json()["errors"][0]["parameter"]) == (422, "ids")
