"""/v1/nodes/{node_id}."""

from __future__ import annotations

from fastapi.testclient import TestClient


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
