"""The built graph: content_version, derived edges, indexes, freezing, node-link export."""

from __future__ import annotations

import pickle
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import FrozenInstanceError
from pathlib import Path

import networkx as nx
import pytest

from graph.build import KnowledgeGraph, load_graph
from graph.records import node_link
from graph.types import EdgeKind


def test_content_version_is_stable_for_the_same_content(seeds: Path, tmp_path: Path) -> None:
    from tests.tiny import write_tiny_seeds

    other = write_tiny_seeds(tmp_path / "again")
    assert load_graph(seeds).content_version == load_graph(other).content_version


def test_content_version_ignores_entry_order(seeds: Path) -> None:
    before = load_graph(seeds).content_version
    path = seeds / "graph" / "responses.yaml"
    text = path.read_text(encoding="utf-8")
    first, second = text.split("- id: chase-him")
    path.write_text("- id: chase-him" + second + first, encoding="utf-8")
    assert load_graph(seeds).content_version == before


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("graph/signs.yaml", "later than they", "later than thay"),
        ("graph/edges.yaml", "side by side", "side by sida"),
        ("sources/000.txt", "Tiny article about", "Tiny articles about"),
    ],
)
def test_content_version_changes_for_a_one_character_change(seeds: Path, file: str, old: str, new: str) -> None:
    before = load_graph(seeds).content_version
    path = seeds / file
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    assert load_graph(seeds).content_version != before


def test_build_derives_mentioned_in_edges_from_evidence(seeds: Path) -> None:
    kg = load_graph(seeds)
    edge = kg.edges["needs-space--mentioned_in--001"]
    assert (edge.basis, [ev.source for ev in edge.evidence]) == ("derived", ["001"])
    assert kg.by_source["001"] == ("needs-space",)


def test_derived_data_is_made_once_per_graph_and_never_pickled(seeds: Path) -> None:
    made: list[str] = []

    def count(g: KnowledgeGraph, kind: EdgeKind) -> int:
        made.append(kind)
        return g.edge_counts.get(kind, 0)

    kg, other = load_graph(seeds), load_graph(seeds)
    assert (kg.derived(count, "indicates"), kg.derived(count, "indicates"), kg.derived(count, "addresses")) == (1, 1, 1)
    assert other.derived(count, "indicates") == 1
    assert made == ["indicates", "addresses", "indicates"]  # once per graph and argument
    assert pickle.loads(pickle.dumps(kg))._derived == {}


def test_derived_data_asked_for_by_two_threads_at_once_is_made_once(seeds: Path) -> None:
    """A server makes its search index in a thread while a request may ask for it on the loop."""
    made: list[int] = []
    started = threading.Event()

    def slow(g: KnowledgeGraph) -> object:
        made.append(1)
        started.set()
        time.sleep(0.2)  # the second caller arrives while the first is still making it
        return object()

    kg = load_graph(seeds)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(kg.derived, slow)
        started.wait(5)
        second = pool.submit(kg.derived, slow)
        assert first.result() is second.result()
    assert made == [1]
    assert pickle.loads(pickle.dumps(kg)).derived(slow) is not first.result()


def test_a_pickled_graph_comes_back_equal_and_frozen() -> None:
    """How a graph goes from the process that loads it to the ones that serve it (the shipped
    content: it has verdicts and retired ids)."""
    from api.settings import DEFAULT_SEEDS_DIR

    kg = load_graph(DEFAULT_SEEDS_DIR)
    again = pickle.loads(pickle.dumps(kg, protocol=pickle.HIGHEST_PROTOCOL))
    assert (dict(again.nodes), dict(again.edges), dict(again.retired)) == (
        dict(kg.nodes), dict(kg.edges), dict(kg.retired)
    )  # fmt: skip
    assert any(node.verdict is not None for node in again.nodes.values())
    assert again.retired
    with pytest.raises(FrozenInstanceError):
        setattr(next(iter(again.edges.values())), "kind", "indicates")  # noqa: B010 (the assignment is what is tested)


def test_build_indexes_adjacency_by_edge_id(seeds: Path) -> None:
    kg = load_graph(seeds)
    assert "slower-replies--indicates--needs-space" in kg.in_edges["needs-space"]
    assert set(kg.out_edges["a-few-days"]) == {
        "a-few-days--answers--how-long-does-it-last",
        "a-few-days--measures--needs-space",
        "a-few-days--mentioned_in--000",
    }


def test_node_link_round_trips_through_networkx(seeds: Path) -> None:
    kg = load_graph(seeds)
    data = node_link(kg)
    again = nx.node_link_graph(data)
    assert data["graph"]["content_version"] == kg.content_version
    assert (again.number_of_nodes(), again.number_of_edges()) == (len(kg.nodes), len(kg.edges))
    assert again.nodes["give-him-space"]["polarity"] == "do"
