"""The app factory (api/app/factory.py): offline docs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_docs_load_nothing_from_the_internet(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "/docs/static/swagger-ui-bundle.js" in html
    assert "http://" not in html
    assert "https://" not in html
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize(("path", "script"), [("/", "'self'; style-src 'self';"), ("/docs", "'unsafe-inline'")])
def test_pages_carry_a_content_security_policy_and_refuse_framing(client: TestClient, path: str, script: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert script in policy


def test_a_trailing_slash_is_a_404_naming_the_path_never_a_redirect_built_from_host(client: TestClient) -> None:
    response = client.get("/v1/meta/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers
    assert response.json()["detail"] == "no resource at /v1/meta/; try /v1/meta"
    assert "evil.example" not in response.text


@pytest.mark.parametrize("path", ["/explorer/explorer.js", "/docs/static/swagger-ui.css"])
def test_static_files_ignore_range_so_no_range_is_unsatisfiable(client: TestClient, path: str) -> None:
    whole = client.get(path)
    for asked in ("bytes=99999999-", "bytes=0-9", "lines=1-2"):
        response = client.get(path, headers={"Range": asked})
        assert (response.status_code, response.content) == (200, whole.content)
