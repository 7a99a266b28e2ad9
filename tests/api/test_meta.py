"""/v1/meta and /v1/schema, and the conventions every route shares."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from graph.build import KnowledgeGraph
from graph.registry import EDGE_KINDS


def test_get_meta_reports_versions_and_counts(client: TestClient, tiny: KnowledgeGraph) -> None:
    body = client.get("/v1/meta").json()
    assert body["content_version"] == tiny.content_version
    assert body["counts"]["nodes"] == len(tiny.nodes) == 9
    assert body["counts"]["node_types"]["response"] == 2
    assert body["counts"]["edge_kinds"]["indicates"] == 1


def test_get_schema_serves_the_registry(client: TestClient) -> None:
    body = client.get("/v1/schema").json()
    assert [k["kind"] for k in body["edge_kinds"]] == list(EDGE_KINDS)
    indicates = next(k for k in body["edge_kinds"] if k["kind"] == "indicates")
    assert (indicates["inverse_label"], indicates["from_types"], indicates["to_types"]) == (
        "indicated by", ["sign"], ["reason", "concept"],
    )  # fmt: skip
    assert {t["type"] for t in body["node_types"]} >= {"concept", "source"}


@pytest.mark.parametrize("path", ["/v1/meta", "/v1/schema", "/v1/nodes/oxytocin"])
def test_head_answers_like_get_without_a_body(client: TestClient, path: str) -> None:
    plain = {"Accept-Encoding": "identity"}
    get, head = client.get(path, headers=plain), client.head(path, headers=plain)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == str(len(get.content))


@pytest.mark.parametrize("path", ["/v1/meta", "/v1/schema", "/v1/nodes/oxytocin"])
def test_if_none_match_revalidates_with_304(client: TestClient, path: str) -> None:
    etag = client.get(path).headers["etag"]
    again = client.get(path, headers={"If-None-Match": f'W/"x", {etag}'})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_cache_control_gives_shared_caches_the_shorter_lifetime(seeds: Path) -> None:
    """Browsers keep an answer for max-age, a proxy or CDN for s-maxage; a 304 says the same."""
    settings = Settings(seeds_dir=seeds, cache_max_age=120, cache_shared_max_age=7)
    with TestClient(create_app(settings)) as custom:
        answer = custom.get("/v1/nodes/oxytocin")
        again = custom.get("/v1/nodes/oxytocin", headers={"If-None-Match": answer.headers["etag"]})
    assert answer.headers["cache-control"] == again.headers["cache-control"] == "public, max-age=120, s-maxage=7"
    assert again.status_code == 304


def test_unknown_query_parameter_is_a_422_naming_it(client: TestClient) -> None:
    response = client.get("/v1/meta?colour=red")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"parameter": "colour", "message": "is not a parameter of this route (allowed: none)", "value": "red"}
    ]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_get_405_with_allow(client: TestClient, method: str) -> None:
    response = client.request(method, "/v1/meta")
    assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD, OPTIONS")
    assert response.json()["type"] == "/problems/method-not-allowed"


def test_plain_options_lists_allowed_methods(client: TestClient) -> None:
    response = client.options("/v1/meta")
    assert (response.status_code, response.headers["allow"]) == (204, "GET, HEAD, OPTIONS")


@pytest.mark.parametrize("origin", [{"Origin": "https://example.org"}, {}], ids=["origin", "no-origin"])
def test_cors_is_open_without_credentials_and_exposes_etag(client: TestClient, origin: dict[str, str]) -> None:
    response = client.get("/v1/meta", headers=origin)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert "ETag" in response.headers["access-control-expose-headers"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "origin" not in response.headers.get("vary", "").lower()  # the same for every origin


@pytest.mark.parametrize("url", ["/v1/nowhere", "/v1/nodes?limit=0", "/v1/nodes/" + "a" * 8200])
def test_errors_and_refusals_carry_cors_too(client: TestClient, url: str) -> None:
    """So a page can read a problem, and a refusal's `Retry-After`."""
    response = client.get(url, headers={"Origin": "https://example.org"})
    assert response.status_code >= 400
    assert response.headers["access-control-allow-origin"] == "*"
    assert "Retry-After" in response.headers["access-control-expose-headers"]


def test_a_cors_preflight_says_what_is_allowed(client: TestClient) -> None:
    preflight = {"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    response = client.options("/v1/meta", headers={**preflight, "Access-Control-Request-Headers": "if-none-match"})
    assert (response.status_code, response.content) == (204, b"")
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in response.headers["access-control-allow-headers"]
    assert response.headers["access-control-max-age"] == "86400"


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/v2/nothing")
    assert (response.status_code, response.headers["content-type"]) == (404, "application/problem+json")
    assert response.json() == {
        "type": "/problems/not-found", "title": "Not found", "status": 404,
        "detail": "no resource at /v2/nothing", "instance": "/v2/nothing",
    }  # fmt: skip


def test_docs_load_nothing_from_the_internet(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "/docs/static/swagger-ui-bundle.js" in html
    assert "http://" not in html
    assert "https://" not in html
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200


def test_an_unexpected_fault_is_a_500_problem_without_internals(seeds: Path) -> None:
    app = create_app(Settings(seeds_dir=seeds))
    with TestClient(app, raise_server_exceptions=False) as raw:
        app.state.graph = None  # injected fault: every graph read now fails inside a handler
        response = raw.get("/v1/meta")
    assert (response.status_code, response.headers["content-type"]) == (500, "application/problem+json")
    assert "Traceback" not in response.text
    assert response.json()["detail"] == "the server met an unexpected fault"
