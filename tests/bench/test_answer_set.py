"""The reader messages of bench/answer_set.yaml, answer_fresh.yaml, answer_blind.yaml and answer_unseen.yaml:
every passage is in its article's body (never in 003's reader comments), each set has its shape."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from bench.answer_set import (
    BLIND_PATH,
    FRESH_PATH,
    SET_PATH,
    UNSEEN_PATH,
    Message,
    load,
    load_blind,
    load_decline,
    load_fresh,
    load_unseen,
    problems,
)
from graph.build import KnowledgeGraph, load_graph
from graph.passages import body

SETS = pytest.mark.parametrize(
    "path",
    [SET_PATH, FRESH_PATH, BLIND_PATH, UNSEEN_PATH],
    ids=["answer_set", "answer_fresh", "answer_blind", "answer_unseen"],
)


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    return load_graph(DEFAULT_SEEDS_DIR)


@SETS
def test_every_labelled_passage_is_in_its_article_body(shipped: KnowledgeGraph, path: Path) -> None:
    assert problems(shipped, path) == []


@pytest.mark.parametrize(
    "loader",
    [load, load_fresh, load_blind, load_unseen],
    ids=["answer_set", "answer_fresh", "answer_blind", "answer_unseen"],
)
def test_passages_are_exact_slices_of_the_body(
    shipped: KnowledgeGraph, loader: Callable[[KnowledgeGraph], list[Message]]
) -> None:
    for message in loader(shipped):
        for p in message.passages:
            assert body(shipped, p.source)[p.start : p.end] == p.quote


def test_a_passage_from_003s_reader_comments_is_a_problem(shipped: KnowledgeGraph, tmp_path: Path) -> None:
    article = shipped.articles["003"]
    comments = article.text[article.body_end :]
    line = next(s.strip() for s in comments.splitlines() if len(s.strip()) > 60)
    assert line not in body(shipped, "003")
    labelled = tmp_path / "set.yaml"
    entry = f'- kind: answerable\n  message: "he left"\n  passages:\n    - "003: {line}"\n'
    labelled.write_text(entry, encoding="utf-8")
    assert [p for p in problems(shipped, labelled) if "not in the body of 003" in p]


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


def test_the_fresh_set_has_its_shape_and_no_message_of_the_tuned_set(shipped: KnowledgeGraph) -> None:
    fresh = load_fresh(shipped)
    kinds = Counter(m.kind for m in fresh)
    assert len(fresh) >= 36
    assert kinds["answerable"] >= 22
    assert kinds["disagreement"] >= 8
    assert kinds["unanswerable"] >= 6
    assert {m.split for m in fresh} == {"fresh"}
    assert all(2 <= len(m.passages) <= 5 for m in fresh if m.kind != "unanswerable")
    assert all(len(m.sides) == 2 and all(m.sides) for m in fresh if m.kind == "disagreement")
    assert max(len(m.text) for m in fresh) > 500
    tuned = {m.text.lower() for m in load(shipped)}
    assert not [m.text for m in fresh if m.text.lower() in tuned]


@pytest.mark.parametrize(
    ("loader", "split", "shape", "longest"),
    # The unseen set's writer kept its messages short (the longest is 234 characters).
    [(load_blind, "blind", (44, 32, 6, 6), 500), (load_unseen, "unseen", (43, 31, 6, 6), 200)],
    ids=["blind", "unseen"],
)
def test_the_sets_written_blind_have_their_shape_and_no_message_of_the_other_sets(
    shipped: KnowledgeGraph,
    loader: Callable[[KnowledgeGraph], list[Message]],
    split: str,
    shape: tuple[int, int, int, int],
    longest: int,
) -> None:
    blind = loader(shipped)
    kinds = Counter(m.kind for m in blind)
    assert (len(blind), kinds["answerable"], kinds["disagreement"], kinds["unanswerable"]) == shape
    assert {m.split for m in blind} == {split}
    assert all(2 <= len(m.passages) <= 5 for m in blind if m.kind != "unanswerable")
    assert all(len(m.sides) == 2 and all(m.sides) for m in blind if m.kind == "disagreement")
    assert {p.source for m in blind for p in m.passages} == set(shipped.articles)  # every article is used
    assert max(len(m.text) for m in blind) > longest
    written = load(shipped) + load_fresh(shipped) + load_decline() + load_blind(shipped) + load_unseen(shipped)
    others = {m.text.lower() for m in written if m.split != split}
    assert not [m.text for m in blind if m.text.lower() in others]


def test_the_decline_set_has_both_kinds_in_both_halves() -> None:
    messages = load_decline()
    halves = Counter((m.split, m.kind) for m in messages)
    assert len(messages) >= 40
    assert all(halves[(split, kind)] >= 10 for split in ("tune", "check") for kind in ("answerable", "unanswerable"))
    assert not any(m.passages for m in messages)
