"""Autocomplete for a search box: the nodes whose label or alias starts like what was typed.

Every word typed must match a word of the node's label or an alias, in any order; the last word
may be unfinished (a prefix). Each word may be off by `typo_distance` edits. A label outranks an
alias and an exact word a near one; among equals, the shorter label comes first.
"""

from __future__ import annotations

import tantivy

from graph.build import KnowledgeGraph
from graph.errors import InvalidParameter
from graph.models import Node
from graph.queries.search import typo_distance
from graph.text_index import text_index, words

__all__ = ["MAX_SUGGESTIONS", "MAX_TYPED", "autocomplete"]

MAX_SUGGESTIONS = 10
MAX_TYPED = 100
_WEIGHTS = {"label_words": 2.0, "alias_words": 1.0}
_POOL = 50  # candidates ranked by score, then label length


def _word(schema: tantivy.Schema, word: str, last: bool) -> tantivy.Query:
    ways = []
    for field, weight in _WEIGHTS.items():
        exact = tantivy.Query.fuzzy_term_query(schema, field, word, 0, True, last)
        ways.append(tantivy.Query.const_score_query(exact, 2 * weight))
        if d := typo_distance(word):
            near = tantivy.Query.fuzzy_term_query(schema, field, word, d, True, last)
            ways.append(tantivy.Query.const_score_query(near, weight))
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in ways])


def autocomplete(kg: KnowledgeGraph, q: str, *, limit: int = MAX_SUGGESTIONS) -> list[Node]:
    """At most `limit` nodes for a search box, best first.

    >>> [n.id for n in autocomplete(tiny_graph(), "oxyt")]
    ['oxytocin']
    """
    if len(q) > MAX_TYPED:
        raise InvalidParameter("q", f"must be at most {MAX_TYPED} characters", q[:40])
    typed = words(q)[:8]
    if not typed:  # nothing typed yet but spaces or signs: nothing to complete
        return []
    ix = kg.derived(text_index)
    ends_word = not q[-1].isalnum()
    query = tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, _word(ix.schema, w, i == len(typed) - 1 and not ends_word)) for i, w in enumerate(typed)]
    )
    ranked = ix.run(query, _POOL)
    return [ix.nodes[n] for _, _, n in ranked[:limit]]
