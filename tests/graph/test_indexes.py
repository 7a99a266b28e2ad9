"""graph/indexes.py: a graph's indexes made in one process and opened in another read as if made there."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from bench.answer_set import load, load_fresh
from graph import queries
from graph.build import KnowledgeGraph, load_graph
from graph.indexes import make_indexes, open_indexes, save_indexes
from graph.passage_rank import passage_index
from graph.queries.answer import answer
from tests.tiny import tiny_graph


@pytest.fixture(scope="module")
def made() -> KnowledgeGraph:
    """The shipped graph with its indexes made where it serves (a server's start)."""
    kg = load_graph(DEFAULT_SEEDS_DIR)
    make_indexes(kg)
    return kg


def _opened(kg: KnowledgeGraph, folder: Path) -> KnowledgeGraph:
    """A copy of `kg` as a worker reads it (unpickled, nothing derived), with the indexes
    another copy saved to `folder` opened on it, their description pickled as the graph file carries it."""
    saved = save_indexes(pickle.loads(pickle.dumps(kg)), folder)
    worker: KnowledgeGraph = pickle.loads(pickle.dumps(kg))
    open_indexes(worker, pickle.loads(pickle.dumps(saved)))
    return worker


def test_opened_indexes_answer_every_labelled_message_as_made_ones(made: KnowledgeGraph, tmp_path: Path) -> None:
    opened = _opened(made, tmp_path / "indexes")
    messages = [m.text for m in (*load(made), *load_fresh(made))]
    assert len(messages) > 100
    assert [answer(opened, m) for m in messages] == [answer(made, m) for m in messages]
    for q in ("he needs space", "oxytocn", "signs he is pulling away", "commitment"):
        assert queries.search(opened, q, explain=True) == queries.search(made, q, explain=True)


def test_opened_indexes_serve_after_their_folder_is_removed(made: KnowledgeGraph, tmp_path: Path) -> None:
    """Their files are mapped when opened: the server prunes old folders while workers use them."""
    opened = _opened(made, tmp_path / "indexes")
    shutil.rmtree(tmp_path / "indexes")
    message = "he says he needs space, should I give it to him?"
    assert answer(opened, message) == answer(made, message)
    assert queries.search(opened, "oxytocin").items == queries.search(made, "oxytocin").items


def test_indexes_open_only_on_the_content_they_were_made_of(tmp_path: Path) -> None:
    """Refused for other content and for a folder that is gone: the caller then makes them itself."""
    saved = save_indexes(tiny_graph(), tmp_path / "tiny")
    other = load_graph(DEFAULT_SEEDS_DIR)
    with pytest.raises(ValueError, match="other content"):
        open_indexes(other, saved)
    shutil.rmtree(tmp_path / "tiny")
    same = tiny_graph()
    with pytest.raises(ValueError, match="tiny"):
        open_indexes(same, saved)
    assert same.derived(passage_index).quote_stems == saved.quote_stems  # made afresh, alike
