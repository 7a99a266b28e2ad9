"""A disagreement's `about` reaches every export, and a sign's verdict and a statistic's numbers
reach the record every format is written from (graph/records.py, graph/exports.py, graph/rdf.py)."""

from __future__ import annotations

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from graph.build import load_graph
from graph.exports import EXPORT_FORMATS, export
from graph.records import edge_record, node_record

SHIPPED = load_graph(DEFAULT_SEEDS_DIR)
DISAGREEMENT = SHIPPED.edges["leave-him-alone--contradicts--talk-after-two-weeks"]


def test_the_shipped_disagreement_has_an_about() -> None:
    assert DISAGREEMENT.about is not None
    assert edge_record(DISAGREEMENT)["about"] == DISAGREEMENT.about
    assert edge_record(SHIPPED.edges["give-him-space--addresses--post-intimacy-withdrawal"])["about"] is None


@pytest.mark.parametrize("fmt", [f for f in EXPORT_FORMATS if f != "nodes-csv"])
def test_every_edge_export_carries_about(fmt: str) -> None:
    body = export(SHIPPED, fmt).decode()
    assert DISAGREEMENT.about is not None
    assert "'" not in DISAGREEMENT.about  # so no format escapes a character of it
    assert DISAGREEMENT.about in body


def test_a_sign_verdict_and_a_statistic_range_are_in_the_record() -> None:
    sign = node_record(SHIPPED.nodes["communication-blackout"])
    assert sign["verdict"]["kind"] == "seek_support"
    assert any("that conversation needs to happen" in ev["quote"] for ev in sign["verdict"]["evidence"])
    stat = node_record(SHIPPED.nodes["normal-withdrawal-3-to-7-days"])
    assert (stat["low"], stat["high"], stat["unit"], stat["value"]) == (3, 7, "days", "3–7")
    assert "value" not in node_record(SHIPPED.nodes["oxytocin"])
