"""graph/passage_rank.py over the shipped graph: the passages a reader's message is about."""

from __future__ import annotations

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from graph.build import KnowledgeGraph, load_graph
from graph.passage_rank import AT_LEAST, AT_MOST, GENERIC_NODES, PER_NODE, passage_index, passages, scored
from graph.passages import body
from graph.retrieval import retrieve

SHIPPED = load_graph(DEFAULT_SEEDS_DIR)
MESSAGES = [
    "he hasn't texted me in 4 days since we slept together, what should I do?",
    "he says he needs space. should I give it to him?",
    "why do guys pull away after sex",
    "my anxiety is through the roof every time he doesnt reply fast",
]


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    return SHIPPED


def test_every_quoted_span_is_indexed_once_with_the_nodes_quoting_it(shipped: KnowledgeGraph) -> None:
    ix = shipped.derived(passage_index)
    spans = [(p.evidence.source, p.evidence.start, p.evidence.end) for p in ix.passages]
    assert len(spans) == len(set(spans))
    for node in shipped.nodes.values():
        for ev in node.evidence if node.type != "source" else ():
            assert node.id in ix.passages[ix.position[(ev.source, ev.start, ev.end)]].nodes


@pytest.mark.parametrize("message", MESSAGES)
def test_passages_are_verbatim_apart_best_first_and_bounded(shipped: KnowledgeGraph, message: str) -> None:
    found = passages(shipped, retrieve(shipped, message))
    assert AT_LEAST <= len(found) <= AT_MOST
    for p in found:
        assert body(shipped, p.evidence.source)[p.evidence.start : p.evidence.end] == p.evidence.quote
    scores = [p.score for p in found]
    assert scores == sorted(scores, reverse=True)
    spans = [(p.evidence.source, p.evidence.start, p.evidence.end) for p in found]
    for i, (source, start, end) in enumerate(spans):  # no passage inside or across another
        assert not any(s == source and b < end and start < e for s, b, e in spans[i + 1 :])


@pytest.mark.parametrize("message", MESSAGES)
def test_a_node_whose_names_share_her_word_does_not_bring_all_its_quotes(shipped: KnowledgeGraph, message: str) -> None:
    found = passages(shipped, retrieve(shipped, message))
    for node_id in {n for p in found for n in p.nodes if shipped.nodes[n].type != "source"}:
        alone = [p for p in found if [n for n in p.nodes if shipped.nodes[n].type != "source"] == [node_id]]
        assert len(alone) <= PER_NODE, node_id


def test_what_she_describes_gets_its_own_passage_first(shipped: KnowledgeGraph) -> None:
    r = retrieve(shipped, "he says he needs space")
    (first, *_) = passages(shipped, r, ["communicates-need-for-space"])
    assert first.evidence in shipped.nodes["communicates-need-for-space"].evidence


def test_her_words_on_a_passage_choose_it_over_an_unrelated_one(shipped: KnowledgeGraph) -> None:
    quotes = [p.evidence.quote for p in passages(shipped, retrieve(shipped, "how long should I give him space"))]
    assert any("week" in q or "days" in q for q in quotes)


def test_a_lead_in_quoted_by_every_sign_of_a_list_counts_less_than_the_signs(shipped: KnowledgeGraph) -> None:
    # "Watch for these behavioural changes that signal withdrawal." introduces 002's twelve signs and
    # every one of them quotes it; a reader is told about a sign by the sign's own line.
    message = "he barely touches me anymore, he avoids eye contact and changes the subject"
    ranked = scored(shipped, retrieve(shipped, message))
    lead_in = next(p for p in ranked if p.evidence.quote.startswith("Watch for these behavioural changes"))
    assert len(lead_in.nodes) > GENERIC_NODES
    sign_lines = [
        p
        for p in ranked
        if p.evidence.quote in ("Less eye contact during interactions", "Emotional conversations avoided or deflected")
    ]
    assert sign_lines
    assert all(p.score > lead_in.score for p in sign_lines)
