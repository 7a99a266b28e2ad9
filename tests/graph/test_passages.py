"""Article bodies, slices and the sentence around each quote (graph/passages.py)."""

from __future__ import annotations

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from graph.build import KnowledgeGraph, load_graph
from graph.errors import NodeNotFound, NotInContent
from graph.models import Evidence
from graph.passages import body, context, passage

SHIPPED = load_graph(DEFAULT_SEEDS_DIR)
EVIDENCE = sorted(
    {ev for n in SHIPPED.nodes.values() for ev in n.evidence}
    | {ev for e in SHIPPED.edges.values() for ev in e.evidence},
    key=lambda ev: (ev.source, ev.start, ev.end),
)


def test_every_quote_is_its_passage_and_sits_in_its_context() -> None:
    assert len(EVIDENCE) > 100
    for ev in EVIDENCE:
        text = body(SHIPPED, ev.source)
        assert text[ev.start : ev.end] == ev.quote == passage(SHIPPED, ev.source, ev.start, ev.end)
        around = context(SHIPPED, ev)
        assert ev.quote.strip() in around
        assert around in text


def test_the_body_stops_where_the_article_does() -> None:
    for source_id, article in SHIPPED.articles.items():
        text = body(SHIPPED, source_id)
        assert len(text) == article.body_end
        assert article.text.startswith(text)
    # 003's reader comments start with "Dear Renee"-style replies after the body.
    assert "Dear Renee" in SHIPPED.articles["003"].text
    assert "Dear Renee" not in body(SHIPPED, "003")
    assert "Leave a Comment" not in body(SHIPPED, "000")


def test_context_is_the_sentence_around_the_quote(tiny: KnowledgeGraph) -> None:
    text = body(tiny, "000")
    quote = "need space"
    start = text.index(quote)
    assert context(tiny, Evidence("000", quote, start, start + len(quote))) == (
        "Men pull away because they need space after closeness."
    )
    quote = "2–3"
    start = text.index(quote)
    assert context(tiny, Evidence("000", quote, start, start + len(quote))) == "Usually 2–3 days."


@pytest.mark.parametrize(("start", "end", "parameter"), [(-1, 3, "start"), (0, 10**6, "end"), (5, 2, "end")])
def test_a_slice_outside_the_body_is_refused(start: int, end: int, parameter: str) -> None:
    with pytest.raises(NotInContent) as raised:
        passage(SHIPPED, "003", start, end)
    assert raised.value.parameter == parameter


def test_an_unknown_article_is_not_found() -> None:
    with pytest.raises(NodeNotFound) as raised:
        body(SHIPPED, "009")
    assert "003" in raised.value.suggestions
