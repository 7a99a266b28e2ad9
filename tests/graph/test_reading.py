"""graph/reading.py: a reader's words, contractions spelt out, whose clause each is in, what she asks."""

from __future__ import annotations

import pytest

from graph.reading import expand_contractions, intents, terms


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("he hasn't texted", ["texted"]),
        ("he hasnt texted", ["texted"]),
        ("I don’t get it", []),
        ("he goes cold every time we get close", ["cold", "close"]),
        ("he's busy and I'm sad", ["busy", "sad"]),
        ("I (28f) have been seeing him for 4 months", ["seeing", "months"]),
        ("won't can't shouldn't", []),
        ("idk tbh, I feel like he is distant", ["distant"]),
    ],
)
def test_terms_leave_out_contractions_function_and_common_words(message: str, words: list[str]) -> None:
    assert [t.word for t in terms(message)] == words


def test_no_one_letter_term_comes_from_a_contraction() -> None:
    assert all(len(t.word) > 1 for t in terms("don't doesn't didn't isn't he's I'm we're they've you'll I'd"))
    assert expand_contractions("Don’t") == "Do not"


@pytest.mark.parametrize(
    ("message", "roles"),
    [
        ("how to stop overthinking when he is distant", {"overthinking": "her", "distant": "him"}),
        ("I think he is avoidant", {"avoidant": "him"}),
        ("my boyfriend goes cold", {"cold": "him"}),
        ("he shut me out", {"shut": "him"}),
        ("I feel like I'm suffocating him", {"suffocating": "her"}),
        ("we argue", {"argue": "both"}),
    ],
)
def test_each_word_knows_whose_clause_it_is_in(message: str, roles: dict[str, str]) -> None:
    assert {t.word: t.role for t in terms(message) if t.word in roles} == roles


@pytest.mark.parametrize(
    ("message", "asked"),
    [
        ("should I text him", {"advice"}),
        ("why does he do this", {"why"}),
        ("signs he is pulling away", {"signs"}),
        ("how long should I wait", {"advice", "duration"}),
        ("is there an easier way to get him to open up", {"advice"}),
        ("any tips? he has gone quiet", {"advice"}),
        ("he is distant", set()),
    ],
)
def test_intents_name_what_she_asks_for(message: str, asked: set[str]) -> None:
    assert intents(message) == asked


def test_a_date_is_not_a_duration() -> None:
    assert [t.word for t in terms("he said he loves me last week")] == ["loves"]
    assert "duration" not in intents("we met last month and now he is distant")
    assert "duration" in intents("he has been distant for two weeks")
