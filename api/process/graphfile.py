"""A built graph saved to a file and read back: how workers get content the supervisor validated.

`distance serve` loads and validates new seeds once, in its main process (`api.process.reload`),
and writes the built `KnowledgeGraph` here with pickle; its workers read it when told
(SIGUSR1) instead of loading the seeds themselves, so every worker swaps to the same graph.
The file lives in a private directory the main process made (mode 0700) and is only ever
read by the processes it forked: pickle's trust model fits.

The file is a run of small pickles, not one: a format tag, the graph's fields (a mapping of
more than `_PIECE` entries in pieces of that many; each release its head, then the records of
its snapshot in pieces of that many), an end mark, the graph's indexes when they were made
with it (`graph.indexes.Saved`: where their files are and their plain data, then their stems
in pieces), an end mark; then the answers prebuilt with the graph (`api.edge.cache.Batch`:
each batch's rows after their length and their large bodies' lengths), their large bodies
one after another, and a trailer (where the answers and the bodies start). Unpickled whole,
the graph and its ~17 MB of answers were one call that holds the interpreter (~4 ms for the
graph alone at best, several times that on a busy machine, where a thread doing it kept the
loop waiting); a worker reads the file piece by piece on its serving loop instead
(`read_graph_file_between`), each piece in well under a millisecond on the shipped content,
and serves requests between two. A thread reads the bytes first: the large bodies (~12 MB of
the 17) each as bytes of its own (`os.pread`: copied by the kernel while the interpreter is
free), which a batch's rows take as they are (pickle's out-of-band buffers), so that no loop
copies them. `read_graph_file` reads it all at once (tests, tools).
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

from api.edge.cache import Batch
from graph.build import KnowledgeGraph
from graph.indexes import Saved
from graph.load import collector_paused
from graph.snapshots import Snapshot
from graph.steps import finish

__all__ = [
    "PAUSE",
    "GraphFile",
    "SnapshotError",
    "read_graph_file",
    "read_graph_file_between",
    "read_snapshot",
    "write_snapshot",
]

_FORMAT: Final = "distance graph file, in pieces, 4"
_LENGTH: Final = 8  # bytes of each length (little-endian) before a batch of answers and in the trailer
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
    prebuilt: list[Batch] | None  # its answers (`api.edge.cache`): rows as views of the file's bytes
    indexes: Saved | None  # its indexes (`graph.indexes.save_indexes`)


def write_snapshot(graph: KnowledgeGraph, path: Path, prebuilt: object = None, indexes: Saved | None = None) -> None:
    """Write `graph` (with what was made from it: its answers, `prebuilt`, a list of
    `api.edge.cache.Batch`, and its `indexes`) to `path` atomically: a reader sees the old
    file or the new one."""
    partial = path.with_name(path.name + ".partial")
    answers: list[Batch] = [b for b in prebuilt if isinstance(b, Batch)] if isinstance(prebuilt, list) else []
    # Many objects, no cycles: the collector would walk them again and again.
    with partial.open("wb") as out, collector_paused():
        for record in (_FORMAT, *_pieces(graph), _END, *_index_pieces(indexes), _END):
            pickle.dump(record, out, protocol=pickle.HIGHEST_PROTOCOL)
        answers_at = out.tell()
        for batch in answers:  # its length, its bodies' count and lengths, its rows
            head = [len(batch.rows), len(batch.bodies), *(len(body) for body in batch.bodies)]
            out.write(b"".join(n.to_bytes(_LENGTH, "little") for n in head))
            out.write(batch.rows)
        bodies_at = out.tell()
        for batch in answers:
            for body in batch.bodies:
                out.write(body)
        out.write(answers_at.to_bytes(_LENGTH, "little") + bodies_at.to_bytes(_LENGTH, "little"))
    os.replace(partial, path)


def _index_pieces(indexes: Saved | None) -> Iterator[_Piece]:
    # The indexes' head, then their stems `_PIECE` at a time (~1.5 ms to unpickle whole).
    if indexes is None:
        return
    yield "indexes", "head", dataclasses.replace(indexes, node_stems={}, quote_stems=())
    stems = list(indexes.node_stems.items())
    for start in range(0, len(stems), _PIECE):
        yield "indexes", "node stems", stems[start : start + _PIECE]
    for start in range(0, len(indexes.quote_stems), _PIECE):
        yield "indexes", "quote stems", indexes.quote_stems[start : start + _PIECE]


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
    with collector_paused():
        return finish(_reading(path, *_read(path)))


async def read_graph_file_between(path: Path) -> GraphFile:
    """`read_graph_file` on an event loop: the bytes read in a thread, then one piece unpickled
    at a time, `PAUSE` apart, so that requests are served between two pieces (the caller
    decides whether the collector runs meanwhile: `api.process.reload` pauses it)."""
    data, bodies = await asyncio.to_thread(_read, path)
    steps = _reading(path, data, bodies)
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


def _read(path: Path) -> tuple[bytes, list[bytes]]:
    """The file's bytes up to the answers' large bodies, and each of those bodies as bytes of
    its own: read by the kernel into fresh pages while the interpreter is free (`os.pread`),
    where copying them out of the file's bytes would hold it (and, from a thread, the loop)."""
    try:
        with path.open("rb") as file:
            fd = file.fileno()
            size = os.fstat(fd).st_size
            trailer = os.pread(fd, 2 * _LENGTH, size - 2 * _LENGTH) if size >= 2 * _LENGTH else b""
            if len(trailer) != 2 * _LENGTH:
                raise SnapshotError(f"snapshot {path} is cut short")
            answers_at = int.from_bytes(trailer[:_LENGTH], "little")
            bodies_at = int.from_bytes(trailer[_LENGTH:], "little")
            if not answers_at <= bodies_at <= size - 2 * _LENGTH:  # no trailer: not a graph file, or cut short
                return _without_trailer(path, os.pread(fd, size, 0)), []
            data = os.pread(fd, bodies_at, 0)
            bodies: list[bytes] = []
            at, offset = answers_at, bodies_at
            while at < len(data):  # each batch's head: its length, its bodies' count and lengths
                rows, count = (int.from_bytes(data[i : i + _LENGTH], "little") for i in (at, at + _LENGTH))
                if count > (len(data) - at) // _LENGTH:
                    raise SnapshotError(f"snapshot {path} is cut short")
                for i in range(count):
                    start = at + (2 + i) * _LENGTH
                    length = int.from_bytes(data[start : start + _LENGTH], "little")
                    bodies.append(os.pread(fd, length, offset))
                    offset += length
                at += (2 + count) * _LENGTH + rows
    except OSError as exc:
        raise SnapshotError(f"snapshot {path} unreadable: {exc}") from exc
    if len(data) != bodies_at or offset != size - 2 * _LENGTH or sum(map(len, bodies)) != offset - bodies_at:
        raise SnapshotError(f"snapshot {path} is cut short")
    return data, bodies


def _without_trailer(path: Path, data: bytes) -> bytes:
    """The bytes of a file with no trailer, for `_reading` to say what it holds; a graph file
    that has none (cut short) is a SnapshotError here."""
    try:
        cut = pickle.load(io.BytesIO(data)) == _FORMAT
    except Exception:  # noqa: BLE001 - whatever it holds, `_reading` says so
        cut = False
    if cut:
        raise SnapshotError(f"snapshot {path} is cut short")
    return data


def _reading(path: Path, data: bytes, bodies: list[bytes]) -> Generator[None, None, GraphFile]:
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
        indexes: Saved | None = None
        node_stems: dict[str, tuple[str, ...]] = {}
        quote_stems: list[tuple[str, ...]] = []
        while (piece := pickle.load(source)) != _END:
            _, kind, value = piece
            if kind == "head":
                if not isinstance(value, Saved):
                    raise SnapshotError(f"snapshot {path} holds a {type(value).__name__} where indexes belong")
                indexes = value
            elif kind == "node stems":
                node_stems.update(value)
            else:
                quote_stems.extend(value)
            yield
        if indexes is not None:
            indexes = dataclasses.replace(indexes, node_stems=node_stems, quote_stems=tuple(quote_stems))
        # The answers: each batch's rows handed on as a view of `data` with its bodies (read
        # apart: `_read`); the worker unpickles each batch once (`api.edge.cache.AnswerCache.adopt`).
        whole = memoryview(data)
        batches: list[Batch] = []
        at, taken = source.tell(), 0
        while at < len(data):
            size, count = (int.from_bytes(whole[i : i + _LENGTH], "little") for i in (at, at + _LENGTH))
            at += (2 + count) * _LENGTH
            if size > len(data) - at or taken + count > len(bodies):
                raise SnapshotError(f"snapshot {path} is cut short")
            batches.append(Batch(whole[at : at + size], tuple(bodies[taken : taken + count])))
            at, taken = at + size, taken + count
    except (pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError) as exc:
        raise SnapshotError(f"snapshot {path} unreadable: {exc}") from exc
    try:
        graph = KnowledgeGraph(**fields)
    except TypeError as exc:
        raise SnapshotError(f"snapshot {path} does not hold a graph: {exc}") from exc
    return GraphFile(graph, batches or None, indexes)
