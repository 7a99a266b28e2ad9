"""/v1/edges and one edge (api/app/routes/edges.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_list_edges_filters_by_kind_ends_and_source(client: TestClient) -> None:
    def ids(query: str) -> list[str]:
        return [e["id"] for e in client.get(f"/v1/edges?{query}").json()["items"]]

    assert ids("kind=backfires") == ["chase-him--backfires--needs-space"]
    assert ids("from=a-few-days&kind=answers") == ["a-few-days--answers--how-long-does-it-last"]
    assert ids("to=oxytocin") == ["needs-space--involves--oxytocin"]
    assert ids("source=001&kind=mentioned_in") == ["needs-space--mentioned_in--001"]
    assert ids("from=nobody") == []


def test_get_edge_carries_evidence_and_registry_labels(client: TestClient, tiny_text: str) -> None:
    body = client.get("/v1/edges/give-him-space--addresses--needs-space").json()
    assert (body["label"], body["inverse_label"], body["basis"]) == ("addresses", "addressed by", "quoted")
    ev = body["evidence"][0]
    assert tiny_text[ev["start"] : ev["end"]] == ev["quote"]
    assert body["links"]["from"] == "/v1/nodes/give-him-space"


def test_get_unknown_edge_is_a_404_with_suggestions(client: TestClient) -> None:
    response = client.get("/v1/edges/give-him-space--addresses--needs-spac")
    assert response.status_code == 404
    assert response.json()["suggestions"][0] == "give-him-space--addresses--needs-space"
