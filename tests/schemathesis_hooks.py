"""Depth for the live fuzz's second run: what the contract cannot name, taught from the server.

The contract alone is enough: `st run openapi.yaml --checks all` with no hooks finds nothing
(the first run in `.ci/run`, and tests/test_schemathesis.py in process). These hooks only
let the second run go deeper, never make it pass:

- the `sign-id` format (`/v1/guide?signs=`) and the `content-version` format
  (`/v1/changes?since=`) are drawn from what the live server serves, so valid cases reach a
  200 rather than the contract's 404 for a sign or release the content does not have;
- the contract declares other bodies a 200 may have (a node's or edge's linked data, the
  graph's formats) but no `Accept` parameter, so a fuzzer would only ever ask for the first:
  `before_call` asks each operation for its declared media types in turn;
- a SPARQL query sent as the body itself (`application/sparql-query`) has no serializer in
  schemathesis, which skips those cases: it is aliased to text, so they are sent.

`.ci/run` loads this module with `SCHEMATHESIS_HOOKS=tests.schemathesis_hooks` and
`DISTANCE_FUZZ_URL` set; the ids come from the live server's `/v1/signs` and `/v1/releases`.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterable
from typing import Any

import schemathesis
from hypothesis import strategies as st

__all__ = ["before_call", "live_releases", "live_sign_ids", "register_releases", "register_sign_ids"]

schemathesis.serializer.alias("application/sparql-query", "text/plain")


def register_releases(versions: Iterable[str]) -> None:
    """Draw `format: content-version` strings from the content_versions of `versions`."""
    known = sorted(versions)
    if known:
        schemathesis.openapi.format("content-version", st.sampled_from(known))


def live_releases(base_url: str) -> list[str]:
    """The content_version of every release a running Distance lists (its first page: 200)."""
    with urllib.request.urlopen(base_url.rstrip("/") + "/v1/releases?limit=200", timeout=10) as response:
        page = json.load(response)
    return [item["content_version"] for item in page["items"]]


def register_sign_ids(ids: Iterable[str]) -> None:
    """Draw `format: sign-id` strings from `ids`."""
    schemathesis.openapi.format("sign-id", st.sampled_from(sorted(ids)))


def live_sign_ids(base_url: str) -> list[str]:
    """Every sign id a running Distance serves, following `/v1/signs` page by page."""
    ids: list[str] = []
    url: str | None = "/v1/signs?limit=200"
    while url is not None:
        with urllib.request.urlopen(base_url.rstrip("/") + url, timeout=10) as response:
            page = json.load(response)
        ids += [item["id"] for item in page["items"]]
        url = page["links"]["next"]
    return ids


_ASKED: dict[str, int] = {}


def _next_media_type(case: Any) -> str | None:
    """The operation's declared 200 media types in turn (None when it declares one or none, and
    for a GraphQL field: a hook is global, and the GraphQL fuzz may run in the same process)."""
    raw = case.operation.definition.raw
    if not isinstance(raw, dict):
        return None
    content = raw.get("responses", {}).get("200", {}).get("content", {})
    if len(content) < 2:
        return None
    key = f"{case.method} {case.operation.path}"
    turn = _ASKED[key] = _ASKED.get(key, -1) + 1
    return str(list(content)[turn % len(content)])


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Ask in turn for each media type the operation declares (see the module docstring)."""
    media = _next_media_type(case)
    if media is not None and "accept" not in {name.lower() for name in case.headers or {}}:
        case.headers = {**(case.headers or {}), "Accept": media}


if _url := os.environ.get("DISTANCE_FUZZ_URL"):
    register_sign_ids(live_sign_ids(_url))
    register_releases(live_releases(_url))
