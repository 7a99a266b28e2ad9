"""The coverage report behind `distance check --report`."""

from __future__ import annotations

from pathlib import Path

from graph.build import KnowledgeGraph, build
from graph.load import Content, load_content
from graph.models import Node
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


def test_coverage_report_lists_nodes_without_hand_written_edges(seeds: Path) -> None:
    # The loader refuses orphans, so build past it: a node quoted from 001 with no edge at all
    # still gets a derived mentioned_in edge, which must not count as a link.
    content = load_content(seeds)
    needs_space = next(n for n in content.nodes if n.id == "needs-space")
    lonely = Node(id="lonely", type="sign", label="Lonely", summary="No edge.", evidence=needs_space.evidence[1:])
    kg = build(Content(articles=content.articles, nodes=(*content.nodes, lonely), edges=content.edges))
    report = coverage_report(kg)
    assert report.unlinked == ("lonely",)
    assert kg.edge_counts["mentioned_in"] == 9
    assert report.sources[1].nodes_by_type == {"reason": 1, "sign": 1}
    assert report.sources[1].edges == 0


def test_coverage_report_on_no_edges_has_zero_shares(seeds: Path) -> None:
    content = load_content(seeds)
    report = coverage_report(build(Content(articles=content.articles, nodes=content.nodes, edges=())))
    assert (report.quoted_share, report.editorial_share) == (0.0, 0.0)
    assert len(report.unlinked) == 7
