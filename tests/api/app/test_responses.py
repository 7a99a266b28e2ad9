"""How a handler's body is tagged (api/app/responses.py): ETag and Cache-Control."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings


def test_cache_control_gives_shared_caches_the_shorter_lifetime(seeds: Path) -> None:
    """Browsers keep an answer for max-age, a proxy or CDN for s-maxage; a 304 says the same."""
    settings = Settings(seeds_dir=seeds, cache_max_age=120, cache_shared_max_age=7)
    with TestClient(create_app(settings)) as custom:
        answer = custom.get("/v1/nodes/oxytocin")
        again = custom.get("/v1/nodes/oxytocin", headers={"If-None-Match": answer.headers["etag"]})
    assert answer.headers["cache-control"] == again.headers["cache-control"] == "public, max-age=120, s-maxage=7"
    assert again.status_code == 304
