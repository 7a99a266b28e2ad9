"""Search quality on reader-phrased queries (bench/quality.py): held at the level reached."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.quality import Quality, measure
from graph.build import load_graph
from graph.queries import search

# The rapidfuzz partial_ratio search this index replaced, on the same set (bench/quality.py).
BEFORE = Quality(hit_at_10=0.864, recall_at_10=0.612, mrr=0.693, typos_top3=1.0)
REACHED = Quality(hit_at_10=0.909, recall_at_10=0.748, mrr=0.812, typos_top3=0.875)


def test_search_quality_holds_the_reached_level(capsys: pytest.CaptureFixture[str]) -> None:
    kg = load_graph(Path(__file__).parents[3] / "seeds")
    now = measure(lambda q: [h.node.id for h in search(kg, q, limit=10).items])
    with capsys.disabled():  # the figures belong in every test run's output
        sys.stdout.write(f"\nsearch quality before: {BEFORE.line()}\nsearch quality now:    {now.line()}\n")
    assert now.hit_at_10 >= REACHED.hit_at_10 - 1e-9
    assert now.recall_at_10 >= REACHED.recall_at_10 - 1e-9
    assert now.mrr >= REACHED.mrr - 1e-9
    assert now.typos_top3 >= REACHED.typos_top3 - 1e-9
