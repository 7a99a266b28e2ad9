"""graph/queries/search.py and graph/queries/autocomplete.py over the shipped graph."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from graph.build import KnowledgeGraph, load_graph
from graph.errors import InvalidParameter
from graph.queries import autocomplete, search
from graph.queries.search import Match, SearchHit
from graph.text_index import text_index


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    return load_graph(Path(__file__).parents[3] / "seeds")


def _parts(hit: SearchHit) -> tuple[Match, ...]:
    assert hit.explain is not None
    return hit.explain


def _ids(kg: KnowledgeGraph, q: str, **kw: object) -> list[str]:
    return [h.node.id for h in search(kg, q, **kw).items]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("oxytocn", "oxytocin"),
        ("comitment", "fear-of-commitment"),
        ("avoidnt attachmnt", "avoidant-attachment-makes-closeness-dangerous"),
    ],
)
def test_typos_find_the_node_in_the_top_3(shipped: KnowledgeGraph, typo: str, expected: str) -> None:
    assert expected in _ids(shipped, typo)[:3]


def test_word_order_does_not_matter(shipped: KnowledgeGraph) -> None:
    assert _ids(shipped, "texting less") == _ids(shipped, "less texting")
    assert [h.score for h in search(shipped, "texting less").items] == [
        h.score for h in search(shipped, "less texting").items
    ]


def test_fields_are_weighted_and_stemmed(shipped: KnowledgeGraph) -> None:
    assert _ids(shipped, "ghosting")[0] == "disappears"  # her being ghosted, not his past
    assert "past-experiences" in _ids(shipped, "he was ghosted before")[:3]  # his past, when she speaks of it
    assert _ids(shipped, "cuddle")[0] == "avoids-cuddling-after-sex"  # cuddle ~ cuddling
    hit = search(shipped, "cuddle", explain=True).items[0]
    assert hit.field == "label"
    assert _parts(hit)[0].how == "stem"


def test_the_score_is_the_sum_of_its_explanation(shipped: KnowledgeGraph) -> None:
    for hit in search(shipped, "why did he go quiet after we slept together", limit=10, explain=True).items:
        assert sum(m.score for m in _parts(hit)) == pytest.approx(hit.score, abs=0.01)
        assert all(m.word for m in _parts(hit))
    typed = search(shipped, "oxytocin", types=["reason"], explain=True).items
    assert typed
    assert all(h.node.type == "reason" for h in typed)
    for h in typed:
        assert sum(m.score for m in _parts(h)) == pytest.approx(h.score, abs=0.01)


def test_snippets_mark_the_matched_words(shipped: KnowledgeGraph) -> None:
    for hit in search(shipped, "oxytocin after sex").items:
        assert hit.highlights, hit.node.id
        for start, end in hit.highlights:
            assert hit.snippet[start:end].casefold().startswith(("oxytocin", "sex", "after")), hit.snippet


def test_facets_count_every_match(shipped: KnowledgeGraph) -> None:
    page = search(shipped, "space", limit=1)
    assert page.facets is not None
    assert sum(page.facets["type"].values()) == page.total > 1
    assert set(page.facets["source"]) <= set(shipped.by_type["source"])
    only = search(shipped, "space", types=["response"], limit=1)
    assert only.facets is not None
    assert only.facets["type"] == page.facets["type"]
    assert only.total == only.facets["type"]["response"]


def test_stop_words_alone_match_nothing_and_bad_input_is_refused(shipped: KnowledgeGraph) -> None:
    assert search(shipped, "why did he").total == 0
    with pytest.raises(InvalidParameter):
        search(shipped, "  ")
    assert autocomplete(shipped, " \x1c ") == []
    with pytest.raises(InvalidParameter):
        autocomplete(shipped, "a" * 101)


def test_autocomplete_is_prefix_and_typo_tolerant_and_fast(shipped: KnowledgeGraph) -> None:
    assert "avoidant-attachment-makes-closeness-dangerous" in [n.id for n in autocomplete(shipped, "avoi")][:3]
    assert "avoidant-attachment-makes-closeness-dangerous" in [n.id for n in autocomplete(shipped, "avoidnt att")][:3]
    assert "give-him-space" in [n.id for n in autocomplete(shipped, "space give ")]
    assert len(autocomplete(shipped, "a")) <= 10
    assert autocomplete(shipped, "!!") == []
    shipped.derived(text_index)
    started = time.perf_counter()
    for _ in range(200):
        autocomplete(shipped, "avoidnt att")
    assert (time.perf_counter() - started) / 200 < 0.001


@pytest.mark.parametrize("q", ["t", "don't", "get time", "he stopped introducing me to his friends"])
def test_contractions_common_words_and_uncovered_queries_find_nothing(shipped: KnowledgeGraph, q: str) -> None:
    page = search(shipped, q)
    assert (page.items, page.total) == ([], 0)


def test_search_reads_a_readers_message(shipped: KnowledgeGraph) -> None:
    assert "dont-blame-yourself" not in _ids(shipped, "he hasn't texted me")
    assert "shorter-time-together" not in _ids(shipped, "he goes cold every time we get close")[:5]
    assert "dont-over-communicate" in _ids(shipped, "should I text him when he pulls away")[:3]
    assert _ids(shipped, "how to stop overthinking when he is distant")[0] != "male-rumination-trap"
    assert "past-experiences" not in _ids(shipped, "he ghosted me after our first night")[:3]
    assert search(shipped, ("he pulls away when we get close. " * 40)[:1000]).items  # long messages are read


def test_asking_for_signs_ranks_the_signs_of_what_she_names_first(shipped: KnowledgeGraph) -> None:
    page = search(shipped, "signs he is pulling away", limit=5, explain=True)
    assert [h.node.type for h in page.items] == ["sign"] * 5
    for hit in page.items:  # the graph's part is explained, so the score is still the sum of its parts
        assert ("edge", "graph") in {(m.field, m.how) for m in _parts(hit)}
        assert sum(m.score for m in _parts(hit)) == pytest.approx(hit.score, abs=0.01)
    assert "sign" not in {h.node.type for h in search(shipped, "he is pulling away", limit=3).items}


@pytest.mark.parametrize(
    ("q", "node_id", "field"), [("oxytocin", "oxytocin", "label"), ("Love hormone", "oxytocin", "alias")]
)
def test_a_query_that_is_a_name_ranks_the_node_named_first(
    shipped: KnowledgeGraph, q: str, node_id: str, field: str
) -> None:
    page = search(shipped, q, explain=True)
    first = page.items[0]
    assert first.node.id == node_id
    assert first.explain is not None
    assert any(m.how == "name" and m.field == field for m in first.explain)
    assert page.total > 1  # the other nodes sharing its words are still found
