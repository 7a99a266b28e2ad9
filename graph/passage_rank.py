"""The article passages a reader's message is about, best first: what `/v1/answer` cites.

A passage is one quoted span of an article (a node's or an edge's evidence, each span once).
It is indexed (tantivy BM25, made once per graph: in memory, or written to a folder by another
process, `passage_index_in`, and opened, `open_passage_index`) with the words around it in the
graph: its quote, and the words of the names (label and aliases) and summary of every node that
quotes it (both ends of an edge that quotes it), each word once per node, so a node with many
names sharing a word does not weigh it many times; and, apart and weak, the article's whole words
within `AROUND` characters either side of it (the end of the sentence a short quote cuts, the
heading it sits under), each of her words there counting `AROUND_WEIGHT` of one in the quote. A
passage is scored two ways, each a reader can check:

- **its words**: the sum over her words of their BM25 in the passage's text (and around it), each
  weighed as retrieval weighs it (`graph.retrieval.type_weights`: whose clause the word is in,
  what she asks for) on the nodes whose own words hold it (all the passage's nodes when its quote
  does), the best of them; as a share of the best passage's;
- **its nodes**: how the best-ranked node quoting it ranks in `graph.retrieval.retrieve` (her
  words in the names, the typed graph walk): 1 / (1 + rank / `RANK_SCALE`), hubs aside.

A message of several sentences (`graph.retrieval.Retrieval.parts`) is also read sentence by
sentence, so that each situation she tells gets passages of its own, not only the one most of
her words are about. Its words: each sentence of `SENTENCE_WORDS` or more of her words scores
the passages by its own words alone, as a share of its best passage's, squared; the sum over
the sentences, as a share of the best sum, makes `1 - WHOLE_WORDS` of the passage's words
(when two sentences or more count). Its nodes: each sentence's `SENTENCE_NODES` best nodes by
its own words (`Retrieval.part_ranked`) give their passages 1 / (1 + rank / `RANK_SCALE`); the
sum over the sentences, as a share of the best sum, makes `1 - WHOLE_NODES` of its nodes.

A passage's score (`scored`) is its words mixed `NODES` to its nodes; one that asks a question (the
article asking, not answering; a tag question, "…, now do you?", asserts) counts `ASKING` of that,
a heading alone (a line of its own that ends no sentence: "7. Their Past Experiences Influence
Them") `HEADING` of it, and one quoted by more than `GENERIC_NODES` nodes (the lead-in to a list of
them) `GENERIC` of it. For a message of one sentence, each of the best `_PHRASED` whose quote has
two of her words side by side as she wrote them ("pulls away", "give him space": the words the
index leaves out do not count between them) gains `PHRASE` of its score per such pair: words that
stand together in both say more than each alone. A message of several sentences is left as it is:
raising its best passage would raise the bar over the passages of another sentence's situation. The
passages cited (`passages`) are taken best first down to `RELATIVE` of the best one, at least
`AT_LEAST` and at most `AT_MOST`, leaving out one that overlaps a passage taken and one whose
nodes already have `PER_NODE` each: a node whose names share one of her words (the reader's
"texted" in every name of the texting nodes) does not bring all its quotes along. The nodes
`first` names (what she describes) get their own best passage before the rest.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import tantivy

from graph.build import KnowledgeGraph
from graph.hubs import is_hub
from graph.models import Evidence
from graph.reading import Intent, Term
from graph.retrieval import OUTSIDE, Found, Retrieval, type_weights
from graph.steps import finish
from graph.text_index import stems

__all__ = [
    "AT_LEAST",
    "AT_MOST",
    "NODES",
    "RELATIVE",
    "Passage",
    "PassageIndex",
    "is_heading",
    "is_heading_quote",
    "open_passage_index",
    "opening_passage_index",
    "passage_index",
    "passage_index_in",
    "passages",
    "scored",
]

NODES: Final = 0.35  # the share of a passage's score that comes from the nodes quoting it
RELATIVE: Final = 0.65  # a passage is taken when it scores this share of the best one
AT_LEAST: Final = 3
AT_MOST: Final = 10
PER_NODE: Final = 3  # passages taken whose nodes are all already cited this many times: none
RANK_SCALE: Final = 3.0  # a node's share: 1 / (1 + its rank among the nodes found / RANK_SCALE)
AROUND: Final = 40  # the characters of the article either side of a quote read with it...
AROUND_WEIGHT: Final = 0.1  # ...each of her words there counting this share of one in the quote
ASKING: Final = 0.5  # a passage that asks a question counts this much: the article asking, not answering
HEADING: Final = 0.3  # a heading alone counts this much: it names a section, the sentences under it answer
# A passage quoted by more than `GENERIC_NODES` nodes leads into a list of them ("Watch for these
# behavioural changes that signal withdrawal.", quoted by every sign it introduces) and says
# nothing of any one: it counts `GENERIC` of its score.
GENERIC: Final = 0.5
GENERIC_NODES: Final = 6
_EDGE: Final = 40  # the characters looked at either side of a quote to tell a heading
_STEP: Final = 64  # nodes or edges per step of opening an index on a serving loop (`opening_passage_index`)
# A message of several sentences often tells two situations ("we slept together last week. now
# he barely texts"); read whole, the one most of her words are about fills the answer. Each
# sentence's own best passages are fused with the whole message's (the values: the best of
# those tried on the tuned split of bench/answer_set.yaml).
WHOLE_WORDS: Final = 0.5  # a passage's words: this share the whole message's, the rest her sentences'
SENTENCE_WORDS: Final = 2  # a sentence counts in the words from this many of hers: one alone ranks by one word
SENTENCE_POWER: Final = 2.0  # a sentence's share squared before the sum: one sentence's top beats midway in two
WHOLE_NODES: Final = 0.4  # a passage's nodes: this share the whole message's ranking, the rest her sentences'
SENTENCE_NODES: Final = 4  # a sentence's best nodes by its own words whose passages it lifts: its own situation
PHRASE: Final = 0.2  # a passage's score grows by this share per pair of her words it has side by side...
_PHRASED: Final = 40  # ...among the best this many passages, for a message of one sentence
_PER_WORD: Final = 100  # passages looked at per word
_NODES_LOOKED_AT: Final = 30  # the best-ranked nodes whose passages are scored on their node alone
_TOKENS: Final = "stems"


@dataclass(frozen=True)
class Passage:
    """One quoted span, the nodes that quote it (an edge's two ends) and its score for a message."""

    evidence: Evidence
    nodes: tuple[str, ...]
    score: float = 0.0


@dataclass(frozen=True, eq=False)
class PassageIndex:
    """The tantivy index of every quoted span, the spans by position, and each node's spans."""

    searcher: tantivy.Searcher
    schema: tantivy.Schema
    passages: tuple[Passage, ...]
    of_node: dict[str, tuple[int, ...]]
    stems: dict[str, tuple[str, ...]]  # each node's stems, each once, sorted: its label, aliases and summary (a tuple:
    # a tenth of a frozenset's size, and a node has a few dozen)
    position: dict[tuple[str, int, int], int]  # each span's passage
    quote_stems: tuple[tuple[str, ...], ...]  # each passage's own stems, in the quote's order
    headings: frozenset[int]  # the passages that are a heading alone (`is_heading`)


def passage_index(kg: KnowledgeGraph) -> PassageIndex:
    """Index every quoted span of `kg` once, in memory (kept on the graph: `kg.derived(passage_index)`)."""
    return _indexed(kg, tantivy.Index(_schema()))


def passage_index_in(kg: KnowledgeGraph, folder: Path) -> PassageIndex:
    """`passage_index`, written to `folder` (a new one) for another process to open
    (`open_passage_index`, with the index's `stems` and `quote_stems`, which the folder does not hold)."""
    folder.mkdir()
    return _indexed(kg, tantivy.Index(_schema(), path=str(folder), reuse=False))


def open_passage_index(
    kg: KnowledgeGraph,
    folder: Path,
    stems: dict[str, tuple[str, ...]],
    quote_stems: tuple[tuple[str, ...], ...],
    headings: frozenset[int] | None = None,
) -> PassageIndex:
    """The index `passage_index_in` wrote to `folder` for this same graph, with the stems (and
    the headings) it made. What is cheap to make again (the passages, where each one is) is
    made here, not carried."""
    return finish(opening_passage_index(kg, folder, stems, quote_stems, headings))


def opening_passage_index(
    kg: KnowledgeGraph,
    folder: Path,
    stems: dict[str, tuple[str, ...]],
    quote_stems: tuple[tuple[str, ...], ...],
    headings: frozenset[int] | None = None,
) -> Generator[None, None, PassageIndex]:
    """`open_passage_index` in steps, yielding between two (each a fraction of a millisecond on
    the shipped content): a serving loop answers requests between them (`graph.indexes.opening`)."""
    passages = yield from _passages_in_steps(kg)
    if len(passages) != len(quote_stems):
        raise ValueError(f"the passage index in {folder} was made for another graph")
    yield
    index = tantivy.Index.open(str(folder))
    _tokenizer(index)
    yield
    return _served(kg, index, passages, stems, quote_stems, headings)


def _passages(kg: KnowledgeGraph) -> tuple[Passage, ...]:
    """Every quoted span of `kg` once, with the nodes that quote it, in the graph's order."""
    return finish(_passages_in_steps(kg))


def _passages_in_steps(kg: KnowledgeGraph) -> Generator[None, None, tuple[Passage, ...]]:
    """`_passages`, yielding after every `_STEP` nodes or edges."""
    spans: dict[tuple[str, int, int], tuple[Evidence, dict[str, None]]] = {}
    for n, node in enumerate(kg.nodes.values(), 1):
        if node.type != "source":
            for ev in node.evidence:
                spans.setdefault(ev.span, (ev, {}))[1].setdefault(node.id, None)
        if n % _STEP == 0:
            yield
    for n, edge in enumerate(kg.edges.values(), 1):
        for ev in edge.evidence:
            holders = spans.setdefault(ev.span, (ev, {}))[1]
            holders.setdefault(edge.source, None)
            holders.setdefault(edge.target, None)
        if n % _STEP == 0:
            yield
    passages: list[Passage] = []
    for n, (ev, holders) in enumerate(spans.values(), 1):
        passages.append(Passage(ev, tuple(holders)))
        if n % (4 * _STEP) == 0:
            yield
    return tuple(passages)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("n", stored=False, fast=True, indexed=True)
    # Only single words are looked up (`_term_scores`): no positions kept.
    builder.add_text_field("text", tokenizer_name=_TOKENS, index_option="freq")
    builder.add_text_field("around", tokenizer_name=_TOKENS, index_option="freq")
    return builder.build()


def _tokenizer(index: tantivy.Index) -> None:
    # Not saved with an index: registered again each time one is made or opened.
    index.register_tokenizer(_TOKENS, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())


def _indexed(kg: KnowledgeGraph, index: tantivy.Index) -> PassageIndex:
    passages = _passages(kg)
    _tokenizer(index)
    writer = index.writer(heap_size=100_000_000, num_threads=1)
    # Interned: a big graph's quotes and names say the same few thousand stems millions of times
    # (100,000 nodes: 2.2 million strings, 114 MiB, kept for as long as the graph serves).
    stem_sets: dict[str, tuple[str, ...]] = {}
    node_text: dict[str, str] = {}  # each node's stems as indexed, joined once
    quoted: list[tuple[str, ...]] = []
    for n, passage in enumerate(passages):
        own = tuple(map(sys.intern, stems(passage.evidence.quote)))
        quoted.append(own)
        # The text is the quote's stems and each quoting node's, one value each: the field
        # reads as their concatenation, without a string of them all (on a big graph a
        # passage is quoted by thousands of nodes).
        document = tantivy.Document(n=n, text=" ".join(own), around=" ".join(stems(_around(kg, passage.evidence))))
        for node_id in passage.nodes:
            if node_id not in node_text:
                node = kg.nodes[node_id]
                named = stems(" ".join((node.label, *node.aliases, node.summary)))
                stem_sets[node_id] = tuple(sorted(set(map(sys.intern, named))))
                node_text[node_id] = " ".join(stem_sets[node_id])
            document.add_text("text", node_text[node_id])
        writer.add_document(document)
    writer.commit()
    writer.wait_merging_threads()
    return _served(kg, index, passages, stem_sets, tuple(quoted))


def _served(
    kg: KnowledgeGraph,
    index: tantivy.Index,
    passages: tuple[Passage, ...],
    stem_sets: dict[str, tuple[str, ...]],
    quoted: tuple[tuple[str, ...], ...],
    headings: frozenset[int] | None = None,
) -> PassageIndex:
    index.config_reader(reload_policy="Manual")  # the index never changes: no watcher of its files
    of_node: dict[str, list[int]] = {}
    for n, passage in enumerate(passages):
        for node_id in passage.nodes:
            of_node.setdefault(node_id, []).append(n)
    of = {k: tuple(v) for k, v in of_node.items()}
    position = {p.evidence.span: n for n, p in enumerate(passages)}
    if headings is None:
        headings = frozenset(n for n, p in enumerate(passages) if is_heading_quote(kg, p.evidence))
    return PassageIndex(index.searcher(), index.schema, passages, of, stem_sets, position, quoted, headings)


# A question that ends on a tag ("…, now do you?", "…, right?") says what it asks.
_TAG: Final = re.compile(
    r",\s*(?:now\s+)?(?:(?:do|does|did|is|are|was|were|would|will|can|could)(?:n[’']t)?\s+(?:you|he|she|it|they|we)|right)\s*\?$",
    re.IGNORECASE,
)


def asks_a_question(quote: str) -> bool:
    """Whether a quote asks (ends with a question mark and is no tag question, which asserts).

    >>> asks_a_question("Will he come back after pulling away?")
    True
    >>> asks_a_question("You don’t want a man who’s more emotional than you, now do you?")
    False
    """
    quote = quote.rstrip()
    return quote.endswith("?") and not _TAG.search(quote)


def is_heading(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` is a heading alone: a whole line of its own that does not end a
    sentence ("7. Their Past Experiences Influence Them", "What NOT to Do: The Chase Cycle").

    >>> text = "Intro.\\n\\nWhy He Goes Quiet\\n\\nHe needs time. Give it.\\n"
    >>> is_heading(text, 8, 25), is_heading(text, 27, 41)
    (True, False)
    """
    quote = text[start:end].rstrip()
    before = text[max(0, start - _EDGE) : start].rstrip(" \t")  # a window: a big graph has many quotes
    after = text[end : end + _EDGE].lstrip(" \t")
    alone = (before.endswith("\n") or start == 0 or (not before and start <= _EDGE)) and (
        after.startswith("\n") or end >= len(text.rstrip())
    )
    return alone and not quote.endswith((".", "!", "?", "…", ":", '"', "”", "’", "'"))


def is_heading_quote(kg: KnowledgeGraph, ev: Evidence) -> bool:
    """Whether a quote is a heading alone in its article (`is_heading`)."""
    article = kg.articles.get(ev.source)
    return article is not None and is_heading(article.text, ev.start, ev.end)


def _around(kg: KnowledgeGraph, ev: Evidence) -> str:
    """The whole words of the article's body within `AROUND` characters either side of a quote.

    >>> " ".join(_around(tiny_graph(), tiny_graph().nodes["slower-replies"].evidence[0]).split())
    'Tiny article about pulling away. than before. Men pull away because'
    """
    article = kg.articles.get(ev.source)
    if article is None:
        return ""
    before = article.text[max(0, ev.start - AROUND) : ev.start]
    after = article.text[ev.end : max(ev.end, min(article.body_end, ev.end + AROUND))]
    if ev.start > AROUND:  # a word cut at the edge is not hers to match
        before = before.split(" ", 1)[-1] if " " in before else ""
    if ev.end + AROUND < article.body_end:
        after = after.rsplit(" ", 1)[0] if " " in after else ""
    return f"{before} {after}"


def _term_scores(kg: KnowledgeGraph, ix: PassageIndex, term: Term, asked: frozenset[Intent]) -> dict[int, float]:
    """Each passage's BM25 for one of her words, weighed on the passage's nodes' types."""
    weights = type_weights(term, asked)
    around = tantivy.Query.term_query(ix.schema, "around", term.stem)
    query = tantivy.Query.boolean_query(
        [
            (tantivy.Occur.Should, tantivy.Query.term_query(ix.schema, "text", term.stem)),
            (tantivy.Occur.Should, tantivy.Query.boost_query(around, AROUND_WEIGHT)),
        ]
    )
    hits = ix.searcher.search(query, _PER_WORD, count=False).hits
    if not hits:
        return {}
    out: dict[int, float] = {}
    positions = ix.searcher.fast_field_values("n", [address for _, address in hits])
    for (score, _), n in zip(hits, positions, strict=True):
        position = int(n or 0)
        passage = ix.passages[position]
        # Weighed on the nodes whose own words hold it (all of them when the quote does).
        nodes = passage.nodes
        if term.stem not in ix.quote_stems[position]:
            nodes = tuple(h for h in nodes if term.stem in ix.stems[h]) or nodes
        weight = max((weights.get(kg.nodes[h].type, 1.0) for h in nodes), default=1.0)
        out[position] = out.get(position, 0.0) + float(score) * weight
    return out


def _lexical(
    kg: KnowledgeGraph,
    ix: PassageIndex,
    words: Sequence[Term],
    asked: frozenset[Intent],
    seen: dict[Term, dict[int, float]],
) -> dict[int, float]:
    """Each passage's BM25 over `words`, each weighed on the passage's nodes' types; `seen` keeps
    each word's scores for the next call (her sentences are read again one by one)."""
    out: dict[int, float] = {}
    for term in words:
        if term not in seen:
            seen[term] = _term_scores(kg, ix, term, asked)
        for position, value in seen[term].items():
            out[position] = out.get(position, 0.0) + value
    return out


def _mixed(whole: dict[int, float], sentences: dict[int, float], keep: float) -> dict[int, float]:
    """`keep` of each passage's whole-message share and the rest its sentences' sum, as a share of the best sum."""
    top = max(sentences.values())
    return {n: keep * whole.get(n, 0.0) + (1 - keep) * sentences.get(n, 0.0) / top for n in {*whole, *sentences}}


def _by_words(kg: KnowledgeGraph, ix: PassageIndex, r: Retrieval) -> dict[int, float]:
    """Each passage's BM25 over her words as a share of the best passage's, fused with her
    sentences' own (`WHOLE_WORDS`) when two or more have `SENTENCE_WORDS` words."""
    seen: dict[Term, dict[int, float]] = {}
    whole = _lexical(kg, ix, r.terms, r.intents, seen)
    top = max(whole.values(), default=0.0) or 1.0
    share = {n: v / top for n, v in whole.items()}
    fused: dict[int, float] = {}
    counted = 0
    read: dict[tuple[Term, ...], dict[int, float]] = {}  # a sentence said twice is read once
    for part in r.parts:
        if len(part) < SENTENCE_WORDS:
            continue
        if part not in read:
            read[part] = _lexical(kg, ix, part, r.intents, seen)
        own = read[part]
        own_top = max(own.values(), default=0.0)
        if own_top <= 0:
            continue
        counted += 1
        for n, v in own.items():
            fused[n] = fused.get(n, 0.0) + (v / own_top) ** SENTENCE_POWER
    return _mixed(share, fused, WHOLE_WORDS) if counted > 1 else share


def _by_nodes(kg: KnowledgeGraph, ix: PassageIndex, r: Retrieval) -> dict[int, float]:
    """Each passage's best node share in the whole message's ranking, fused with the sum of its
    best share in each sentence's own (`WHOLE_NODES`) when she writes several."""

    def shares(found: Sequence[Found], looked_at: int) -> dict[int, float]:
        best: dict[int, float] = {}
        for i, f in enumerate([f for f in found if not is_hub(kg, f.node.id)][:looked_at]):
            share = 1 / (1 + i / RANK_SCALE)
            for n in ix.of_node.get(f.node.id, ()):
                if share > best.get(n, 0.0):
                    best[n] = share
        return best

    whole = shares(r.ranked, _NODES_LOOKED_AT)
    fused: dict[int, float] = {}
    for found in r.part_ranked:
        for n, v in shares(found, SENTENCE_NODES).items():
            fused[n] = fused.get(n, 0.0) + v
    return _mixed(whole, fused, WHOLE_NODES) if fused else whole


def scored(kg: KnowledgeGraph, r: Retrieval) -> tuple[Passage, ...]:
    """The passages `r`'s message reaches (by her words or its nodes), each with its score, best
    first (see the module's note for how).

    >>> from graph.retrieval import retrieve
    >>> r = retrieve(tiny_graph(), "he replies slower")
    >>> [(p.evidence.quote, round(p.score, 2)) for p in scored(tiny_graph(), r)][:1]
    [('He replies more slowly', 1.0)]
    """
    ix = kg.derived(passage_index)
    by_words = _by_words(kg, ix, r)
    by_nodes = _by_nodes(kg, ix, r)

    def worth(n: int) -> float:
        asks = asks_a_question(ix.passages[n].evidence.quote)  # the article asking, not answering
        named = n in ix.headings  # a section's name, not what the section says
        value = (1 - NODES) * by_words.get(n, 0.0) + NODES * by_nodes.get(n, 0.0)
        # Quoted only for figures (and what they measure) that how long she says contradicts.
        against = r.outside and all(h in r.outside for h in ix.passages[n].nodes if kg.nodes[h].type != "source")
        lead_in = sum(kg.nodes[h].type != "source" for h in ix.passages[n].nodes) > GENERIC_NODES
        factor = (ASKING if asks else 1.0) * (HEADING if named else 1.0) * (GENERIC if lead_in else 1.0)
        return value * factor * (OUTSIDE if against else 1.0)

    ranked = sorted(((worth(n), n) for n in {*by_words, *by_nodes}), key=lambda pair: (-pair[0], pair[1]))
    # Her words side by side in a quote, as she wrote them: in a message of one sentence only (in
    # several, the best passage raised would raise the bar over another sentence's situation).
    said = frozenset() if r.parts else _pairs(r.terms)
    if said and ranked:
        head = [(value * (1 + PHRASE * _phrased(ix.quote_stems[n], said)), n) for value, n in ranked[:_PHRASED]]
        ranked = sorted(head, key=lambda pair: (-pair[0], pair[1])) + ranked[_PHRASED:]
    return tuple(Passage(ix.passages[n].evidence, ix.passages[n].nodes, value) for value, n in ranked)


def _pairs(words: Sequence[Term]) -> frozenset[tuple[str, str]]:
    """Her meaningful words two by two, in the order she wrote them.

    >>> from graph.reading import terms
    >>> sorted(_pairs(terms("he pulls away after sex")))
    [('after', 'sex'), ('away', 'after'), ('pull', 'away')]
    """
    return frozenset((a.stem, b.stem) for a, b in zip(words, words[1:], strict=False) if a.stem != b.stem)


def _phrased(at: Sequence[str], said: frozenset[tuple[str, str]]) -> int:
    """How many of her word pairs `said` stand side by side in a quote's stems `at` (the index's
    `quote_stems`), either way round (the words `graph.text_index.stems` leaves out, such as
    "him", do not come between them).

    >>> _phrased(stems("Give him space to process."), frozenset({("give", "space"), ("space", "wait")}))
    1
    """
    beside = set(zip(at, at[1:], strict=False))
    return sum(1 for a, b in said if (a, b) in beside or (b, a) in beside)


def passages(
    kg: KnowledgeGraph, r: Retrieval, first: Sequence[str] = (), ranked: Sequence[Passage] | None = None
) -> list[Passage]:
    """The passages `r`'s message is about, best first (see the module's note for how); `ranked`
    is `scored(kg, r)` when the caller has it already.

    >>> from graph.retrieval import retrieve
    >>> [p.evidence.quote for p in passages(tiny_graph(), retrieve(tiny_graph(), "he replies slower"))][:1]
    ['He replies more slowly']
    """
    ix = kg.derived(passage_index)
    if ranked is None:
        ranked = scored(kg, r)
    pairs = [(p.score, ix.position[p.evidence.span]) for p in ranked]
    if not pairs or pairs[0][0] <= 0:
        return []
    bar = RELATIVE * pairs[0][0]
    taken: list[Passage] = []
    per_node: dict[str, int] = {}
    for node_id in first:  # the best passage of each node read first, whatever it scores
        own = {ev.span for ev in kg.nodes[node_id].evidence}
        best_of = next((pair for pair in pairs if ix.passages[pair[1]].evidence.span in own), None)
        if best_of is None and kg.nodes[node_id].evidence:  # none shares her words: its first quote
            at = ix.position[kg.nodes[node_id].evidence[0].span]
            best_of = (0.0, at)
        if best_of is not None and not any(t.evidence == ix.passages[best_of[1]].evidence for t in taken):
            passage = ix.passages[best_of[1]]
            taken.append(Passage(passage.evidence, passage.nodes, best_of[0]))
            for holder in passage.nodes:
                per_node[holder] = per_node.get(holder, 0) + 1
    for value, n in pairs:
        if len(taken) >= AT_MOST or (len(taken) >= AT_LEAST and value < bar):
            break
        passage = ix.passages[n]
        if any(_overlap(passage.evidence, t.evidence) for t in taken):
            continue
        nodes = [node_id for node_id in passage.nodes if kg.nodes[node_id].type != "source"]
        if nodes and all(per_node.get(node_id, 0) >= PER_NODE for node_id in nodes):
            continue  # a node whose names share her words does not bring all its quotes along
        for node_id in nodes:
            per_node[node_id] = per_node.get(node_id, 0) + 1
        taken.append(Passage(passage.evidence, passage.nodes, value))
    return taken


def _overlap(a: Evidence, b: Evidence) -> bool:
    return a.source == b.source and a.start < b.end and b.start < a.end
