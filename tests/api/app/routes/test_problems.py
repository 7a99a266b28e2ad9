"""A user reads errors: each problem's `type` explains itself, typos name the allowed values,
and a page past the end leads back to the last page with items."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app.errors import EXPLANATIONS, HTTP_PROBLEMS, PROBLEMS


def test_every_problem_type_has_an_explanation() -> None:
    slugs = {row[1] for row in PROBLEMS.values()} | {slug for slug, _ in HTTP_PROBLEMS.values()}
    assert slugs == set(EXPLANATIONS)


def test_the_type_of_a_problem_answers_its_explanation(client: TestClient) -> None:
    problem = client.get("/v1/nodes/no-such-node").json()
    answer = client.get(problem["type"])
    assert answer.status_code == 200
    body = answer.json()
    assert (body["type"], body["title"], body["status"]) == (problem["type"], problem["title"], 404)
    assert body["explanation"] == EXPLANATIONS["node-not-found"]
    for slug in EXPLANATIONS:
        assert client.get(f"/problems/{slug}").status_code == 200


def test_an_unknown_problem_type_is_a_404_with_suggestions(client: TestClient) -> None:
    answer = client.get("/problems/node-not-fond")
    assert answer.status_code == 404
    assert answer.json()["suggestions"][0] == "node-not-found"


def test_a_typo_in_fields_or_include_names_the_allowed_values(client: TestClient) -> None:
    for name, typo, allowed in (("fields", "labl", "'label'"), ("include", "edge", "'edges'")):
        error = client.get(f"/v1/nodes/needs-space?{name}={typo}").json()["errors"][0]
        assert (error["parameter"], error["value"]) == (name, typo)
        assert allowed in error["message"]
        assert "pattern" not in error["message"]
        assert "^" not in error["message"]


def test_an_offset_past_the_end_is_an_empty_page_pointing_back_at_the_last(client: TestClient) -> None:
    total = client.get("/v1/nodes?limit=4").json()["total"]
    body = client.get("/v1/nodes?limit=4&offset=1000").json()
    assert body["items"] == []
    assert body["links"]["next"] is None
    last = client.get(body["links"]["prev"]).json()
    assert last["items"]
    assert last["offset"] == (total - 1) // 4 * 4
    assert last["links"]["next"] is None
