"""Ranked search over the graph's inverted index (graph.text_index): BM25 with typo tolerance.

The query is read as a reader's message (graph.reading, graph.retrieval): contractions spelt
out, function and filler words left out, each word weighed per node type by whose clause it is in
and what she asks for (her "overthinking" weighs little on his rumination; "signs …" weighs on
signs), and a query the articles do not cover (graph.retrieval.covers) finds nothing. When she
asks for signs, the signs of what she names (graph.retrieval.signs_of, over the graph's
`indicates` edges: no sign says "pulling away") come first, in retrieval's order, each with a
part of its score that says so (`field` "edge", `how` "graph").
Every query word is looked for, in any order, as its English stem in each field with the field's
weight (label = alias > summary > quote), and, when long enough to carry a typo, as a word within
an edit distance of the labels and aliases (1 from 4 letters, 2 from 8). A node's score is the sum
(BM25 of each field it matches, boosted, plus a fixed score per typo match), so matching more of the
query ranks higher; a query that is a node's whole label or one of its aliases ("oxytocin") ranks
that node first (`how` "name"). Each hit says which terms scored what (`explain`) and marks them in
a snippet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import tantivy
from rapidfuzz.distance import OSA

from graph.build import KnowledgeGraph
from graph.errors import InvalidParameter
from graph.models import Node
from graph.queries._checks import require_range
from graph.queries.listing import MAX_OFFSET, Page
from graph.reading import intents
from graph.retrieval import (
    TOPIC_WEIGHT,
    covers,
    is_topic,
    past_positions,
    retrieve,
    speaks_of_past,
    their_words,
    type_weights,
)
from graph.text_index import FIELDS, TextIndex, analyse, name_key, text_index, words
from graph.types import NodeType

__all__ = ["FIELD_WEIGHTS", "MAX_QUERY", "MAX_RESULTS", "Match", "SearchHit", "search", "typo_distance"]

MAX_QUERY = 1000  # a reader's message with its context runs long
_NAMED = 50  # the nodes one name can be looked up to (the content has one or two)
MAX_RESULTS = 100
FIELD_WEIGHTS = FIELDS
_TYPO_SCORE = {"label": 2.0, "alias": 1.5}  # a word within the distance scores this, less per edit
_SNIPPET = 160
_MAX_WORDS = 16
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Match:
    """What one query word contributed: the term it matched, where, how, and its share of the score."""

    word: str
    field: str  # "label", "alias", "summary", "quote"; "edge" for a sign ranked first (`how` "graph")
    how: str  # "stem", "typo", "graph" or "name"
    score: float


@dataclass(frozen=True)
class SearchHit:
    """A node, its score, the field shown, a snippet of it with the matched words' offsets, and why."""

    node: Node
    score: float
    field: str
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    explain: tuple[Match, ...] | None  # asked for: scoring each part costs a query per word and field


def typo_distance(word: str) -> int:
    """How many edits a query word may be off by: none under 4 letters, 1 to 7, then 2.

    >>> [typo_distance(w) for w in ("she", "lies", "comitment")]
    [0, 1, 2]
    """
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


@dataclass(frozen=True)
class _Term:
    word: str
    stem: str
    distance: int
    weights: tuple[tuple[str, float], ...] = ()  # node type → factor, where not 1 (graph.retrieval)
    scale: float = 1.0  # less for a word that only names the articles' topic ("pull", "away")

    def weight(self, node_type: str) -> float:
        return self.scale * dict(self.weights).get(node_type, 1.0)


def _terms(kg: KnowledgeGraph, ix: TextIndex, q: str) -> list[_Term]:
    """The query's words as a reader's message is read (graph.retrieval.their_words: contractions
    spelt out, no function or filler words, each in the degree the articles use), once each, each
    weighed per node type by whose clause it is in and what she asks for (graph.retrieval.weights);
    a word no label or alias has may be a typo."""
    asked = intents(q)
    out = []
    for term in their_words(kg, q)[:_MAX_WORDS]:
        word = term.word
        known = ix.searcher.doc_freq("label_words", word) or ix.searcher.doc_freq("alias_words", word)
        weights = tuple(sorted(type_weights(term, asked).items()))
        scale = TOPIC_WEIGHT if is_topic(ix, term.stem) else 1.0
        out.append(_Term(word, term.stem, 0 if known else typo_distance(word), weights, scale))
    return out


def _clauses(ix: TextIndex, term: _Term) -> list[tuple[str, str, tantivy.Query]]:
    """(field, how, query) for each way `term` can match."""
    out = [
        (f, "stem", tantivy.Query.boost_query(tantivy.Query.term_query(ix.schema, f, term.stem), w))
        for f, w in FIELDS.items()
    ]
    for field, boost in _TYPO_SCORE.items():
        for d in range(1, term.distance + 1):  # nearer words match at each distance up to theirs
            fuzzy = tantivy.Query.fuzzy_term_query(ix.schema, f"{field}_words", term.word, d, True, False)
            out.append((field, "typo", tantivy.Query.const_score_query(fuzzy, boost / term.distance)))
    return out


def _any(queries: Sequence[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def _of_type(ix: TextIndex, node_type: str) -> tantivy.Query:
    return tantivy.Query.const_score_query(tantivy.Query.term_query(ix.schema, "type", node_type), 0.0)


def _weighed(ix: TextIndex, term: _Term) -> tantivy.Query:
    """One word's clauses, scored × its weight for each node type (no split when all weigh 1)."""
    clauses = _any([c for _, _, c in _clauses(ix, term)])
    if term.scale != 1.0:
        clauses = tantivy.Query.boost_query(clauses, term.scale)
    if not term.weights:
        return clauses
    special = dict(term.weights)
    parts = [
        tantivy.Query.boost_query(
            tantivy.Query.boolean_query([(tantivy.Occur.Must, clauses), (tantivy.Occur.Must, _of_type(ix, t))]), w
        )
        for t, w in special.items()
    ]
    others = [(tantivy.Occur.MustNot, _of_type(ix, t)) for t in special]
    parts.append(tantivy.Query.boolean_query([(tantivy.Occur.Must, clauses), *others]))
    return _any(parts)


def _query(
    ix: TextIndex, terms: Sequence[_Term], types: Sequence[NodeType], left_out: Sequence[int] = ()
) -> tantivy.Query:
    text = _any([_weighed(ix, t) for t in terms])
    parts = [(tantivy.Occur.Must, text)]
    if types:
        kinds = _any([tantivy.Query.term_query(ix.schema, "type", t) for t in types])
        parts.append((tantivy.Occur.Must, tantivy.Query.const_score_query(kinds, 0.0)))
    if left_out:
        parts.append((tantivy.Occur.MustNot, ix.only(left_out)))
    return text if len(parts) == 1 else tantivy.Query.boolean_query(parts)


def search(
    kg: KnowledgeGraph,
    q: str,
    *,
    types: Sequence[NodeType] = (),
    limit: int = 20,
    offset: int = 0,
    explain: bool = False,
) -> Page[SearchHit]:
    """A page of the nodes matching `q`, best first; `total` counts every match, `facets` them by type and source.

    Examples
    --------
    >>> page = search(tiny_graph(), "oxytocn", explain=True)
    >>> page.items[0].node.id, page.items[0].field, page.items[0].explain[0].how
    ('oxytocin', 'label', 'typo')
    """
    if not q.strip() or len(q) > MAX_QUERY:
        raise InvalidParameter("q", f"must be 1 to {MAX_QUERY} characters and not blank", q[:40])
    require_range("limit", limit, 1, MAX_RESULTS)
    require_range("offset", offset, 0, MAX_OFFSET)
    ix = kg.derived(text_index)
    terms = _terms(kg, ix, q)
    if not terms or not covers(kg, q):  # the relevance floor: what the articles do not cover finds nothing
        return Page([], 0, limit, offset, facets={"type": {}, "source": {}})
    # His past ("gaslit or ghosted before") only when she speaks of his past (graph.retrieval).
    left_out = () if speaks_of_past(q) else kg.derived(past_positions)
    query = _query(ix, terms, types, left_out)
    first: dict[int, Match] = {}
    if "signs" in intents(q) and (not types or "sign" in types):
        query, first = _signs_first(kg, ix, q, query)
    else:
        query, first = _named_first(ix, q, query, types)
    ranked = ix.run(query, limit, offset)
    stems = _stem_scores(ix, terms, [n for _, _, n in ranked]) if explain else None
    if stems is not None:
        for n, match in first.items():
            stems.setdefault(n, []).append(match)
    hits = [_hit(ix.nodes[n], score, terms, stems.get(n, []) if stems is not None else None) for score, _, n in ranked]
    facets = _facets(ix, query)
    total = sum(facets["type"].values())  # every node has one type
    if types:
        facets["type"] = _facets(ix, _query(ix, terms, (), left_out))["type"]  # every type, to switch between them
    return Page(hits, total, limit, offset, facets=facets)


def _signs_first(
    kg: KnowledgeGraph, ix: TextIndex, q: str, query: tantivy.Query
) -> tuple[tantivy.Query, dict[int, Match]]:
    """`query` with the signs of what she names (graph.retrieval.signs_of) scored above its best
    match, in retrieval's order; and what each sign's position gained."""
    signs = retrieve(kg, q).signs
    if not signs:
        return query, {}
    top = _above_best(ix, query)
    position = {node.id: n for n, node in enumerate(ix.nodes)}
    boost = {position[f.node.id]: top + len(signs) - i for i, f in enumerate(signs)}
    return _first(ix, query, boost), {n: Match("", "edge", "graph", gain) for n, gain in boost.items()}


def _named_first(
    ix: TextIndex, q: str, query: tantivy.Query, types: Sequence[NodeType]
) -> tuple[tantivy.Query, dict[int, Match]]:
    """`query` with the nodes whose label or an alias is the query itself ("oxytocin", "pulling
    away") scored above its best match: a name asked for is the node named, however many longer
    names share its words; and what each gained, as the part of its score that says so. The names
    are looked up whole in the index (`label_key`, `alias_key`), in any word order, as the rest of
    search: not read one by one (100,000 nodes' names took 300 ms a query)."""
    said = name_key(q)
    exact = _any([tantivy.Query.term_query(ix.schema, field, said) for field in ("label_key", "alias_key")])
    named: dict[int, str] = {}
    for _, _, n in ix.run(exact, _NAMED):
        node = ix.nodes[n]
        if node.type != "source" and not (types and node.type not in types):
            named[n] = "label" if name_key(node.label) == said else "alias"
    if not named:
        return query, {}
    gain = _above_best(ix, query)
    matches = {n: Match(said, field, "name", gain) for n, field in named.items()}
    return _first(ix, query, dict.fromkeys(named, gain)), matches


def _above_best(ix: TextIndex, query: tantivy.Query) -> float:
    """A score above `query`'s best match (1 when nothing matches): what a node ranked first gets."""
    best = ix.run(query, 1)
    return float(int(best[0][0]) + 1 if best else 1)


def _first(ix: TextIndex, query: tantivy.Query, scores: dict[int, float]) -> tantivy.Query:
    """`query`, with the nodes at the positions `scores` names matched at those scores whatever
    else they match (`_signs_first`, `_named_first`)."""
    term = tantivy.Query.term_query
    ranked = [tantivy.Query.const_score_query(term(ix.schema, "n", n), score) for n, score in scores.items()]
    return _any([query, *ranked])


def _facets(ix: TextIndex, query: tantivy.Query) -> dict[str, dict[str, int]]:
    spec = {name: {"terms": {"field": name, "size": 1000}} for name in ("type", "source")}
    result = ix.searcher.aggregate(query, spec)
    return {name: {b["key"]: b["doc_count"] for b in result[name]["buckets"]} for name in spec}


def _texts(node: Node) -> list[tuple[str, str]]:
    return [
        ("label", node.label),
        *(("alias", a) for a in node.aliases),
        ("summary", node.summary),
        *(("quote", ev.quote) for ev in node.evidence),
    ]


def _matches(text: str, field: str, terms: Sequence[_Term]) -> list[tuple[int, int, _Term, str]]:
    """(start, end, term, how) of each word of `text` a query term matches."""
    found = []
    for word in _WORD.finditer(text):
        start, end = word.span()
        token = word.group().casefold()
        stem = analyse(token)
        for term in terms:
            if stem is not None and stem == term.stem:
                found.append((start, end, term, "stem"))
                break
            if field in _TYPO_SCORE and 0 < OSA.distance(token, term.word) <= term.distance:
                found.append((start, end, term, "typo"))
                break
    return found


def _stem_scores(ix: TextIndex, terms: Sequence[_Term], page: Sequence[int]) -> dict[int, list[Match]]:
    """Each page node's BM25 per (word, field) of the stem matches, scored by tantivy: every
    clause alone, on the page's nodes only."""
    out: dict[int, list[Match]] = {}
    if not page:
        return out
    only = ix.only(page)
    for term in terms:
        for field, how, clause in _clauses(ix, term):
            if how != "stem":
                continue
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, clause), (tantivy.Occur.Must, only)])
            for score, _, n in ix.run(query, len(page)):
                weighed = score * term.weight(ix.nodes[n].type)
                out.setdefault(n, []).append(Match(term.word, field, "stem", round(weighed, 3)))
    return out


def _hit(node: Node, score: float, terms: Sequence[_Term], stems: list[Match] | None) -> SearchHit:
    """The hit: its best-weighted text with the most query words is the snippet, and its score in parts."""
    best: tuple[float, str, str, list[tuple[int, int, _Term, str]]] = (-1.0, "label", node.label, [])
    for field, text in _texts(node):
        found = _matches(text, field, terms)
        value = FIELDS[field] * len({t.word for _, _, t, _ in found})
        if value > best[0]:
            best = (value, field, text, found)
    _, field, text, found = best
    snippet, shift = _cut(text, found[0][0] if found else 0)
    highlights = tuple((s - shift, e - shift) for s, e, _, _ in found if s >= shift and e - shift <= len(snippet))
    parts = None if stems is None else tuple(sorted([*stems, *_typo_parts(node, terms)], key=lambda m: -m.score))
    return SearchHit(node, round(score, 3), field, snippet, highlights, parts)


def _typo_parts(node: Node, terms: Sequence[_Term]) -> list[Match]:
    """The near-word matches: a word e edits away (the same word: e = 0) is caught at each allowed
    distance from max(e, 1) to the term's, each scoring `_TYPO_SCORE[field] / distance`."""
    out = []
    texts = {"label": words(node.label), "alias": [w for a in node.aliases for w in words(a)]}
    for term in terms:
        for field, boost in _TYPO_SCORE.items():
            near = min((OSA.distance(term.word, w, score_cutoff=term.distance + 1) for w in texts[field]), default=99)
            if term.distance and near <= term.distance:
                caught = term.distance - max(near, 1) + 1
                weighed = caught * boost / term.distance * term.weight(node.type)
                out.append(Match(term.word, field, "typo", round(weighed, 3)))
    return out


def _cut(text: str, at: int) -> tuple[str, int]:
    """Up to ~160 characters of `text` around offset `at`, and where the piece starts in `text`."""
    if len(text) <= _SNIPPET:
        return text, 0
    start = max(0, at - _SNIPPET // 3)
    return text[start : start + _SNIPPET], start
