"""/v1/paths and /v1/search (api/app/routes/explore.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


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
    [("", "q"), ("q=", "q"), ("q=" + "a" * 1001, "q"), ("q=x&limit=0", "limit"), ("q=%20%20", "q")],
)
def test_search_rejects_bad_queries(client: TestClient, query: str, parameter: str) -> None:
    response = client.get(f"/v1/search?{query}")
    assert (response.status_code, response.json()["errors"][0]["parameter"]) == (422, parameter)


def test_search_explains_marks_and_counts(client: TestClient) -> None:
    assert "explain" not in client.get("/v1/search?q=oxytocin").json()["items"][0]
    body = client.get("/v1/search?q=pushes him further&explain=true").json()
    hit = body["items"][0]
    assert sum(part["score"] for part in hit["explain"]) == pytest.approx(hit["score"], abs=0.01)
    assert {hit["snippet"][s:e].casefold() for s, e in hit["highlights"]} >= {"pushes", "further"}
    assert sum(body["facets"]["type"].values()) == body["total"]
    typed = client.get("/v1/search?q=space&type=response").json()
    assert sum(typed["facets"]["type"].values()) >= typed["total"] == len(typed["items"])


def test_suggest_completes_prefixes_and_typos(client: TestClient) -> None:
    assert client.get("/v1/suggest?q=oxyt").json()["items"][0] == {
        "id": "oxytocin",
        "label": "Oxytocin",
        "type": "concept",
    }
    assert client.get("/v1/suggest?q=oxytcin").json()["items"][0]["id"] == "oxytocin"
    assert client.get("/v1/suggest?q=zzzzzz").json()["items"] == []
    assert client.get("/v1/suggest?q=").status_code == 422
