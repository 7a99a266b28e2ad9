"""graph/queries/answer.py over the shipped graph: readers' messages in, cited answers out."""

from __future__ import annotations

import sys

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from bench.answer import Scores, decided, now, score
from bench.answer_set import load, load_blind, load_decline, load_fresh, load_guard, load_unseen
from graph.build import KnowledgeGraph, load_graph
from graph.errors import InvalidParameter
from graph.passage_rank import is_heading
from graph.passages import body
from graph.queries.answer import CITED, MAX_MESSAGE, NOT_COVERED, answer
from graph.queries.answer_parts import Item

SHIPPED = load_graph(DEFAULT_SEEDS_DIR)
# The level reached on bench/answer_set.yaml's splits, bench/answer_fresh.yaml, bench/answer_blind.yaml
# and the sealed bench/answer_unseen.yaml (bench/answer.py prints the same figures). Tuned recall was
# 0.534 before her words counted whole on a node named in her voice (graph.retrieval.her_names): one
# tuned message cites 3 passages, 2 labelled, where it cited 3 labelled among more; held-out and blind
# precision rose by 0.01 with it.
REACHED = {
    "tuned": Scores(66, recall=0.52, precision=0.32, both_sides=0.99, declined=0.99, wrongly_declined=0.0),
    "held_out": Scores(31, recall=0.55, precision=0.36, both_sides=0.99, declined=0.99, wrongly_declined=0.0),
    "fresh": Scores(47, recall=0.40, precision=0.21, both_sides=0.88, declined=0.99, wrongly_declined=0.0),
    "blind": Scores(44, recall=0.32, precision=0.19, both_sides=0.66, declined=0.83, wrongly_declined=0.0),
    "unseen": Scores(43, recall=0.50, precision=0.25, both_sides=0.83, declined=0.99, wrongly_declined=0.06),
}

# The decline figures reached on the halves of bench/answer_decline.yaml (declined, wrongly declined).
DECIDED = {"tune": (0.99, 0.0), "check": (0.9, 0.0)}


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    return SHIPPED


@pytest.mark.parametrize("split", ["tuned", "held_out", "fresh", "blind", "unseen"])
def test_answer_quality_holds_the_reached_level(
    shipped: KnowledgeGraph, split: str, capsys: pytest.CaptureFixture[str]
) -> None:
    every = [*load(shipped), *load_fresh(shipped), *load_blind(shipped), *load_unseen(shipped)]
    got = score([m for m in every if m.split == split], now(shipped))
    with capsys.disabled():
        sys.stdout.write(f"\nanswer quality, {split}: {got}\n")
    floor = REACHED[split]
    assert got.recall >= floor.recall
    assert got.precision >= floor.precision
    assert got.both_sides >= floor.both_sides
    assert got.declined >= floor.declined
    assert got.wrongly_declined <= floor.wrongly_declined


@pytest.mark.parametrize("split", ["tune", "check"])
def test_declines_hold_the_reached_level(
    shipped: KnowledgeGraph, split: str, capsys: pytest.CaptureFixture[str]
) -> None:
    got = decided([m for m in load_decline() if m.split == split], now(shipped))
    with capsys.disabled():
        sys.stdout.write(f"\ndeclines, decline set {split}: {got.declined:.3f} / {got.wrongly_declined:.3f}\n")
    declined, wrongly = DECIDED[split]
    assert got.declined >= declined
    assert got.wrongly_declined <= wrongly


def test_every_citation_is_a_slice_of_its_article_body(shipped: KnowledgeGraph) -> None:
    for message in load(shipped)[:20]:
        for c in answer(shipped, message.text).citations():
            assert body(shipped, c.source)[c.start : c.end] == c.quote


@pytest.mark.parametrize(
    "message",
    [
        "he stopped introducing me to his friends",
        "what should I get him for his birthday",
        "t",
        "don't",
    ],
)
def test_what_the_articles_do_not_cover_is_declined_in_one_sentence(shipped: KnowledgeGraph, message: str) -> None:
    a = answer(shipped, message)
    assert (a.answered, a.note, a.items(), a.citations()) == (False, NOT_COVERED, [], [])


def test_her_overthinking_is_not_his_rumination(shipped: KnowledgeGraph) -> None:
    a = answer(shipped, "how to stop overthinking when he is distant")
    assert a.answered
    assert "male-rumination-trap" not in [i.node.id for i in a.items()[:3]]


def test_he_ghosted_me_is_not_his_past_of_being_ghosted(shipped: KnowledgeGraph) -> None:
    a = answer(shipped, "he ghosted me after our first night")
    ids = [i.node.id for i in a.items()]
    assert "disappears" in [i.node.id for i in a.understood]
    assert "past-experiences" not in ids  # his past hurts (ghosting among them) are not what she describes


@pytest.mark.parametrize(
    "message",
    # The second names an idea no sign indicates: the signs of his pulling away, then the idea.
    ["signs he is pulling away", "what are the signs he is losing interest"],
)
def test_asking_for_signs_gets_signs(shipped: KnowledgeGraph, message: str) -> None:
    a = answer(shipped, message)
    assert [i.node.type for i in a.understood][:2] == ["sign", "sign"]


def test_asking_how_to_tell_is_not_asking_for_every_sign(shipped: KnowledgeGraph) -> None:
    a = answer(shipped, "how can i tell if this is normal space or if hes actually done with me")
    assert sum(i.node.type == "sign" for i in a.understood) <= 2


def test_should_i_text_him_gets_the_advice_against_over_communicating(shipped: KnowledgeGraph) -> None:
    a = answer(shipped, "should I text him when he pulls away")
    assert "dont-over-communicate" in [i.node.id for i in a.dont]
    assert a.order[0] == "understood"
    assert "reasons" not in a.order or a.order.index("dont") < a.order.index("reasons")


def test_a_heading_alone_is_cited_only_when_nothing_under_it_is(shipped: KnowledgeGraph) -> None:
    """ "What NOT to Do: The Chase Cycle" names the section; the sentences under it are what is cited."""
    a = answer(shipped, "how do i stop chasing him")
    headings = [c.quote for c in a.citations() if is_heading(shipped.articles[c.source].text, c.start, c.end)]
    assert a.citations()
    assert headings == []


def test_the_guard_set_stays_decided_as_it_was_brought(shipped: KnowledgeGraph) -> None:
    # bench/answer_guard.yaml: 400 answerable messages that name other subjects, tell her story in
    # details of their own or open a chat in a few words, and 110 the articles do not answer. Before
    # graph.reading.HIS_WITHDRAWAL, graph.retrieval.their_words and IN_PASSING, 34 of the first 225
    # were declined and 7 of the first 45 answered.
    got = decided(load_guard(), now(shipped))
    assert got.declined >= 0.92  # 102 of 110 when written: known misses (see its header)
    assert got.wrongly_declined <= 0.02  # 5 of 400 when written


def test_a_disagreement_on_the_point_asked_shows_both_sides_quoted(shipped: KnowledgeGraph) -> None:
    a = answer(shipped, "do all men pull away? my friend says every guy does")
    (pair, *_) = a.sides
    assert {n.node.id for n in pair.sides} == {"all-men-pull-away", "secure-men-dont-pull-away"}
    assert all(side.citations for side in pair.sides)
    assert {side.citations[0].source for side in pair.sides} == {"001", "003"}


@pytest.mark.parametrize(
    "message",
    [
        "if he cries in front of me will i lose attraction to him?",
        "my friend says a man who shows too much emotion is a turn off, is she right",
    ],
)
def test_whether_his_emotions_cost_her_attraction_is_answered_with_both_sides(
    shipped: KnowledgeGraph, message: str
) -> None:
    a = answer(shipped, message)
    (pair, *_) = a.sides
    assert {n.node.id for n in pair.sides} == {"masculine-energy", "masculinity-norms"}
    # 003's side in the words that say so: a tag question ("..., now do you?") asserts, it does not ask.
    (energy,) = (side for side in pair.sides if side.node.id == "masculine-energy")
    assert "attraction" in energy.citations[0].quote or "more emotional than you" in energy.citations[0].quote


def test_responses_say_what_they_are_for_in_terms_of_the_answer(shipped: KnowledgeGraph) -> None:
    a = answer(shipped, "he lost his job and shut me out, what should I do")
    assert a.do
    assert any(i.purpose for i in (*a.do, *a.dont))
    named = {i.node.label for i in (*a.understood, *a.verdict, *a.reasons)} | {"Pulling away"}
    for i in (*a.do, *a.dont):
        assert i.purpose is None or any(f"“{label}”" in i.purpose for label in named)


def test_a_verdict_is_quoted_where_it_meets_her_message(shipped: KnowledgeGraph) -> None:
    """Not by its first quote, the articles' general line between healthy space and avoidance."""
    a = answer(shipped, "he went quiet for a few days after a fight")
    (verdict,) = a.verdict
    assert verdict.citations
    assert not any(c.quote.startswith("Relationship experts distinguish") for c in verdict.citations)


@pytest.mark.parametrize(
    "message",
    [
        "is it normal for a guy to go quiet for a few days after a fight",
        "how can i tell if this is normal space or if hes actually done with me",
        "its been over two weeks of total silence. should i be worried??",
    ],
)
def test_asked_for_a_verdict_the_answer_gives_the_line_each_side_quoted_once(
    shipped: KnowledgeGraph, message: str
) -> None:
    a = answer(shipped, message)
    assert "verdict" in a.asks
    kinds = [i.node.id for i in a.verdict if i.verdict is None]
    assert sorted(kinds) == ["healthy-processing", "problematic-avoidance"]
    quoted = [c.span for i in a.verdict for c in i.citations]
    assert len(quoted) == len(set(quoted)) == len(a.verdict)  # one sentence each, none twice
    assert a.order.index("verdict") <= 1


def test_each_sentence_she_writes_gets_a_passage_of_its_own(shipped: KnowledgeGraph) -> None:
    """Her second sentence tells a situation of its own (she keeps asking him what is wrong); read
    whole, the first one's job loss and gaming fill the answer and that one gets no passage."""
    message = (
        "we've been together two years and everything was fine until he lost his job last month and "
        "started spending all his time gaming. i keep asking what's wrong"
    )
    a = answer(shipped, message)
    assert "job-loss-or-setback" in [i.node.id for i in a.reasons]
    assert "dont-demand-explanation" in [i.node.id for i in a.dont]
    assert any("Don’t question him" in c.quote for c in a.citations())


def test_a_message_of_several_sentences_up_to_the_limit_is_answered(shipped: KnowledgeGraph) -> None:
    (long,) = [m for m in load(shipped) if len(m.text) > 500]
    assert answer(shipped, long.text).answered
    assert answer(shipped, ("he pulls away. " * 100)[:MAX_MESSAGE]).answered


@pytest.mark.parametrize("message", ["", "   ", "x" * (MAX_MESSAGE + 1)])
def test_a_blank_or_too_long_message_is_refused_on_q(shipped: KnowledgeGraph, message: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        answer(shipped, message)
    assert caught.value.parameter == "q"


def test_the_same_message_gets_the_same_answer(shipped: KnowledgeGraph) -> None:
    message = "he hasn't texted me in 4 days since we slept together, what should I do?"
    assert answer(shipped, message) == answer(load_graph(DEFAULT_SEEDS_DIR), message)


def test_an_item_never_quotes_the_same_words_twice(shipped: KnowledgeGraph) -> None:
    for message in load(shipped):
        for item in answer(shipped, message.text).items():
            spans = [(c.source, c.start, c.end) for c in item.citations]
            assert len({c.quote for c in item.citations}) == len(item.citations), (message.text, item.node.id)
            for i, (source, start, end) in enumerate(spans):  # no passage inside or across another
                assert not any(s == source and b < end and start < e for s, b, e in spans[i + 1 :]), item.node.id


def test_a_short_answer_gives_its_best_items_further_passages(shipped: KnowledgeGraph) -> None:
    a = answer(shipped, "he says he needs space. should I give it to him?")
    (space,) = [i for i in a.do if i.node.id == "give-him-space"]
    assert len(space.citations) == 3  # the quote with her words, then where the article explains it
    assert len(a.citations()) <= CITED
    understood = answer(shipped, "is it my fault he pulled away?").understood
    (question,) = [i for i in understood if i.node.id == "is-it-my-fault"]
    assert "The answer is almost always: it’s not you." in [c.quote for c in question.citations]
    assert not any(c.quote.rstrip().endswith("?") for c in question.citations)  # the reply, not the question again


def test_a_passage_is_read_as_a_reply_exactly_when_an_answers_edge_into_the_question_quotes_it(
    shipped: KnowledgeGraph,
) -> None:
    """Read from the other holders' edges (a question a big graph answers thousands of times is not
    walked per passage), it agrees with gathering every answers edge into the question."""
    from graph.passage_rank import passage_index
    from graph.queries.answer_citing import _replies

    seen = {True: 0, False: 0}
    for p in shipped.derived(passage_index).passages:
        for question in (h for h in p.nodes if shipped.nodes[h].type == "question"):
            edges = (shipped.edges[eid] for eid in shipped.in_edges.get(question, ()))
            every = {ev.span for e in edges if e.kind == "answers" for ev in e.evidence}
            got = _replies(shipped, question, p.evidence.span, p.nodes)
            assert got == (p.evidence.span in every), (question, p.evidence.quote)
            seen[got] += 1
    assert seen[True]
    assert seen[False]


def test_she_asks_what_to_do_and_gets_advice_when_signs_and_reasons_rank_first(shipped: KnowledgeGraph) -> None:
    """What she asks for comes from further down the ranking than the rest: here a sign and the
    reasons her words name fill the best twelve, and 'should I be worried?' asks for advice."""
    a = answer(
        shipped,
        "my boyfriend of 2 years suddenly wants to spend less time with me and says he's stressed at work. "
        "should i be worried?",
    )
    assert a.asks == {"advice", "verdict"}
    assert a.do
    assert all(item.node.type == "response" and item.citations for item in a.do)


def test_who_says_so_is_an_item_only_when_she_names_it(shipped: KnowledgeGraph) -> None:
    """A researcher, study or institution an article quotes is not what she lives: the passage it
    holds is cited under what it is about, unless her words name it."""
    who = {
        n.id for n in shipped.nodes.values() if n.attributes.get("category") in ("researcher", "study", "institution")
    }
    told = answer(shipped, "he told me his ex cheated on him and now he won't say i love you back")
    assert told.answered
    assert not {i.node.id for i in told.items()} & who
    assert any("Chrystal Dunkers" in c.quote for c in told.citations())  # the passage is still cited
    asked = answer(shipped, "what does chrystal dunkers say about abandonment")
    assert "chrystal-dunkers" in {i.node.id for i in asked.items()}
    # One word of a name is not her naming it: "therapist" is in the alias "anxiety therapist".
    therapy = answer(shipped, "he's been distant for a month, should we see a couples therapist?")
    assert not {i.node.id for i in therapy.items()} & who


def test_what_was_understood_is_what_her_words_name(shipped: KnowledgeGraph) -> None:
    """An idea a chosen passage is about, that her words do not name, explains her situation: it is
    read under the reasons, not as something she told."""
    a = answer(shipped, "he told me his ex cheated on him and now he won't say i love you back")
    for item in a.understood:
        if item.node.type == "concept":
            names = " ".join((item.node.label, *item.node.aliases)).casefold()
            assert any(w.word in names or w.stem in names for w in a.words), item.node.id
    assert any(i.node.type == "concept" for i in a.reasons)


def test_a_week_is_answered_with_the_figure_it_is_within_not_the_one_it_shares_a_word_with(
    shipped: KnowledgeGraph,
) -> None:
    a = answer(shipped, "is it normal that he needs a week alone after we got closer?")
    cited = {i.node.id for i in a.items()}
    assert "communication-blackout" not in cited  # "total silence beyond two weeks"
    assert "normal-withdrawal-3-to-7-days" in {i.node.id for i in a.statistics}
    a = answer(shipped, "its been 3 weeks of total silence, is that normal?")
    assert "two-week-threshold" in {i.node.id for i in a.statistics}


def test_the_readme_worked_example_is_the_real_answer(shipped: KnowledgeGraph) -> None:
    """The README calls its example real output: each section, node (in order), "how" and quote
    it shows is what the answer gives today."""
    import json
    import re
    import urllib.parse
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    start = readme.index("A worked example (real output")
    url = re.search(r"/v1/answer\?q=(\S+?)'", readme[start:])
    shown = json.loads(re.search(r"```json\n(.*?)```", readme[start:], re.S).group(1))  # type: ignore[union-attr]
    assert url is not None
    a = answer(shipped, urllib.parse.unquote_plus(url.group(1)))
    assert shown["q"] == a.message
    assert shown["answered"] is a.answered
    assert shown["asks"] == sorted(a.asks)
    assert [s["name"] for s in shown["sections"]] == list(a.order)
    for section in shown["sections"]:
        items: tuple[Item, ...] = getattr(a, section["name"])
        assert [i["node"]["id"] for i in section["items"]] == [i.node.id for i in items]
        for written, item in zip(section["items"], items, strict=True):
            assert written.get("how", item.how) == item.how
            assert written.get("purpose", item.purpose) == item.purpose
            quotes = [c["quote"] for c in written.get("citations", ()) if isinstance(c, dict)]
            assert quotes == [c.quote for c in item.citations][: len(quotes)]
