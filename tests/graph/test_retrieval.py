"""graph/retrieval.py over the shipped graph: her words against his, the floor, the graph's push."""

from __future__ import annotations

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from graph.build import KnowledgeGraph, load_graph
from graph.retrieval import covers, retrieve


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    return load_graph(DEFAULT_SEEDS_DIR)


def _weights(kg: KnowledgeGraph, message: str, node_id: str) -> set[float]:
    (found,) = [f for f in retrieve(kg, message).ranked if f.node.id == node_id]
    return {m.weight for m in found.words}


def test_her_words_weigh_little_on_his_inner_state(shipped: KnowledgeGraph) -> None:
    assert _weights(shipped, "how do I stop overthinking", "male-rumination-trap") == {0.3}
    assert _weights(shipped, "he is overthinking everything", "male-rumination-trap") == {1.0}


def test_a_question_about_him_is_not_matched_by_her_own_words(shipped: KnowledgeGraph) -> None:
    assert _weights(shipped, "I'm not sure I'm ready", "is-he-not-ready-for-a-relationship") == {0.3}
    assert _weights(shipped, "is he not ready?", "is-he-not-ready-for-a-relationship") == {1.0}
    assert _weights(shipped, "is it my fault?", "is-it-my-fault") == {1.0}


def test_his_past_counts_only_when_she_speaks_of_his_past(shipped: KnowledgeGraph) -> None:
    now = [f.node.id for f in retrieve(shipped, "he ghosted me").ranked if f.lexical > 0]
    before = [f.node.id for f in retrieve(shipped, "he was ghosted by his ex before").ranked if f.lexical > 0]
    assert "past-experiences" not in now  # "Past experiences make him cautious" (gaslit or ghosted before)
    assert "past-experiences" in before


def test_the_graph_brings_what_her_words_do_not_name(shipped: KnowledgeGraph) -> None:
    r = retrieve(shipped, "he lost his job")
    reached = {f.node.id: f for f in r.ranked}
    assert reached["focus-on-his-strengths"].lexical == 0 < reached["focus-on-his-strengths"].pushed
    assert reached["focus-on-his-strengths"].via is not None


@pytest.mark.parametrize(
    ("message", "covered"),
    [("he needs space", True), ("oxytocn", True), ("t", False), ("my dog hates my boyfriend", False)],
)
def test_covers_is_the_relevance_floor(shipped: KnowledgeGraph, message: str, covered: bool) -> None:
    assert covers(shipped, message) is covered
    assert retrieve(shipped, message).covered is covered


@pytest.mark.parametrize(
    ("message", "covered"),
    [
        ("my boyfriend keeps borrowing money from me and never pays it back", False),
        ("he wants us to move in together but I don't feel ready", False),
        ("he lost his job, money is tight and now he is distant", True),  # his withdrawal: covered
        ("he is on his phone after sex and won't cuddle", True),  # a sign the articles name
    ],
)
def test_a_subject_the_articles_do_not_treat_is_covered_only_with_his_withdrawal(
    shipped: KnowledgeGraph, message: str, covered: bool
) -> None:
    assert covers(shipped, message) is covered
    assert retrieve(shipped, message).covered is covered


def test_asking_for_signs_finds_the_signs_of_what_she_names(shipped: KnowledgeGraph) -> None:
    signs = retrieve(shipped, "signs he is pulling away").signs
    assert len(signs) >= 5
    assert {f.node.type for f in signs} == {"sign"}
    assert retrieve(shipped, "he is pulling away").signs == ()
