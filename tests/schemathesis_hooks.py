"""What schemathesis needs to know beyond the contract: which strings are sign ids and releases today.

The contract says what a sign id looks like (a slug, `format: sign-id`) and never which ones
exist, so it does not change when the content does. A fuzzer drawing random slugs would then
meet the guide's (correct) 422 for an unknown sign and call the contract broken. So:

- the `sign-id` format is taught from the graph being fuzzed: valid data draws real ids; so is
  `content-version` (`/v1/changes?since=`), from the releases it lists, so valid cases reach
  a 200 (a made-up version is a 404, which the contract declares);
- a case meant to be valid whose signs are not all ids of that graph (the coverage phase's
  boundary slugs, which ignore custom formats) is dropped: no schema can say it is valid.
  Cases meant to be invalid are all kept, so negative-data rejection is checked as before.

The same goes for what the content decides and no schema can say: a slice of an article
(`/v1/sources/{id}/text?start=&end=`) must lie inside that article's body, whose length the
graph knows (`register_bodies`); and a batch (`/v1/nodes?ids=`) is not searched (`q`).
A templated link in `/v1` is not a value either: its `{id}` placeholder is never an id.

The contract declares other bodies a 200 may have (a node's or edge's linked data, the
graph's formats) but no `Accept` parameter, so a fuzzer would only ever ask for the first:
`before_call` asks each operation for its declared media types in turn.

The in-process test registers the ids of the graph it serves (`register_sign_ids`,
`register_releases`). The live fuzz in `.ci/run` loads this module with
`SCHEMATHESIS_HOOKS=tests.schemathesis_hooks` and `DISTANCE_FUZZ_URL` set, and reads the ids
from the live server's `/v1/signs` and the releases from its `/v1/releases`.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterable
from typing import Any

import schemathesis
from hypothesis import strategies as st

__all__ = [
    "before_call",
    "filter_case",
    "filter_failure",
    "live_bodies",
    "live_releases",
    "live_sign_ids",
    "register_bodies",
    "register_releases",
    "register_sign_ids",
]

_GUIDE = "/v1/guide"
_TEXT = "/v1/sources/{source_id}/text"
_NODES = "/v1/nodes"
_KNOWN: set[str] = set()
_BODIES: dict[str, int] = {}


def register_bodies(lengths: dict[str, int]) -> None:
    """The length of each article's body: a valid slice of it ends within it."""
    _BODIES.clear()
    _BODIES.update(lengths)


def _number(value: Any) -> int | None:
    """A query value as a whole number, however the fuzzer wrote it (None: not one)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _slice_fits(case: Any) -> bool:
    length = _BODIES.get(str((case.path_parameters or {}).get("source_id")))
    if length is None:
        return True  # an unknown article is a 404, which the contract declares
    query = case.query or {}
    start, end = _number(query.get("start", 0)), _number(query.get("end", length))
    if start is None or end is None:
        return True
    return 0 <= start <= end <= length


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
    """Draw `format: sign-id` strings from `ids`, and judge valid guide cases against them."""
    _KNOWN.clear()
    _KNOWN.update(ids)
    schemathesis.openapi.format("sign-id", st.sampled_from(sorted(_KNOWN)))


@schemathesis.hook
def filter_case(ctx: Any, case: Any) -> bool:
    """Keep every case but a valid-by-schema guide case naming a sign the graph does not have."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return True
    if case.operation.path == _TEXT:
        return _slice_fits(case)
    if case.operation.path == _NODES:
        return not ((case.query or {}).get("ids") and "q" in (case.query or {}))
    if case.operation.path != _GUIDE:
        return True
    signs = (case.query or {}).get("signs")
    return all(isinstance(s, str) and s in _KNOWN for s in (signs if isinstance(signs, list) else [signs]))


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


# What a placeholder stands for when the stateful phase takes it as a value: ids no graph has.
_NO_SUCH = {"source_id": "999"}


_ASKED: dict[str, int] = {}


def _next_media_type(case: Any) -> str | None:
    """The operation's declared 200 media types in turn (None when it declares one or none)."""
    content = case.operation.definition.raw.get("responses", {}).get("200", {}).get("content", {})
    if len(content) < 2:
        return None
    key = f"{case.method} {case.operation.path}"
    turn = _ASKED[key] = _ASKED.get(key, -1) + 1
    return str(list(content)[turn % len(content)])


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Ask in turn for each media type the operation declares (see the module docstring).

    And: the stateful phase reads `/v1`'s RFC 6570 templates (`/v1/nodes/{id}`) as links and
    takes the placeholder `{id}` as an id, which the path's pattern refuses: no id is spelled
    so. It is sent as an id that does not exist instead, and answered with the contract's 404."""
    media = _next_media_type(case)
    if media is not None and "accept" not in {name.lower() for name in case.headers or {}}:
        case.headers = {**(case.headers or {}), "Accept": media}
    params = case.path_parameters or {}
    for name, value in params.items():
        if "{" in str(value):
            params[name] = _NO_SUCH.get(name, "no-such-id")


@schemathesis.hook
def filter_failure(ctx: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but one on a request that still carries a template's `{id}` (see
    `before_call`): the stateful phase sometimes builds its URL from the link before the hook."""
    return "{" not in str(getattr(response.request, "url", "")).replace("%7B", "{")


def live_bodies(base_url: str) -> dict[str, int]:
    """The body length of every article a running Distance serves (`body_end` of each source)."""
    with urllib.request.urlopen(base_url.rstrip("/") + "/v1/sources?limit=200", timeout=10) as response:
        page = json.load(response)
    return {item["id"]: item["body_end"] for item in page["items"]}


if _url := os.environ.get("DISTANCE_FUZZ_URL"):
    register_sign_ids(live_sign_ids(_url))
    register_bodies(live_bodies(_url))
    register_releases(live_releases(_url))
