"""Query parameters: one model per route; refusals are 422s naming the parameter."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app.params import NeighborQuery, NodeListQuery, NoQuery


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/v1/nodes?limit=5&limit=7", "limit"),
        ("/v1/nodes?sort=id&sort=-id", "sort"),
        ("/v1/nodes?q=a&q=b", "q"),
        ("/v1/nodes/oxytocin/neighbors?depth=1&depth=2", "depth"),
        ("/v1/nodes/oxytocin/neighbors?direction=in&direction=out", "direction"),
        ("/v1/paths?from=oxytocin&from=needs-space&to=needs-space", "from"),
        ("/v1/search?q=space&q=time", "q"),
        ("/v1/graph?format=jsonl&format=graphml", "format"),
        ("/v1/responses?polarity=do&polarity=dont", "polarity"),
    ],
)
def test_a_repeated_single_valued_parameter_is_refused(client: TestClient, url: str, parameter: str) -> None:
    response = client.get(url)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["parameter"], error["message"]) == (parameter, "is given 2 times; give it once")


@pytest.mark.parametrize("number", ["1_0", "+5", "1.0", "5.", " 5", "5 ", "0x5", "½", "1e1", "", "٣"])
@pytest.mark.parametrize(
    ("path", "name"),
    [("/v1/nodes", "limit"), ("/v1/nodes", "offset"), ("/v1/nodes/oxytocin/neighbors", "depth"),
     ("/v1/paths?from=oxytocin&to=needs-space", "max_hops")],
)  # fmt: skip
def test_a_loosely_written_number_is_refused(client: TestClient, path: str, name: str, number: str) -> None:
    joiner = "&" if "?" in path else "?"
    response = client.get(f"{path}{joiner}{name}={number}")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["parameter"] == name


@pytest.mark.parametrize(
    ("repeated", "commas"),
    [
        ("/v1/nodes?type=sign&type=reason", "/v1/nodes?type=sign,reason"),
        ("/v1/edges?kind=addresses&kind=backfires", "/v1/edges?kind=addresses,backfires"),
        (
            "/v1/nodes/oxytocin/neighbors?kind=involves&kind=measures",
            "/v1/nodes/oxytocin/neighbors?kind=involves,measures",
        ),  # noqa: E501
        ("/v1/search?q=e&type=sign&type=concept", "/v1/search?q=e&type=sign,concept"),
        ("/v1/nodes/oxytocin?include=edges&include=neighbors", "/v1/nodes/oxytocin?include=edges,neighbors"),
        ("/v1/nodes/oxytocin?fields=label&fields=summary", "/v1/nodes/oxytocin?fields=label,summary"),
        ("/v1/nodes?type=sign,reason&type=concept", "/v1/nodes?type=sign&type=reason&type=concept"),
    ],
)
def test_a_list_takes_repeats_and_commas_alike(client: TestClient, repeated: str, commas: str) -> None:
    one, other = client.get(repeated), client.get(commas)
    assert one.status_code == other.status_code == 200
    body, same = one.json(), other.json()
    body.get("links", {}).pop("self", None), same.get("links", {}).pop("self", None)
    assert body == same


def test_every_value_of_a_repeated_list_is_kept(client: TestClient) -> None:
    both = client.get("/v1/nodes?type=sign&type=reason").json()
    assert {n["type"] for n in both["items"]} == {"sign", "reason"}  # not only the last


@pytest.mark.parametrize("url", ["/v1/edges?kind=addresses,,backfires", "/v1/edges?kind=", "/v1/nodes?type=sign,"])
def test_an_empty_list_member_is_refused(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] in ("kind", "type")


def test_unknown_parameters_name_the_ones_the_route_takes(client: TestClient) -> None:
    error = client.get("/v1/nodes/oxytocin/neighbors?hops=2").json()["errors"][0]
    assert error == {
        "parameter": "hops",
        "message": "is not a parameter of this route (allowed: depth, direction, kind, limit, type)",
        "value": "2",
    }


def test_models_know_which_parameters_take_one_value() -> None:
    assert NodeListQuery.single_valued() == {"source", "q", "sort", "limit", "offset"}
    assert NeighborQuery.single_valued() == {"depth", "direction", "limit"}
    assert NoQuery.single_valued() == frozenset()


def test_unknown_query_parameter_is_a_422_naming_it(client: TestClient) -> None:
    response = client.get("/v1/meta?colour=red")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"parameter": "colour", "message": "is not a parameter of this route (allowed: none)", "value": "red"}
    ]
