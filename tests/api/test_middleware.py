"""OPTIONS and CORS preflights (api/middleware.py)."""

from __future__ import annotations

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
