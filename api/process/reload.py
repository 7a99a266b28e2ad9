"""Reloading the content while serving: decided in the server's main process, followed by every worker.

`Content.reload` is the routine, the same for one worker and for N. It loads and validates
the seeds in a child process (`graph.intake.load_apart`: content that crashes a parser ends
that child, not the server); invalid content is refused with every `file:line` logged and
the old graph goes on serving; unchanged content (`KnowledgeGraph.serves_same`) changes
nothing; new content that would remove most of the nodes served (a folder moved away, files
emptied by a failed copy) is refused too, unless the operator confirms it. Changed
content becomes the last good graph (what a worker that replaces a dead one is forked
with), is written to the graph file (`api.process.graphfile`), and every worker is told
(SIGUSR1). Each worker (`follow_reloads`, in the app's lifespan) then reads the file and
swaps the graph into `app.state.graph` in one assignment: a request sees the old graph or
the new one, never half of either, and no connection is closed.

Nothing a reload makes is made in a process that serves requests. The new graph's prebuilt
answers (`Content.prebuild`: every answer `api.app.routes` lists, exports included) and its
indexes for search and answers (`graph.indexes.save_indexes`, the tantivy ones in a folder
beside the graph file) are made once, in the same child process that loads the seeds (below
the serving processes' priority), which writes them into the graph file with the graph and
makes the events of the switch: the main process only receives the new graph, checks it, and
puts the file in place. A worker reads the file a piece at a time between requests, opens the
indexes a step at a time (`ready`: it maps their files and makes again what is cheaper to make
than to carry), files the answers away on its loop (~2,300 dictionary entries, in batches) and
swaps. No Python work of it runs in a thread beside the loop (the thread reads the file's
bytes and little else): such a thread holds the interpreter in stretches of up to the switch
interval (5 ms), which every request waits out. Workers do this one at a time (a lock on the
graph file), so they never all pause at once.

What triggers it, all in the main process, one reload at a time:
- `distance reload PID` (SIGUSR1 to the main process), in place; `distance reload --confirm
  PID` (SIGUSR2) also accepts content that removes most of what is served;
- `--watch`: a burst of changes under the seeds (`Content.watch`, the one file watcher);
- SIGHUP: granian's graceful worker restart calls `reload` first (its `on_reload` hook),
  so the restarted workers fork on the new content; it closes the connections open then.

Change notification: `Content.listeners` are called in the main process, once per content
change, with the old and the new graph (for work done once per change, such as webhooks);
`follow_reloads(..., on_change=...)` is called in each worker after its swap, with the events
of the switch (for work each worker does for its own clients, such as event streams). The
events are made once (by the loading child when it prebuilds, else by the main process) and
written beside the graph file with those of the last changes: a worker that missed a reload
publishes the events of each change it skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import gc
import hashlib
import logging
import multiprocessing
import os
import pickle
import queue
import shutil
import signal
import tempfile
import threading
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Final, Literal

from starlette.datastructures import State

from api.process.graphfile import read_graph_file_between, write_snapshot
from api.settings import Settings
from graph.build import KnowledgeGraph
from graph.errors import ContentError
from graph.events import Event, events_between
from graph.indexes import Saved, save_indexes
from graph.intake import load_apart, load_apart_and, removal
from graph.load import collector_paused

__all__ = ["Change", "Content", "Listener", "Outcome", "events_of", "follow_reloads"]

Outcome = Literal["reloaded", "unchanged", "rejected"]
Listener = Callable[[KnowledgeGraph, KnowledgeGraph], None]
# One change of what is served: its mark before (`_served_as`), its mark after, and the events of the switch.
Change = tuple[str, str, list[Event]]
log = logging.getLogger("distance.reload")

_RELOAD_SIGNAL: Final = signal.SIGUSR1
_PAUSE: Final = 1.0  # seconds before watching again after the watcher failed
_STOP: Final = ""
# Content changes kept beside the graph file: a worker that fell further behind than this
# (never seen: it would have missed this many reloads in a row) makes its events itself.
_CHANGES_KEPT: Final = 64
# Folders of indexes kept beside the graph file: the served graph's and the one before (a worker
# that opens a removed folder makes its indexes itself; one that opened it keeps its mapping).
_INDEXES_KEPT: Final = 2
_INDEXES: Final = "indexes-"


class Content:
    """The last good graph of a server, and the one routine that replaces it."""

    def __init__(
        self,
        settings: Settings,
        graph: KnowledgeGraph,
        load: Callable[[], KnowledgeGraph] | None = None,
        prebuild: Callable[[KnowledgeGraph], object] | None = None,
    ) -> None:
        self.settings = settings
        self.graph = graph
        self.load = load if load is not None else self._load_seeds
        # Run on a new graph in the child process that loads it: what the workers are handed
        # with it (the app's prebuilt answers), so that none makes them on its serving loop.
        self.prebuild = prebuild
        # With `prebuild`, the child also writes the graph file (to `_staged`, put in place here
        # once the new graph is accepted), makes the events of the switch and writes the graph's
        # indexes to a folder (`_made`: the events and the folder): the answers never cross the
        # pipe, and nothing of it is made at this process's priority.
        self._made: tuple[list[Event], Path] | None = None
        self.listeners: list[Listener] = []
        self.directory = Path(tempfile.mkdtemp(prefix="distance-content-"))  # private (0700), removed on close
        self.graph_file = self.directory / "graph.pickle"
        self._staged = self.directory / "graph.staged"
        self._attempts = 0  # reloads tried: each one's indexes get a folder of their own
        self._indexes: deque[Path] = deque(maxlen=_INDEXES_KEPT)  # of the graphs served, newest last
        self.generation = 0  # how many reloads changed the content; written beside the graph file
        self.changes: deque[Change] = deque(maxlen=_CHANGES_KEPT)  # newest last; written beside it too
        self._lock = threading.Lock()
        self._requests: queue.SimpleQueue[tuple[str, bool]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def reload(self, trigger: str, *, confirmed: bool = False) -> Outcome:
        """Load and validate the seeds again; adopt them and tell the workers only if the content changed.

        `confirmed`: the operator accepts new content that removes most of the nodes served.
        """
        with self._lock:
            current = self.graph
            try:
                new = self.load()
            except ContentError as exc:
                for problem in exc.problems:
                    log.error("%s", problem)
                unlisted = exc.count - len(exc.problems)  # past the first 1,000: `distance check` lists all
                more = f", {unlisted} not listed (`distance check` lists every one)" if unlisted else ""
                log.error(
                    "reload (%s) refused: %d content problem(s)%s; still serving content %s",
                    trigger, exc.count, more, current.content_version[:16],
                )  # fmt: skip
                return "rejected"
            except Exception as exc:  # noqa: BLE001 - a vanished file, a fault in the loader: never fatal
                log.error(
                    "reload (%s) refused: %s: %s; still serving content %s",
                    trigger, type(exc).__name__, exc, current.content_version[:16],
                )  # fmt: skip
                return "rejected"
            if new.serves_same(current):
                log.info("reload (%s): content %s unchanged", trigger, current.content_version[:16])
                return "unchanged"
            removed = None if confirmed else removal(current, new)
            if removed is not None:
                log.error(
                    "reload (%s) refused: %s; still serving content %s (`distance reload --confirm` to reload anyway)",
                    trigger, removed, current.content_version[:16],
                )  # fmt: skip
                return "rejected"
            made, self._made = self._made, None
            # The events of the switch, made once for every worker (a diff of the two graphs'
            # snapshots: ~20 ms of a worker's interpreter, in a thread, that its loop waited for).
            # Written before the graph file, so a worker that reads a graph finds its change.
            events = made[0] if made is not None else events_between(current, new)
            self.changes.append((_served_as(current), _served_as(new), events))
            _write_changes(self.graph_file, list(self.changes))
            if made is not None:  # the child wrote the graph file for `new`, with its answers and indexes
                os.replace(self._staged, self.graph_file)
                self._indexes.append(made[1])
                self._prune_indexes()
            else:
                write_snapshot(new, self.graph_file)
            self.generation += 1
            _write_generation(self.graph_file, self.generation)
            self.graph = new  # what a worker forked from now on starts with
            for listener in self.listeners:
                listener(current, new)
            for worker in multiprocessing.active_children():  # granian's workers, forked from here
                if worker.pid is not None:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(worker.pid, _RELOAD_SIGNAL)
            log.info(
                "reload (%s): now serving content %s (was %s), %d release(s) recorded",
                trigger, new.content_version[:16], current.content_version[:16], len(new.releases),
            )  # fmt: skip
            return "reloaded"

    def _load_seeds(self) -> KnowledgeGraph:
        """The seeds loaded in a child process; with `prebuild`, the child also writes the graph
        file with the answers made from them, and makes the events of the switch."""
        self._made = None
        if self.prebuild is None:
            return load_apart(self.settings.seeds_dir)
        self._attempts += 1
        current, prebuild, staged = self.graph, self.prebuild, self._staged
        folder = self.directory / f"{_INDEXES}{self._attempts}"

        def made_apart(new: KnowledgeGraph) -> list[Event]:  # in the child, below serving priority
            indexes = save_indexes(new, folder)  # first: the prebuilt search answers read them
            write_snapshot(new, staged, prebuild(new), indexes)
            return events_between(current, new)

        graph, events = load_apart_and(self.settings.seeds_dir, made_apart)
        self._made = (events, folder)
        return graph

    def _prune_indexes(self) -> None:
        """Remove the folders of indexes no kept graph was made with (refused reloads' too)."""
        for folder in self.directory.glob(f"{_INDEXES}*"):
            if folder not in self._indexes:
                shutil.rmtree(folder, ignore_errors=True)

    def request(self, trigger: str, *, confirmed: bool = False) -> None:
        """Ask for a reload from a signal handler: it runs on the reload thread, never in the handler."""
        self._requests.put((trigger, confirmed))

    def start(self) -> None:
        """Start the reload thread, and with `settings.watch` the file watcher."""
        self._spawn(self._serve_requests)
        if self.settings.watch:
            self._spawn(self.watch)

    def close(self) -> None:
        """Stop the threads and remove the graph file."""
        self._stop.set()
        self._requests.put((_STOP, False))
        shutil.rmtree(self.directory, ignore_errors=True)

    def watch(self) -> None:
        """Reload after each burst of file changes under the seeds, until `close`.

        A reload that fails is logged (`reload`); a watch that fails (the folder moved away,
        say) is logged and started again after a pause."""
        from watchfiles import watch

        while not self._stop.is_set():
            try:
                for _changes in watch(self.settings.seeds_dir, debounce=300, step=50, stop_event=self._stop):
                    self.request("files changed")
            except Exception as exc:  # noqa: BLE001 - the watcher outlives any one failure
                log.error(
                    "watching %s failed: %s: %s; watching again", self.settings.seeds_dir, type(exc).__name__, exc
                )
                self._stop.wait(_PAUSE)

    def _serve_requests(self) -> None:
        while (request := self._requests.get())[0] != _STOP:
            self.reload(request[0], confirmed=request[1])

    def _spawn(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=f"distance-{target.__name__.strip('_')}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def follow(self, app: Any) -> None:
        """Point an app built in a worker at this server's graph file (`follow_reloads` reads it)."""
        app.state.graph_file = self.graph_file
        app.state.generation = self.generation


def _generation_file(graph_file: Path) -> Path:
    return graph_file.with_suffix(".generation")


def _write_generation(graph_file: Path, generation: int) -> None:
    partial = _generation_file(graph_file).with_suffix(".partial")
    partial.write_text(str(generation))
    os.replace(partial, _generation_file(graph_file))


def _read_generation(graph_file: Path) -> int:
    try:
        return int(_generation_file(graph_file).read_text())
    except (OSError, ValueError):
        return 0


def _served_as(graph: KnowledgeGraph) -> str:
    """A mark of what `graph` serves: equal for two graphs exactly when they serve the same
    (`KnowledgeGraph.serves_same`: the content and the releases)."""
    releases = hashlib.sha256(repr([(r.content_version, r.released_at, r.file) for r in graph.releases]).encode())
    return f"{graph.content_version}:{releases.hexdigest()[:16]}"


def _changes_file(graph_file: Path) -> Path:
    return graph_file.with_suffix(".changes")


def _write_changes(graph_file: Path, changes: list[Change]) -> None:
    partial = _changes_file(graph_file).with_suffix(".changes-partial")
    partial.write_bytes(pickle.dumps(changes, pickle.HIGHEST_PROTOCOL))
    os.replace(partial, _changes_file(graph_file))


def _read_changes(graph_file: Path) -> list[Change]:
    try:
        changes: list[Change] = pickle.loads(_changes_file(graph_file).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError):
        return []
    return changes


def events_of(changes: Sequence[Change], old: str, new: str) -> list[Event] | None:
    """The events of the switch from what is served as `old` to what is served as `new` (marks
    of `_served_as`): those of each change that led from one to the other, oldest first (a
    worker that missed a reload publishes both); None when `changes` does not reach back to `old`.

    >>> events_of([("a", "b", ["1"]), ("b", "c", ["2"])], "a", "c")
    ['1', '2']
    >>> events_of([("b", "c", ["2"])], "a", "c") is None
    True
    """
    found: list[Event] = []
    at = new
    for before, after, events in reversed(changes):
        if at == old:
            break
        if after == at:
            found[:0] = events
            at = before
    return found if at == old else None


@contextlib.asynccontextmanager
async def _taking_turns(graph_file: Path) -> AsyncIterator[None]:
    """Hold the lock beside `graph_file` (waited for in a thread): one worker swaps at a time."""
    with _lock_file(graph_file).open("a") as lock:
        await asyncio.to_thread(fcntl.flock, lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _lock_file(graph_file: Path) -> Path:
    return graph_file.with_suffix(".lock")


@contextlib.asynccontextmanager
async def follow_reloads(
    state: State,
    *,
    prepare: Callable[[KnowledgeGraph], Awaitable[None]] | None = None,
    adopt: Callable[[KnowledgeGraph, object], Awaitable[bool]] | None = None,
    ready: Callable[[KnowledgeGraph, Saved | None], Awaitable[None]] | None = None,
    on_change: Callable[[KnowledgeGraph, KnowledgeGraph, list[Event]], Awaitable[None]] | None = None,
) -> AsyncIterator[None]:
    """While open, in a worker: on SIGUSR1, read `state.graph_file` and swap its graph in.

    Off the loop (in a thread): the file's bytes are read. On it: `ready(graph, indexes)` (the
    search and answer indexes: opened when the loading child made them, else made), and
    `adopt(graph, prebuilt)` files away the answers made with the graph (in batches,
    letting requests run between two), and when it
    cannot (nothing was prebuilt), `prepare(graph)` makes them here instead. Workers take
    turns (a lock on the graph file), so no two pause at once. After the swap,
    `on_change(old, new, events)`, with the events the main process made for the switch.

    Does nothing where no graph file is set (an app served other than by `distance serve`,
    a test client). A worker forked just before a reload, that missed its signal, finds the
    newer file when it starts following, and swaps it in then.
    """
    graph_file: Path | None = getattr(state, "graph_file", None)
    if graph_file is None:
        yield
        return
    path = graph_file
    loop = asyncio.get_running_loop()
    lock = asyncio.Lock()
    pending: set[asyncio.Task[None]] = set()

    async def read() -> tuple[KnowledgeGraph, object]:
        # Like the first graph (`api.app.factory`), each new one lives as long as it is served:
        # the collector is off while it is read (its ~100,000 new objects would set off full
        # collections, which walk them all and hold the serving loop for 30-250 ms), then it
        # is frozen out of the collector (moving it is O(1)). An old graph is freed by
        # reference counting once replaced (it holds no cycles); what young garbage is frozen
        # with the new one stays (a few hundred objects a reload).
        with collector_paused():
            try:
                new, prebuilt, indexes = await read_graph_file_between(path)  # a piece a turn, requests between
            finally:
                gc.freeze()
        if ready is not None:
            await ready(new, indexes)
        return new, prebuilt

    async def swap(signalled: float) -> None:
        async with lock, _taking_turns(path):  # one after another, so an older file never replaces a newer graph
            current: KnowledgeGraph = state.graph
            generation = _read_generation(path)
            try:
                new, prebuilt = await read()
            except Exception as exc:  # noqa: BLE001 - the worker keeps serving what it has
                log.error("worker %d kept content %s: %s", os.getpid(), current.content_version[:16], exc)
                return
            state.generation = generation
            if new.serves_same(current):
                return
            adopted = adopt is not None and await adopt(new, prebuilt)
            if not adopted and prepare is not None:
                await prepare(new)
            state.graph = new  # the one assignment that switches every later request
            gc.freeze()  # the adopted answers too
            if on_change is not None:
                # The events the main process made for this switch (`Content.reload`).
                changes = await asyncio.to_thread(_read_changes, path)
                events = events_of(changes, _served_as(current), _served_as(new))
                if events is None:  # behind by more changes than are kept: made here, off the loop
                    events = await asyncio.to_thread(events_between, current, new)
                await on_change(current, new, events)
            log.info(
                "worker %d: serves content %s (was %s), %.0f ms after the signal",
                os.getpid(), new.content_version[:16], current.content_version[:16], (loop.time() - signalled) * 1e3,
            )  # fmt: skip

    def on_signal() -> None:
        task = loop.create_task(swap(loop.time()))
        pending.add(task)
        task.add_done_callback(pending.discard)

    loop.add_signal_handler(_RELOAD_SIGNAL, on_signal)
    if _read_generation(path) > getattr(state, "generation", 0):
        on_signal()
    try:
        yield
    finally:
        loop.remove_signal_handler(_RELOAD_SIGNAL)
        for task in list(pending):
            with contextlib.suppress(asyncio.CancelledError):
                await task
