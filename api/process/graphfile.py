"""A built graph saved to a file and read back: how workers get content the supervisor validated.

`distance serve` loads and validates new seeds once, in its main process (`api.process.reload`),
and writes the built `KnowledgeGraph` here with pickle; its workers read it when told
(SIGUSR1) instead of loading the seeds themselves, so every worker swaps to the same graph.
The file lives in a private directory the main process made (mode 0700) and is only ever
read by the processes it forked: pickle's trust model fits.

The file is a run of small pickles, not one: a format tag, the graph's fields (a mapping of
more than `_PIECE` entries in pieces of that many; each release its head, then the records of
its snapshot in pieces of that many), an end mark, the graph's indexes when they were made
with it (`graph.indexes.Saved`: where their files are, and their plain data), then the
answers prebuilt with the graph (batches pickled by `api.edge.cache`, each written after its
length and read as a view of the file's bytes, unpickled once, by the worker that files it
away). Unpickled whole, the graph and its ~17 MB of answers were one call that holds the
interpreter (~4 ms for the graph alone at best, several times that on a busy machine, where a
thread doing it kept the loop waiting); a worker reads the file piece by piece on its serving
loop instead (`read_graph_file_between`), each piece in ~0.06 ms on the shipped content (the
last, which makes the graph, in up to ~1.5 ms), and serves requests between two.
`read_graph_file` reads it all at once (tests, tools).
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import pickle
from collections.abc import Generator, Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, NamedTuple

from graph.build import KnowledgeGraph
from graph.indexes import Saved
from graph.load import collector_paused
from graph.snapshots import Snapshot

__all__ = [
    "PAUSE",
    "GraphFile",
    "SnapshotError",
    "read_graph_file",
    "read_graph_file_between",
    "read_snapshot",
    "write_snapshot",
]

_FORMAT: Final = "distance graph file, in pieces, 3"
_LENGTH: Final = 8  # bytes of the length before each batch of answers
# Seconds a serving loop rests between two pieces of a reload's work (the graph read here,
# the answers filed away: `api.app.factory`). With no rest, a request that came during a
# piece waits for the next piece at each of the 3-4 turns of the loop its answer takes;
# with it, every request that came meanwhile is answered before the next piece. The ~200
# pieces of the shipped content's reload take ~0.2 s longer.
PAUSE: Final = 0.001
_END: Final = ("", "end", None)
_FIELDS: Final = tuple(f.name for f in dataclasses.fields(KnowledgeGraph) if f.init)
# Entries of a mapping per piece: ~0.2 ms to unpickle on the shipped content (edges, with
# their evidence, are the slowest).
_PIECE: Final = 48
# One piece of the graph: (field, "whole", value), (field, "entries", [(key, value), ...]),
# (field, "release", a release with an empty snapshot) or (field, "release nodes"/"release
# edges", [(id, record), ...]): a release's snapshot records a whole graph (~3 ms to unpickle).
_Piece = tuple[str, str, Any]


class SnapshotError(Exception):
    """The snapshot file could not be read as a graph."""


class GraphFile(NamedTuple):
    """What a graph file holds: the graph, and what was made with it in the same process."""

    graph: KnowledgeGraph
    prebuilt: list[memoryview] | None  # its answers, pickled batches (`api.edge.cache`), views of the file's bytes
    indexes: Saved | None  # its indexes (`graph.indexes.save_indexes`)


def write_snapshot(graph: KnowledgeGraph, path: Path, prebuilt: object = None, indexes: Saved | None = None) -> None:
    """Write `graph` (with what was made from it: its answers, `prebuilt`, a list of pickled
    batches, and its `indexes`) to `path` atomically: a reader sees the old file or the new one."""
    partial = path.with_name(path.name + ".partial")
    answers = prebuilt if isinstance(prebuilt, list) else ()
    # Many objects, no cycles: the collector would walk them again and again.
    with partial.open("wb") as out, collector_paused():
        for record in (_FORMAT, *_pieces(graph), _END, indexes):
            pickle.dump(record, out, protocol=pickle.HIGHEST_PROTOCOL)
        for batch in answers:
            out.write(len(batch).to_bytes(_LENGTH, "little"))
            out.write(batch)
    os.replace(partial, path)


def _pieces(graph: KnowledgeGraph) -> Iterator[_Piece]:
    # The graph's own fields: what was derived from it (search index, export bodies) is left out.
    for name in _FIELDS:
        value = getattr(graph, name)
        if isinstance(value, MappingProxyType) and len(value) > _PIECE:
            entries = list(value.items())
            for start in range(0, len(entries), _PIECE):
                yield name, "entries", entries[start : start + _PIECE]
        elif name == "releases":
            for release in value:
                yield name, "release", dataclasses.replace(release, snapshot=Snapshot({}, {}))
                for side in ("nodes", "edges"):
                    records = list(getattr(release.snapshot, side).items())
                    for start in range(0, len(records), _PIECE):
                        yield name, f"release {side}", records[start : start + _PIECE]
        else:
            yield name, "whole", value


def read_graph_file(path: Path) -> GraphFile:
    """The graph saved at `path`, and what was made with it (None where nothing was)."""
    steps = _reading(path, _read(path))
    with collector_paused():
        while True:
            try:
                next(steps)
            except StopIteration as done:
                result: GraphFile = done.value
                return result


async def read_graph_file_between(path: Path) -> GraphFile:
    """`read_graph_file` on an event loop: the bytes read in a thread, then one piece unpickled
    at a time, `PAUSE` apart, so that requests are served between two pieces (the caller
    decides whether the collector runs meanwhile: `api.process.reload` pauses it)."""
    data = await asyncio.to_thread(_read, path)
    steps = _reading(path, data)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: GraphFile = done.value
            return result
        await asyncio.sleep(PAUSE)


def read_snapshot(path: Path) -> KnowledgeGraph:
    """The graph saved at `path`."""
    return read_graph_file(path).graph


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"snapshot {path} unreadable: {exc}") from exc


def _reading(path: Path, data: bytes) -> Generator[None, None, GraphFile]:
    """Unpickle the file's records, yielding after each; return the graph and what was made with it."""
    source = io.BytesIO(data)
    try:
        first = pickle.load(source)
        if first != _FORMAT:
            raise SnapshotError(f"snapshot {path} holds a {type(first).__name__}, not a graph")
        fields: dict[str, Any] = {}
        pieced: dict[str, dict[Any, Any]] = {}
        while (piece := pickle.load(source)) != _END:
            name, kind, value = piece
            if kind == "entries":  # a mapping read in pieces, read-only again as the graph keeps it
                fields.setdefault(name, MappingProxyType(pieced.setdefault(name, {})))
                pieced[name].update(value)
            elif kind == "release":
                fields[name] = (*fields.get(name, ()), value)
            elif kind in ("release nodes", "release edges"):  # into the last release's snapshot
                getattr(fields[name][-1].snapshot, kind.removeprefix("release ")).update(value)
            else:
                fields[name] = value
            yield
        indexes = pickle.load(source)
        if indexes is not None and not isinstance(indexes, Saved):
            raise SnapshotError(f"snapshot {path} holds a {type(indexes).__name__} where indexes belong")
        yield
        # The answers: each batch's length, then its bytes, handed on as views of `data` (the
        # worker unpickles each batch once, `api.edge.cache.AnswerCache.adopt`, not twice).
        whole = memoryview(data)
        batches: list[memoryview] = []
        at = source.tell()
        while at < len(data):
            size = int.from_bytes(whole[at : at + _LENGTH], "little")
            at += _LENGTH
            if size > len(data) - at:
                raise SnapshotError(f"snapshot {path} is cut short")
            batches.append(whole[at : at + size])
            at += size
    except (pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError) as exc:
        raise SnapshotError(f"snapshot {path} unreadable: {exc}") from exc
    try:
        graph = KnowledgeGraph(**fields)
    except TypeError as exc:
        raise SnapshotError(f"snapshot {path} does not hold a graph: {exc}") from exc
    return GraphFile(graph, batches or None, indexes)
