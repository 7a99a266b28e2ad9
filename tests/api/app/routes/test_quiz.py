"""A quiz's three questions, each answered by one request on the shipped content."""

from __future__ import annotations

from collections.abc import Iterator

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


def _title(kg: KnowledgeGraph, source: str) -> str:
    return str(kg.nodes[source].attributes["title"])


def test_which_signs_point_to_a_reason_with_labels(real: TestClient, shipped: KnowledgeGraph) -> None:
    reason = max(shipped.by_type["reason"], key=lambda r: len(shipped.in_edges.get(r, ())))
    body = real.get(f"/v1/edges?kind=indicates&to={reason}&limit=1000").json()
    expected = {shipped.edges[e].source for e in shipped.in_edges[reason] if shipped.edges[e].kind == "indicates"}
    assert {e["from"] for e in body["items"]} == expected
    assert body["total"] == len(expected) > 1
    for edge in body["items"]:
        sign, to = shipped.nodes[edge["from"]], shipped.nodes[reason]
        assert (edge["from_label"], edge["from_type"]) == (sign.label, "sign")
        assert (edge["to_label"], edge["to_type"]) == (to.label, "reason")
        assert all(ev["title"] == _title(shipped, ev["source"]) for ev in edge["evidence"])


def test_every_disagreement_with_both_sides(real: TestClient, shipped: KnowledgeGraph) -> None:
    body = real.get("/v1/disagreements").json()
    contradicts = sorted(e.id for e in shipped.edges.values() if e.kind == "contradicts")
    assert body["total"] == len(contradicts) == len(body["items"])
    for item in body["items"]:
        edge = shipped.edges[item["id"]]
        assert [side["node"]["id"] for side in item["sides"]] == [edge.source, edge.target]
        assert all(side["node"]["label"] for side in item["sides"])


def test_every_response_with_its_article_title(real: TestClient, shipped: KnowledgeGraph) -> None:
    body = real.get("/v1/responses?include=evidence&limit=1000").json()
    assert body["total"] == len(shipped.by_type["response"]) == len(body["items"])
    for item in body["items"]:
        node = shipped.nodes[item["id"]]
        assert [(ev["source"], ev["title"]) for ev in item["evidence"]] == [
            (ev.source, _title(shipped, ev.source)) for ev in node.evidence
        ]
        assert item["evidence"]


def test_every_node_fits_one_page(real: TestClient, shipped: KnowledgeGraph) -> None:
    body = real.get("/v1/nodes?limit=1000").json()
    assert (len(body["items"]), body["total"], body["links"]["next"]) == (len(shipped.nodes), len(shipped.nodes), None)


def test_neighbours_and_paths_name_each_end_of_their_edges(real: TestClient, shipped: KnowledgeGraph) -> None:
    hood = real.get("/v1/nodes/oxytocin/neighbors").json()
    (path,) = real.get("/v1/paths?from=reduced-communication&to=oxytocin&limit=1").json()["paths"]
    edges = [*hood["edges"], *(hop["edge"] for hop in path["hops"])]
    assert hood["edges"]
    assert path["hops"]
    for edge in edges:
        for end in ("from", "to"):
            node = shipped.nodes[edge[end]]
            assert (edge[f"{end}_label"], edge[f"{end}_type"]) == (node.label, node.type)
