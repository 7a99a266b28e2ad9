"""Retrieval for readers: the nodes a reader's message is about, each with how it was found.

Shared by `/v1/answer` (graph.queries.answer) and `/v1/search` (graph.queries.search). Three steps,
each a reader can check by hand:

1. **Words** (graph.reading): the message's meaningful words, contractions spelt out, with whose
   clause each came from and what she asks for (advice, reasons, signs, a duration); a word the
   articles never use in the degree she writes it is read in the one they do ("colder" as
   "cold", "easier" as "easy": `their_words`).
2. **Lexical** (graph.text_index, tantivy BM25): each word is looked up on its own in every
   node's label and aliases (alike), summary and quotes (weighted in that order; a word no label or alias
   has may be a typo of one). A node's score is the sum over the words of their BM25, each
   weighed by whose clause it came from: a word of her clause ("how do I stop overthinking")
   counts `HER_ON_HIM` on his inner state (a reason) and a little more on a sign or concept.
   Nodes about his past (their label says "before", "past", "previous" or "ex") count only when
   the message speaks of his past. What she asks for multiplies the types that answer it (`PRIORS`).
   How long she says he has been distant ("a week", "16 days") is read against the articles'
   figures in days and weeks (`durations`): a figure it is within is found as if she named it, one
   it contradicts ("beyond two weeks" for a week) and the signs only such figures measure count
   `OUTSIDE` of their score, whatever words they share with hers.
3. **Graph** (two steps of personalized-PageRank push): every found node hands a share of its
   score to its neighbours over the typed edges (`KIND_WEIGHTS`: a sign's reasons, a reason's
   responses, a question's answers), divided by the root of its degree, then those do the same
   once more at the same damping. Each node keeps the edge that brought it most (`via`).

A message of several sentences, each with words of its own (`parts`: "we slept together last
week. now he barely texts. should i text him?"), is also kept sentence by sentence: each
sentence's words, and the anchored nodes its words alone match, best first, without the graph
step (`Retrieval.parts`, `Retrieval.part_ranked`), so that `graph.passage_rank` can give each
situation she tells passages of its own.

A message about a subject the articles do not treat is covered only when it also speaks of his
withdrawal: every word of a hub's name or of one of its aliases ("pulling away", "drifting apart",
"cold after sex", "distant"; `withdrawal_phrases`) is among hers, or she says he pulls away in a
reader's words (`graph.reading.HIS_WITHDRAWAL`: "he went cold", "he barely replies", "radio
silence"); "right away" or "I can't sleep" alone is not. The subject is one they do not treat
when it is named by `graph.reading.OFF_TOPIC` (money, cheating, moving in, ...) or when the
message brings a subject of its own: `FOREIGN` or more of her words are in no article's body and
in no node's text (`vocabulary`; a word matched as a typo is known) and those the articles use
are under `VOCABULARY_FLOOR` of her words (half, in a message of `LONG` words or more, which
tells her story in details of its own). A subject they do not treat comes with words of its own
("dishes", "cleaning", "nagging"; "venue", "caterer", "wedding"), where a message they answer in
other words has one or two ("clams up", "exhausting") among theirs.

A node is **anchored** when one of her words is in its label or aliases, or two of them are in
its summary or its quotes, each counted at `ANCHOR_WEIGHT` or more; a message with no anchored node, or
with less than `FLOOR` of her words in some node's label, aliases or summary or in a node they
anchor through its quotes (each counted at `ANCHOR_WEIGHT` or more: her word on his inner state
does not count), is not one the articles cover (`Retrieval.covered` is False). This is what
declines a subject no list names: in "my boyfriend snores so loud i cant sleep, any tips?",
"boyfriend" is the articles' frame (not a term) and "sleep" is in a few aliases, but "snores",
"loud" and "tips" are in no node's name or summary: one word in four, under the floor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from math import sqrt
from typing import Final

import tantivy

from graph.build import KnowledgeGraph
from graph.hubs import hubs
from graph.models import Edge, Node
from graph.reading import (
    COMMON_WORDS,
    READERS_WORDS,
    Intent,
    Term,
    his_withdrawal,
    intents,
    names_a_man,
    names_signs,
    off_topic,
    sentences,
    terms,
    told_duration,
)
from graph.text_index import FIELDS, TextIndex, analyse, expand_contractions, stem_set, stems, text_index, words
from graph.types import NodeType

__all__ = [
    "ANCHOR_WEIGHT",
    "FLOOR",
    "DURATION_SHARE",
    "FOREIGN",
    "IN_PASSING",
    "OUTSIDE",
    "TOPIC_WEIGHT",
    "VOCABULARY_FLOOR",
    "LONG",
    "LONG_VOCABULARY_FLOOR",
    "HER_ON_HIM",
    "HIS_ON_HERS",
    "KIND_WEIGHTS",
    "MAX_PARTS",
    "PRIORS",
    "WITHDRAWAL_SHARE",
    "Found",
    "Retrieval",
    "WordMatch",
    "covers",
    "durations",
    "general_hubs",
    "her_names",
    "is_topic",
    "parts",
    "past_positions",
    "plain_names",
    "retrieve",
    "signs_of",
    "speaks_of_past",
    "their_words",
    "type_weights",
    "types_of",
    "vocabulary",
    "withdrawal_phrases",
]

HER_ON_HIM: Final[dict[str, float]] = {"reason": 0.3, "sign": 0.5, "concept": 0.6}
HIS_ON_HERS: Final = 0.3
ANCHOR_WEIGHT: Final = 0.5  # a word counted less than this does not anchor a node
PRIORS: Final[dict[Intent, dict[str, float]]] = {
    "advice": {"response": 1.6, "question": 1.2, "reason": 0.8},
    "why": {"reason": 1.6, "question": 1.2},
    "signs": {"sign": 2.0, "question": 1.2},
    "duration": {"statistic": 1.6, "question": 1.2, "sign": 1.2},
    "verdict": {"sign": 1.2, "statistic": 1.2},
}
# What a node hands on over each kind of edge, (along the edge, against it): a sign to the
# reasons it indicates, a reason or sign to the responses that address it, a question to the
# nodes that answer it, an idea to the reasons that involve it and the numbers that measure it.
KIND_WEIGHTS: Final[dict[str, tuple[float, float]]] = {
    "indicates": (0.8, 0.3),
    "addresses": (0.2, 0.8),
    "backfires": (0.1, 0.6),
    "answers": (0.3, 0.9),
    "measures": (0.3, 0.7),
    "involves": (0.3, 0.5),
    "leads_to": (0.4, 0.4),
    "contradicts": (0.5, 0.5),
    "is_a": (0.4, 0.4),
    "related_to": (0.3, 0.3),
}
# How long she says he has been distant, read against the articles' figures in days and weeks
# (`durations`): a figure it is within ranks as if her words named it at this share of her
# best-matched node's; a figure it contradicts (she says a week: "beyond two weeks") and what
# only such figures measure (the sign "total silence beyond two weeks") count `OUTSIDE` of theirs.
DURATION_SHARE: Final = 0.6
# Her own words for his pulling away ("he became standoffish") find the general hubs at this share.
WITHDRAWAL_SHARE: Final = 0.6
OUTSIDE: Final = 0.2
_DAYS_PER: Final[dict[str, float]] = {"day": 1.0, "days": 1.0, "week": 7.0, "weeks": 7.0}
TOPIC: Final = 0.1  # a word in more than this share of labels and aliases is the articles' topic
TOPIC_WEIGHT: Final = 0.3
COVERED: Final = (0.4, 3.0)  # a node's lexical score × (0.4 + 3.0 × the share of its name matched)
DAMPING: Final = 0.7
SEEDS: Final = 10
MAX_EDGES: Final = 200  # per node pushed from, so a hub of a big graph costs a bounded walk
# Her first this many sentences are read one by one (`parts`): each is a pass over its words'
# matches, and 1,000 characters can hold 80 short sentences (27 ms for an answer to such a message,
# 14 ms with the bound); no message of bench/answer_set.yaml has more than 10.
MAX_PARTS: Final = 12
FLOOR: Final = 0.35  # the least share of her words matched in a label, alias or summary
FOREIGN: Final = 3  # this many of her words that the articles never use bring a subject of their own...
VOCABULARY_FLOOR: Final = 0.65  # ...unless at least this share of her words is theirs
# A message of this many words or more tells her story in details of her own (the weekday, his
# company, her roommate): half of its words being the articles' is enough.
LONG: Final = 10
LONG_VOCABULARY_FLOOR: Final = 0.5
# A message of this many words or more that names one subject the articles do not treat, once,
# names it in passing: "we've been together 2 years ... when my mom asked about wedding plans at
# easter he literally left the room" is about him, not the wedding.
IN_PASSING: Final = 18
# A name none of whose words means anything alone ("is it me", "what are we", "does he still like
# me") is matched whole, as her words in order, when it has this many words or more.
PLAIN_NAME_WORDS: Final = 3
# A message that names no man and under this share of whose words are matched is not about him
# (`_not_about_him`); chosen on bench/answer_guard.yaml and a batch of 60 messages (02:57 UTC).
NO_HIM_SHARE: Final = 0.75
# Words that say how she means it, not what: left out when a plain name is matched ("does he
# even like me" says "does he still like me").
_FILLER: Final = frozenset({"even", "really", "just", "actually", "still", "honestly", "literally"})
_BETWEEN: Final = r"(?:\W+(?:" + "|".join(sorted(_FILLER)) + r"))*\W+"
_IN_HER_VOICE: Final = re.compile(r"\b(?:i|i'm|im|my|myself)\b", re.IGNORECASE)
_CLAUSE_END: Final = (
    r"(?=\s*(?:$|[.?!,;:)\n]|(?:and|or|but|because|cause|cuz|so|lol|haha|though|tho|now|then)\b"
    r"|about (?:it|this|that)\b))"
)
_TYPO_SCORE: Final = 1.5
_PER_WORD: Final = 40
# Words of the hubs' names that do not by themselves say he withdraws ("signs he's pulling away").
_NOT_WITHDRAWAL: Final = frozenset({"after", "men", "post", "sign", "why"})
_PAST_LABEL: Final = frozenset({"before", "past", "previous", "previously", "ex"})
_PAST_CUES: Final = frozenset(
    {"ex", "past", "before", "previous", "previously", "history", "childhood", "growing", "used", "last", "former"}
)


@dataclass(frozen=True)
class WordMatch:
    """One of her words found in a node: the word, the field (label, alias, summary, quote) and how."""

    word: str
    field: str
    # "word" (its stem), "typo", or "phrase" (her own words for his withdrawal on a hub, or a plain name whole)
    how: str
    weight: float = 1.0  # how much it counted: less for her words on his inner state (`HER_ON_HIM`)


@dataclass
class Found:
    """A node retrieval found: its scores, the words it matched and the edge that brought it most."""

    node: Node
    lexical: float = 0.0
    pushed: float = 0.0
    score: float = 0.0
    words: list[WordMatch] = field(default_factory=list)
    via: tuple[Edge, str] | None = None  # (edge, the node it came from)
    via_amount: float = 0.0

    @property
    def anchored(self) -> bool:
        """Whether one of her words is in its label or aliases, or two are in its summary or quotes."""
        full = [m for m in self.words if m.weight >= ANCHOR_WEIGHT]
        strong = {m.word for m in full if m.field in ("label", "alias")}
        middle = {m.word for m in full if m.field == "summary"}
        quoted = {m.word for m in full if m.field == "quote"}
        return bool(strong) or len(middle) >= 2 or len(quoted) >= 2


@dataclass(frozen=True)
class Retrieval:
    """The message's words, what she asks for, the nodes found best first, and whether it is covered."""

    terms: tuple[Term, ...]
    intents: frozenset[Intent]
    ranked: tuple[Found, ...]
    matched_share: float
    elsewhere: bool = False  # about a subject the articles do not treat (named, or its own), not his withdrawal
    foreign: tuple[str, ...] = ()  # her words that no article and no node uses (`vocabulary`)
    signs: tuple[Found, ...] = ()  # when she asks for signs: those of what she names (`signs_of`)
    parts: tuple[tuple[Term, ...], ...] = ()  # her words sentence by sentence, when she writes several
    part_ranked: tuple[tuple[Found, ...], ...] = ()  # each sentence's nodes by her words in it, best first
    outside: frozenset[str] = frozenset()  # the nodes how long she says contradicts (`durations`)
    withdrawing: bool = False  # she says in her own words that he pulls away (`graph.reading.HIS_WITHDRAWAL`)

    @property
    def covered(self) -> bool:
        """Whether the articles cover the message: an anchored node, enough of her words matched,
        and not a subject they do not treat."""
        return _covered(self.ranked, self.matched_share, self.elsewhere, self.withdrawing)


def _covered(found: Iterable[Found], share: float, elsewhere: bool, withdrawing: bool) -> bool:
    """An anchored node, and enough of her words matched or her own words for his withdrawal."""
    return not elsewhere and (share >= FLOOR or withdrawing) and any(f.anchored and f.lexical > 0 for f in found)


def general_hubs(kg: KnowledgeGraph) -> tuple[str, ...]:
    """The hubs that are no kind of another hub ("pulling away", not "pulling away after sex"):
    what a reader's own words for his withdrawal name (kept on the graph: `kg.derived(general_hubs)`)."""
    kinds = {
        e.source for e in kg.edges.values() if e.kind == "is_a" and e.target in kg.nodes and kg.nodes[e.target].hub
    }
    return tuple(h for h in hubs(kg) if h not in kinds)


def _matched(
    kg: KnowledgeGraph, message: str, words: Sequence[Term], past: bool, seen: dict[Term, _Hits] | None = None
) -> tuple[dict[str, Found], float, str | None]:
    """The lexical step (`_lexical`: the nodes her words match and the share matched), then her own
    words for his pulling away, if she says so, naming the general hubs (`_withdrawal_named`) when
    her words alone would not be covered; shared by `covers` and `retrieve`."""
    found, share = _lexical(kg, words, past, seen)
    if _plain_named(kg, message, found) and not words:
        share = 1.0  # the whole of what she wrote is a node's name
    said = his_withdrawal(message)
    if said is not None and not _covered(found.values(), share, False, False):
        _withdrawal_named(kg, said, found)
    return found, share, said


def plain_names(kg: KnowledgeGraph) -> dict[tuple[str, ...], tuple[str, ...]]:
    """The names (labels and aliases) of `PLAIN_NAME_WORDS` words or more none of which means
    anything alone ("is it me", "what are we", "does he still like me"): their words in order, and
    the nodes named so. `graph.reading.terms` finds no word of hers in them, so they are matched
    whole (`_plain_named`). Kept on the graph: `kg.derived(plain_names)`.

    >>> plain_names(tiny_graph())
    {}
    """
    named: dict[tuple[str, ...], list[str]] = {}
    alone: dict[str, bool] = {}  # each word: whether it means nothing alone (read once: a big graph repeats them)

    def plain(word: str) -> bool:
        if word not in alone:
            alone[word] = not terms(word)
        return alone[word]

    for node in kg.nodes.values():
        for name in (node.label, *node.aliases):
            said = tuple(w for w in words(expand_contractions(name)) if w not in _FILLER)
            if len(said) >= PLAIN_NAME_WORDS and all(map(plain, said)) and not terms(name):
                named.setdefault(said, []).append(node.id)
    return {said: tuple(ids) for said, ids in named.items()}


def _plain_named(kg: KnowledgeGraph, message: str, found: dict[str, Found]) -> bool:
    """Whether `message` says one of the graph's `plain_names` word for word ("is it me?",
    "so... what are we"); each node so named is found as strongly as her best-matched one (or as
    if named by one word, when no word of hers means anything alone)."""
    named = kg.derived(plain_names)
    if not named:
        return False
    text = expand_contractions(message)
    said = [w for w in words(text) if w not in _FILLER]
    lengths = {len(phrase) for phrase in named}
    spans = {tuple(said[i : i + n]) for n in lengths for i in range(len(said) - n + 1)}
    hits = [phrase for phrase in named if phrase in spans and _ends_a_clause(phrase, text)]
    best = max((f.lexical for f in found.values()), default=0.0) or 1.0
    for phrase in hits:
        for node_id in named[phrase]:
            entry = found.setdefault(node_id, Found(kg.nodes[node_id]))
            entry.lexical = max(entry.lexical, best)
            entry.words.append(WordMatch(" ".join(phrase), "alias", "phrase"))
    return bool(hits)


def _ends_a_clause(phrase: tuple[str, ...], text: str) -> bool:
    """Whether `phrase` stands in `text` as a question or clause of its own: followed by its end, a
    stop, a comma or a word that begins another ("what are we?", "is it me or is he just busy"),
    not by more of the same ("what are we doing tonight").

    >>> [_ends_a_clause(("what", "are", "we"), text) for text in ("so what are we??", "what are we doing")]
    [True, False]
    """
    pattern = r"\b" + _BETWEEN.join(map(re.escape, phrase)) + _CLAUSE_END
    return re.search(pattern, text, re.IGNORECASE) is not None


def _withdrawal_named(kg: KnowledgeGraph, said: str, found: dict[str, Found]) -> None:
    """Her own words for his pulling away (`graph.reading.HIS_WITHDRAWAL`), when her words alone
    would not be covered ("he's gotten so withdrawn": no node's name has "withdrawn"), find the
    general hubs as if she named them, at `WITHDRAWAL_SHARE` of her best-matched node, so the
    graph step reaches what they lead to."""
    best = max((f.lexical for f in found.values()), default=0.0) or 1.0
    for hub in kg.derived(general_hubs):
        entry = found.setdefault(hub, Found(kg.nodes[hub]))
        entry.lexical = max(entry.lexical, WITHDRAWAL_SHARE * best)
        entry.words.append(WordMatch(said, "alias", "phrase"))


def vocabulary(kg: KnowledgeGraph) -> frozenset[str]:
    """The stems of the words of the articles' bodies (kept on the graph: `kg.derived(vocabulary)`);
    the nodes' texts are in the search index. Each distinct word is stemmed once: a body of a big
    graph repeats its words.

    >>> [w for w in ("replies", "nursery") if analyse(w) in vocabulary(tiny_graph())]
    ['replies']
    """
    distinct = {w for a in kg.articles.values() for w in words(a.text[: a.body_end])}
    return frozenset(stem for stem in map(analyse, distinct) if stem)


def _used(kg: KnowledgeGraph, stem: str) -> bool:
    """Whether the articles use `stem`: in an article's body or in a node's text."""
    ix = kg.derived(text_index)
    return stem in kg.derived(vocabulary) or any(ix.searcher.doc_freq(name, stem) for name in FIELDS)


def _foreign(kg: KnowledgeGraph, said: Sequence[Term], found: Iterable[Found]) -> tuple[str, ...]:
    """Her words that the articles never use (`_used`), but for one matched as a typo."""
    typos = {m.word for f in found for m in f.words if m.how == "typo"}
    return tuple(t.word for t in said if t.word not in typos and not _used(kg, t.stem))


def _compared(word: str) -> tuple[str, ...]:
    """The plain forms a comparative or superlative may come from, most likely first ("colder",
    "easier", "closest", "bigger"); none for a word of four letters or fewer.

    >>> _compared("colder"), _compared("easier"), _compared("closest"), _compared("bigger")
    (('cold', 'colde'), ('easy',), ('clos', 'close'), ('bigg', 'bigge', 'big'))
    """
    if len(word) < 5:
        return ()
    for ending in ("iest", "ier"):
        if word.endswith(ending):
            return (word[: -len(ending)] + "y",)
    for ending in ("est", "er"):
        if word.endswith(ending):
            stem = word[: -len(ending)]
            doubled = (stem[:-1],) if len(stem) > 2 and stem[-1] == stem[-2] else ()
            return (stem, stem + "e", *doubled)
    return ()


def their_words(kg: KnowledgeGraph, message: str) -> tuple[Term, ...]:
    """Her words (`graph.reading.terms`), each the articles never use read in a word they do: in
    the degree they use ("colder", "easier" as "cold", "easy": the stemmer keeps degrees apart), or
    as their word for the same thing (`graph.reading.READERS_WORDS`: "mom" as "parents", "hookup"
    as "sex"), but for a word she calls her own ("my dad": the articles' parents are his).

    >>> [t.stem for t in their_words(tiny_graph(), "he needs space when we get closer")]
    ['space', 'close']
    """
    out = []
    for t in terms(message):
        if not _used(kg, t.stem):
            plain = next((stem for stem in map(analyse, _compared(t.word)) if stem and _used(kg, stem)), None)
            if plain is None and t.word in READERS_WORDS and not (t.owned and t.role == "her"):
                theirs = analyse(READERS_WORDS[t.word])
                plain = theirs if theirs and _used(kg, theirs) else None
            t = replace(t, stem=plain) if plain else t
        out.append(t)
    return tuple(out)


def _own_subject(words: Sequence[Term], foreign: Sequence[str]) -> bool:
    """Whether her message brings a subject of its own: `FOREIGN` or more words the articles never
    use, and less than `VOCABULARY_FLOOR` of her words theirs (`LONG_VOCABULARY_FLOOR` in a
    message of `LONG` words or more)."""
    floor = LONG_VOCABULARY_FLOOR if len(words) >= LONG else VOCABULARY_FLOOR
    return len(foreign) >= FOREIGN and (len(words) - len(foreign)) < floor * len(words)


def withdrawal_phrases(kg: KnowledgeGraph) -> tuple[frozenset[str], ...]:
    """The stems of each of the hubs' names and aliases, common words aside ({"pull", "away"},
    {"cold", "sex"}, {"distant"}); kept on the graph: `kg.derived(withdrawal_phrases)`."""
    texts = [text for h in hubs(kg) for text in (kg.nodes[h].label, *kg.nodes[h].aliases)]
    phrases = {frozenset(stems(text)) - _common_stems() - _NOT_WITHDRAWAL for text in texts}
    return tuple(sorted((p for p in phrases if p), key=sorted))


def _not_about_him(message: str, found: Iterable[Found], share: float, withdrawing: bool) -> bool:
    """Whether `message` is about someone or something else than him: it names no man (no "he",
    "my bf", "guys", "his"), says nothing of his withdrawal, names no node whole (`plain_names`) and
    no sign of his, and under `NO_HIM_SHARE` of her words are matched ("sister stopped speaking to
    me. help", "mother in law keeps dropping by"; "is it me?" and "left on read again" are his):
    a sign among her three best-matched nodes is his doing, told without naming him."""
    if withdrawing or share >= NO_HIM_SHARE or names_a_man(message):
        return False
    best = sorted((f for f in found if f.lexical > 0), key=lambda f: -f.lexical)
    if any(m.how == "phrase" for f in best for m in f.words):
        return False
    return not any(f.node.type == "sign" and f.anchored for f in best[:3])  # his doing, in her words


def _elsewhere(
    kg: KnowledgeGraph,
    message: str,
    words: Sequence[Term],
    foreign: Sequence[str],
    withdrawing: bool,
    found: Iterable[Found],
    share: float,
) -> bool:
    """Whether `message` is about a subject the articles do not treat (named by `OFF_TOPIC`, or
    one of its own, or not about him at all: `_not_about_him`) and does not speak of his
    withdrawal (`withdrawing`: in a reader's words; or in the words of a hub's name or alias)."""
    if _not_about_him(message, found, share, withdrawing):
        return True
    named = off_topic(message)
    if len(set(named)) == 1 and len(words) >= IN_PASSING:
        named = ()  # one subject named once in a long story is a detail of it ("at my cousin's wedding")
    if not (named or _own_subject(words, foreign)) or withdrawing:
        return False
    # The words naming the subject say nothing of him ("long distance" is not his distance).
    said = {t.stem for t in words} - {stem for phrase in named for stem in stems(phrase)}
    return not any(phrase <= said for phrase in kg.derived(withdrawal_phrases))


def _field_texts(node: Node) -> list[tuple[str, str]]:
    return [
        ("label", node.label),
        *(("alias", a) for a in node.aliases),
        ("summary", node.summary),
        *(("quote", ev.quote) for ev in node.evidence),
    ]


def _word_matches(node: Node, term: Term) -> list[WordMatch]:
    """Where `term`'s stem is in `node`'s texts, one match per field."""
    fields: dict[str, None] = {}
    for name, text in _field_texts(node):
        if term.stem in stem_set(text):
            fields.setdefault(name, None)
    return [WordMatch(term.word, name, "word") for name in fields]


def _typo_matches(node: Node, term: Term, typo: bool) -> list[WordMatch]:
    """A typo match stands when a word of the node's name or aliases starts with the same letter
    (readers mistype inside a word: "comitment"; "mother" is not a typo of "other")."""
    if not typo:
        return []
    names = [("label", node.label), *(("alias", a) for a in node.aliases)]
    for name, text in names:
        if any(w[:1] == term.word[:1] for w in words(text) if abs(len(w) - len(term.word)) <= 2):
            return [WordMatch(term.word, name, "typo")]
    return []


def _word_query(ix: TextIndex, term: Term) -> tuple[tantivy.Query, bool]:
    """The query for one word (every field, boosted) and whether it also looks for typos."""
    clauses = [
        tantivy.Query.boost_query(tantivy.Query.term_query(ix.schema, name, term.stem), weight)
        for name, weight in FIELDS.items()
    ]
    known = any(ix.searcher.doc_freq(name, term.stem) for name in FIELDS) or ix.searcher.doc_freq(
        "label_words", term.word
    )
    typo = not known and len(term.word) >= 5
    if typo:
        distance = 1 if len(term.word) < 8 else 2
        for name in ("label_words", "alias_words"):
            fuzzy = tantivy.Query.fuzzy_term_query(ix.schema, name, term.word, distance, True, False)
            clauses.append(tantivy.Query.const_score_query(fuzzy, _TYPO_SCORE))
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in clauses]), typo


def her_names(kg: KnowledgeGraph) -> dict[str, frozenset[str]]:
    """For each reason, sign or concept with a name in her own voice ("am I pushing him away",
    "what am I doing wrong"), the stems she says of herself there. Her word on such a node counts
    whole (`_weight`): the node names her own part, not his inner state. Kept on the graph:
    `kg.derived(her_names)`.

    >>> her_names(tiny_graph())
    {}
    """
    out: dict[str, frozenset[str]] = {}
    for node in kg.nodes.values():
        if node.type not in HER_ON_HIM:
            continue
        hers = {
            t.stem
            for name in (node.label, *node.aliases)
            if _IN_HER_VOICE.search(name)
            for t in terms(name)
            if t.role == "her"
        }
        if hers:
            out[node.id] = frozenset(hers)
    return out


def _weight(term: Term, node: Node, past: bool, hers: dict[str, frozenset[str]]) -> float:
    if not past and _about_his_past(node):
        return 0.0
    if term.role == "her" and term.stem in hers.get(node.id, ()):
        return 1.0  # her "am I pushing him away" on a node named so in her voice
    if term.owned and term.role == "him" and node.type == "response":
        return HIS_ON_HERS  # "his friends" is not the friends she is told to lean on
    if term.role == "her" and node.type == "question" and _label_roles(node.label).get(term.stem) == "him":
        return HER_ON_HIM["reason"]  # her "I'm not ready" is not "is he not ready?"
    return HER_ON_HIM.get(node.type, 1.0) if term.role == "her" else 1.0


@lru_cache(maxsize=4096)
def _label_roles(label: str) -> dict[str, str]:
    """Whose each word of a question is, read as a message is ("a sign he's not ready": his)."""
    return {t.stem: t.role for t in terms(label)}


@lru_cache(maxsize=1)
def _common_stems() -> frozenset[str]:
    return frozenset(filter(None, (analyse(w) for w in COMMON_WORDS)))


def _coverage(node: Node, matched: set[str]) -> float:
    """The largest share of a label's or alias's words (common ones aside) that her words match."""
    best = 0.0
    for text in (node.label, *node.aliases):
        own = stem_set(text) - _common_stems()
        if own:
            best = max(best, len(own & matched) / len(own))
    return best


def is_topic(ix: TextIndex, stem: str) -> bool:
    """Whether `stem` is in so many labels and aliases that it says only what the articles are about."""
    n = len(ix.nodes)
    return (ix.searcher.doc_freq("label", stem) + ix.searcher.doc_freq("alias", stem)) > TOPIC * n


def type_weights(term: Term, asked: frozenset[Intent]) -> dict[str, float]:
    """How much `term` counts on each node type where not 1: whose clause it is in (`HER_ON_HIM`),
    times what she asks for (`PRIORS`). Search weighs its words with this too.

    >>> from graph.reading import terms, intents
    >>> type_weights(terms("how to stop overthinking")[0], intents("how to stop overthinking"))["reason"]
    0.24
    """
    out: dict[str, float] = {}
    for node_type in ("concept", "reason", "sign", "response", "question", "statistic"):
        factor = HER_ON_HIM.get(node_type, 1.0) if term.role == "her" else 1.0
        for intent in asked:
            factor *= PRIORS[intent].get(node_type, 1.0)
        if factor != 1.0:
            out[node_type] = round(factor, 3)
    return out


def covers(kg: KnowledgeGraph, message: str) -> bool:
    """Whether the articles cover `message` (the lexical step of `retrieve` and its floor).

    >>> covers(tiny_graph(), "slower replies"), covers(tiny_graph(), "what should I get him for his birthday")
    (True, False)
    """
    words = their_words(kg, message)
    found, share, said = _matched(kg, message, words, speaks_of_past(message))
    foreign = _foreign(kg, words, found.values())
    withdrawing = said is not None
    elsewhere = _elsewhere(kg, message, words, foreign, withdrawing, found.values(), share)
    return _covered(found.values(), share, elsewhere, withdrawing)


def speaks_of_past(message: str) -> bool:
    """Whether the message speaks of his past ("his ex", "before", "growing up")."""
    return bool(_PAST_CUES & {w.casefold() for w in message.replace("'", " ").split()})


def _about_his_past(node: Node) -> bool:
    return node.type in ("reason", "concept") and bool(_PAST_LABEL & set(node.label.casefold().split()))


def past_positions(kg: KnowledgeGraph) -> tuple[int, ...]:
    """The index positions of the nodes about his past (kept on the graph: `kg.derived(past_positions)`)."""
    return tuple(n for n, node in enumerate(kg.derived(text_index).nodes) if _about_his_past(node))


# One word's matches: each node it is found in, its weighed BM25 there and where it matched; and
# whether it matched above the quotes somewhere.
_Hits = tuple[tuple[tuple[Node, float, tuple[WordMatch, ...]], ...], bool]


def _hits(kg: KnowledgeGraph, term: Term, past: bool) -> _Hits:
    """Where one of her words is found in the nodes' text index, each node's match weighed."""
    ix = kg.derived(text_index)
    query, typo = _word_query(ix, term)
    topic = TOPIC_WEIGHT if is_topic(ix, term.stem) else 1.0
    hers = kg.derived(her_names) if term.role == "her" else {}
    out = []
    hit_above_quote = False
    for score, _, n in ix.run(query, _PER_WORD):
        node = ix.nodes[n]
        if node.type == "source":
            continue
        weight = _weight(term, node, past, hers)
        if weight == 0.0:
            continue
        matches = _word_matches(node, term) or _typo_matches(node, term, typo)
        if not matches:
            continue
        out.append((node, weight * topic * score, tuple(WordMatch(m.word, m.field, m.how, weight) for m in matches)))
        hit_above_quote = hit_above_quote or (weight >= ANCHOR_WEIGHT and any(m.field != "quote" for m in matches))
    return tuple(out), hit_above_quote


def _lexical(
    kg: KnowledgeGraph, words: Sequence[Term], past: bool, seen: dict[Term, _Hits] | None = None
) -> tuple[dict[str, Found], float]:
    """Each node's weighed BM25 over the words, times how much of its name they cover (`COVERED`),
    and the share of words matched above quotes; `seen` keeps each word's matches for the next call
    (her sentences are read again one by one)."""
    seen = {} if seen is None else seen
    found: dict[str, Found] = {}
    above: set[str] = set()  # her words matched above the quotes somewhere
    for term in words:
        if term not in seen:
            seen[term] = _hits(kg, term, past)
        hits, hit_above_quote = seen[term]
        for node, amount, matches in hits:
            entry = found.setdefault(node.id, Found(node))
            entry.lexical += amount
            entry.words.extend(matches)
        if hit_above_quote:
            above.add(term.word)
    for entry in found.values():
        stems_hit = {t.stem for t in words if any(m.word == t.word for m in entry.words)}
        entry.lexical *= COVERED[0] + COVERED[1] * _coverage(entry.node, stems_hit)
    # A word counts as matched above the quotes, or in a node it anchors (two words in its quotes).
    matched = above | {m.word for f in found.values() if f.anchored for m in f.words if m.weight >= ANCHOR_WEIGHT}
    return found, len(matched & {t.word for t in words}) / len(words) if words else 0.0


def _push(kg: KnowledgeGraph, found: dict[str, Found], sources: Sequence[Found], amount_of: str) -> list[Found]:
    """One push step from `sources`: each hands DAMPING × its score over its edges; the reached nodes."""
    reached: dict[str, Found] = {}
    for source in sources:
        amount = getattr(source, amount_of)
        if amount <= 0:
            continue
        node_id = source.node.id
        edge_ids = [*kg.out_edges.get(node_id, ()), *kg.in_edges.get(node_id, ())][:MAX_EDGES]
        edges = [kg.edges[e] for e in edge_ids if kg.edges[e].kind in KIND_WEIGHTS]
        if not edges:
            continue
        share = DAMPING * amount / sqrt(len(edges))
        for edge in edges:
            other = edge.target if edge.source == node_id else edge.source
            node = kg.nodes[other]
            if node.type == "source":
                continue
            given = share * KIND_WEIGHTS[edge.kind][0 if edge.source == node_id else 1]
            entry = found.setdefault(other, Found(node))
            entry.pushed += given
            if given > entry.via_amount:
                entry.via, entry.via_amount = (edge, node_id), given
            reached[other] = entry
    return list(reached.values())


def durations(kg: KnowledgeGraph) -> tuple[tuple[str, float, float | None], ...]:
    """The figures that are durations (a statistic in days or weeks): its id, its low and its high
    (None: open-ended, "beyond two weeks") in days; kept on the graph: `kg.derived(durations)`.

    >>> durations(tiny_graph())
    (('a-few-days', 2.0, 3.0),)
    """
    out = []
    for node in kg.nodes.values():
        per = _DAYS_PER.get(str(node.attributes.get("unit", "")))
        low = node.attributes.get("low")
        if node.type == "statistic" and per is not None and isinstance(low, (int, float)):
            high = node.attributes.get("high")
            out.append((node.id, low * per, high * per if isinstance(high, (int, float)) else None))
    return tuple(out)


def _against_figures(kg: KnowledgeGraph, found: dict[str, Found], told: tuple[str, float]) -> frozenset[str]:
    """Read how long she says against the articles' figures: each figure it is within is found as
    if her words named it (`DURATION_SHARE`); the figures it contradicts (shorter than an
    open-ended one's low, longer than a range's high) and the signs only they measure are
    returned. What a figure measures beyond a sign (a kind of pulling away, advice) is left as
    it is: the articles' line is the duration or a recurring pattern, and she may tell the other."""
    said, days = told
    best = max((f.lexical for f in found.values()), default=0.0)
    within, against = set(), set()
    for node_id, low, high in kg.derived(durations):
        if low <= days and (high is None or days <= high):
            within.add(node_id)
            entry = found.setdefault(node_id, Found(kg.nodes[node_id]))
            entry.lexical = max(entry.lexical, DURATION_SHARE * best)
            entry.words.append(WordMatch(said, "duration", "duration"))
        elif (high is None and days < low) or (high is not None and days > high):
            against.add(node_id)

    def measured(ids: set[str]) -> set[str]:  # the signs a figure measures ("total silence beyond two weeks")
        edges = [kg.edges[eid] for i in ids for eid in kg.out_edges.get(i, ())]
        return {e.target for e in edges if e.kind == "measures" and kg.nodes[e.target].type == "sign"}

    return frozenset(against | (measured(against) - measured(within)))


def retrieve(kg: KnowledgeGraph, message: str) -> Retrieval:
    """The nodes `message` is about, best first, and whether the articles cover it.

    >>> r = retrieve(tiny_graph(), "why does he reply slower lately")
    >>> [f.node.id for f in r.ranked][:2], r.covered
    (['slower-replies', 'needs-space'], True)
    >>> retrieve(tiny_graph(), "what should I get him for his birthday").covered
    False
    """
    words = their_words(kg, message)
    asked = intents(message)
    past = speaks_of_past(message)
    seen: dict[Term, _Hits] = {}
    found, share, said = _matched(kg, message, words, past, seen)
    priors: dict[str, float] = {}
    for intent in asked:
        for kind, factor in PRIORS[intent].items():
            priors[kind] = max(priors.get(kind, 1.0), factor)
    for entry in found.values():
        entry.lexical *= priors.get(entry.node.type, 1.0)
    told = told_duration(message)
    outside = _against_figures(kg, found, told) if told is not None and found else frozenset()
    for node_id in outside:  # before the graph step: what it contradicts hands on as little
        if node_id in found:
            found[node_id].lexical *= OUTSIDE
    seeds = sorted(found.values(), key=lambda f: -f.lexical)[:SEEDS]
    first = _push(kg, found, seeds, "lexical")
    first.sort(key=lambda f: -f.pushed)
    _push(kg, found, first[:SEEDS], "pushed")
    for entry in found.values():
        pushed = priors.get(entry.node.type, 1.0) * entry.pushed
        # Its lexical share is already cut: what it got from the graph is cut once, here.
        entry.score = entry.lexical + (pushed * OUTSIDE if entry.node.id in outside else pushed)
    ranked = sorted(found.values(), key=lambda f: (-f.score, f.node.id))
    signs = signs_of(kg, ranked, names_signs(message)) if "signs" in asked else []
    foreign = _foreign(kg, words, ranked)
    elsewhere = _elsewhere(kg, message, words, foreign, said is not None, found.values(), share)
    split = parts(message, words)
    ranked_part: dict[tuple[Term, ...], tuple[Found, ...]] = {}  # a sentence said twice is read once
    for part in split:  # each sentence's anchored nodes by its own words alone (no graph step)
        if part in ranked_part:
            continue
        own, _ = _lexical(kg, part, past, seen)
        for entry in own.values():
            entry.lexical *= priors.get(entry.node.type, 1.0)
        anchored = (f for f in own.values() if f.anchored)
        ranked_part[part] = tuple(sorted(anchored, key=lambda f: (-f.lexical, f.node.id)))
    part_ranked = [ranked_part[part] for part in split]
    return Retrieval(
        words,
        asked,
        tuple(ranked),
        share,
        elsewhere,
        foreign,
        tuple(signs),
        split,
        tuple(part_ranked),
        outside,
        said is not None,
    )


def parts(message: str, words: Sequence[Term]) -> tuple[tuple[Term, ...], ...]:
    """Her words sentence by sentence (each as the whole message reads it), when more than one
    sentence has words of its own; the first `MAX_PARTS` of them.

    >>> message = "He went quiet after our date. Should I text him?"
    >>> [[t.word for t in part] for part in parts(message, terms(message))]
    [['quiet', 'date'], ['text']]
    >>> len(parts("he pulls away. " * 60, terms("he pulls away. " * 60))) == MAX_PARTS
    True
    """
    said = {t.word: t for t in words}
    found = []
    for sentence in sentences(message):
        part = tuple(dict.fromkeys(said[t.word] for t in terms(sentence) if t.word in said))
        if part:
            found.append(part)
            if len(found) == MAX_PARTS:
                break
    return tuple(found) if len(found) > 1 else ()


def signs_of(kg: KnowledgeGraph, ranked: Sequence[Found], named_signs: bool = False) -> list[Found]:
    """The signs that point to what her words name best: those that `indicate` the first of the
    three best-matched ideas, reasons or hubs that has any, best first ("signs he is pulling away"
    are the signs of the hub "pulling away", which no sign names); else, when she names signs
    (`named_signs`: "signs he is losing interest", an idea no sign indicates), those of the
    general hubs (`general_hubs`). "How can I tell if he's done" asks for a verdict, not a list.

    >>> [f.node.id for f in retrieve(tiny_graph(), "signs he needs space").signs]
    ['slower-replies']
    """
    found = {f.node.id: f for f in ranked}
    named = [f for f in ranked if f.anchored and f.lexical > 0 and f.node.type != "sign"][:3]
    # Else the signs of his pulling away ("signs he is losing interest": an idea no sign indicates).
    named_ids = {f.node.id for f in named}
    general = [found.get(h) or Found(kg.nodes[h]) for h in kg.derived(general_hubs) if h not in named_ids]
    for target in [*named, *(general if named_signs else ())]:
        signs = []
        for eid in kg.in_edges.get(target.node.id, ()):
            edge = kg.edges[eid]
            if edge.kind == "indicates" and kg.nodes[edge.source].type == "sign":
                entry = found.get(edge.source) or Found(kg.nodes[edge.source])
                if entry.lexical == 0:
                    entry.via = (edge, target.node.id)
                signs.append(entry)
        if signs:
            return sorted(signs, key=lambda f: (-f.score, f.node.id))
    return []


def types_of(found: Sequence[Found], kinds: Sequence[NodeType]) -> list[Found]:
    """The found nodes of these types, in rank order."""
    return [f for f in found if f.node.type in kinds]
