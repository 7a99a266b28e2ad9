"""Statistics are numbers: low (and high for a range), a unit and the quantity measured; the served
`value` is derived (graph/models.py StatisticSeed, graph/load.py figure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from graph.build import load_graph
from graph.errors import ContentError


def _edit(seeds: Path, old: str, new: str) -> None:
    path = seeds / "graph" / "statistics.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_range_is_served_with_its_numbers_and_its_text(seeds: Path) -> None:
    node = load_graph(seeds).nodes["a-few-days"]
    assert (node.attributes["low"], node.attributes["high"], node.attributes["value"]) == (2, 3, "2–3")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  high: 3\n", "  high: 1\n", "high (1) must be greater than low (2)"),
        ("  low: 2\n", "  low: few\n", "low"),
        ("  quantity: How long a withdrawal usually lasts.\n", "", "missing required key 'quantity'"),
        ("  low: 2\n", "  low: 2\n  value: '2'\n", "unknown key 'value'"),
    ],
)
def test_a_statistic_without_a_number_is_refused_at_its_line(seeds: Path, old: str, new: str, message: str) -> None:
    _edit(seeds, old, new)
    with pytest.raises(ContentError) as caught:
        load_graph(seeds)
    problems = caught.value.problems
    assert {p.file for p in problems} == {"seeds/graph/statistics.yaml"}
    assert any(message in p.message for p in problems)


def test_the_shipped_statistics_are_numbers_with_what_they_measure() -> None:
    kg = load_graph(DEFAULT_SEEDS_DIR)
    for stat_id in kg.by_type["statistic"]:
        attrs = kg.nodes[stat_id].attributes
        assert isinstance(attrs["low"], int | float), stat_id
        assert attrs["quantity"], stat_id
    eft = kg.nodes["eft-success-rate"].attributes
    assert (eft["low"], eft["high"], eft["unit"], eft["value"]) == (70, 75, "%", "70–75")
    desired = kg.nodes["eighty-eight-percent-want-to-feel-desired"]
    assert "desired" in str(desired.attributes["quantity"])
    measured = [kg.edges[e].target for e in kg.out_edges[desired.id] if kg.edges[e].kind == "measures"]
    assert "pulling-away" not in measured  # it measures the wish to feel desired, not withdrawal
    assert "several-days-healthy-processing" in kg.retired
    assert "three-insecure-attachment-styles" in kg.retired
