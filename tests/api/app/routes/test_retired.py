"""A retired id keeps answering: a 410 problem naming its successor on every route that takes an id,
and /v1/changes records the merge (api/app/errors.py, graph/queries/lookup.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import DEFAULT_SEEDS_DIR, Settings
from graph.build import load_graph
from graph.releases import release


@pytest.fixture(scope="module")
def real() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(access_log=False), load_graph(DEFAULT_SEEDS_DIR))) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("url", "successor"),
    [
        ("/v1/nodes/power-games", "playing-power-games"),
        ("/v1/cards/halo-effect", "halo-effect-wears-off"),
        ("/v1/nodes/thrill-of-the-chase/neighbors", "chase-is-over"),
        ("/v1/nodes?ids=masculine-identity", "masculine-identity-threat"),
        ("/v1/paths?from=independence-paradox&to=oxytocin", "feels-like-a-spectator"),
        (
            "/v1/edges/past-rejection--leads_to--post-intimacy-withdrawal",
            "past-experiences--leads_to--post-intimacy-withdrawal",
        ),
    ],
)
def test_a_retired_id_is_a_410_problem_naming_its_successor(real: TestClient, url: str, successor: str) -> None:
    response = real.get(url)
    assert response.status_code == 410
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["type"], body["title"], body["replaced_by"]) == ("/problems/retired", "Retired id", successor)
    assert body["suggestions"] == [successor]
    assert "retired" in body["detail"]
    head = real.head(url)
    assert (head.status_code, head.content) == (410, b"")


def test_the_successor_answers(real: TestClient) -> None:
    gone = real.get("/v1/nodes/psychology-today").json()
    assert real.get(f"/v1/nodes/{gone['replaced_by']}").status_code == 200


def test_the_retired_problem_type_is_explained(real: TestClient) -> None:
    body = real.get("/problems/retired").json()
    assert (body["status"], body["title"]) == (410, "Retired id")
    assert "replaced_by" in body["explanation"]


def test_the_guide_answers_a_retired_sign_with_its_successor(seeds: Path) -> None:
    (seeds / "graph" / "retired.yaml").write_text(
        "- id: slow-replies\n  replaced_by: slower-replies\n  note: Merged into the one sign.\n", encoding="utf-8"
    )
    with TestClient(create_app(Settings(seeds_dir=seeds, access_log=False))) as client:
        response = client.get("/v1/guide?signs=slow-replies")
        assert (response.status_code, response.json()["replaced_by"]) == (410, "slower-replies")
        assert client.get("/v1/guide?signs=slower-replies").status_code == 200


def test_changes_record_a_merge_as_a_removed_node_with_its_successor(seeds: Path) -> None:
    release(load_graph(seeds), seeds, now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    (seeds / "graph" / "statistics.yaml").unlink()  # its one node, merged away; its question goes too
    (seeds / "graph" / "questions.yaml").unlink()
    edges = seeds / "graph" / "edges.yaml"
    text = edges.read_text(encoding="utf-8")
    kept = [block for block in text.split("- from: ")[1:] if not block.startswith("a-few-days")]
    edges.write_text("".join(f"- from: {block}" for block in kept), encoding="utf-8")
    (seeds / "graph" / "retired.yaml").write_text(
        "- id: a-few-days\n  replaced_by: needs-space\n  note: Merged into the reason it measured.\n", encoding="utf-8"
    )
    with TestClient(create_app(Settings(seeds_dir=seeds, access_log=False))) as client:
        releases = client.get("/v1/releases").json()
        since = releases["items"][0]["content_version"]
        items = client.get(f"/v1/changes?since={since}&limit=200").json()["items"]
    (node,) = [i for i in items if i["id"] == "a-few-days"]
    assert (node["change"], node["replaced_by"]) == ("removed", "needs-space")
    assert node["links"] == {"self": None, "replaced_by": "/v1/nodes/needs-space"}
    edge = next(i for i in items if i["id"] == "a-few-days--measures--needs-space")
    assert edge["change"] == "removed"
    assert "replaced_by" not in edge  # no edge joins the successors: nothing replaces it


def test_the_deprecated_polarity_filter_still_answers_and_says_it_is_deprecated(real: TestClient) -> None:
    old = real.get("/v1/responses?polarity=dont&limit=200")
    new = real.get("/v1/responses?advice=warned_against&limit=200")
    assert old.status_code == new.status_code == 200
    assert [i["id"] for i in old.json()["items"]] == [i["id"] for i in new.json()["items"]]
    assert old.headers["deprecation"] == "@1796601600"
    assert "deprecation" not in new.headers
    assert all(i["polarity"] == "dont" and i["advice"] == "warned_against" for i in old.json()["items"])
    params = real.get("/openapi.json").json()["paths"]["/v1/responses"]["get"]["parameters"]
    assert next(p for p in params if p["name"] == "polarity")["deprecated"] is True
