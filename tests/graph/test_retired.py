"""Retired ids (seeds/graph/retired.yaml): validated at load, answered with their successor."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from graph.build import KnowledgeGraph, load_graph
from graph.errors import ContentError, EdgeNotFound, Retired
from graph.queries import get_edge, get_node, guide, list_nodes
from tests.tiny import append_entry

SHIPPED = load_graph(DEFAULT_SEEDS_DIR)


def _retire(seeds: Path, entry: str) -> int:
    path = seeds / "graph" / "retired.yaml"  # optional: the tiny content has none
    path.touch()
    return append_entry(path, entry)


def test_a_retired_id_answers_with_its_successor(seeds: Path) -> None:
    _retire(seeds, "- id: slow-replies\n  replaced_by: slower-replies\n  note: Merged into the one sign.\n")
    kg = load_graph(seeds)
    with pytest.raises(Retired) as caught:
        get_node(kg, "slow-replies")
    assert (caught.value.replaced_by, caught.value.suggestions) == ("slower-replies", ("slower-replies",))
    assert "Merged into the one sign." in str(caught.value)
    # the guide and a batch by ids answer the same, so a shared link never silently breaks
    with pytest.raises(Retired):
        guide(kg, ["slow-replies"])
    with pytest.raises(Retired):
        list_nodes(kg, ids=["slow-replies"])


def test_an_edge_with_a_retired_end_names_the_edge_between_the_successors(seeds: Path) -> None:
    _retire(seeds, "- id: slow-replies\n  replaced_by: slower-replies\n  note: Merged.\n")
    kg = load_graph(seeds)
    with pytest.raises(Retired) as caught:
        get_edge(kg, "slow-replies--indicates--needs-space")
    assert caught.value.replaced_by == "slower-replies--indicates--needs-space"
    with pytest.raises(Retired) as gone:
        get_edge(kg, "slow-replies--backfires--needs-space")  # no such edge between the successors
    assert gone.value.replaced_by is None
    with pytest.raises(EdgeNotFound):
        get_edge(kg, "nobody--indicates--needs-space")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("- id: oxytocin\n  replaced_by: needs-space\n  note: x\n", "retired id 'oxytocin' is a node's id"),
        ("- id: old-one\n  replaced_by: no-such-node\n  note: x\n", "replaced_by names no node: 'no-such-node'"),
        ("- id: old-one\n  replaced_by: oxytocin\n", "missing required key 'note'"),
        ("- id: Old One\n  note: x\n", "must be a kebab-case slug"),
    ],
)
def test_a_bad_retirement_is_a_content_problem_at_its_line(seeds: Path, entry: str, message: str) -> None:
    line = _retire(seeds, entry)
    with pytest.raises(ContentError) as caught:
        load_graph(seeds)
    (problem,) = caught.value.problems
    assert (problem.file, message in problem.message) == ("seeds/graph/retired.yaml", True)
    assert line <= problem.line <= line + 2


def test_an_id_retired_twice_is_refused(seeds: Path) -> None:
    _retire(seeds, "- id: old-one\n  note: x\n")
    line = _retire(seeds, "- id: old-one\n  note: y\n")
    with pytest.raises(ContentError) as caught:
        load_graph(seeds)
    (problem,) = caught.value.problems
    assert (problem.line, problem.message) == (line, "id 'old-one' is retired twice")


def test_a_retirement_changes_the_content_version(seeds: Path, tiny: KnowledgeGraph) -> None:
    _retire(seeds, "- id: old-one\n  note: Dropped.\n")
    assert load_graph(seeds).content_version != tiny.content_version


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("power-games", "playing-power-games"),
        ("halo-effect", "halo-effect-wears-off"),
        ("fearful-avoidant-attachment", "fearful-avoidant-push-pull"),
        ("masculine-identity", "masculine-identity-threat"),
        ("independence-paradox", "feels-like-a-spectator"),
        ("thrill-of-the-chase", "chase-is-over"),
        ("insecure-attachment", "insecure-attachment-style"),
        ("avoidant-attachment", "avoidant-attachment-makes-closeness-dangerous"),
        ("past-rejection", "past-experiences"),
        ("past-gaslighting-or-ghosting", "past-experiences"),
        ("take-attachment-style-quiz", "insecure-attachment-style"),
        ("psychology-today", "eighty-eight-percent-want-to-feel-desired"),
        ("help-him-feel-like-a-man", "leave-him-alone"),
    ],
)
def test_the_shipped_twins_are_merged_and_keep_answering(old: str, new: str) -> None:
    assert old not in SHIPPED.nodes
    assert new in SHIPPED.nodes
    with pytest.raises(Retired) as caught:
        get_node(SHIPPED, old)
    assert caught.value.replaced_by == new


def test_a_merged_node_keeps_the_quotes_of_its_twin() -> None:
    quotes = {ev.quote for ev in SHIPPED.nodes["past-experiences"].evidence}
    assert {
        "people who rejected you after opening up to them",
        "one or more partners who have cheated on you",
        "untrustworthy people who abandoned you (including parents)",
        "getting gaslighted or even ghosted",
    } <= quotes
