"""The app factory (api/app.py): offline docs."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_docs_load_nothing_from_the_internet(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "/docs/static/swagger-ui-bundle.js" in html
    assert "http://" not in html
    assert "https://" not in html
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200
