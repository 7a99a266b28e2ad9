"""Search quality on reader-phrased queries (bench/quality.py): held at the level reached."""

from __future__ import annotations

import sys

import pytest

from bench.quality import BEFORE, Quality
from bench.quality import now as measure_now

REACHED = Quality(hit_at_10=0.954, recall_at_10=0.795, mrr=0.807, typos_top3=0.875)


def test_search_quality_holds_the_reached_level(capsys: pytest.CaptureFixture[str]) -> None:
    now = measure_now()
    with capsys.disabled():  # the figures belong in every test run's output
        sys.stdout.write(f"\nsearch quality before: {BEFORE.line()}\nsearch quality now:    {now.line()}\n")
    assert now.hit_at_10 >= REACHED.hit_at_10 - 1e-9
    assert now.recall_at_10 >= REACHED.recall_at_10 - 1e-9
    assert now.mrr >= REACHED.mrr - 1e-9
    assert now.typos_top3 >= REACHED.typos_top3 - 1e-9
