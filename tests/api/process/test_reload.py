"""Reloading content while serving: SIGHUP and file watching, never a half graph."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import signal
import time
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import State

from api.app import create_app
from api.process.graphfile import SnapshotError, read_snapshot, write_snapshot
from api.process.reload import ContentReloader, live_reload
from api.settings import Settings
from graph import queries
from graph.build import KnowledgeGraph, load_graph
from tests.tiny import append_entry, shrink_tiny_seeds

OLD_SUMMARY = "A hormone tied to touch and bonding."


def _edit_summary(seeds: Path, text: str) -> None:
    concepts = seeds / "graph" / "concepts.yaml"
    concepts.write_text(concepts.read_text(encoding="utf-8").replace(OLD_SUMMARY, text), encoding="utf-8")


def _break_two_files(seeds: Path) -> None:
    signs = seeds / "graph" / "signs.yaml"
    signs.write_text(signs.read_text(encoding="utf-8").replace("more slowly", "more slowlyy"), encoding="utf-8")
    concepts = seeds / "graph" / "concepts.yaml"
    concepts.write_text(concepts.read_text(encoding="utf-8").replace("  label: Oxytocin\n", ""), encoding="utf-8")


def _reload(state: State, seeds: Path) -> str:
    return asyncio.run(ContentReloader(state, seeds).reload("test"))


def test_reload_swaps_in_changed_content(seeds: Path, tiny: KnowledgeGraph) -> None:
    state = State({"graph": tiny})
    _edit_summary(seeds, "A hormone of touch and closeness.")
    assert _reload(state, seeds) == "reloaded"
    assert state.graph.content_version != tiny.content_version
    assert state.graph.nodes["oxytocin"].summary == "A hormone of touch and closeness."


def test_reload_of_unchanged_content_keeps_the_same_graph(seeds: Path, tiny: KnowledgeGraph) -> None:
    state = State({"graph": tiny})
    concepts = seeds / "graph" / "concepts.yaml"
    concepts.write_text(concepts.read_text(encoding="utf-8") + "# a comment changes no content\n", encoding="utf-8")
    assert _reload(state, seeds) == "unchanged"
    assert state.graph is tiny


def test_invalid_content_keeps_the_old_graph_and_logs_every_problem(
    seeds: Path, tiny: KnowledgeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    state = State({"graph": tiny})
    _break_two_files(seeds)
    assert _reload(state, seeds) == "rejected"
    assert state.graph is tiny
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "distance.reload")
    assert "seeds/graph/signs.yaml:7: quote not found in 000" in logged
    assert "seeds/graph/concepts.yaml:1:" in logged
    assert f"still serving content {tiny.content_version[:16]}" in logged


def test_a_half_written_file_is_refused(seeds: Path, tiny: KnowledgeGraph, caplog: pytest.LogCaptureFixture) -> None:
    state = State({"graph": tiny})
    (seeds / "graph" / "signs.yaml").write_bytes(b"- id: slower-replies\n  label: \xff\xfe")
    assert _reload(state, seeds) == "rejected"
    assert state.graph is tiny
    logged = [r.getMessage() for r in caplog.records if r.name == "distance.reload"]
    assert "seeds/graph/signs.yaml:2: byte 0xff at column 10 is not UTF-8 text" in logged


def test_sighup_reloads_under_a_request_loop_with_no_failures(seeds: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A client keeps asking while content changes, breaks and is touched; each time SIGHUP.

    content_version and ETags change exactly when the content does; no request fails.
    """
    app = create_app(Settings(seeds_dir=seeds))
    seen: list[tuple[int, str, str]] = []  # (status, content_version, ETag of /v1/nodes/oxytocin)

    async def until(condition: Callable[[], bool], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "timed out waiting for the reload"
            await asyncio.sleep(0.02)

    async def scenario() -> None:
        async with app.router.lifespan_context(app):
            assert signal.getsignal(signal.SIGHUP) is not signal.SIG_DFL  # else SIGHUP would end pytest
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                stop = asyncio.Event()

                async def loop() -> None:
                    while not stop.is_set():
                        meta = await http.get("/v1/meta")
                        node = await http.get("/v1/nodes/oxytocin")
                        version = meta.json()["content_version"] if meta.status_code == 200 else ""
                        seen.append((max(meta.status_code, node.status_code), version, node.headers.get("etag", "")))
                        await asyncio.sleep(0)

                runner = asyncio.create_task(loop())
                await until(lambda: len(seen) > 5)
                first = seen[-1]

                _edit_summary(seeds, "A hormone of touch and closeness.")
                os.kill(os.getpid(), signal.SIGHUP)
                await until(lambda: seen[-1][1] != first[1])
                second = seen[-1]

                async def sighup_until_logged(fragment: str) -> None:
                    def count() -> int:
                        return sum(fragment in r.getMessage() for r in caplog.records)

                    before, mark = count(), len(seen)
                    os.kill(os.getpid(), signal.SIGHUP)
                    await until(lambda: count() > before)
                    await until(lambda: len(seen) > mark + 5)

                good = {path: path.read_bytes() for path in (seeds / "graph").iterdir()}
                _break_two_files(seeds)
                await sighup_until_logged("refused")
                for path, data in good.items():
                    path.write_bytes(data)
                await sighup_until_logged("unchanged")
                stop.set()
                await runner
            assert [s[0] for s in seen if s[0] != 200] == []
            versions = [s[1] for s in seen]
            changes = [i for i in range(1, len(versions)) if versions[i] != versions[i - 1]]
            assert len(changes) == 1  # switched once, never back, never to a half state
            assert {s[1] for s in seen} == {first[1], second[1]}
            assert {s[2] for s in seen} == {first[2], second[2]}
            assert second[2] != first[2]

    with caplog.at_level(logging.INFO, logger="distance.reload"):
        asyncio.run(scenario())


def test_watch_reloads_when_a_seed_file_changes(seeds: Path) -> None:
    with TestClient(create_app(Settings(seeds_dir=seeds, watch=True))) as client:
        before = client.get("/v1/meta").json()["content_version"]
        time.sleep(0.3)  # let the watcher start before the edit
        _edit_summary(seeds, "A hormone of touch and closeness.")
        deadline = time.monotonic() + 20
        while client.get("/v1/meta").json()["content_version"] == before:
            assert time.monotonic() < deadline, "the edit was never picked up"
            time.sleep(0.05)
        assert client.get("/v1/nodes/oxytocin").json()["summary"] == "A hormone of touch and closeness."
    assert load_graph(seeds).content_version != before


def test_a_snapshot_holds_the_same_graph(seeds: Path, tiny: KnowledgeGraph, tmp_path: Path) -> None:
    path = tmp_path / "graph.pickle"
    queries.search(tiny, "oxytocin")  # builds the search index, derived data the snapshot leaves out
    assert tiny._derived
    write_snapshot(tiny, path)
    again = read_snapshot(path)
    assert again.content_version == tiny.content_version
    assert dict(again.nodes) == dict(tiny.nodes)
    assert isinstance(again.nodes, MappingProxyType)
    assert again._derived == {}
    assert queries.search(again, "oxytocin").items == queries.search(tiny, "oxytocin").items


def test_an_unreadable_snapshot_is_a_snapshot_error(tmp_path: Path) -> None:
    garbage, other, missing = tmp_path / "garbage", tmp_path / "other", tmp_path / "missing"
    garbage.write_bytes(b"not a pickle")
    other.write_bytes(pickle.dumps({"a": 1}))
    for path, words in ((garbage, "unreadable"), (other, "holds a dict"), (missing, "unreadable")):
        with pytest.raises(SnapshotError, match=words):
            read_snapshot(path)


def test_with_a_snapshot_sighup_reloads_from_it_and_refuses_a_bad_one(
    seeds: Path, tiny: KnowledgeGraph, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A worker under the supervisor: SIGHUP reads `state.snapshot`, never the seeds (even with watch)."""
    _edit_summary(seeds, "Edited on disk.")
    edited = load_graph(seeds)
    snapshot = tmp_path / "graph.pickle"
    state = State({"graph": tiny, "snapshot": snapshot})

    async def hup_and_wait() -> None:
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(100):
            await asyncio.sleep(0.02)
            if "reload (SIGHUP)" in caplog.text:
                return

    async def scenario() -> list[str]:
        seen = []
        async with live_reload(state, seeds, watch=True):
            snapshot.write_bytes(b"torn")
            await hup_and_wait()
            seen.append(state.graph.content_version)
            caplog.clear()
            write_snapshot(edited, snapshot)
            await hup_and_wait()
            seen.append(state.graph.content_version)
        return seen

    with caplog.at_level(logging.INFO, logger="distance.reload"):
        first, second = asyncio.run(scenario())
    assert (first, second) == (tiny.content_version, edited.content_version)


def test_the_watcher_outlives_a_file_that_cannot_be_read_and_loads_later_edits(
    seeds: Path, caplog: pytest.LogCaptureFixture
) -> None:
    questions = seeds / "graph" / "questions.yaml"
    good = questions.read_bytes()
    with (
        caplog.at_level(logging.INFO, logger="distance.reload"),
        TestClient(create_app(Settings(seeds_dir=seeds, watch=True))) as client,
    ):
        before = client.get("/v1/meta").json()["content_version"]
        time.sleep(0.3)  # let the watcher start before the edit
        questions.write_text("[" * 20000 + "]" * 20000 + "\n", encoding="utf-8")
        deadline = time.monotonic() + 20
        while "refused" not in caplog.text:
            assert time.monotonic() < deadline, "the bad edit was never logged"
            time.sleep(0.05)
        assert "seeds/graph/questions.yaml:1: collections are nested more than 100 deep" in caplog.text
        assert client.get("/v1/meta").json()["content_version"] == before
        questions.write_bytes(good)
        _edit_summary(seeds, "A hormone of touch and closeness.")
        while client.get("/v1/nodes/oxytocin").json()["summary"] != "A hormone of touch and closeness.":
            assert time.monotonic() < deadline, "a valid edit after the bad one was never loaded"
            time.sleep(0.05)


def test_a_fault_in_a_reload_is_logged_and_refused_never_raised(
    tiny: KnowledgeGraph, seeds: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> KnowledgeGraph:
        raise RecursionError("maximum recursion depth exceeded")

    state = State({"graph": tiny})
    with caplog.at_level(logging.ERROR, logger="distance.reload"):
        assert asyncio.run(ContentReloader(state, seeds, explode).reload("test")) == "rejected"
    assert "reload (test) refused: RecursionError: maximum recursion depth exceeded" in caplog.text
    assert state.graph is tiny


DEEP = "- id: deep\n  label: " + "[" * 30000 + "]" * 30000 + "\n"


def _refusals(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "distance.reload")


def test_nesting_that_crashes_a_parser_is_refused_and_the_old_graph_serves(
    seeds: Path, tiny: KnowledgeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    state = State({"graph": tiny})
    line = append_entry(seeds / "graph" / "concepts.yaml", DEEP)
    assert _reload(state, seeds) == "rejected"
    assert state.graph is tiny
    assert f"seeds/graph/concepts.yaml:{line + 1}: collections are nested more than 100 deep" in _refusals(caplog)


def test_an_emptied_content_folder_is_refused(
    seeds: Path, tiny: KnowledgeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    state = State({"graph": tiny})
    for path in (seeds / "graph").glob("*.yaml"):
        path.write_bytes(b"")
    assert _reload(state, seeds) == "rejected"
    assert state.graph is tiny
    assert "seeds/graph/concepts.yaml:1: no entries" in _refusals(caplog)


def test_a_reload_removing_most_nodes_needs_the_operator_s_word(
    seeds: Path, tiny: KnowledgeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    state = State({"graph": tiny})
    shrink_tiny_seeds(seeds)
    assert _reload(state, seeds) == "rejected"
    assert state.graph is tiny
    said = _refusals(caplog)
    assert "refused: the new content keeps 4 of the 9 nodes served" in said
    assert "send SIGUSR2 to reload anyway" in said
    outcome = asyncio.run(ContentReloader(state, seeds).reload("SIGUSR2", confirmed=True))
    assert outcome == "reloaded"
    assert len(state.graph.nodes) == 4
