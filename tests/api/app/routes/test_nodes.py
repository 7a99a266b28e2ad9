"""/v1/nodes, the typed shortcuts, one node and its neighbourhood (api/app/routes/nodes.py)."""

from __future__ import annotations

import pytest
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
        ("/v1/nodes?limit=1001", "limit"),
        ("/v1/nodes?limit=abc", "limit"),
        ("/v1/nodes?offset=-1", "offset"),
        ("/v1/nodes?type=feeling", "type"),
        ("/v1/nodes?sort=colour", "sort"),
        ("/v1/nodes?source=1", "source"),
        ("/v1/nodes?q=", "q"),
        ("/v1/nodes?q=" + "x" * 1001, "q"),
        ("/v1/nodes?page=2", "page"),
        ("/v1/responses?polarity=maybe", "polarity"),
        ("/v1/concepts?type=sign", "type"),
        ("/v1/edges?kind=loves", "kind"),
        ("/v1/edges?limit=1001", "limit"),
        ("/v1/nodes/oxytocin?include=everything", "include"),
        ("/v1/nodes/oxytocin?fields=secret", "fields"),
    ],
)
def test_collections_reject_bad_parameters_naming_them(client: TestClient, path: str, parameter: str) -> None:
    response = client.get(path)
    assert (response.status_code, response.headers["content-type"]) == (422, "application/problem+json")
    assert response.json()["errors"][0]["parameter"] == parameter


def test_get_node_include_and_fields(client: TestClient) -> None:
    body = client.get("/v1/nodes/needs-space?include=edges,neighbors&fields=label,edges,neighbors").json()
    assert set(body) == {"id", "type", "links", "label", "edges", "neighbors"}
    assert {n["id"] for n in body["neighbors"]} >= {"slower-replies", "oxytocin", "001"}
    assert "slower-replies--indicates--needs-space" in {e["id"] for e in body["edges"]}
    assert "evidence" not in client.get("/v1/nodes/needs-space?include=edges").json()


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


def test_node_lists_count_the_whole_list_by_type_and_source(client: TestClient, tiny: KnowledgeGraph) -> None:
    body = client.get("/v1/nodes?limit=1").json()
    assert sum(body["facets"]["type"].values()) == body["total"] == len(tiny.nodes)
    signs = client.get("/v1/signs?limit=1").json()
    assert signs["facets"]["type"] == {"sign": signs["total"]}
    assert set(signs["facets"]["source"]) <= set(tiny.by_type["source"])
