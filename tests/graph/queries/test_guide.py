"""The guide over the shipped content: every sign answered, ranked over the typed graph (graph/queries/guide.py)."""

from __future__ import annotations

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from graph.build import KnowledgeGraph, load_graph
from graph.hubs import is_hub
from graph.queries import SCORING, guide
from graph.queries.guide import DIRECT, MAX_INDIRECT, THROUGH_HUB, THROUGH_NODE

SHIPPED = load_graph(DEFAULT_SEEDS_DIR)


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    return SHIPPED


@pytest.mark.parametrize("sign", SHIPPED.by_type["sign"])
def test_every_shipped_sign_gets_a_reason_or_an_explained_fallback(shipped: KnowledgeGraph, sign: str) -> None:
    result = guide(shipped, [sign])
    (note,) = result.notes
    direct = [e for e in shipped.out_edges[sign] if shipped.edges[e].kind == "indicates"
              and shipped.nodes[shipped.edges[e].target].type == "reason"]  # fmt: skip
    assert note.direct == len(direct)
    assert note.fallback is (not direct)
    if note.fallback:
        # Explained: the note names what the reasons were reached through, and there are some.
        assert note.note
        assert "directly" in note.note
        assert result.reasons, "a fallback still offers the nearest reasons through the hub"
        for ranked in result.reasons:
            (link,) = ranked.links
            assert link.through is not None
            assert shipped.nodes[link.through].label in note.note
    else:
        assert note.note is None
    assert result.reasons
    assert all(r.via for r in result.reasons)


@pytest.mark.parametrize(
    ("sign", "hub"), [("defensive-reactions", "pulling-away"), ("retreats-into-phone", "post-intimacy-withdrawal")]
)
def test_a_sign_without_direct_reasons_falls_back_to_the_nearest_through_its_hub(
    shipped: KnowledgeGraph, sign: str, hub: str
) -> None:
    result = guide(shipped, [sign])
    assert is_hub(shipped, hub)
    assert result.notes[0].fallback
    assert 1 <= len(result.reasons) <= MAX_INDIRECT
    for ranked in result.reasons:
        (link,) = ranked.links
        assert (link.strength, link.through) == (THROUGH_HUB, hub)
        first, second = link.edges
        assert (first.source, first.kind, first.target) == (sign, "indicates", hub)
        assert (second.source, second.kind, second.target) == (ranked.reason.id, "leads_to", hub)
        assert shipped.nodes[hub].label in link.via


def test_responses_aimed_at_the_sign_itself_are_returned(shipped: KnowledgeGraph) -> None:
    (note,) = guide(shipped, ["defensive-reactions"]).notes
    assert "ask-open-questions" in [n.id for n, _ in note.addressed_by]
    assert [n.id for n, _ in note.backfired_by] == ["dont-demand-explanation"]
    assert all(e.target == "defensive-reactions" for _, e in note.addressed_by + note.backfired_by)


def test_direct_reasons_come_first_then_indirect_ones(shipped: KnowledgeGraph) -> None:
    result = guide(shipped, ["hot-and-cold"])
    direct = [r for r in result.reasons if r.direct]
    assert direct
    assert result.reasons[: len(direct)] == direct
    indirect = result.reasons[len(direct) :]
    assert indirect, "hot-and-cold reaches reasons through the reasons it indicates"
    assert all(r.links[0].strength in (THROUGH_NODE, THROUGH_HUB) for r in indirect)
    assert all(r.links[0].strength == DIRECT for r in direct)
    assert "directly" in direct[0].via
    assert "through" in indirect[0].via


def test_three_common_signs_are_not_all_tied(shipped: KnowledgeGraph) -> None:
    """With several signs the scores spread: signs sharing a reason lift it above the rest."""
    result = guide(shipped, ["avoids-relationship-talk", "vague-about-plans", "more-time-alone"])
    top = result.reasons[0]
    assert (top.reason.id, top.direct, top.score) == ("uncertainty-about-direction", 2, 2.0)
    assert len({r.score for r in result.reasons}) > 2


def test_each_sign_brings_at_most_a_few_indirect_reasons(shipped: KnowledgeGraph) -> None:
    for sign in shipped.by_type["sign"]:
        links = [link for r in guide(shipped, [sign]).reasons for link in r.links if link.strength < DIRECT]
        assert len(links) <= MAX_INDIRECT


def test_the_scoring_text_is_plain_words() -> None:
    assert "`" not in SCORING
    assert "directly" in SCORING
    assert "hub" in SCORING


def test_a_sign_that_reaches_nothing_says_so(shipped: KnowledgeGraph) -> None:
    from graph.queries.guide import _note

    sign = shipped.nodes["disappears"]
    note = _note(sign, 0, {}, shipped)
    assert note is not None
    assert "responses aimed at the sign itself" in note
