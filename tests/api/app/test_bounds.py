"""Bounded inputs and outputs: oversize or tricky input is a 4xx (never a 5xx), every
schema-valid URL fits the URL bound, bodies stay under 1 MB, traversals say when they are cut."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import DEFAULT_SEEDS_DIR, Settings
from graph.build import KnowledgeGraph, load_graph
from graph.registry import EDGE_KINDS

MB = 1 << 20


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    return load_graph(DEFAULT_SEEDS_DIR)


@pytest.fixture(scope="module")
def real(shipped: KnowledgeGraph) -> Iterator[TestClient]:
    """A client on the shipped content: body sizes only mean something on the real graph."""
    with TestClient(create_app(Settings(), shipped)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/v1/search?q=" + "a" * 1001, "q"),
        ("/v1/nodes?q=" + "a" * 1001, "q"),
        ("/v1/answer?q=" + "a" * 1001, "q"),
        ("/v1/nodes/oxytocin/neighbors?depth=4", "depth"),
        ("/v1/nodes/oxytocin/neighbors?depth=99999999999999999999", "depth"),
        ("/v1/nodes/oxytocin/neighbors?limit=501", "limit"),
        ("/v1/nodes?limit=1001", "limit"),
        ("/v1/edges?limit=1001", "limit"),
        ("/v1/search?q=x&limit=101", "limit"),
        ("/v1/paths?from=oxytocin&to=needs-space&limit=11", "limit"),
        ("/v1/paths?from=oxytocin&to=needs-space&max_hops=7", "max_hops"),
        ("/v1/nodes?offset=-1", "offset"),
        ("/v1/nodes?type=sign" + "&type=sign" * 7, "type"),
        ("/v1/edges?kind=indicates" + "&kind=indicates" * len(EDGE_KINDS), "kind"),
        ("/v1/nodes/oxytocin?fields=" + ",".join(["label"] * 200), "fields"),
        ("/v1/paths?from=" + "a" * 201 + "&to=b", "from"),
    ],
)
def test_oversize_input_is_a_422_naming_the_parameter(client: TestClient, url: str, parameter: str) -> None:
    response = client.get(url)
    assert (response.status_code, response.headers["content-type"]) == (422, "application/problem+json")
    assert parameter in {e["parameter"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    "path",
    [
        "/v1/nodes/..%2F..%2Fetc%2Fpasswd",
        "/v1/nodes/%2e%2e/%2e%2e/openapi.json",
        "/v1/nodes/..%2Fmeta",
        "/v1/nodes/oxytocin%00",
        "/v1/nodes/%00",
        "/v1/nodes/oxytocin%0d%0aSet-Cookie:%20x=1",
        "/v1/nodes/%D0%BExytocin",  # Cyrillic о for the Latin o
        "/v1/nodes/oxyt%C3%B3cin",
        "/v1/nodes/%EF%BD%8Fxytocin",  # fullwidth ｏ
        "/v1/nodes/oxytocin%E2%80%8B",  # a zero-width space after the id
        "/v1/edges/give-him-space--addresses--needs-space%2F..%2F..",
        "/v1/nodes/%C0%AE%C0%AE",  # overlong UTF-8 for ".."
        "/docs/static/..%2F..%2F..%2Fpyproject.toml",
        "/docs/static/%2e%2e/%2e%2e/api/app/factory.py",
    ],
)
def test_path_tricks_are_a_404_or_422(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "set-cookie" not in response.headers
    assert "[tool." not in response.text  # no file from disk came back


def test_a_lookalike_id_is_refused_not_resolved(client: TestClient) -> None:
    """The Cyrillic `оxytocin` must not be folded into the real node."""
    body = client.get("/v1/nodes/%D0%BExytocin").json()
    assert body["status"] == 422
    assert body["errors"][0]["parameter"] == "node_id"


def _worst_bytes(schema: dict[str, Any], name: str) -> int:
    """The longest this parameter can be on the wire while still valid under its schema."""
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    return max(_worst_one(s, name) for s in options)


def _worst_one(schema: dict[str, Any], name: str) -> int:
    if "enum" in schema:
        return max(len(quote(str(v), safe="")) for v in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        assert "maxItems" in schema, f"{name}: a repeatable parameter needs a most count"
        return int(schema["maxItems"]) * (len(name) + 2 + _worst_bytes(schema["items"], name))
    if kind == "integer":
        return max(len(str(schema.get("minimum", -(10**19)))), len(str(schema.get("maximum", 10**19))))
    if kind == "boolean":
        return 5
    assert kind == "string", f"{name}: unexpected schema {schema}"
    assert "maxLength" in schema, f"{name}: a string parameter needs a maxLength"
    pattern = schema.get("pattern", ".")
    # Letters, digits, `-` and `_` are unreserved (RFC 3986): never percent-encoded.
    if re.fullmatch(r"\^?(\[[A-Za-z0-9_-]+\][*+]?)+\$?", pattern):
        return int(schema["maxLength"])
    # A pattern that can only match ASCII costs at most %XX per character; any other
    # character can take 4 UTF-8 bytes, each %XX on the wire.
    ascii_only = not re.search(r"\.|\\[wWsSdD]|\[\^|[^\x00-\x7f]", pattern)
    return int(schema["maxLength"]) * (3 if ascii_only else 12)


def test_every_schema_valid_url_fits_the_url_bound() -> None:
    """So the 414 bound can never refuse a request the contract calls valid."""
    settings = Settings()
    doc = create_app(settings).openapi()
    longest: dict[str, int] = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            params = op.get("parameters", [])
            url = len(re.sub(r"\{[^}]+\}", "", path)) + 1
            sizes = {}
            for p in params:
                size = _worst_bytes(p["schema"], p["name"])
                sizes[p["name"]] = size if p["in"] == "path" else len(p["name"]) + 2 + size
            longest[f"{method.upper()} {path}"] = url + sum(sizes.values())
    worst = max(longest, key=longest.__getitem__)
    assert longest[worst] < settings.max_url_bytes, f"{worst} may need {longest[worst]} bytes"


def test_bodies_stay_under_1_mb_except_the_export(real: TestClient, shipped: KnowledgeGraph) -> None:
    """Each route at its largest settings, on the shipped content."""
    degree = {n: len(shipped.out_edges.get(n, ())) + len(shipped.in_edges.get(n, ())) for n in shipped.nodes}
    hubs = sorted(degree, key=degree.__getitem__, reverse=True)[:5]
    every_kind = "&".join(f"kind={k}" for k in EDGE_KINDS)
    urls = [
        "/v1/nodes?limit=1000&include=evidence",
        "/v1/edges?limit=1000",
        "/v1/sources?limit=1000&include=evidence",
        "/v1/search?q=he&limit=100",
        "/v1/schema",
        *(f"/v1/nodes/{hub}?include=edges,neighbors,evidence" for hub in hubs),
        *(f"/v1/nodes/{hub}/neighbors?depth=3&limit=500&{every_kind}" for hub in hubs),
        f"/v1/paths?from={hubs[0]}&to={hubs[-1]}&max_hops=6&limit=10&{every_kind}",
    ]
    sizes = {}
    for url in urls:
        response = real.get(url, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, url
        sizes[url] = len(response.content)
    assert max(sizes.values()) < MB, max(sizes.items(), key=lambda item: item[1])
    assert sizes[f"/v1/nodes/{hubs[0]}?include=edges,neighbors,evidence"] > 10_000  # the probe is not trivial


def test_traversals_stop_at_their_cap_and_say_so(real: TestClient, shipped: KnowledgeGraph) -> None:
    every_kind = "&".join(f"kind={k}" for k in EDGE_KINDS)
    hood = real.get(f"/v1/nodes/001/neighbors?depth=3&limit=5&{every_kind}").json()
    assert (len(hood["nodes"]), hood["truncated"]) == (5, True)
    full = real.get(f"/v1/nodes/001/neighbors?depth=3&limit=500&{every_kind}").json()
    assert (len(full["nodes"]) > 5, full["truncated"]) == (True, len(full["nodes"]) == 500)
    # Two articles are joined through many nodes that both quote: more shortest paths than the cap.
    paths = real.get("/v1/paths?from=001&to=002&kind=mentioned_in&limit=2").json()
    assert (len(paths["paths"]), paths["truncated"]) == (2, True)
    one = real.get("/v1/paths?from=001&to=002&kind=mentioned_in&limit=10").json()
    assert len(one["paths"]) == 10
