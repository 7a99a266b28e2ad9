"""/v1/releases and /v1/changes (api/app/routes/releases.py), over HTTP in process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.process.reload import Content
from api.settings import DEFAULT_SEEDS_DIR, Settings
from graph.build import KnowledgeGraph, load_graph
from graph.releases import release
from graph.snapshots import read_releases

OLD_SUMMARY = "His messages come back later than they used to."


def _edit_summary(seeds: Path, text: str) -> None:
    signs = seeds / "graph" / "signs.yaml"
    signs.write_text(signs.read_text(encoding="utf-8").replace(OLD_SUMMARY, text), encoding="utf-8")


@pytest.fixture
def released(seeds: Path) -> KnowledgeGraph:
    """The tiny content released, then one summary edited and one node removed (the served content)."""
    kg = load_graph(seeds)
    release(kg, seeds, now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    _edit_summary(seeds, "His messages arrive later and later.")
    return kg


@pytest.fixture
def served(released: KnowledgeGraph, seeds: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(seeds_dir=seeds))) as test_client:
        yield test_client


def test_list_releases_names_the_release_and_that_the_served_content_is_unreleased(
    served: TestClient, released: KnowledgeGraph
) -> None:
    body = served.get("/v1/releases").json()
    [item] = body["items"]
    assert item == {
        "content_version": released.content_version,
        "released_at": "2026-12-01T09:00:00Z",
        "nodes": len(released.nodes),
        "edges": len(released.edges),
        "served": False,
        "links": {"changes": f"/v1/changes?since={released.content_version}"},
    }
    assert body["served"]["released"] is False
    assert body["served"]["content_version"] != released.content_version
    assert (body["total"], body["limit"], body["offset"]) == (1, 50, 0)


def test_changes_since_a_release_name_the_changed_node_and_link_it(
    served: TestClient, released: KnowledgeGraph
) -> None:
    response = served.get(f"/v1/changes?since={released.content_version[:10]}")
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == [
        {
            "resource": "node",
            "id": "slower-replies",
            "change": "changed",
            "fields": ["summary"],
            "type": "sign",
            "label": "Slower replies",
            "links": {"self": "/v1/nodes/slower-replies"},
        }
    ]
    assert body["since"]["content_version"] == released.content_version
    assert body["facets"]["change"] == {"added": 0, "changed": 1, "removed": 0}
    assert served.get(body["items"][0]["links"]["self"]).json()["summary"] == "His messages arrive later and later."
    assert response.headers["etag"]
    again = served.get(
        f"/v1/changes?since={released.content_version[:10]}", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


def test_a_removed_edge_has_no_link_and_changes_are_paged_with_a_link_header(
    seeds: Path, released: KnowledgeGraph
) -> None:
    edges = seeds / "graph" / "edges.yaml"
    cut = '- from: a-few-days\n  kind: measures\n  to: needs-space\n  evidence:\n    - source: "000"\n'
    cut += "      quote: Usually 2–3 days.\n"
    text = edges.read_text(encoding="utf-8")
    assert cut in text
    edges.write_text(text.replace(cut, ""), encoding="utf-8")
    with TestClient(create_app(Settings(seeds_dir=seeds))) as client:
        page = client.get(f"/v1/changes?since={released.content_version}&limit=1&offset=1")
        body = page.json()
        assert body["total"] == 2
        assert body["items"] == [
            {
                "resource": "edge",
                "id": "a-few-days--measures--needs-space",
                "change": "removed",
                "fields": [],
                "kind": "measures",
                "links": {"self": None},
            }
        ]
        assert body["links"]["prev"] == f"/v1/changes?since={released.content_version}&limit=1"
        assert body["links"]["next"] is None
        assert 'rel="prev"' in page.headers["link"]


def test_an_unknown_since_is_a_404_listing_the_known_releases(served: TestClient, released: KnowledgeGraph) -> None:
    response = served.get("/v1/changes?since=0123456789abcdef")
    assert (response.status_code, response.headers["content-type"]) == (404, "application/problem+json")
    problem = response.json()
    assert problem["type"] == "/problems/release-not-found"
    assert problem["suggestions"] == [released.content_version]
    assert released.content_version[:12] in problem["detail"]
    assert served.get("/problems/release-not-found").status_code == 200


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("", "since"), ("since=abc", "since"), ("since=XYZXYZXYZ", "since"), ("since=abcdef&limit=0", "limit"),
     ("since=abcdef&colour=red", "colour"), ("since=abcdef&since=abcdef", "since")],
)  # fmt: skip
def test_changes_refuse_a_bad_parameter(served: TestClient, query: str, parameter: str) -> None:
    response = served.get(f"/v1/changes?{query}")
    assert (response.status_code, response.json()["errors"][0]["parameter"]) == (422, parameter)


def test_releases_refuse_a_bad_parameter(served: TestClient) -> None:
    response = served.get("/v1/releases?limit=1001")
    assert (response.status_code, response.json()["errors"][0]["parameter"]) == (422, "limit")


def test_the_shipped_app_lists_the_committed_release() -> None:
    committed = read_releases(DEFAULT_SEEDS_DIR)
    with TestClient(create_app(Settings())) as client:
        body = client.get("/v1/releases").json()
        assert {item["content_version"] for item in body["items"]} == {r.content_version for r in committed}
        first = committed[0].content_version
        assert client.get(f"/v1/changes?since={first}").status_code == 200
        assert client.get("/v1").json()["links"]["releases"] == "/v1/releases"


def test_a_reload_picks_up_a_new_release_of_the_same_content(seeds: Path, tiny: KnowledgeGraph) -> None:
    content = Content(Settings(seeds_dir=seeds), tiny)
    release(tiny, seeds)
    assert content.reload("test") == "reloaded"
    content.close()
    assert content.graph.content_version == tiny.content_version
    assert [r.content_version for r in content.graph.releases] == [tiny.content_version]


def test_a_reload_with_a_corrupt_snapshot_keeps_the_old_graph(
    seeds: Path, tiny: KnowledgeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    content = Content(Settings(seeds_dir=seeds), tiny)
    made, _ = release(tiny, seeds)
    path = seeds.parent / made.file
    path.write_bytes(path.read_bytes()[:-200])
    _edit_summary(seeds, "Edited while the snapshot is broken.")
    assert content.reload("test") == "rejected"
    content.close()
    assert content.graph is tiny
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "distance.reload")
    assert f"{made.file}:" in logged


def test_a_worker_snapshot_carries_the_releases(seeds: Path, tmp_path: Path) -> None:
    from api.process.graphfile import read_snapshot, write_snapshot

    release(load_graph(seeds), seeds)
    kg = load_graph(seeds)
    write_snapshot(kg, tmp_path / "graph.pickle")
    back = read_snapshot(tmp_path / "graph.pickle")
    assert back.releases == kg.releases
    assert back.serves_same(kg)
