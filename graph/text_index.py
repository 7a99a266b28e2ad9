"""The graph's inverted index (tantivy): one document per node, made once per graph.

Fields, each weighted at query time (label and aliases alike, as both are names a reader uses for
the node; then summary, then quote), are analysed with English stemming and stop words (`en`);
labels and aliases are also kept as plain lower-cased words (`*_words`) for typo-tolerant and
prefix matching, where a stem would hide the typo. `n` is the
node's position in `TextIndex.nodes`; `type` and `source` (every article a node quotes) are fast
fields counted for facets. The index lives on its graph (`kg.derived(text_index)`), in memory;
another process can write it to a folder (`text_index_in`) for a server to open
(`open_text_index`, `graph.indexes`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

import tantivy

from graph.build import KnowledgeGraph
from graph.models import Node
from graph.steps import finish

__all__ = [
    "FIELDS",
    "STOP_WORDS",
    "Ranked",
    "TextIndex",
    "analyse",
    "articles",
    "expand_contractions",
    "name_key",
    "open_text_index",
    "opening_text_index",
    "stem_set",
    "stems",
    "text_index",
    "text_index_in",
    "words",
]

FIELDS = {"label": 4.0, "alias": 4.0, "summary": 1.5, "quote": 1.0}
_WORD = re.compile(r"[^\W_]+")
# Function words a reader's question is full of ("why did he go quiet after we …"); words that
# carry meaning here ("not", "after", "again", "long") are kept.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "hers",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "myself",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "such",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "too",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)
# "n't" spelt out; the irregular ones first. Other clitics ('s, 're, 've, 'll, 'd, 'm) carry no
# meaning a node turns on and are dropped with their apostrophe.
_IRREGULAR: Final = {"can't": "can not", "won't": "will not", "shan't": "shall not", "ain't": "is not"}
_IRREGULAR_RE: Final = re.compile(r"\b(" + "|".join(short[:-3] for short in _IRREGULAR) + r")n['’]t\b", re.IGNORECASE)
_IRREGULAR_OF: Final = {short[:-3]: long for short, long in _IRREGULAR.items()}
_NT = re.compile(r"\b(\w+)n['’]t\b", re.IGNORECASE)
_CLITIC = re.compile(r"\b(\w+)['’](?:s|re|ve|ll|d|m)\b", re.IGNORECASE)
# The same words typed without their apostrophe, as readers do.
_BARE: Final = {
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "hasnt": "has not",
    "havent": "have not",
    "hadnt": "had not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "wont": "will not",
    "cant": "can not",
    "couldnt": "could not",
    "shouldnt": "should not",
    "wouldnt": "would not",
    "aint": "is not",
    "im": "i",
    "ive": "i",
    "id": "i",
    "hes": "he",
    "shes": "she",
    "thats": "that",
    "whats": "what",
    "youre": "you",
    "theyre": "they",
    "weve": "we",
}
_BARE_RE = re.compile(r"\b(" + "|".join(_BARE) + r")\b", re.IGNORECASE)


def expand_contractions(text: str) -> str:
    """`text` with its contractions spelt out (with or without the apostrophe).

    >>> expand_contractions("He hasn't texted, I dont know, he's busy, can't sleep")
    'He has not texted, I do not know, he busy, can not sleep'
    """
    if "'" in text or "’" in text:  # most text has none: the three patterns below need one
        text = _IRREGULAR_RE.sub(lambda m: _IRREGULAR_OF[m.group(1).casefold()], text)
        text = _NT.sub(r"\1 not", text)
        text = _CLITIC.sub(r"\1", text)
    return _BARE_RE.sub(lambda m: _BARE[m.group(1).casefold()], text)


_STEMMED = "en"
_PLAIN = "words"


def _analyser(stem: bool) -> tantivy.TextAnalyzer:
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40))
    builder = builder.filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold())
    if stem:
        builder = builder.filter(tantivy.Filter.custom_stopword(sorted(STOP_WORDS))).filter(
            tantivy.Filter.stemmer("english")
        )
    return builder.build()


_EN = _analyser(stem=True)
_WORDS = _analyser(stem=False)


@lru_cache(maxsize=4096)
def analyse(word: str) -> str | None:
    """The stem of one word as the index holds it, or None for a stop word.

    >>> analyse("Commitments"), analyse("the")
    ('commit', None)
    """
    tokens = _EN.analyze(word)
    return tokens[0] if tokens else None


def stems(text: str) -> list[str]:
    """The stems of `text`'s words as the index holds them, contractions spelt out, stop words left out.

    >>> stems("He doesn't call")
    ['not', 'call']
    """
    return _EN.analyze(expand_contractions(text))


@lru_cache(maxsize=16384)
def stem_set(text: str) -> frozenset[str]:
    """The stems of `text` as a set (`stems`), each interned: a node's names, summary and quotes
    are read again for every message that matches it. Kept for the 16,384 texts read last, which
    hold every text of the shipped content; a big graph's are not all kept, so that memory follows
    the content, not how many messages were read.

    >>> sorted(stem_set("He doesn't call, he never calls"))
    ['call', 'never', 'not']
    """
    return frozenset(map(sys.intern, stems(text)))


def name_key(text: str) -> str:
    """A name's words in any order, as one term: what an exact-name query is looked up by (the
    index holds each label's and alias's key, `label_key` and `alias_key`).

    >>> name_key("Pulling away") == name_key("away pulling")
    True
    """
    return " ".join(sorted(_WORD.findall(text.casefold())))


def words(text: str) -> list[str]:
    """The lower-cased, ASCII-folded words of `text`, in order.

    >>> words("Texting less, lately!")
    ['texting', 'less', 'lately']
    """
    return _WORDS.analyze(text)


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_integer_field("n", stored=False, fast=True, indexed=True)
    b.add_text_field("type", tokenizer_name="raw", fast=True)
    b.add_text_field("source", tokenizer_name="raw", fast=True)
    for name in FIELDS:
        b.add_text_field(name, tokenizer_name=_STEMMED)
    for name in ("label_words", "alias_words"):
        b.add_text_field(name, tokenizer_name=_PLAIN, index_option="freq")
    for name in ("label_key", "alias_key"):  # each name whole (`name_key`): a name asked for, found at once
        b.add_text_field(name, tokenizer_name="raw", index_option="basic")
    return b.build()


Ranked = tuple[float, tantivy.DocAddress, int]


@dataclass(frozen=True, eq=False)
class TextIndex:
    """The tantivy index and searcher of one graph, and the nodes its `n` field points into."""

    index: tantivy.Index
    searcher: tantivy.Searcher
    schema: tantivy.Schema
    nodes: tuple[Node, ...]
    sources: tuple[tuple[str, ...], ...]  # the articles each node quotes, for facets

    def run(self, query: tantivy.Query, limit: int, offset: int = 0) -> list[Ranked]:
        """The best `limit` after `offset` as (score, address, node position).

        Equal scores come shorter label first (typo matches score alike). Not counting the matches
        lets tantivy skip blocks that cannot reach the top (facets count them)."""
        found = self.searcher.search(query, limit, count=False, offset=offset)
        addresses = [address for _, address in found.hits]
        positions = [int(n or 0) for n in self.searcher.fast_field_values("n", addresses)]
        ranked = [(float(score), address, n) for (score, address), n in zip(found.hits, positions, strict=True)]
        ranked.sort(key=lambda hit: (-hit[0], len(self.nodes[hit[2]].label)))
        return ranked

    def only(self, positions: Sequence[int]) -> tantivy.Query:
        """Matches the nodes at `positions` and scores nothing (to score a query's parts on a page)."""
        return tantivy.Query.const_score_query(tantivy.Query.term_set_query(self.schema, "n", list(positions)), 0.0)


def articles(node: Node) -> tuple[str, ...]:
    """The articles a node counts under in facets: those it quotes (an article: itself)."""
    return (node.id,) if node.type == "source" else tuple(dict.fromkeys(ev.source for ev in node.evidence))


def text_index(kg: KnowledgeGraph) -> TextIndex:
    """Index every node of `kg`, in memory (kept on the graph once made: `kg.derived(text_index)`)."""
    return _indexed(kg, tantivy.Index(_schema()))


def text_index_in(kg: KnowledgeGraph, folder: Path) -> TextIndex:
    """`text_index`, written to `folder` (a new one) for another process to open (`open_text_index`)."""
    folder.mkdir()
    return _indexed(kg, tantivy.Index(_schema(), path=str(folder), reuse=False))


def open_text_index(kg: KnowledgeGraph, folder: Path) -> TextIndex:
    """The index `text_index_in` wrote to `folder` for this same graph (its nodes in the same order).

    The folder's files are mapped, not read: the index costs the page cache, shared, and the
    folder can be removed once it is open."""
    return finish(opening_text_index(kg, folder))


def opening_text_index(kg: KnowledgeGraph, folder: Path) -> Generator[None, None, TextIndex]:
    """`open_text_index` in steps, yielding between two (each under half a millisecond on the
    shipped content): a serving loop answers requests between them (`graph.indexes.opening`)."""
    index = tantivy.Index.open(str(folder))
    _tokenizers(index)
    yield
    nodes = tuple(kg.nodes.values())
    sources = tuple(articles(node) for node in nodes)
    yield
    return _served(index, nodes, sources)


def _indexed(kg: KnowledgeGraph, index: tantivy.Index) -> TextIndex:
    _tokenizers(index)
    writer = index.writer(heap_size=200_000_000, num_threads=1)  # one segment; the machine is shared
    nodes = tuple(kg.nodes.values())
    sources = tuple(articles(node) for node in nodes)
    for n, node in enumerate(nodes):
        writer.add_document(
            tantivy.Document(
                n=n,
                type=node.type,
                source=list(sources[n]),
                label=node.label,
                alias=list(node.aliases),
                summary=node.summary,
                quote=[ev.quote for ev in node.evidence],
                label_words=node.label,
                alias_words=list(node.aliases),
                label_key=name_key(node.label),
                alias_key=[name_key(a) for a in node.aliases],
            )
        )
    writer.commit()
    writer.wait_merging_threads()
    return _served(index, nodes, sources)


def _tokenizers(index: tantivy.Index) -> None:
    # Not saved with an index: registered again each time one is made or opened.
    index.register_tokenizer(_STEMMED, _EN)
    index.register_tokenizer(_PLAIN, _WORDS)


def _served(index: tantivy.Index, nodes: tuple[Node, ...], sources: tuple[tuple[str, ...], ...]) -> TextIndex:
    index.config_reader(reload_policy="Manual")  # the index never changes: no watcher of its files
    return TextIndex(index, index.searcher(), index.schema, nodes, sources)
