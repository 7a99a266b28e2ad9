"""HEAD and conditional requests, answered in one place (api/edge/answer.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


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
