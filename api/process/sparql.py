"""SPARQL evaluations in processes of their own, so that one past its deadline is stopped.

pyoxigraph cannot interrupt a query: one that sorts, groups or aggregates a huge join writes
nothing until that step ends, so no check between writes can stop it. Each evaluation
therefore runs in a child process holding its own store of the graph's triples (made from the
graph's JSON-LD document, in pieces, so the same triples the exports serve); at its deadline the parent
kills the child and answers with the time limit, and the next query starts a new one. At
most `slots` run at once (one more is refused at once); idle children are kept for the
next query on the same graph and killed with the pool.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Final

from api.edge.variant import Variant
from graph.build import KnowledgeGraph
from graph.errors import QueryLimit, QuerySyntaxError, ReadOnlyQuery
from graph.rdf import Iris, graph_jsonld_pieces
from graph.sparql import SparqlAnswer, evaluate_on, store_of

__all__ = ["Busy", "Lost", "NotAcceptable", "SparqlPool"]

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


def _serve(conn: Connection, pieces: tuple[bytes, ...], vocab: str) -> None:
    """The child: a store of the triples of `pieces` (JSON-LD documents), then one query after another
    until the pipe closes."""
    store = store_of(pieces)
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


def _start(kg: KnowledgeGraph, iris: Iris) -> _Child:
    """A child with a store of `kg`'s triples as `iris` names them, once it is ready."""
    mine, theirs = _CONTEXT.Pipe()
    process = _CONTEXT.Process(
        target=_serve, args=(theirs, kg.derived(graph_jsonld_pieces, iris), iris.vocab), daemon=True
    )
    process.start()
    theirs.close()
    mine.recv()  # ("ready",): the store is built
    return _Child(process, mine, (kg.content_version, iris))


def _kill_all(children: list[_Child]) -> None:
    for child in children:
        child.kill()


class SparqlPool:
    """Runs SPARQL queries in child processes, at most `slots` at once, each killed at its deadline."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._running = 0
        self._idle: list[_Child] = []
        # Kill the idle children when the pool goes (an app torn down in tests, the server stopping).
        weakref.finalize(self, _kill_all, self._idle)

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

        Raises Busy with every slot taken, NotAcceptable, and the domain's QueryLimit,
        QuerySyntaxError and ReadOnlyQuery as `graph.sparql.evaluate` does.
        """
        if self._running >= self.slots:
            raise Busy
        self._running += 1
        try:
            key = (kg.content_version, iris)
            kept = self._take(key)
            child = kept if kept is not None else await asyncio.to_thread(_start, kg, iris)
            request = (query, accept, max_bytes, seconds)
            try:
                reply = await asyncio.wait_for(asyncio.to_thread(child.ask, request), seconds + _GRACE)
            except TimeoutError:
                await asyncio.to_thread(child.kill)
                raise QueryLimit("time", None, f"the query ran past its time limit of {seconds:g} s") from None
            except (EOFError, OSError):
                await asyncio.to_thread(child.kill)
                raise Lost from None
            self._idle.append(child)
        finally:
            self._running -= 1
        return _answer(reply)

    def _take(self, key: tuple[str, Iris]) -> _Child | None:
        """An idle child holding this graph; children holding another one (before a reload) are killed."""
        while self._idle:
            child = self._idle.pop()
            if child.key == key and child.process.is_alive():
                return child
            child.kill()
        return None


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
