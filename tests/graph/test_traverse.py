"""Traversal directions: edges as written, against them, and symmetric kinds both ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.build import load_graph
from graph.queries import neighbors
from tests.tiny import append_entry

RELATED = "- from: oxytocin\n  kind: related_to\n  to: a-few-days\n  basis: editorial\n  note: n\n"


@pytest.mark.parametrize(
    ("node_id", "direction", "expected"),
    [
        ("needs-space", "out", ["oxytocin"]),
        ("needs-space", "in", ["a-few-days", "chase-him", "give-him-space", "slower-replies"]),
        ("oxytocin", "out", ["a-few-days"]),  # symmetric, written from oxytocin
        ("a-few-days", "out", ["how-long-does-it-last", "needs-space", "oxytocin"]),  # symmetric, against
        ("oxytocin", "in", ["needs-space", "a-few-days"]),  # incoming first, then symmetric
        ("a-few-days", "in", ["oxytocin"]),
    ],
)
def test_neighbors_walk_symmetric_kinds_both_ways(
    seeds: Path, node_id: str, direction: str, expected: list[str]
) -> None:
    append_entry(seeds / "graph" / "edges.yaml", RELATED)
    hood = neighbors(load_graph(seeds), node_id, direction=direction)  # type: ignore[arg-type]
    assert [n.id for n in hood.nodes] == expected
