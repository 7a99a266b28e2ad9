"""/v1/nodes, the typed shortcuts, /v1/edges: filters, pagination, links, bad input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_list_nodes_paginates_with_links_and_link_header(client: TestClient) -> None:
    first = client.get("/v1/nodes?limit=4")
    body = first.json()
    assert (body["total"], body["limit"], body["offset"], len(body["items"])) == (9, 4, 0, 4)
    assert body["links"] == {"self": "/v1/nodes?limit=4", "next": "/v1/nodes?limit=4&offset=4", "prev": None}
    assert first.headers["link"] == '</v1/nodes?limit=4>; rel="self", </v1/nodes?limit=4&offset=4>; rel="next"'
    last = client.get(body["links"]["next"]).json()
    assert last["links"]["prev"] == "/v1/nodes?limit=4"
    assert {i["id"] for i in body["items"]}.isdisjoint(i["id"] for i in last["items"])
    assert "evidence" not in body["items"][0]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("type=response", ["chase-him", "give-him-space"]),
        ("type=response&type=sign", ["chase-him", "give-him-space", "slower-replies"]),
        ("source=001", ["needs-space"]),
        ("q=BONDING", ["oxytocin"]),
        ("type=response&sort=-label", ["give-him-space", "chase-him"]),
        ("source=999", []),
    ],
)
def test_list_nodes_filters(client: TestClient, query: str, ids: list[str]) -> None:
    assert [i["id"] for i in client.get(f"/v1/nodes?{query}").json()["items"]] == ids


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1/concepts", ["oxytocin"]),
        ("/v1/reasons", ["needs-space"]),
        ("/v1/signs", ["slower-replies"]),
        ("/v1/responses", ["chase-him", "give-him-space"]),
        ("/v1/responses?polarity=dont", ["chase-him"]),
        ("/v1/questions", ["how-long-does-it-last"]),
        ("/v1/statistics", ["a-few-days"]),
        ("/v1/sources", ["000", "001"]),
    ],
)
def test_typed_shortcuts_list_one_type(client: TestClient, path: str, expected: list[str]) -> None:
    assert [i["id"] for i in client.get(path).json()["items"]] == expected


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/v1/nodes?limit=0", "limit"),
        ("/v1/nodes?limit=201", "limit"),
        ("/v1/nodes?limit=abc", "limit"),
        ("/v1/nodes?offset=-1", "offset"),
        ("/v1/nodes?type=feeling", "type"),
        ("/v1/nodes?sort=colour", "sort"),
        ("/v1/nodes?source=1", "source"),
        ("/v1/nodes?q=", "q"),
        ("/v1/nodes?q=" + "x" * 257, "q"),
        ("/v1/nodes?page=2", "page"),
        ("/v1/responses?polarity=maybe", "polarity"),
        ("/v1/concepts?type=sign", "type"),
        ("/v1/edges?kind=loves", "kind"),
        ("/v1/edges?limit=1000", "limit"),
        ("/v1/nodes/oxytocin?include=everything", "include"),
        ("/v1/nodes/oxytocin?fields=secret", "fields"),
    ],
)
def test_collections_reject_bad_parameters_naming_them(client: TestClient, path: str, parameter: str) -> None:
    response = client.get(path)
    assert (response.status_code, response.headers["content-type"]) == (422, "application/problem+json")
    assert response.json()["errors"][0]["parameter"] == parameter


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


def test_get_node_include_and_fields(client: TestClient) -> None:
    body = client.get("/v1/nodes/needs-space?include=edges,neighbors&fields=label,edges,neighbors").json()
    assert set(body) == {"id", "type", "links", "label", "edges", "neighbors"}
    assert {n["id"] for n in body["neighbors"]} >= {"slower-replies", "oxytocin", "001"}
    assert "slower-replies--indicates--needs-space" in {e["id"] for e in body["edges"]}
    assert "evidence" not in client.get("/v1/nodes/needs-space?include=edges").json()
