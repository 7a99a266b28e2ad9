"""Traversal directions: edges as written, against them, and symmetric kinds both ways."""

from __future__ import annotations

import random
from pathlib import Path

import networkx as nx
import pytest

from api.settings import DEFAULT_SEEDS_DIR
from graph.build import KnowledgeGraph, load_graph
from graph.queries import neighbors, paths, traverse
from graph.queries.traverse import DEFAULT_KINDS, MAX_HOPS, MAX_NEIGHBORS, MAX_PATHS
from tests.tiny import append_entry

RELATED = "- from: oxytocin\n  kind: related_to\n  to: a-few-days\n  basis: editorial\n  note: n\n"


@pytest.mark.parametrize(
    ("node_id", "direction", "expected"),
    [
        ("needs-space", "out", ["oxytocin"]),
        ("needs-space", "in", ["a-few-days", "chase-him", "give-him-space", "slower-replies"]),
        ("oxytocin", "out", ["a-few-days"]),  # symmetric, written from oxytocin
        ("a-few-days", "out", ["how-long-does-it-last", "needs-space", "oxytocin"]),  # symmetric, against
        ("oxytocin", "in", ["needs-space", "a-few-days"]),  # incoming first, then symmetric
        ("a-few-days", "in", ["oxytocin"]),
    ],
)
def test_neighbors_walk_symmetric_kinds_both_ways(
    seeds: Path, node_id: str, direction: str, expected: list[str]
) -> None:
    append_entry(seeds / "graph" / "edges.yaml", RELATED)
    hood = neighbors(load_graph(seeds), node_id, direction=direction)  # type: ignore[arg-type]
    assert [n.id for n in hood.nodes] == expected


@pytest.fixture(scope="module")
def seed_graph() -> KnowledgeGraph:
    return load_graph(DEFAULT_SEEDS_DIR)


def test_paths_find_exactly_networkx_shortest_paths_on_the_seed_graph(seed_graph: KnowledgeGraph) -> None:
    walked = nx.MultiGraph(
        (e.source, e.target) for e in seed_graph.edges.values() if e.kind in DEFAULT_KINDS
    )  # the kinds paths walk, either way
    ids = sorted(walked)
    pairs = random.Random(4).sample([(a, b) for a in ids for b in ids if a != b], 300)
    compared = 0
    for a, b in pairs:
        result = paths(seed_graph, a, b, max_hops=MAX_HOPS, limit=MAX_PATHS)
        ours = {(a, *(hop.target for hop in path)) for path in result.paths}
        try:
            expected = {tuple(p) for p in nx.all_shortest_paths(walked, a, b)}
        except nx.NetworkXNoPath:
            expected = set()
        if len(next(iter(expected), ())) > MAX_HOPS + 1:
            expected = set()
        if result.truncated:  # limit reached: ours are some of them
            assert ours <= expected
            assert len(result.paths) == MAX_PATHS
            continue
        assert ours == expected, (a, b)
        compared += 1
        for path in result.paths:  # hops chain from a to b, each along or against its edge
            assert [path[0].source, *(h.target for h in path)][-1] == b
            for hop in path:
                ends = (hop.edge.source, hop.edge.target) if hop.forward else (hop.edge.target, hop.edge.source)
                assert ends == (hop.source, hop.target)
    assert compared > 200


def test_traversal_stops_at_the_step_budget(seed_graph: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = max(
        seed_graph.nodes, key=lambda n: len(seed_graph.in_edges.get(n, ())) + len(seed_graph.out_edges.get(n, ()))
    )
    far = paths(seed_graph, "give-him-space", "oxytocin", max_hops=MAX_HOPS)
    assert far.paths
    assert not far.truncated
    assert not neighbors(seed_graph, hub, depth=1, limit=MAX_NEIGHBORS).truncated
    monkeypatch.setattr(traverse, "STEP_BUDGET", 3)
    cut = paths(seed_graph, "give-him-space", "oxytocin", max_hops=MAX_HOPS)
    assert (cut.paths, cut.truncated) == ([], True)
    hood = neighbors(seed_graph, hub, depth=1, limit=MAX_NEIGHBORS)
    assert (hood.nodes, hood.truncated) == ([], True)
