"""/v1/meta and /v1/schema (api/app/routes/meta.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

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
