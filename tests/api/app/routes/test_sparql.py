"""/v1/sparql (api/app/routes/sparql.py): the SPARQL 1.1 Protocol by GET and POST, results by Accept,
read-only, bounded, cached like every GET; refusals are problems."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.app.routes import sparql
from api.settings import Settings

REASONS = "SELECT ?label WHERE { ?r a distance:Reason ; skos:prefLabel ?label } ORDER BY ?label"


def test_get_and_both_posts_answer_alike(client: TestClient) -> None:
    by_get = client.get("/v1/sparql", params={"query": REASONS})
    form = client.post("/v1/sparql", data={"query": REASONS})
    body = client.post("/v1/sparql", content=REASONS, headers={"Content-Type": "application/sparql-query"})
    assert by_get.status_code == form.status_code == body.status_code == 200
    assert by_get.content == form.content == body.content
    assert by_get.headers["content-type"] == "application/sparql-results+json"
    assert [b["label"]["value"] for b in by_get.json()["results"]["bindings"]] == ["He needs space"]


def test_an_app_whose_lifespan_runs_again_answers_again(seeds: Path) -> None:
    """Shutdown closes the pool and removes its stores; the next lifespan's queries get a new one."""
    app = create_app(Settings(seeds_dir=seeds, access_log=False))
    for _ in range(2):
        with TestClient(app) as client:
            answer = client.post("/v1/sparql", content=REASONS, headers={"Content-Type": "application/sparql-query"})
            assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        ("application/json", "application/sparql-results+json"),
    ],
)
def test_select_results_by_accept(client: TestClient, accept: str, media: str) -> None:
    response = client.get("/v1/sparql", params={"query": REASONS}, headers={"Accept": accept})
    assert (response.status_code, response.headers["content-type"]) == (200, media)
    if accept == "text/csv":
        assert list(csv.reader(io.StringIO(response.text))) == [["label"], ["He needs space"]]
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize(
    ("accept", "media"), [(None, "text/turtle"), ("application/n-triples", "application/n-triples")]
)
def test_construct_and_describe_give_rdf(client: TestClient, accept: str | None, media: str) -> None:
    headers = {"Accept": accept} if accept else {}
    for query in ("CONSTRUCT WHERE { ?s skos:prefLabel ?l }", "DESCRIBE ?r WHERE { ?r a distance:Reason }"):
        response = client.get("/v1/sparql", params={"query": query}, headers=headers)
        assert (response.status_code, response.headers["content-type"].split(";")[0]) == (200, media)
        assert "He needs space" in response.text


def test_a_get_answer_is_cached_with_an_etag(client: TestClient) -> None:
    first = client.get("/v1/sparql", params={"query": REASONS})
    again = client.get("/v1/sparql", params={"query": REASONS}, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert "max-age" in first.headers["cache-control"]


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "read-only"),
        ("PREFIX x: <urn:x#> DELETE WHERE { ?s ?p ?o }", "read-only"),
        ("SELECT ?s WHERE { ?s ?p }", "malformed-query"),
        ("SELEKT * {}", "malformed-query"),
    ],
)
def test_updates_and_malformed_queries_are_400_problems(client: TestClient, query: str, slug: str) -> None:
    for response in (
        client.get("/v1/sparql", params={"query": query}),
        client.post("/v1/sparql", content=query, headers={"Content-Type": "application/sparql-query"}),
    ):
        assert (response.status_code, response.headers["content-type"]) == (400, "application/problem+json")
        assert response.json()["type"] == f"/problems/{slug}"


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"ASK {}", "text/plain", 415),
        (b"q=ASK%20%7B%7D", "application/x-www-form-urlencoded", 400),
        (b"   ", "application/sparql-query", 400),
    ],
)
def test_bad_posts_are_problems(client: TestClient, content: bytes, content_type: str, status: int) -> None:
    response = client.post("/v1/sparql", content=content, headers={"Content-Type": content_type})
    assert (response.status_code, response.headers["content-type"]) == (status, "application/problem+json")


def test_a_body_past_its_bound_is_a_413(client: TestClient) -> None:
    query = "ASK {}" + " " * sparql.MAX_BODY
    response = client.post("/v1/sparql", content=query, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413


def test_an_answer_that_takes_no_offered_type_is_a_406(client: TestClient) -> None:
    response = client.get("/v1/sparql", params={"query": "ASK {}"}, headers={"Accept": "text/turtle"})
    assert response.status_code == 406


def test_a_runaway_aggregate_is_stopped_at_its_time_limit(client: TestClient) -> None:
    """COUNT over a join of every triple with itself four times writes nothing until it ends (never,
    in practice): its process is killed at the deadline, and the next query gets a new one."""
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"
    assert client.get("/v1/sparql", params={"query": "ASK {}"}).status_code == 200  # the first child is ready
    started = time.monotonic()
    response = client.get("/v1/sparql", params={"query": runaway})
    took = time.monotonic() - started
    assert (response.status_code, response.json()["type"], response.json()["limit"]) == (
        422,
        "/problems/query-limit",
        "time",
    )
    assert sparql.TIME_LIMIT <= took < sparql.TIME_LIMIT + 3
    pool = client.app.state.sparql  # type: ignore[attr-defined]
    assert pool._idle == []  # noqa: SLF001 - the killed child is not kept
    assert client.get("/v1/sparql", params={"query": REASONS}).status_code == 200


def test_an_answer_past_its_size_cap_is_a_query_limit_problem(client: TestClient) -> None:
    """Every triple of the tiny graph joined with every other passes the cap: the child stops
    writing there and the answer is a 422 naming the limit, not a truncated table."""
    pairs = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d }"
    rows = client.get("/v1/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d }"})
    assert int(rows.json()["results"]["bindings"][0]["n"]["value"]) * 100 > sparql.MAX_ANSWER  # ~100 bytes a row
    response = client.get("/v1/sparql", params={"query": pairs})
    problem = response.json()
    assert (response.status_code, problem["type"], problem["limit"]) == (422, "/problems/query-limit", "size")
    assert str(sparql.MAX_ANSWER) in problem["detail"]
