"""OPTIONS and CORS preflights (api/edge/options.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_plain_options_lists_allowed_methods(client: TestClient) -> None:
    response = client.options("/v1/meta")
    assert (response.status_code, response.headers["allow"]) == (204, "GET, HEAD, OPTIONS")


def test_a_cors_preflight_says_what_is_allowed(client: TestClient) -> None:
    preflight = {"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    response = client.options("/v1/meta", headers={**preflight, "Access-Control-Request-Headers": "if-none-match"})
    assert (response.status_code, response.content) == (204, b"")
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in response.headers["access-control-allow-headers"]
    assert response.headers["access-control-max-age"] == "86400"


def test_a_preflight_may_send_a_request_id(client: TestClient) -> None:
    preflight = {"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    response = client.options("/v1/meta", headers={**preflight, "Access-Control-Request-Headers": "X-Request-Id"})
    assert response.status_code == 204
    assert "X-Request-Id" in response.headers["access-control-allow-headers"]


@pytest.mark.parametrize(
    ("method", "headers", "status", "words"),
    [
        ("DELETE", "", 405, "a cross-origin DELETE is not allowed"),
        ("GET", "x-request-id, X-Secret", 400, "may not send x-secret; allowed: Accept"),
    ],
)
def test_a_refused_preflight_is_a_problem(
    client: TestClient, method: str, headers: str, status: int, words: str
) -> None:
    preflight = {"Origin": "https://example.org", "Access-Control-Request-Method": method}
    if headers:
        preflight["Access-Control-Request-Headers"] = headers
    response = client.options("/v1/meta", headers=preflight)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == "*"
    assert words in response.json()["detail"]
    assert ("allow" in response.headers) is (status == 405)
