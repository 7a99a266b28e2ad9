"""The coverage report behind `distance check --report`."""

from __future__ import annotations

from pathlib import Path

from graph.build import KnowledgeGraph, build
from graph.load import Content, load_content
from graph.report import coverage_report


def test_coverage_report_counts_nodes_and_quoted_edges_per_article(tiny: KnowledgeGraph) -> None:
    report = coverage_report(tiny)
    assert report.content_version == tiny.content_version
    first, second = report.sources
    assert (first.source_id, first.title, first.nodes, first.edges) == ("000", "Tiny article", 7, 4)
    assert dict(first.nodes_by_type) == {
        "concept": 1,
        "reason": 1,
        "sign": 1,
        "response": 2,
        "question": 1,
        "statistic": 1,
    }
    assert (second.source_id, second.title, second.nodes, second.edges) == ("001", "Second tiny article", 1, 0)
    assert second.node_types == ("reason",)


def test_coverage_report_leaves_derived_edges_out_of_the_basis_counts(tiny: KnowledgeGraph) -> None:
    report = coverage_report(tiny)
    assert (report.quoted_edges, report.editorial_edges) == (4, 2)
    assert report.quoted_share == 4 / 6
    assert report.editorial_share == 2 / 6
    assert tiny.edge_counts["mentioned_in"] > 0


def test_coverage_report_on_no_edges_has_zero_shares(seeds: Path) -> None:
    content = load_content(seeds)
    report = coverage_report(build(Content(articles=content.articles, nodes=content.nodes, edges=())))
    assert (report.quoted_share, report.editorial_share) == (0.0, 0.0)
