"""SPARQL evaluations in processes of their own, so that one past its deadline is stopped.

pyoxigraph cannot interrupt a query: one that sorts, groups or aggregates a huge join writes
nothing until that step ends, so no check between writes can stop it. Each evaluation
therefore runs in a child process; at its deadline the parent kills the child and answers
with the time limit, and the next query starts a new one. At most `slots` run at once (one
more is refused at once); idle children are kept for the next query on the same graph and
killed with the pool.

The children share one store of the graph's triples on disk, built once per graph (content
version and IRIs) by a child of its own from the graph's JSON-LD (`graph.sparql.store_of`
over `graph.rdf.graph_jsonld_pieces`, so the same triples the exports serve), in a directory
of the pool's private one; each query child opens it read-only, so the store's memory is the
page cache, shared, not a copy in each child's heap, and a child killed at its deadline costs
a new process, not a new store. The builder is handed the graph itself and makes the JSON-LD
there: the server keeps none of it. A new graph (a reload) gets a new directory: queries on
the old graph go on using the old store while the new one is built (in the background as soon
as the graph is reloaded, `prepare`, if the pool has answered a query before), and the old one
is removed once no child holds it.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import multiprocessing
import os
import shutil
import tempfile
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Final

import pyoxigraph

from api.edge.variant import Variant
from graph.build import KnowledgeGraph
from graph.errors import QueryLimit, QuerySyntaxError, ReadOnlyQuery
from graph.rdf import Iris, graph_jsonld_pieces
from graph.sparql import SparqlAnswer, evaluate_on, store_of

__all__ = ["Busy", "Lost", "NotAcceptable", "SparqlPool", "prune_stores", "store_name"]

# A fresh interpreter per child: forking a process that runs threads (the server's) is unsafe.
_CONTEXT: Final = multiprocessing.get_context("spawn")
_GRACE: Final = 0.5  # seconds past the deadline before the child is killed: its own check comes first


class Busy(Exception):
    """Every slot is running a query."""


class Lost(Exception):
    """The child answering a query ended without an answer (it crashed); the query may be retried."""


class NotAcceptable(Exception):
    """The request's `Accept` takes none of `offers`, the media types the query's form is written in."""

    def __init__(self, offers: Sequence[str]) -> None:
        super().__init__(", ".join(offers))
        self.offers = tuple(offers)


def _build(kg: KnowledgeGraph, iris: Iris, path: str) -> None:
    """The builder: a store on disk at `path` of `kg`'s triples as `iris` names them."""
    store_of(graph_jsonld_pieces(kg, iris), path)


def _serve(conn: Connection, path: str, vocab: str) -> None:
    """A query child: the store at `path`, read-only, then one query after another until the pipe closes."""
    store = pyoxigraph.Store.read_only(path)
    conn.send(("ready",))
    while True:
        try:
            query, accept, max_bytes, seconds = conn.recv()
        except EOFError:
            return

        def choose(offers: Sequence[str], accept: tuple[str, ...] | None = accept) -> str:
            chosen = Variant(accept=accept).choose(offers)
            if chosen is None:
                raise NotAcceptable(offers)
            return chosen

        try:
            found = evaluate_on(store, vocab, query, choose, max_bytes=max_bytes, deadline=time.monotonic() + seconds)
            conn.send(("ok", found.media_type, found.body))
        except NotAcceptable as error:
            conn.send(("406", error.offers))
        except QueryLimit as error:
            conn.send(("limit", error.limit, error.bound, str(error)))
        except QuerySyntaxError as error:
            conn.send(("syntax", str(error)))
        except ReadOnlyQuery as error:
            conn.send(("read-only", str(error)))


@dataclass(slots=True)
class _Child:
    process: BaseProcess
    conn: Connection
    key: tuple[str, Iris]

    def ask(self, request: tuple[Any, ...]) -> tuple[Any, ...]:
        self.conn.send(request)
        reply: tuple[Any, ...] = self.conn.recv()
        return reply

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


def store_name(content_version: str, iris: Iris) -> str:
    """The directory name of the store of a graph as `iris` names it: its content version
    first, so that what a reload leaves behind can be found by version (`prune_stores`)."""
    named = hashlib.sha256(repr(iris).encode()).hexdigest()[:12]
    return f"{content_version[:32]}-{named}"


def prune_stores(root: Path, keep: Sequence[str]) -> None:
    """Remove the stores under `root` of content versions other than `keep` (the main process
    of a server, after a reload: the new version and the one before, which workers that have
    not switched yet still query)."""
    for path in root.glob("*"):
        if path.is_dir() and not any(path.name.startswith(version[:32]) for version in keep):
            shutil.rmtree(path, ignore_errors=True)
            path.with_name(path.name + ".lock").unlink(missing_ok=True)


def _build_apart(kg: KnowledgeGraph, iris: Iris, path: Path, builders: list[BaseProcess], closed: list[bool]) -> bool:
    """The store of `kg` at `path`, built in a child process unless it is there already; whether
    it is. Under a lock beside it: another process building the same store (a worker of the same
    server) is waited for, not repeated. Built under another name and renamed when whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_dir():
            return True
        partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        process = _CONTEXT.Process(target=_build, args=(kg, iris, str(partial)), daemon=True)
        process.start()  # hands the child the graph (pickled), which takes a while on a large one
        builders.append(process)
        try:
            if closed:  # the pool was closed meanwhile: see `_close`
                process.kill()
            process.join()
        finally:
            builders.remove(process)
        if process.exitcode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            return False
        try:
            os.replace(partial, path)
        except OSError:  # pruned meanwhile (a version two reloads old): as if the build had failed
            return False
        return True


def _start(path: Path, vocab: str, key: tuple[str, Iris]) -> _Child:
    """A query child on the store at `path`, once it has opened it."""
    mine, theirs = _CONTEXT.Pipe()
    process = _CONTEXT.Process(target=_serve, args=(theirs, str(path), vocab), daemon=True)
    process.start()
    theirs.close()
    child = _Child(process, mine, key)
    try:
        mine.recv()  # ("ready",): the store is open
    except (EOFError, OSError):
        child.kill()
        raise Lost from None
    return child


def _close(children: list[_Child], builders: list[BaseProcess], closed: list[bool], root: Path | None) -> None:
    # Marked first: a builder started from now on is killed by the thread that started it.
    closed.append(True)
    for child in children:
        child.kill()
    for process in list(builders):
        process.kill()
    if root is not None:
        shutil.rmtree(root, ignore_errors=True)


class SparqlPool:
    """Runs SPARQL queries in child processes, at most `slots` at once, each killed at its deadline."""

    def __init__(self, slots: int, root: Path | None = None) -> None:
        """`root`: the directory the workers of one server share their stores in (each store is
        then built once, by whichever worker needs it first, and pruned by the server's main
        process); None, a private one of this pool's, removed with it."""
        self.slots = slots
        self._running = 0
        self._idle: list[_Child] = []
        self._busy: list[_Child] = []
        self._builders: list[BaseProcess] = []
        self._shared = root is not None
        self._root = root if root is not None else Path(tempfile.mkdtemp(prefix="distance-sparql-"))  # 0700
        self._stores: dict[tuple[str, Iris], Path] = {}
        self._builds: dict[tuple[str, Iris], asyncio.Future[Path]] = {}
        self._current: tuple[str, Iris] | None = None
        self._prepared: set[asyncio.Future[Path]] = set()
        # Kill the children and remove the stores when the pool goes (an app torn down in tests,
        # the server stopping).
        mine = None if self._shared else self._root
        self._closed: list[bool] = []  # made true (not empty) by `close`; read by the threads that build
        self._finalizer = weakref.finalize(self, _close, self._idle, self._builders, self._closed, mine)

    def close(self) -> None:
        """Kill the children and remove a private pool's stores now (else when the pool is collected)."""
        self._finalizer()

    def store(self, kg: KnowledgeGraph, iris: Iris) -> Path | None:
        """The directory of the store of `kg` as `iris` names it, if it is built."""
        return self._stores.get((kg.content_version, iris))

    async def run(
        self,
        kg: KnowledgeGraph,
        iris: Iris,
        query: str,
        accept: tuple[str, ...] | None,
        *,
        max_bytes: int,
        seconds: float,
    ) -> SparqlAnswer:
        """The answer to `query` on `kg`, in what `accept` takes.

        The first query on a graph waits for its store to be built. Raises Busy with every slot
        taken, Lost when a child ends without an answer, NotAcceptable, and the domain's
        QueryLimit, QuerySyntaxError and ReadOnlyQuery as `graph.sparql.evaluate` does.
        """
        if self._running >= self.slots:
            raise Busy
        self._running += 1
        try:
            key = (kg.content_version, iris)
            child = self._take(key)
            if child is None:
                path = await self.build(kg, iris)
                child = await asyncio.to_thread(_start, path, iris.vocab, key)
            self._busy.append(child)
            request = (query, accept, max_bytes, seconds)
            try:
                reply = await asyncio.wait_for(asyncio.to_thread(child.ask, request), seconds + _GRACE)
            except TimeoutError:
                await asyncio.to_thread(child.kill)
                raise QueryLimit("time", None, f"the query ran past its time limit of {seconds:g} s") from None
            except (EOFError, OSError):
                await asyncio.to_thread(child.kill)
                raise Lost from None
            finally:
                self._busy.remove(child)
            self._idle.append(child)
        finally:
            self._running -= 1
            self._sweep()
        return _answer(reply)

    def prepare(self, kg: KnowledgeGraph, iris: Iris) -> None:
        """Start building the store of `kg` in the background if this pool has answered a query
        before (a server whose graph was reloaded): its first query then waits less, or not at all.
        A pool that never answered one builds nothing."""
        if not self._stores and not self._builds:
            return
        task = asyncio.ensure_future(self.build(kg, iris))
        self._prepared.add(task)
        task.add_done_callback(self._prepared.discard)
        task.add_done_callback(lambda done: done.cancelled() or done.exception())  # a failure waits for a query

    async def build(self, kg: KnowledgeGraph, iris: Iris) -> Path:
        """The directory of the store of `kg` as `iris` names it, built first if it is not
        (one build per graph, however many queries wait for it). Raises Lost if the builder fails."""
        key = (kg.content_version, iris)
        path = self._stores.get(key)
        if path is not None:
            return path
        build = self._builds.get(key)
        if build is None:
            build = self._builds[key] = asyncio.ensure_future(self._build(kg, iris, key))
        return await asyncio.shield(build)

    async def _build(self, kg: KnowledgeGraph, iris: Iris, key: tuple[str, Iris]) -> Path:
        path = self._root / store_name(kg.content_version, iris)
        try:
            built = await asyncio.to_thread(_build_apart, kg, iris, path, self._builders, self._closed)
        finally:
            del self._builds[key]
        if not built:
            raise Lost
        self._stores[key] = path
        self._current = key
        self._sweep()
        return path

    def _take(self, key: tuple[str, Iris]) -> _Child | None:
        """An idle child holding this graph; children holding another one (before a reload) are killed."""
        while self._idle:
            child = self._idle.pop()
            if child.key == key and child.process.is_alive():
                return child
            child.kill()
        return None

    def _sweep(self) -> None:
        """Let go of the stores of graphs other than the last one built, once no running query
        holds them: a private pool removes them; shared ones are the main process's to prune."""
        for key, path in list(self._stores.items()):
            if key == self._current or any(child.key == key for child in self._busy):
                continue
            for child in [child for child in self._idle if child.key == key]:
                self._idle.remove(child)
                child.kill()
            del self._stores[key]
            if not self._shared:
                shutil.rmtree(path, ignore_errors=True)
                path.with_name(path.name + ".lock").unlink(missing_ok=True)


def _answer(reply: tuple[Any, ...]) -> SparqlAnswer:
    kind = reply[0]
    if kind == "ok":
        return SparqlAnswer(reply[1], reply[2])
    if kind == "406":
        raise NotAcceptable(reply[1])
    if kind == "limit":
        raise QueryLimit(reply[1], reply[2], reply[3])
    if kind == "syntax":
        raise QuerySyntaxError(reply[1])
    raise ReadOnlyQuery(reply[1])
