"""The reader messages of bench/answer_set.yaml: every passage is in its article's body, the set has its shape."""

from __future__ import annotations

from collections import Counter

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from bench.answer_set import load, problems
from graph.build import KnowledgeGraph, load_graph
from graph.passages import body


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    return load_graph(DEFAULT_SEEDS_DIR)


def test_every_labelled_passage_is_in_its_article_body(shipped: KnowledgeGraph) -> None:
    assert problems(shipped) == []


def test_passages_are_exact_slices_of_the_body(shipped: KnowledgeGraph) -> None:
    for message in load(shipped):
        for p in message.passages:
            assert body(shipped, p.source)[p.start : p.end] == p.quote


def test_the_set_has_enough_of_each_kind_and_a_held_out_third(shipped: KnowledgeGraph) -> None:
    messages = load(shipped)
    kinds = Counter(m.kind for m in messages)
    held = [m for m in messages if m.split == "held_out"]
    assert len(messages) >= 60
    assert kinds["disagreement"] >= 8
    assert kinds["unanswerable"] >= 8
    assert len(messages) // 3 - 2 <= len(held) <= len(messages) // 3 + 2
    assert all(len(m.sides) == 2 for m in messages if m.kind == "disagreement")
    assert max(len(m.text) for m in messages) > 500  # long messages, as readers write them
