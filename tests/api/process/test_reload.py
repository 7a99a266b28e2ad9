"""Reloading content while serving: the one routine in the main process, and each worker following it."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

import pytest
from starlette.datastructures import State

from api.app import create_app
from api.app.factory import prebuilt_answers
from api.edge.answer import Answer
from api.edge.cache import AnswerCache
from api.edge.variant import Variant
from api.process.graphfile import SnapshotError, read_graph_file, read_snapshot, write_snapshot
from api.process.reload import Content, follow_reloads
from api.settings import Settings
from graph import queries
from graph.build import KnowledgeGraph, load_graph
from graph.events import Event, events_between
from graph.indexes import Saved, open_indexes
from tests.tiny import DEEP, append_entry, shrink_tiny_seeds

OLD_SUMMARY = "A hormone tied to touch and bonding."


def _edit_summary(seeds: Path, text: str) -> None:
    concepts = seeds / "graph" / "concepts.yaml"
    concepts.write_text(concepts.read_text(encoding="utf-8").replace(OLD_SUMMARY, text), encoding="utf-8")


def _break_two_files(seeds: Path) -> None:
    signs = seeds / "graph" / "signs.yaml"
    signs.write_text(signs.read_text(encoding="utf-8").replace("more slowly", "more slowlyy"), encoding="utf-8")
    concepts = seeds / "graph" / "concepts.yaml"
    concepts.write_text(concepts.read_text(encoding="utf-8").replace("  label: Oxytocin\n", ""), encoding="utf-8")


@pytest.fixture
def content(seeds: Path, tiny: KnowledgeGraph) -> Iterator[Content]:
    """The main process's content holder on `tiny`, its seeds the test's copy."""
    held = Content(Settings(seeds_dir=seeds), tiny)
    yield held
    held.close()


def test_reload_adopts_changed_content_writes_it_for_the_workers_and_tells_the_listeners(
    seeds: Path, tiny: KnowledgeGraph, content: Content
) -> None:
    changes: list[tuple[str, str]] = []
    content.listeners.append(lambda old, new: changes.append((old.content_version, new.content_version)))
    _edit_summary(seeds, "A hormone of touch and closeness.")
    assert content.reload("test") == "reloaded"
    assert content.graph.nodes["oxytocin"].summary == "A hormone of touch and closeness."
    assert read_snapshot(content.graph_file).serves_same(content.graph)
    assert changes == [(tiny.content_version, content.graph.content_version)]
    assert content.generation == 1


def test_reload_of_unchanged_content_keeps_the_same_graph(seeds: Path, tiny: KnowledgeGraph, content: Content) -> None:
    concepts = seeds / "graph" / "concepts.yaml"
    concepts.write_text(concepts.read_text(encoding="utf-8") + "# a comment changes no content\n", encoding="utf-8")
    assert content.reload("test") == "unchanged"
    assert content.graph is tiny
    assert not content.graph_file.exists()


def test_invalid_content_keeps_the_old_graph_and_logs_every_problem(
    seeds: Path, tiny: KnowledgeGraph, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    _break_two_files(seeds)
    assert content.reload("test") == "rejected"
    assert content.graph is tiny
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "distance.reload")
    assert "seeds/graph/signs.yaml:7: quote not found in 000" in logged
    assert "seeds/graph/concepts.yaml:1:" in logged
    assert f"still serving content {tiny.content_version[:16]}" in logged
    assert not content.graph_file.exists()


def test_a_half_written_file_is_refused(
    seeds: Path, tiny: KnowledgeGraph, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    (seeds / "graph" / "signs.yaml").write_bytes(b"- id: slower-replies\n  label: \xff\xfe")
    assert content.reload("test") == "rejected"
    assert content.graph is tiny
    logged = [r.getMessage() for r in caplog.records if r.name == "distance.reload"]
    assert "seeds/graph/signs.yaml:2: byte 0xff at column 10 is not UTF-8 text" in logged


def test_a_fault_in_a_reload_is_logged_and_refused_never_raised(
    tiny: KnowledgeGraph, seeds: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> KnowledgeGraph:
        raise RecursionError("maximum recursion depth exceeded")

    held = Content(Settings(seeds_dir=seeds), tiny, explode)
    with caplog.at_level(logging.ERROR, logger="distance.reload"):
        assert held.reload("test") == "rejected"
    held.close()
    assert "reload (test) refused: RecursionError: maximum recursion depth exceeded" in caplog.text
    assert held.graph is tiny


def test_the_watcher_outlives_a_file_that_cannot_be_read_and_loads_later_edits(
    seeds: Path, tiny: KnowledgeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    questions = seeds / "graph" / "questions.yaml"
    good = questions.read_bytes()
    held = Content(Settings(seeds_dir=seeds, watch=True), load_graph(seeds))
    before = held.graph
    deadline = time.monotonic() + 20
    with caplog.at_level(logging.INFO, logger="distance.reload"):
        held.start()
        try:
            time.sleep(0.3)  # let the watcher subscribe before the edit
            questions.write_text("[" * 20000 + "]" * 20000 + "\n", encoding="utf-8")
            while "refused" not in caplog.text:
                assert time.monotonic() < deadline, "the bad edit was never logged"
                time.sleep(0.05)
            assert "seeds/graph/questions.yaml:1: collections are nested more than 100 deep" in caplog.text
            assert held.graph is before
            questions.write_bytes(good)
            _edit_summary(seeds, "A hormone of touch and closeness.")
            while held.graph.nodes["oxytocin"].summary != "A hormone of touch and closeness.":
                assert time.monotonic() < deadline, "a valid edit after the bad one was never loaded"
                time.sleep(0.05)
        finally:
            held.close()


def test_a_worker_follows_the_reload_signal_keeps_its_graph_on_a_torn_file_and_catches_up_at_start(
    seeds: Path, tiny: KnowledgeGraph, content: Content
) -> None:
    """A worker: SIGUSR1 reads the graph file (never the seeds), prepares the graph, then swaps it."""
    _edit_summary(seeds, "Edited on disk.")
    prepared: list[str] = []
    changed: list[str] = []
    published: list[Event] = []

    async def prepare(graph: KnowledgeGraph) -> None:
        prepared.append(graph.content_version)

    async def on_change(old: KnowledgeGraph, new: KnowledgeGraph, events: list[Event]) -> None:
        changed.append(new.content_version)
        published.extend(events)

    async def signal_and_settle(state: State) -> None:
        os.kill(os.getpid(), signal.SIGUSR1)
        for _ in range(50):
            await asyncio.sleep(0.02)

    async def scenario() -> tuple[str, str, str]:
        state = State({"graph": tiny, "graph_file": content.graph_file, "generation": 0})
        async with follow_reloads(state, prepare=prepare, on_change=on_change):
            content.graph_file.write_bytes(b"torn")
            await signal_and_settle(state)
            torn = state.graph.content_version
            assert content.reload("test") == "reloaded"  # writes the file and signals no one here
            await signal_and_settle(state)
            swapped = state.graph.content_version
        late = State({"graph": tiny, "graph_file": content.graph_file, "generation": 0})
        async with follow_reloads(late):  # forked before the reload, its signal missed: it catches up
            await asyncio.sleep(0.5)
        return torn, swapped, late.graph.content_version

    torn, swapped, late = asyncio.run(scenario())
    edited = content.graph.content_version
    assert (torn, swapped, late) == (tiny.content_version, edited, edited)
    assert prepared == changed == [edited]
    assert published == events_between(tiny, content.graph)  # made by the main process, published here


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


def _refusals(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "distance.reload")


def test_nesting_that_crashes_a_parser_is_refused_and_the_old_graph_serves(
    seeds: Path, tiny: KnowledgeGraph, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    line = append_entry(seeds / "graph" / "concepts.yaml", DEEP)
    assert content.reload("test") == "rejected"
    assert content.graph is tiny
    assert f"seeds/graph/concepts.yaml:{line + 1}: collections are nested more than 100 deep" in _refusals(caplog)


def test_an_emptied_content_folder_is_refused(
    seeds: Path, tiny: KnowledgeGraph, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    for path in (seeds / "graph").glob("*.yaml"):
        path.write_bytes(b"")
    assert content.reload("test") == "rejected"
    assert content.graph is tiny
    assert "seeds/graph/concepts.yaml:1: no entries" in _refusals(caplog)


def test_a_reload_removing_most_nodes_needs_the_operator_s_word(
    seeds: Path, tiny: KnowledgeGraph, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    shrink_tiny_seeds(seeds)
    assert content.reload("test") == "rejected"
    assert content.graph is tiny
    said = _refusals(caplog)
    assert "refused: the new content keeps 4 of the 9 nodes served" in said
    assert "`distance reload --confirm` to reload anyway" in said
    assert content.reload("SIGUSR2", confirmed=True) == "reloaded"
    assert len(content.graph.nodes) == 4


def test_answers_prebuilt_in_the_loading_child_reach_the_workers_who_make_none(
    seeds: Path, tiny: KnowledgeGraph
) -> None:
    """The main process's reload makes the prebuilt answers in the child that loads the seeds
    (here a real app's, every path `api.app.routes` lists), which writes them with the graph
    and makes the events of the switch; a worker adopts the answers (`prepare`, making them on
    its own loop, never runs) and publishes the events."""
    settings = Settings(seeds_dir=seeds, access_log=False)
    made_in: list[int] = []

    def prebuild(graph: KnowledgeGraph) -> object:
        made_in.append(os.getpid())
        return prebuilt_answers(create_app(settings, graph), graph)

    held = Content(settings, tiny, prebuild=prebuild)
    try:
        _edit_summary(seeds, "Edited for the workers.")
        assert held.reload("test") == "reloaded"
        assert made_in == []  # appended in the child, not here
        graph, prebuilt, indexes = read_graph_file(held.graph_file)
        assert isinstance(prebuilt, list)
        assert indexes is not None
        assert indexes.content_version == graph.content_version
        paths = {row[0] for batch in prebuilt for row in pickle.loads(batch.rows, buffers=batch.bodies)}
        assert {"/v1/meta", "/v1/nodes/oxytocin", "/v1/graph"} <= paths
        prepared: list[str] = []
        adopted: list[int] = []

        async def prepare(new: KnowledgeGraph) -> None:
            prepared.append(new.content_version)

        async def adopt(new: KnowledgeGraph, answers: object) -> bool:
            adopted.append(len(answers) if isinstance(answers, list) else 0)
            return True

        published: list[Event] = []

        async def on_change(old: KnowledgeGraph, new: KnowledgeGraph, events: list[Event]) -> None:
            published.extend(events)

        opened: list[Saved | None] = []

        async def ready(new: KnowledgeGraph, saved: Saved | None) -> None:
            opened.append(saved)
            assert saved is not None
            open_indexes(new, saved)

        async def scenario() -> KnowledgeGraph:
            state = State({"graph": tiny, "graph_file": held.graph_file, "generation": 0})
            async with follow_reloads(state, prepare=prepare, adopt=adopt, ready=ready, on_change=on_change):
                await asyncio.sleep(0.5)  # catches up
            served: KnowledgeGraph = state.graph
            return served

        served = asyncio.run(scenario())
        assert served.content_version == graph.content_version
        assert (prepared, adopted) == ([], [len(prebuilt)])
        assert opened == [indexes]  # made in the child: the worker opened them
        found = [hit.node.id for hit in queries.search(served, "oxytocin").items]
        assert found
        assert found == [hit.node.id for hit in queries.search(graph, "oxytocin").items]
        assert published == events_between(tiny, held.graph)  # made in the child too
    finally:
        held.close()


def test_the_loading_child_makes_the_indexes_and_the_server_keeps_two_folders_of_them(
    seeds: Path, tiny: KnowledgeGraph
) -> None:
    """Each reload's child writes the new graph's indexes to a folder of its own, named in the
    graph file; the served graph's folder and the one before stay (a worker may still open it),
    older ones go."""
    held = Content(Settings(seeds_dir=seeds), tiny, prebuild=lambda graph: None)
    concepts = seeds / "graph" / "concepts.yaml"
    original = concepts.read_text(encoding="utf-8")
    try:
        named = []
        for n in range(3):
            concepts.write_text(original.replace(OLD_SUMMARY, f"Edited summary number {n}."), encoding="utf-8")
            assert held.reload("test") == "reloaded"
            graph, _, indexes = read_graph_file(held.graph_file)
            assert indexes is not None
            assert indexes.content_version == graph.content_version
            named.append(indexes.folder)
        assert sorted(held.directory.glob("indexes-*")) == sorted(named[-2:])
    finally:
        held.close()


def test_a_worker_whose_indexes_folder_is_gone_makes_them_itself_and_swaps(
    seeds: Path, tiny: KnowledgeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    """The server keeps two folders of indexes; a worker that fell further behind finds the one
    its graph file names removed: it says so, makes the indexes itself and swaps all the same."""
    from api.app.factory import _ready

    held = Content(Settings(seeds_dir=seeds), tiny, prebuild=lambda graph: None)
    try:
        _edit_summary(seeds, "Edited while its indexes go.")
        assert held.reload("test") == "reloaded"
        indexes = read_graph_file(held.graph_file).indexes
        assert indexes is not None
        shutil.rmtree(indexes.folder)

        async def scenario() -> KnowledgeGraph:
            state = State({"graph": tiny, "graph_file": held.graph_file, "generation": 0})
            async with follow_reloads(state, ready=_ready):
                await asyncio.sleep(0.5)  # catches up
            served: KnowledgeGraph = state.graph
            return served

        with caplog.at_level(logging.WARNING, logger="distance.reload"):
            served = asyncio.run(scenario())
        assert served.content_version == held.graph.content_version
        assert f"made the indexes of content {served.content_version[:16]} here" in caplog.text
        assert [hit.node.id for hit in queries.search(served, "oxytocin").items][:1] == ["oxytocin"]
    finally:
        held.close()


def test_a_replaced_graph_is_freed_without_the_cycle_collector(seeds: Path, tiny: KnowledgeGraph) -> None:
    """A worker freezes each graph it swaps in out of the cycle collector (`follow_reloads`):
    that is only safe while a replaced graph, with all that was derived from it on use, is
    freed by reference counting alone."""
    import gc
    import weakref

    from fastapi.testclient import TestClient

    urls = ["/v1/nodes/oxytocin", "/v1/search?q=touch", "/v1/graph?format=ntriples", "/v1/meta", "/v1/guide"]
    app = create_app(Settings(seeds_dir=seeds, access_log=False), tiny)
    with TestClient(app) as client:
        app.state.graph = load_graph(seeds)  # the first graph stays referenced by the app; this one is replaced
        assert all(client.get(url).status_code < 500 for url in urls)
        replaced = weakref.ref(app.state.graph)
        gc.collect()
        gc.disable()
        try:
            app.state.graph = load_graph(seeds)
            assert all(client.get(url).status_code < 500 for url in urls)
            assert replaced() is None
        finally:
            gc.enable()


def test_a_worker_reads_the_graph_file_a_piece_a_turn_of_its_loop(tmp_path: Path) -> None:
    """The shipped graph read on an event loop (`read_graph_file_between`): the same graph and
    answers as read at once (a large body out of band, bytes of its own), and other tasks run
    between its pieces, never waiting for all."""
    from api.process.graphfile import read_graph_file_between

    shipped = load_graph(Path(__file__).resolve().parents[3] / "seeds")
    path = tmp_path / "graph.pickle"
    made = AnswerCache(max_entries=10, max_bytes=1 << 30)
    bodies = [b"{}", bytes(range(256)) * 1024, b"[]", b"x" * 70_000]  # 256 KB and 70 KB: out of band
    for n, body in enumerate(bodies):
        made.put_prebuilt(shipped, (f"/v1/{n}", b"", Variant()), Answer(200, [(b"etag", b'"e"')], body))
    answers = made.prebuilt(shipped)
    assert [len(batch.bodies) for batch in answers] == [2]
    write_snapshot(shipped, path, answers)

    async def read_beside_a_ticker() -> tuple[KnowledgeGraph, object, int]:
        ticks = 0
        reading = asyncio.ensure_future(read_graph_file_between(path))
        while not reading.done():
            ticks += 1
            await asyncio.sleep(0)
        graph, prebuilt, _ = reading.result()
        return graph, prebuilt, ticks

    graph, prebuilt, ticks = asyncio.run(read_beside_a_ticker())
    assert graph.serves_same(shipped)
    assert dict(graph.edges) == dict(shipped.edges)
    assert isinstance(graph.nodes, MappingProxyType)
    assert graph.releases == shipped.releases
    assert isinstance(prebuilt, list)
    assert [(bytes(b.rows), b.bodies) for b in prebuilt] == [(bytes(b.rows), b.bodies) for b in answers]
    adopted = AnswerCache(max_entries=10, max_bytes=1 << 30)
    for batch in prebuilt:
        adopted.adopt(graph, batch)
    kept = [adopted.get(graph, (f"/v1/{n}", b"", Variant())) for n in range(len(bodies))]
    assert [answer.body if answer is not None else None for answer in kept] == bodies
    assert ticks > (len(shipped.nodes) + len(shipped.edges)) // 48  # a turn for the ticker between pieces


def test_a_worker_that_missed_a_reload_publishes_the_events_of_both_changes(
    seeds: Path, tiny: KnowledgeGraph, content: Content
) -> None:
    """The main process makes each change's events once; a worker that swaps from the first
    content to the third publishes those of both switches, as a worker that saw each would."""
    published: list[Event] = []

    async def on_change(old: KnowledgeGraph, new: KnowledgeGraph, events: list[Event]) -> None:
        published.extend(events)

    _edit_summary(seeds, "Edited once.")
    assert content.reload("test") == "reloaded"
    middle = content.graph
    concepts = seeds / "graph" / "concepts.yaml"
    concepts.write_text(concepts.read_text(encoding="utf-8").replace("Edited once.", "Edited twice."), "utf-8")
    assert content.reload("test") == "reloaded"

    async def follow() -> None:
        state = State({"graph": tiny, "graph_file": content.graph_file, "generation": 0})
        async with follow_reloads(state, on_change=on_change):  # behind by two: it catches up at start
            for _ in range(100):
                await asyncio.sleep(0.02)
                if published:
                    break

    asyncio.run(follow())
    assert published == events_between(tiny, middle) + events_between(middle, content.graph)
    assert [e.topic for e in published] == ["content.changed", "content.changed"]
