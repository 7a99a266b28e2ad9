"""/v1/nodes/{node_id}."""

from __future__ import annotations

from fastapi.testclient import TestClient

from graph.build import KnowledgeGraph
from graph.registry import EDGE_KINDS


def test_get_node_serves_fields_evidence_and_links(client: TestClient) -> None:
    body = client.get("/v1/nodes/give-him-space").json()
    assert (body["type"], body["polarity"], body["sources"]) == ("response", "do", ["000"])
    assert body["evidence"][0]["quote"] == "Give him space and he comes back"
    assert body["links"] == {"self": "/v1/nodes/give-him-space", "neighbors": "/v1/nodes/give-him-space/neighbors"}


def test_get_node_serves_a_source(client: TestClient) -> None:
    body = client.get("/v1/nodes/001").json()
    assert (body["type"], body["author"], body["title"]) == ("source", "A. Writer", "Second tiny article")


def test_get_unknown_node_is_a_404_with_suggestions(client: TestClient) -> None:
    response = client.get("/v1/nodes/oxytocn")
    assert (response.status_code, response.headers["content-type"]) == (404, "application/problem+json")
    body = response.json()
    assert (body["type"], body["suggestions"][0]) == ("/problems/node-not-found", "oxytocin")
    assert "did you mean oxytocin" in body["detail"]


def test_node_include_is_the_neighbourhood_query_over_every_kind(client: TestClient, tiny: KnowledgeGraph) -> None:
    # One query behind both routes: embedding asks the neighbourhood for every kind, derived included.
    every_kind = "&".join(f"kind={kind}" for kind in EDGE_KINDS)
    for node_id in tiny.nodes:
        body = client.get(f"/v1/nodes/{node_id}?include=edges,neighbors").json()
        hood = client.get(f"/v1/nodes/{node_id}/neighbors?{every_kind}&limit=500").json()
        assert [n["id"] for n in body["neighbors"]] == [n["id"] for n in hood["nodes"]], node_id
        assert [e["id"] for e in body["edges"]] == [e["id"] for e in hood["edges"]], node_id
    derived = client.get("/v1/nodes/oxytocin?include=neighbors").json()["neighbors"]
    assert "000" in [n["id"] for n in derived]  # the article it is mentioned in
