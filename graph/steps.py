"""Work written in steps, run at once.

Opening a graph's indexes or reading a graph file is written as a generator that yields
between steps, so that a serving loop can answer requests between two (`graph.indexes.opening`,
`api.process.graphfile.read_graph_file_between`). Everywhere else the same work runs through
`finish`, in one go: one code path for both.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, TypeVar

__all__ = ["finish"]

T = TypeVar("T")


def finish(steps: Generator[Any, None, T]) -> T:
    """Run every step of `steps` and return what it returns.

    >>> def counting():
    ...     yield
    ...     yield
    ...     return "done"
    >>> finish(counting())
    'done'
    """
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: T = done.value
            return result
