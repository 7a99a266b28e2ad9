"""Reloading the content while serving: on SIGHUP, or when a file under the seeds changes.

The next graph is loaded, validated and built in a child process (`graph.intake.load_apart`:
content that crashes a parser ends that child, not the server), waited for in a thread beside
the one being served, and swapped into `app.state.graph` in one assignment: a request sees the old graph or the new
one, never half of either. Invalid content is refused with every `file:line` logged, and the
old graph goes on serving. Unchanged content (same content_version and the same releases,
`KnowledgeGraph.serves_same`) keeps the old graph object, so nothing keyed on it (ETags,
cached bodies) changes. New content that would remove most of the nodes served (a folder
moved away, files emptied by a failed copy) is refused too, unless the operator confirms it
with SIGUSR2 instead of SIGHUP.

Under `distance serve --workers N` the supervisor does the loading: it validates the seeds,
writes the built graph to a snapshot file and sends each worker SIGHUP; a worker whose
`state.snapshot` names that file reloads from it (and never watches the seeds itself), so
every worker swaps to the same validated graph without dropping a connection.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Literal

from starlette.datastructures import State
from watchfiles import awatch

from api.process.graphfile import read_snapshot
from graph.build import KnowledgeGraph
from graph.errors import ContentError
from graph.intake import load_apart, removal

__all__ = ["ContentReloader", "Outcome", "live_reload"]

Outcome = Literal["reloaded", "unchanged", "rejected"]
log = logging.getLogger("distance.reload")


class ContentReloader:
    """Rebuild the graph with `load` and swap it into `state.graph`, one reload at a time."""

    def __init__(
        self,
        state: State,
        seeds_dir: Path,
        load: Callable[[], KnowledgeGraph] | None = None,
        prepare: Callable[[KnowledgeGraph], Awaitable[None]] | None = None,
    ) -> None:
        self.state = state
        self.seeds_dir = seeds_dir
        self.load = load if load is not None else (lambda: load_apart(seeds_dir))
        # Whether to refuse, unconfirmed, new content that removes most of what is served: off
        # when `load` reads what a supervisor already weighed.
        self.guard = load is None
        # Run on a new graph before it is swapped in: the app makes its prebuilt answers here.
        self.prepare = prepare
        # Reloads run one after another, so a slow older load never replaces a newer graph.
        self._lock = asyncio.Lock()

    async def reload(self, trigger: str, *, confirmed: bool = False) -> Outcome:
        """Load and validate the seeds again; swap the graph only if the content changed.

        `confirmed`: the operator accepts new content that removes most of the nodes served.
        """
        async with self._lock:
            current: KnowledgeGraph = self.state.graph
            try:
                new = await asyncio.to_thread(self.load)
            except ContentError as exc:
                for problem in exc.problems:
                    log.error("%s", problem)
                log.error(
                    "reload (%s) refused: %d content problem(s); still serving content %s",
                    trigger, len(exc.problems), current.content_version[:16],
                )  # fmt: skip
                return "rejected"
            except Exception as exc:  # noqa: BLE001 - a vanished file, a bad snapshot, a fault: never fatal
                log.error(
                    "reload (%s) refused: %s: %s; still serving content %s",
                    trigger, type(exc).__name__, exc, current.content_version[:16],
                )  # fmt: skip
                return "rejected"
            if new.serves_same(current):
                log.info("reload (%s): content %s unchanged", trigger, current.content_version[:16])
                return "unchanged"
            removed = removal(current, new) if self.guard and not confirmed else None
            if removed is not None:
                log.error(
                    "reload (%s) refused: %s; still serving content %s (send SIGUSR2 to reload anyway)",
                    trigger, removed, current.content_version[:16],
                )  # fmt: skip
                return "rejected"
            if self.prepare is not None:
                await self.prepare(new)
            self.state.graph = new  # the one assignment that switches every later request
            log.info(
                "reload (%s): now serving content %s (was %s), %d release(s) recorded",
                trigger, new.content_version[:16], current.content_version[:16], len(new.releases),
            )  # fmt: skip
            return "reloaded"

    async def watch(self, stop: asyncio.Event) -> None:
        """Reload after each burst of file changes under the seeds, until `stop` is set.

        Nothing ends it but `stop`: a reload that fails is logged (`reload`), and a watch that
        fails (the folder moved away, say) is logged and started again."""
        while not stop.is_set():
            try:
                async for _changes in awatch(self.seeds_dir, stop_event=stop, debounce=300, step=50):
                    await self.reload("files changed")
            except Exception as exc:  # noqa: BLE001 - the watcher outlives any one failure
                log.error("watching %s failed: %s: %s; watching again", self.seeds_dir, type(exc).__name__, exc)
            with suppress(TimeoutError):  # a pause before watching again, so a lasting fault never spins
                await asyncio.wait_for(stop.wait(), 1.0)


@asynccontextmanager
async def live_reload(
    state: State,
    seeds_dir: Path,
    *,
    watch: bool,
    prepare: Callable[[KnowledgeGraph], Awaitable[None]] | None = None,
) -> AsyncIterator[ContentReloader]:
    """While open: SIGHUP reloads (where signals can be handled), and with `watch` so do file changes.

    SIGUSR2 reloads as SIGHUP does, and accepts new content that removes most of what is served.

    With `state.snapshot` set (a worker under the supervisor), SIGHUP reloads from that file
    and `watch` is left to the supervisor.
    """
    snapshot: Path | None = getattr(state, "snapshot", None)
    load = None
    if snapshot is not None:
        path = snapshot  # bound for the closure with its narrowed type

        def load() -> KnowledgeGraph:
            return read_snapshot(path)

        watch = False
    reloader = ContentReloader(state, seeds_dir, load, prepare)
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task[Outcome]] = set()

    def on_signal(trigger: str, confirmed: bool) -> None:
        task = loop.create_task(reloader.reload(trigger, confirmed=confirmed))
        pending.add(task)
        task.add_done_callback(pending.discard)

    # Signal handlers can only be set from the main thread (not, e.g., under a test client).
    try:
        loop.add_signal_handler(signal.SIGHUP, on_signal, "SIGHUP", False)
        loop.add_signal_handler(signal.SIGUSR2, on_signal, "SIGUSR2, removal confirmed", True)
        hooked = True
    except (ValueError, RuntimeError, NotImplementedError):
        hooked = False
    stop = asyncio.Event()
    watcher = loop.create_task(reloader.watch(stop)) if watch else None
    try:
        yield reloader
    finally:
        if hooked:
            loop.remove_signal_handler(signal.SIGHUP)
            loop.remove_signal_handler(signal.SIGUSR2)
        stop.set()
        if watcher is not None:
            await watcher
        for task in list(pending):
            with suppress(asyncio.CancelledError):
                await task
