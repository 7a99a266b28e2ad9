"""graph/retrieval.py over the shipped graph: her words against his, the floor, the graph's push."""

from __future__ import annotations

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from graph.build import KnowledgeGraph, load_graph
from graph.queries.answer import answer
from graph.reading import READERS_WORDS, off_topic
from graph.retrieval import OUTSIDE, PRIORS, covers, retrieve, their_words
from graph.text_index import analyse


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
        ("he wants a baby right away and i dont", False),  # "away" alone is not his pulling away
        ("he started pulling away when i brought up having a baby", True),
        ("we cant agree on paint colours for the nursery and he went distant", True),  # a subject of its own
        # Who he is to her and when it happens are the frame of her story, not a subject.
        ("my husband of 10 years barely talks to me anymore and spends every evening in the garage", True),
        # The words that name the subject say nothing of him: "long distance" is not his distance.
        ("we're long distance and the time difference is killing us, how do we make it work", False),
        ("we're long distance and lately he's been pulling away", True),
        ("he told me he kissed someone at a party while we were on a break. can i trust him again", False),
        ("his best friend keeps flirting with me, should i tell him", False),
        # She names a subject they do not treat, and says in her own words that he pulls away.
        ("he was super sweet at the wedding but the next day he went cold on me", True),
        ("my dog got sick and i needed him and he just disappeared for a week", True),
        ("he said he needs space after we fought about money, how long do i wait", True),
        ("since we talked about moving in he barely replies", True),
        ("my bf plays xbox all night and ignores me, we live together", True),
        ("he stopped making plans after we talked about moving in together", True),
        ("since we argued about money my bf has been acting really off", True),
        ("he follows his ex on insta and likes her pics, is that ok", False),
        ("his mom keeps dropping by without calling first, how do i bring it up with him", False),
        ("lately he's just on his phone and zoned out, we moved in together in may", True),
        ("whenever i bring up adopting a cat together he changes the subject", True),
        # A long story that names one such subject once names it in passing (IN_PASSING).
        (
            "we have been dating a year and things were great until my sister's wedding last month, where he "
            "met my whole family and danced with my grandma all night at the reception, and since then he takes "
            "hours to answer and cancelled our last two dates, what happened",
            True,
        ),
        ("his daughter from his first marriage is really cold to me whenever im over", False),  # not him
        ("he drinks way too much when we go out and then gets mean to me", False),
        # How she was ("flirty") is no subject: flirting is, when someone flirts.
        ("i was so flirty when we met and since we slept together he picks on everything i do", True),
    ],
)
def test_a_subject_the_articles_do_not_treat_is_covered_only_with_his_withdrawal(
    shipped: KnowledgeGraph, message: str, covered: bool
) -> None:
    assert covers(shipped, message) is covered
    assert retrieve(shipped, message).covered is covered


@pytest.mark.parametrize(
    ("message", "covered"),
    [
        # Short, and in words of its own: a subject the articles do not treat.
        ("we cant agree on paint colours for the nursery, the wallpaper samples he picked are awful", False),
        # Long, her story told in details of her own (a concert, a barbecue, a lake), around what they treat.
        (
            "we met at a concert in march and things moved fast, he even took me to his cousins barbecue. "
            "since our weekend at the lake he disappears for days and barely texts back",
            True,
        ),
    ],
)
def test_a_long_message_may_tell_her_story_in_words_of_its_own(
    shipped: KnowledgeGraph, message: str, covered: bool
) -> None:
    r = retrieve(shipped, message)
    assert len(r.foreign) >= 3
    assert r.covered is covered


@pytest.mark.parametrize(
    ("message", "foreign", "covered"),
    [
        (
            "we cant agree on paint colours for the nursery, the wallpaper samples he picked are awful",
            ("paint", "colours", "nursery", "wallpaper", "samples", "picked", "awful"),
            False,
        ),
        # Two words of her own among the articles' words: what they answer, in other words.
        ("he ghosted me for a week after meeting my roommates, feeling awkward tbh", ("roommates", "awkward"), True),
        # "gutted" is a reader's word for the articles' "upset" (graph/readers_words.yaml).
        ("he ghosted me for a week after meeting my roommates, feeling gutted tbh", ("roommates",), True),
        ("he shuts down and goes silent when i cry, it makes me feel so alone", (), True),
        # How readers type is not a subject: "fr", "lowkey", "tho", "af", "nah" are no words of hers.
        ("he has been acting so weird lately fr, lowkey scared tho, he barely texts", ("weird",), True),
        ("ok so hes been dry texting me af since the weekend, should i double text or nah", (), True),
        # A word the articles use in another degree is theirs ("easier": "easy").
        (
            "whenever i sit him down for a serious talk he freezes up and stares at the floor. is there an easier way",
            ("stares", "floor"),
            True,
        ),
    ],
)
def test_a_message_with_a_subject_of_its_own_is_not_covered(
    shipped: KnowledgeGraph, message: str, foreign: tuple[str, ...], covered: bool
) -> None:
    r = retrieve(shipped, message)
    assert (r.foreign, r.covered, covers(shipped, message)) == (foreign, covered, covered)


def test_asking_for_signs_finds_the_signs_of_what_she_names(shipped: KnowledgeGraph) -> None:
    signs = retrieve(shipped, "signs he is pulling away").signs
    assert len(signs) >= 5
    assert {f.node.type for f in signs} == {"sign"}
    assert retrieve(shipped, "he is pulling away").signs == ()


@pytest.mark.parametrize(
    ("message", "node_id"),
    [
        ("he left me on read", "reduced-communication"),
        ("he went cold on me", "emotional-flatness"),
        ("he won't put a label on it", "avoids-relationship-talk"),
        ("he came back and acts like nothing happened", "returns-without-change"),
        ("should i double text him", "dont-over-communicate"),
        ("he shut me out", "avoids-emotional-conversations"),
        ("he won't commit", "fear-of-commitment"),
        ("he has been so standoffish lately", "emotional-flatness"),
        ("crickets from him since saturday", "disappears"),
    ],
)
def test_a_readers_own_words_find_the_node_she_means(shipped: KnowledgeGraph, message: str, node_id: str) -> None:
    assert node_id in [f.node.id for f in retrieve(shipped, message).ranked[:3]]


@pytest.mark.parametrize(
    ("message", "covered"),
    [
        ("what vegetables should we plant in our garden this spring", False),
        ("he wants to learn guitar, which one should he buy", False),
        ("my boyfriend's sister keeps posting about me on tiktok", False),
        ("he left me on read after we hooked up", True),
        ("he got really quiet after we met my parents", True),
    ],
)
def test_a_subject_no_list_names_is_declined_by_the_floor(shipped: KnowledgeGraph, message: str, covered: bool) -> None:
    assert off_topic(message) == ()  # the floor does the work, not the list of subjects
    assert retrieve(shipped, message).covered is covered


@pytest.mark.parametrize(
    ("message", "within", "against"),
    [
        ("he needs a week alone after we got closer", "normal-withdrawal-3-to-7-days", "two-week-threshold"),
        ("he went quiet for 5 days after our date", "normal-withdrawal-3-to-7-days", "week-of-consistent-withdrawal"),
        ("its been 16 days of nothing from him", "two-week-threshold", "normal-withdrawal-3-to-7-days"),
    ],
)
def test_how_long_she_says_is_read_against_the_articles_figures(
    shipped: KnowledgeGraph, message: str, within: str, against: str
) -> None:
    """ "A week" is within 3–7 days and short of "beyond two weeks", whatever words they share."""
    r = retrieve(shipped, message)
    found = {f.node.id: f for f in r.ranked}
    assert any(m.field == "duration" for m in found[within].words)
    assert within not in r.outside
    assert against in r.outside
    assert found[within].score > found[against].score if against in found else True


def test_a_contradicted_figure_counts_outside_of_its_score_once(shipped: KnowledgeGraph) -> None:
    """Its own words are cut to OUTSIDE before the graph step, and what the graph brings it is cut
    to OUTSIDE after: never its words twice (0.04 of them)."""
    r = retrieve(shipped, "is it normal that he needs a week alone after a fight")
    cut = [f for f in r.ranked if f.node.id in r.outside and f.lexical > 0]
    assert cut
    for f in cut:
        assert f.score >= f.lexical
        assert f.score <= f.lexical + OUTSIDE * max(v for p in PRIORS.values() for v in p.values()) * f.pushed + 1e-9


def test_only_signs_a_contradicted_figure_measures_are_set_aside(shipped: KnowledgeGraph) -> None:
    """A week is short of the two-week figure and of the sign it measures (total silence beyond
    two weeks), not of the kind of pulling away it measures: a recurring pattern is a line too."""
    r = retrieve(shipped, "he disappears for a week every month, same loop")
    assert {"two-week-threshold", "communication-blackout"} <= r.outside
    assert "problematic-avoidance" not in r.outside
    assert retrieve(shipped, "he went quiet after our date").outside == frozenset()


def test_a_word_is_read_in_the_degree_the_articles_use(shipped: KnowledgeGraph) -> None:
    message = "since i got promoted he seems colder and doesnt ask about my day"
    r = retrieve(shipped, message)
    assert {t.word: t.stem for t in r.terms}["colder"] == "cold"
    assert r.covered
    assert "colder" not in r.foreign


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ("is it me?", "is-it-my-fault"),
        ("does he still like me??", "does-pulling-away-mean-losing-interest"),
        ("so... what are we?", "uncertainty-about-direction"),
        ("is it me or is he just busy", "is-it-my-fault"),
    ],
)
def test_a_name_of_common_words_is_matched_whole(shipped: KnowledgeGraph, message: str, named: str) -> None:
    """No word of "is it me?" means anything alone, so none is a term; said whole, it names its node."""
    r = retrieve(shipped, message)
    assert r.covered
    assert named in [f.node.id for f in r.ranked[:2]]


@pytest.mark.parametrize(
    "message",
    ["what are we having for dinner tonight, he wants tacos and i want sushi", "what did i do this weekend"],
)
def test_a_name_of_common_words_inside_another_sentence_names_nothing(shipped: KnowledgeGraph, message: str) -> None:
    assert not retrieve(shipped, message).covered


def test_is_it_me_is_answered_with_the_articles_it_is_not_you(shipped: KnowledgeGraph) -> None:
    a = answer(shipped, "is it me?")
    assert a.answered
    assert "The answer is almost always: it’s not you." in [c.quote for c in a.citations()]


def test_her_words_count_whole_on_a_node_named_in_her_voice(shipped: KnowledgeGraph) -> None:
    """ "am I pushing him away" is one of her-daily-mistakes' names: her words there are her part,
    not his inner state, and count whole; on another reason they still count less."""
    assert _weights(shipped, "am i pushing him away", "her-daily-mistakes") == {1.0}
    assert retrieve(shipped, "am i pushing him away").ranked[0].node.id == "her-daily-mistakes"
    assert _weights(shipped, "i'm not sure i'm ready", "not-ready-for-serious-relationship") == {0.3}


def test_a_word_that_says_how_she_means_it_does_not_break_a_plain_name(shipped: KnowledgeGraph) -> None:
    r = retrieve(shipped, "does he even like me")
    assert r.covered
    assert "does-pulling-away-mean-losing-interest" in [f.node.id for f in r.ranked[:2]]


@pytest.mark.parametrize(
    "message",
    [
        "are you a real person",
        "cant stop thinking about my ex",
        "my mom hates my boyfriend",
        "best first date ideas?",
        "what can you help me with",
        "how do i tell my parents im engaged",
        "my best friend stopped inviting me places",
        "I cheated on my husband once last year and he doesn't know. Should I tell him?",
        "is it ok to date a coworker",
        "hi! who am I talking to?",
    ],
)
def test_a_short_opener_on_another_subject_is_not_covered(shipped: KnowledgeGraph, message: str) -> None:
    assert off_topic(message)
    assert not retrieve(shipped, message).covered


def test_his_ex_who_cheated_is_his_past_not_another_subject(shipped: KnowledgeGraph) -> None:
    """Her cheating is a subject the articles do not treat; his ex's is his past, which they do."""
    assert retrieve(shipped, "his ex cheated on him, now he keeps me at arms length").covered


@pytest.mark.parametrize(
    ("message", "covered"),
    [
        ("sister stopped speaking to me. help", False),
        ("mother in law keeps dropping by unannounced", False),
        ("left on read again", True),  # a sign of his, told without naming him
        ("hot one day, ice the next. whats going on", True),
        ("why do guys go cold after sex", True),
        ("is it me?", True),  # a node named whole
    ],
)
def test_a_message_naming_no_man_is_about_him_only_if_it_says_his_doing(
    shipped: KnowledgeGraph, message: str, covered: bool
) -> None:
    assert retrieve(shipped, message).covered is covered


def test_a_question_of_what_an_idea_is_counts_whole_on_it(shipped: KnowledgeGraph) -> None:
    """ "how to stop …" asks of her own doing; "whats the halo effect" asks what a reason is."""
    assert _weights(shipped, "whats the halo effect thing", "halo-effect-wears-off") == {1.0}
    assert retrieve(shipped, "whats the halo effect thing").covered
    assert _weights(shipped, "how to stop overthinking", "male-rumination-trap") == {0.3}


def test_a_readers_word_is_read_as_the_articles_word_for_it(shipped: KnowledgeGraph) -> None:
    """ "mom" and "cried" are hers, "parents" and "crying" the articles': his childhood is found,
    with the article's passage on parents who ignored a crying child."""
    message = "his mom was really cold when he was little and sent him to his room if he cried. is that connected"
    r = retrieve(shipped, message)
    assert {t.word: t.stem for t in r.terms}["mom"] == "parent"
    assert "mom" not in r.foreign
    assert "childhood-origins-of-attachment" in [f.node.id for f in r.ranked[:3]]
    cited = [c.quote for c in answer(shipped, message).citations()]
    assert any("their parents were most likely ignoring them when crying" in quote for quote in cited)


def test_a_word_she_calls_her_own_keeps_its_own_sense(shipped: KnowledgeGraph) -> None:
    """The articles' parents are his: her dad is a subject of her own, and the message about
    introducing him is still one they do not answer."""
    message = "he still hasn't met my dad. my dad is super strict and i'm scared to introduce them, how do i do it"
    r = retrieve(shipped, message)
    assert {t.word: t.stem for t in r.terms}["dad"] == "dad"
    assert not r.covered


def test_every_readers_word_is_read_as_the_articles_word(shipped: KnowledgeGraph) -> None:
    """No entry of graph/readers_words.yaml is dead: the articles never use the reader's word
    (else it would be read as it is) and do use its target."""
    dead = [
        word
        for word, theirs in READERS_WORDS.items()
        if [t.stem for t in their_words(shipped, word)] != [analyse(theirs)]
    ]
    assert not dead


@pytest.mark.parametrize(
    "message",
    [
        "he's gotten so withdrawn since his grandpa's funeral",
        "we went kayaking, perfect day, then crickets for a week",
        "ever since the camping weekend he's been lukewarm and flaky",
    ],
)
def test_her_own_words_for_his_withdrawal_are_covered_though_no_node_has_them(
    shipped: KnowledgeGraph, message: str
) -> None:
    r = retrieve(shipped, message)
    assert r.withdrawing
    assert r.covered
    assert covers(shipped, message)
    assert answer(shipped, message).answered
