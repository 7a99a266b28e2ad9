"""The shipped content under seeds/: valid, faithful, and checked by the installed command."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from graph.build import KnowledgeGraph, load_graph
from graph.hubs import hubs
from graph.lint import MAX_ALLOWED, lint
from graph.report import coverage_report

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    return load_graph(DEFAULT_SEEDS_DIR)


def test_shipped_content_is_large_enough_to_cover_the_articles(shipped: KnowledgeGraph) -> None:
    hand_written = [e for e in shipped.edges.values() if e.kind != "mentioned_in"]
    assert len(shipped.nodes) - shipped.node_counts["source"] >= 150
    assert len(hand_written) >= 200


@pytest.mark.parametrize("source", ["000", "001", "002", "003", "004"])
def test_each_article_backs_nodes_of_at_least_four_types(shipped: KnowledgeGraph, source: str) -> None:
    types = {shipped.nodes[n].type for n in shipped.by_source[source]}
    assert len(types) >= 4, types


def test_no_quote_comes_from_the_reader_comments_of_003(shipped: KnowledgeGraph) -> None:
    body_end = shipped.articles["003"].body_end
    quotes = [ev for n in shipped.nodes.values() for ev in n.evidence]
    quotes += [ev for e in shipped.edges.values() for ev in e.evidence]
    assert [ev.quote for ev in quotes if ev.source == "003" and ev.end > body_end] == []
    assert any(ev.source == "003" for ev in quotes)


def test_at_least_80_percent_of_edges_are_quoted(shipped: KnowledgeGraph) -> None:
    assert coverage_report(shipped).quoted_share >= 0.8


def test_every_disagreement_quotes_two_articles(shipped: KnowledgeGraph) -> None:
    contradictions = [e for e in shipped.edges.values() if e.kind == "contradicts"]
    assert len(contradictions) >= 5
    for edge in contradictions:
        assert len(set(edge.sources)) >= 2 or edge.basis == "editorial", edge.id


def test_summaries_are_our_own_words(shipped: KnowledgeGraph) -> None:
    """A summary that is a long verbatim run of its article is copied prose, not a summary."""
    for node in shipped.nodes.values():
        if node.type == "source":
            continue
        for ev in node.evidence:
            text = shipped.articles[ev.source].text
            assert node.summary not in text, node.id


def test_installed_check_names_an_altered_quote_in_the_real_seeds(tmp_path: Path) -> None:
    """The shipped content with one altered quote: the console script names its file:line."""
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    path = seeds / "graph" / "concepts.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(
        i for i, line in enumerate(lines) if "quote:" in line and line.split("quote:")[1].strip()[:1] not in "|>"
    )
    prefix, value = lines[index].split("quote:", 1)
    value = value.lstrip()
    opener = value[0] if value[0] in "'\"" else ""
    lines[index] = f"{prefix}quote: {opener}zz{value[len(opener) :]}"
    path.write_text("".join(lines), encoding="utf-8")
    distance = Path(sys.executable).parent / "distance"
    result = subprocess.run(
        [str(distance), "check", "--seeds", str(seeds)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert f"seeds/graph/concepts.yaml:{index + 1}: quote not found" in result.stderr


def test_shipped_content_passes_the_editorial_lint(shipped: KnowledgeGraph) -> None:
    result = lint(shipped, DEFAULT_SEEDS_DIR)
    assert [str(w) for w in result.failing] == []
    assert len(result.allowed) <= MAX_ALLOWED


def test_every_reason_explains_a_hub_within_two_hops(shipped: KnowledgeGraph) -> None:
    assert set(hubs(shipped)) == {"pulling-away", "post-intimacy-withdrawal"}
    for reason_id in shipped.by_type["reason"]:
        near = {n for step in shipped.near[reason_id] for n in (step, *shipped.near[step])}
        assert near & set(hubs(shipped)), reason_id


def test_every_disagreement_says_what_it_is_about_in_our_own_words(shipped: KnowledgeGraph) -> None:
    texts = [a.text for a in shipped.articles.values()]
    for edge in shipped.edges.values():
        if edge.kind == "contradicts":
            assert edge.about is not None, edge.id
            assert edge.about.endswith("."), edge.id
            assert not any(edge.about[:60] in text for text in texts), edge.id
