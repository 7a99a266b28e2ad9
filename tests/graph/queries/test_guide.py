"""The guide over the shipped content: every sign answered, ranked over the typed graph (graph/queries/guide.py)."""

from __future__ import annotations

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from graph.build import KnowledgeGraph, load_graph
from graph.hubs import is_hub
from graph.queries import SCORING, guide
from graph.queries.guide import DIRECT, MAX_INDIRECT, THROUGH_HUB, THROUGH_NODE, VERDICTS

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
    if not note.fallback:
        assert note.note is None
    elif note.verdict is not None:
        # The verdict is the answer: no reasons for a withdrawal are borrowed through a hub.
        assert note.note
        assert "verdict" in note.note
        assert all(link.strength != THROUGH_HUB for r in result.reasons for link in r.links)
    else:
        assert note.note
        assert "directly" in note.note
        assert result.reasons, "a fallback still offers the reasons its article gives for its hub"
        for ranked in result.reasons:
            (link,) = ranked.links
            assert link.through is not None
            assert shipped.nodes[link.through].label in note.note
    assert all(r.via for r in result.reasons)


@pytest.mark.parametrize("sign", SHIPPED.by_type["sign"])
def test_every_shipped_sign_reaches_advice_or_says_there_is_none(shipped: KnowledgeGraph, sign: str) -> None:
    (note,) = guide(shipped, [sign]).notes
    reached = note.addressed_by or note.backfired_by or note.situations
    assert bool(reached) is (note.advice_note is None)
    for situation in note.situations:
        assert situation.hub.label in situation.note
        assert "not for this sign alone" in situation.note
        assert all(e.target == situation.hub.id for _, e in situation.addressed_by + situation.backfired_by)


@pytest.mark.parametrize(
    ("sign", "hub"), [("defensive-reactions", "pulling-away"), ("retreats-into-phone", "post-intimacy-withdrawal")]
)
def test_a_sign_without_reasons_falls_back_to_those_its_article_gives_for_its_hub(
    shipped: KnowledgeGraph, sign: str, hub: str
) -> None:
    result = guide(shipped, [sign])
    assert is_hub(shipped, hub)
    assert result.notes[0].fallback
    (article,) = shipped.nodes[sign].sources
    expected = {
        shipped.edges[e].source
        for e in shipped.in_edges[hub]
        if shipped.edges[e].kind == "leads_to"
        and shipped.nodes[shipped.edges[e].source].type == "reason"
        and article in shipped.edges[e].sources
    }
    assert {r.reason.id for r in result.reasons} == expected
    for ranked in result.reasons:
        (link,) = ranked.links
        assert (link.strength, link.through) == (THROUGH_HUB, hub)
        first, second = link.edges
        assert (first.source, first.kind, first.target) == (sign, "indicates", hub)
        assert (second.source, second.kind, second.target) == (ranked.reason.id, "leads_to", hub)
        assert shipped.nodes[hub].label in link.via


HEALTHY_SIGNS = ["communicates-need-for-space", "keeps-minimal-contact", "returns-with-renewed-engagement"]


@pytest.mark.parametrize("sign", HEALTHY_SIGNS)
def test_a_sign_the_articles_call_healthy_gets_that_verdict_first_with_its_quote(
    shipped: KnowledgeGraph, sign: str
) -> None:
    result = guide(shipped, [sign])
    (note,) = result.notes
    assert note.verdict is not None
    assert note.verdict.kind == "healthy"
    quotes = [ev.quote for ev in note.verdict.evidence]
    assert "Relationship experts distinguish between healthy processing time and problematic avoidance." in quotes
    assert VERDICTS["healthy"].startswith("The articles call this healthy")
    # No worrying reason is offered for a healthy sign, and its situation is healthy processing.
    assert result.reasons == []
    assert [s.hub.id for s in note.situations] == ["healthy-processing"]


def test_communication_blackout_gets_the_two_week_line(shipped: KnowledgeGraph) -> None:
    (note,) = guide(shipped, ["communication-blackout"]).notes
    assert note.verdict is not None
    assert note.verdict.kind == "seek_support"
    quotes = [(ev.source, ev.quote) for ev in note.verdict.evidence]
    assert (
        "002",
        "If withdrawal extends beyond two weeks or becomes a recurring pattern, that conversation needs to happen. "
        "Set boundaries around what you need for the relationship to work.",
    ) in quotes
    assert ("004", "withdrawal beyond two weeks may indicate deeper issues requiring professional support") in quotes
    advice = {n.id for n, _ in note.addressed_by} | {n.id for s in note.situations for n, _ in s.addressed_by}
    assert {"talk-after-two-weeks", "set-boundaries", "seek-professional-help"} <= advice
    assert "give-him-space" not in advice


@pytest.mark.parametrize(
    "sign", ["leaves-right-after-sex", "avoids-cuddling-after-sex", "casual-dont-care-attitude", "retreats-into-phone"]
)
def test_after_sex_signs_reach_the_advice_001_writes_for_withdrawal_after_intimacy(
    shipped: KnowledgeGraph, sign: str
) -> None:
    (note,) = guide(shipped, [sign]).notes
    (situation,) = [s for s in note.situations if s.hub.id == "post-intimacy-withdrawal"]
    helps = {n.id for n, _ in situation.addressed_by}
    hurts = {n.id for n, _ in situation.backfired_by}
    assert {"give-him-space", "focus-on-your-own-life", "communicate-calmly", "evaluate-his-pattern"} <= helps
    assert {"dont-over-communicate", "dont-demand-explanation"} <= hurts
    assert all(n.attributes["advice"] == "recommended" for n, _ in situation.addressed_by)
    assert all(n.attributes["advice"] == "warned_against" for n, _ in situation.backfired_by)


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


def test_each_sign_brings_at_most_a_few_reasons_through_a_concept_or_reason(shipped: KnowledgeGraph) -> None:
    for sign in shipped.by_type["sign"]:
        links = [link for r in guide(shipped, [sign]).reasons for link in r.links if link.strength == THROUGH_NODE]
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
    assert "advice for the sign and its situation" in note
