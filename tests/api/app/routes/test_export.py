"""/v1/graph in every export format (api/app/routes/export.py)."""

from __future__ import annotations

import io

import networkx as nx
import orjson
import pytest
from fastapi.testclient import TestClient


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


def test_graph_route_offers_exactly_the_export_formats(client: TestClient) -> None:
    from graph.exports import FORMATS

    doc = client.get("/openapi.json").json()["paths"]["/v1/graph"]["get"]
    params = {param["name"]: param for param in doc["parameters"]}
    assert sorted(params) == ["derived", "format", "kind", "type"]
    assert params["format"]["schema"]["enum"] == list(FORMATS)
    assert set(doc["responses"]["200"]["content"]) == {f.media_type for f in FORMATS.values()}
    for fmt in FORMATS.values():
        response = client.get(f"/v1/graph?format={fmt.name}")
        assert response.headers["content-type"].startswith(fmt.media_type)
        assert response.headers["content-disposition"] == f'inline; filename="distance-{fmt.name}.{fmt.extension}"'


def test_graph_takes_the_lists_filters_and_leaves_out_mentioned_in(client: TestClient) -> None:
    whole = client.get("/v1/graph?format=cytoscape").json()
    part = client.get("/v1/graph?format=cytoscape&kind=indicates,addresses&derived=false").json()
    kinds = [e["data"]["kind"] for e in part["elements"]["edges"]]
    expected = [
        e["data"]["kind"] for e in whole["elements"]["edges"] if e["data"]["kind"] in ("indicates", "addresses")
    ]
    assert sorted(kinds) == sorted(expected)
    assert kinds
    ends = {e["data"][end] for e in part["elements"]["edges"] for end in ("source", "target")}
    assert {n["data"]["id"] for n in part["elements"]["nodes"]} == ends
    assert part["data"] == whole["data"]  # the same content_version
    signs = client.get("/v1/graph?format=edges-csv&type=sign&type=reason&derived=false").text.splitlines()[1:]
    assert signs
    assert all(",mentioned_in," not in row for row in signs)
    unfiltered = client.get("/v1/graph?format=edges-csv").text
    assert ",mentioned_in," in unfiltered


@pytest.mark.parametrize(
    ("query", "parameter"), [("kind=loves", "kind"), ("type=feeling", "type"), ("derived=maybe", "derived")]
)
def test_graph_refuses_a_bad_filter_naming_it(client: TestClient, query: str, parameter: str) -> None:
    response = client.get(f"/v1/graph?format=cytoscape&{query}")
    assert (response.status_code, response.json()["errors"][0]["parameter"]) == (422, parameter)
