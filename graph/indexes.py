"""Every index of a graph that requests read, made once per graph: where the graph serves, or
in another process that writes them to a folder for the serving process to open.

Search (`graph.text_index`) and answers (`graph.retrieval`, `graph.passage_rank`,
`graph.queries.answer`) read six indexes of a graph, each kept on it (`kg.derived`). A server
makes them in a thread when its first graph starts serving (`make_indexes`). On a reload that
thread would share the interpreter with the loop serving requests: making the two tantivy
indexes of the shipped graph holds it for ~90 ms, in stretches of up to ~25 ms that every
request waits out. So the process that loads the new content makes them instead
(`save_indexes`): the tantivy indexes are written to a folder, the rest of what they hold
(plain data) comes back as a `Saved`, pickled with the graph, and the serving process only
opens them (`open_indexes`), which maps the folder's files and makes again what is cheaper to
make than to carry. A serving loop opens them in steps (`opening`), answering requests between
two: opening holds the interpreter for a few milliseconds of Python, which a thread doing it
would hold in stretches of up to the switch interval (5 ms) that the loop waits out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from graph.build import KnowledgeGraph
from graph.passage_rank import opening_passage_index, passage_index, passage_index_in
from graph.queries.answer import verdict_kinds
from graph.retrieval import her_names, past_positions, plain_names, vocabulary, withdrawal_phrases
from graph.text_index import opening_text_index, text_index, text_index_in

__all__ = ["Saved", "make_indexes", "open_indexes", "opening", "save_indexes"]

# Made after the two tantivy indexes (past_positions reads the text index); plain data, carried whole.
_PLAIN: Final[tuple[Callable[[KnowledgeGraph], Any], ...]] = (
    vocabulary,
    withdrawal_phrases,
    past_positions,
    verdict_kinds,
    plain_names,
    her_names,
)
_TEXT: Final = "text"  # the folder's sub-folders: the nodes' index, the passages' index
_PASSAGES: Final = "passages"


@dataclass(frozen=True)
class Saved:
    """The indexes `save_indexes` made of one graph: where their tantivy files are, and the rest."""

    folder: Path
    content_version: str
    plain: tuple[tuple[Callable[[KnowledgeGraph], Any], Any], ...]  # (what makes it, its value)
    node_stems: dict[str, tuple[str, ...]]  # the passage index's, which its files do not hold
    quote_stems: tuple[tuple[str, ...], ...]
    headings: frozenset[int]  # the passages that are a heading alone (what telling takes ~2 ms)


def make_indexes(kg: KnowledgeGraph) -> None:
    """Make every index requests read, each kept on `kg` (`kg.derived`), so that the first
    search or reader's message does not wait for them. On the 100,000-node bench graph the
    passages' index alone takes seconds.

    >>> kg = tiny_graph()
    >>> make_indexes(kg)
    >>> kg.derived(passage_index) is kg.derived(passage_index)
    True
    """
    for index in (text_index, passage_index, *_PLAIN):
        kg.derived(index)


def save_indexes(kg: KnowledgeGraph, folder: Path) -> Saved:
    """Make every index of `kg` (kept on it, as `make_indexes` does) with the tantivy ones
    written to `folder` (new), for another process to open with `open_indexes`."""
    folder.mkdir()
    kg.keep(text_index, text_index_in(kg, folder / _TEXT))
    passages = passage_index_in(kg, folder / _PASSAGES)
    kg.keep(passage_index, passages)
    plain = tuple((make, kg.derived(make)) for make in _PLAIN)
    return Saved(folder, kg.content_version, plain, passages.stems, passages.quote_stems, passages.headings)


def open_indexes(kg: KnowledgeGraph, saved: Saved) -> None:
    """Keep on `kg` the indexes `save_indexes` made of the same content in another process.

    Raises ValueError when they cannot be: made of other content, or their folder is gone (the
    caller makes them itself then: `make_indexes`). Nothing is kept unless all of them open.

    >>> import tempfile
    >>> made, kg = tiny_graph(), tiny_graph()
    >>> saved = save_indexes(made, Path(tempfile.mkdtemp()) / "indexes")
    >>> open_indexes(kg, saved)
    >>> len(kg.derived(passage_index).passages) == len(made.derived(passage_index).passages)
    True
    """
    for _ in opening(kg, saved):
        pass


def opening(kg: KnowledgeGraph, saved: Saved) -> Iterator[None]:
    """`open_indexes` in steps, yielding between two (each well under a millisecond on the
    shipped content): what a serving loop runs, answering requests between steps. Raises as
    `open_indexes` does; nothing is kept on `kg` before the last step."""
    if saved.content_version != kg.content_version:
        raise ValueError(f"the indexes in {saved.folder} were made of other content")
    text = yield from opening_text_index(kg, saved.folder / _TEXT)
    yield
    passages = yield from opening_passage_index(
        kg, saved.folder / _PASSAGES, saved.node_stems, saved.quote_stems, saved.headings
    )
    kg.keep(text_index, text)
    kg.keep(passage_index, passages)
    for make, value in saved.plain:
        kg.keep(make, value)
