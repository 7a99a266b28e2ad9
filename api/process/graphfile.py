"""A built graph saved to a file and read back: how workers get content the supervisor validated.

`distance serve` loads and validates new seeds once, in its main process (`api.process.reload`),
and writes the built `KnowledgeGraph` here with pickle; its workers read it when told
(SIGUSR1) instead of loading the seeds themselves, so every worker swaps to the same graph.
The file lives in a private directory the main process made (mode 0700) and is only ever
read by the processes it forked: pickle's trust model fits.

Reading a snapshot takes ~15 ms on the shipped content, against ~0.2 s for loading and
validating the seeds: a start-up path could use the same file, keyed on the seeds' bytes.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from graph.build import KnowledgeGraph
from graph.load import collector_paused

__all__ = ["SnapshotError", "read_graph_file", "read_snapshot", "write_snapshot"]


class SnapshotError(Exception):
    """The snapshot file could not be read as a graph."""


def write_snapshot(graph: KnowledgeGraph, path: Path, prebuilt: object = None) -> None:
    """Write `graph` (and what was `prebuilt` from it: its answers) to `path` atomically: a
    reader sees the old file or the new one."""
    partial = path.with_name(path.name + ".partial")
    # What was derived from the graph (search index, export bodies) is left out: see __getstate__.
    with collector_paused():  # millions of objects, no cycles: the collector would walk them again and again
        data = pickle.dumps((graph, prebuilt), protocol=pickle.HIGHEST_PROTOCOL)
    partial.write_bytes(data)
    os.replace(partial, path)


def read_graph_file(path: Path) -> tuple[KnowledgeGraph, object]:
    """The graph saved at `path`, and what was prebuilt from it (None when nothing was)."""
    try:
        data = path.read_bytes()
        with collector_paused():
            saved = pickle.loads(data)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError) as exc:
        raise SnapshotError(f"snapshot {path} unreadable: {exc}") from exc
    graph, prebuilt = saved if isinstance(saved, tuple) and len(saved) == 2 else (saved, None)
    if not isinstance(graph, KnowledgeGraph):
        raise SnapshotError(f"snapshot {path} holds a {type(graph).__name__}, not a graph")
    return graph, prebuilt


def read_snapshot(path: Path) -> KnowledgeGraph:
    """The graph saved at `path`."""
    return read_graph_file(path)[0]
