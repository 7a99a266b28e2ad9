"""Neighbours, paths, search and the full-graph export."""

from __future__ import annotations

import io

import networkx as nx
import orjson
import pytest
from fastapi.testclient import TestClient


def test_neighbors_sign_to_reasons_to_responses(client: TestClient) -> None:
    """The "sign → reasons → responses" page a front end builds from two calls."""
    reasons = client.get("/v1/nodes/slower-replies/neighbors?kind=indicates&direction=out").json()
    assert [n["id"] for n in reasons["nodes"]] == ["needs-space"]
    helps = client.get("/v1/nodes/needs-space/neighbors?kind=addresses&direction=in").json()
    assert [n["id"] for n in helps["nodes"]] == ["give-him-space"]
    assert helps["edges"][0]["evidence"][0]["quote"] == "Give him space and he comes back on his own."


def test_neighbors_depth_type_filter_and_truncation(client: TestClient) -> None:
    two = client.get("/v1/nodes/slower-replies/neighbors?depth=2").json()
    assert {n["id"] for n in two["nodes"]} == {"needs-space", "oxytocin", "give-him-space", "chase-him", "a-few-days"}
    assert (two["center"]["id"], two["depth"], two["truncated"]) == ("slower-replies", 2, False)
    only = client.get("/v1/nodes/needs-space/neighbors?type=response").json()
    assert {n["id"] for n in only["nodes"]} == {"give-him-space", "chase-him"}
    capped = client.get("/v1/nodes/needs-space/neighbors?limit=2").json()
    assert (len(capped["nodes"]), capped["truncated"]) == (2, True)
    assert {e["from"] for e in capped["edges"]} | {e["to"] for e in capped["edges"]} <= {
        "needs-space", *(n["id"] for n in capped["nodes"]),
    }  # fmt: skip


def test_neighbors_derived_kind_only_when_asked(client: TestClient) -> None:
    assert "000" not in {n["id"] for n in client.get("/v1/nodes/oxytocin/neighbors").json()["nodes"]}
    sources = client.get("/v1/nodes/oxytocin/neighbors?kind=mentioned_in").json()["nodes"]
    assert [n["id"] for n in sources] == ["000"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("depth=0", "depth"), ("depth=4", "depth"), ("limit=501", "limit"), ("kind=loves", "kind"),
     ("direction=up", "direction"), ("type=feeling", "type"), ("hops=2", "hops")],
)  # fmt: skip
def test_neighbors_reject_bad_parameters(client: TestClient, query: str, parameter: str) -> None:
    response = client.get(f"/v1/nodes/oxytocin/neighbors?{query}")
    assert (response.status_code, response.json()["errors"][0]["parameter"]) == (422, parameter)


def test_neighbors_of_unknown_node_is_404(client: TestClient) -> None:
    assert client.get("/v1/nodes/nobody/neighbors").status_code == 404


def test_paths_give_every_hop_with_evidence(client: TestClient) -> None:
    body = client.get("/v1/paths?from=oxytocin&to=give-him-space").json()
    [path] = body["paths"]
    assert [(h["from"], h["edge"]["kind"], h["to"], h["direction"]) for h in path["hops"]] == [
        ("oxytocin", "involves", "needs-space", "backward"),
        ("needs-space", "addresses", "give-him-space", "backward"),
    ]
    assert path["hops"][1]["edge"]["evidence"][0]["source"] == "000"


def test_paths_respect_max_hops_kind_and_limit(client: TestClient) -> None:
    assert client.get("/v1/paths?from=oxytocin&to=give-him-space&max_hops=1").json()["paths"] == []
    assert client.get("/v1/paths?from=oxytocin&to=give-him-space&kind=addresses").json()["paths"] == []
    many = client.get("/v1/paths?from=slower-replies&to=a-few-days&limit=1").json()
    assert (len(many["paths"]), many["paths"][0]["length"]) == (1, 2)
    same = client.get("/v1/paths?from=oxytocin&to=oxytocin").json()
    assert same["paths"] == [{"length": 0, "hops": []}]


@pytest.mark.parametrize(
    ("query", "status", "parameter"),
    [("to=oxytocin", 422, "from"), ("from=oxytocin&to=oxytocin&max_hops=7", 422, "max_hops"),
     ("from=oxytocin&to=oxytocin&limit=11", 422, "limit"), ("from=nobody&to=oxytocin", 404, None)],
)  # fmt: skip
def test_paths_reject_bad_input(client: TestClient, query: str, status: int, parameter: str | None) -> None:
    response = client.get(f"/v1/paths?{query}")
    assert response.status_code == status
    if parameter:
        assert response.json()["errors"][0]["parameter"] == parameter


def test_search_is_ranked_typo_tolerant_and_snippeted(client: TestClient) -> None:
    body = client.get("/v1/search?q=oxytocn").json()
    top = body["items"][0]
    assert (top["node"]["id"], top["field"]) == ("oxytocin", "label")
    assert body["items"] == sorted(body["items"], key=lambda hit: -hit["score"])
    quote_hit = client.get("/v1/search?q=pushes him further").json()["items"][0]
    assert (quote_hit["node"]["id"], quote_hit["field"]) == ("chase-him", "quote")
    assert "pushes him further" in quote_hit["snippet"]
    typed = client.get("/v1/search?q=space&type=response").json()["items"]
    assert {h["node"]["type"] for h in typed} == {"response"}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("", "q"), ("q=", "q"), ("q=" + "a" * 257, "q"), ("q=x&limit=0", "limit"), ("q=%20%20", "q")],
)
def test_search_rejects_bad_queries(client: TestClient, query: str, parameter: str) -> None:
    response = client.get(f"/v1/search?{query}")
    assert (response.status_code, response.json()["errors"][0]["parameter"]) == (422, parameter)


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("node-link", "application/json"), ("cytoscape", "application/json"), ("jsonld", "application/ld+json"),
     ("graphml", "application/graphml+xml"), ("jsonl", "application/x-ndjson")],
)  # fmt: skip
def test_graph_export_formats_carry_content_version(client: TestClient, fmt: str, media_type: str) -> None:
    version = client.get("/v1/meta").json()["content_version"]
    response = client.get(f"/v1/graph?format={fmt}")
    assert response.headers["content-type"].startswith(media_type)
    assert version in response.text
    if fmt == "graphml":
        assert nx.read_graphml(io.BytesIO(response.content)).number_of_nodes() == 9
    elif fmt == "jsonl":
        assert len([orjson.loads(line) for line in response.text.splitlines()]) == 1 + 9 + 14


def test_graph_export_rejects_unknown_format(client: TestClient) -> None:
    assert client.get("/v1/graph?format=csv").json()["errors"][0]["parameter"] == "format"


def test_large_bodies_are_gzipped(client: TestClient) -> None:
    response = client.get("/v1/graph", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    small = client.get("/v1/edges/chase-him--backfires--needs-space", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


def test_graph_route_offers_exactly_the_export_formats(client: TestClient) -> None:
    from graph.exports import FORMATS

    doc = client.get("/openapi.json").json()["paths"]["/v1/graph"]["get"]
    (param,) = doc["parameters"]
    assert param["schema"]["enum"] == list(FORMATS)
    assert set(doc["responses"]["200"]["content"]) == {f.media_type for f in FORMATS.values()}
    for fmt in FORMATS.values():
        response = client.get(f"/v1/graph?format={fmt.name}")
        assert response.headers["content-type"].startswith(fmt.media_type)
        assert response.headers["content-disposition"] == f'inline; filename="distance-{fmt.name}.{fmt.extension}"'
