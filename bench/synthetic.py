"""A synthetic graph with Distance's model at any size, for scale benchmarks.

`synthetic_graph(nodes=100_000, edges=1_000_000)` makes node types in the seed graph's
proportions, one quoted piece of evidence per node (located in a generated article, so
offsets are real), and typed edges that the registry allows, with a skewed choice of
targets so that some nodes become hubs with thousands of edges, as real graphs have.
It goes through the same `graph.build.build` as the seeds (derived `mentioned_in` edges
come on top of `edges`). Node ids are `n0`, `n1`, …, so a load script can pick any.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

from graph.build import KnowledgeGraph, build
from graph.load import Article, Content, collector_paused, edge_id
from graph.models import Edge, Evidence, Node
from graph.registry import EDGE_KINDS, EdgeKindSpec
from graph.types import NodeType

__all__ = ["ARTICLES", "TYPE_WEIGHTS", "WORDS", "draw_edges", "synthetic_content", "synthetic_graph"]

ARTICLES = 5
# Roughly the seed graph's mix of node types.
TYPE_WEIGHTS: dict[NodeType, int] = {
    "concept": 30,
    "reason": 25,
    "sign": 15,
    "response": 15,
    "question": 8,
    "statistic": 7,
}
WORDS = [
    "space",
    "distance",
    "closeness",
    "trust",
    "fear",
    "commitment",
    "oxytocin",
    "dopamine",
    "stress",
    "work",
    "silence",
    "texts",
    "plans",
    "weekend",
    "friends",
    "family",
    "attachment",
    "avoidant",
    "anxious",
    "secure",
    "pursue",
    "withdraw",
    "calm",
    "patience",
    "respect",
    "boundaries",
    "reassurance",
    "vulnerability",
    "intimacy",
    "routine",
    "hobby",
    "career",
    "pressure",
]


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(WORDS, k=words))


def synthetic_graph(*, nodes: int = 100_000, edges: int = 1_000_000, seed: int = 7) -> KnowledgeGraph:
    """A built KnowledgeGraph of `nodes` content nodes (+ 5 sources) and `edges` typed edges."""
    return build(synthetic_content(nodes=nodes, edges=edges, seed=seed))


def synthetic_content(*, nodes: int = 100_000, edges: int = 1_000_000, seed: int = 7) -> Content:
    """Validated-looking Content of `nodes` content nodes (+ 5 sources) and `edges` typed edges."""
    with collector_paused():
        return _content(nodes, edges, seed)


def _content(nodes: int, edges: int, seed: int) -> Content:
    rng = random.Random(seed)
    types: list[NodeType] = rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()), k=nodes)
    ids = [f"n{i}" for i in range(nodes)]
    # Each article is a run of sentences; node i quotes sentence i of article i % 5.
    per_article = nodes // ARTICLES + 1
    sentences = [_sentence(rng, 8) + "." for _ in range(per_article)]
    text = " ".join(sentences)
    starts, at = [], 0
    for s in sentences:
        starts.append(at)
        at += len(s) + 1
    articles = {f"{a:03d}": Article(f"{a:03d}", text, len(text)) for a in range(ARTICLES)}
    evidence: list[tuple[Evidence, ...]] = []
    built: list[Node] = []
    for i, (node_id, node_type) in enumerate(zip(ids, types, strict=True)):
        k = i // ARTICLES
        ev = (Evidence(f"{i % ARTICLES:03d}", sentences[k], starts[k], starts[k] + len(sentences[k])),)
        evidence.append(ev)
        attributes: dict[str, str | int | float | None] = {}
        if node_type == "response":
            attributes["polarity"] = "do" if i % 3 else "dont"
        elif node_type == "statistic":
            attributes |= {"value": str(i % 97), "unit": "%"}
        first, second = rng.choices(WORDS, k=2)
        label = f"{first.capitalize()} {second} {i}"
        built.append(Node(node_id, node_type, label, _sentence(rng, 14) + ".", (), ev, attributes))
    sources = [
        Node(a, "source", f"Article {a}", f"Source article {a}.", attributes={"title": f"Article {a}"})
        for a in articles
    ]
    made: dict[str, Edge] = {}
    for spec, a, b in draw_edges(rng, types):
        if len(made) == edges:
            break
        ends = sorted((ids[a], ids[b])) if spec.symmetric else [ids[a], ids[b]]
        key = edge_id(ends[0], spec.kind, ends[1])
        if key not in made:
            made[key] = Edge(edge_id(ids[a], spec.kind, ids[b]), spec.kind, ids[a], ids[b], evidence[a], "quoted")
    return Content(articles=articles, nodes=(*sources, *built), edges=tuple(made.values()))


def draw_edges(rng: random.Random, types: Sequence[NodeType]) -> Iterator[tuple[EdgeKindSpec, int, int]]:
    """Endless draws of (kind, from, to) node indexes that the registry allows, no self-loops.

    Targets are skewed towards the start of each type's pool, so the first few nodes of a
    type become hubs with thousands of edges. Duplicates are the caller's to drop.
    """
    by_type: dict[NodeType, list[int]] = {}
    for i, t in enumerate(types):
        by_type.setdefault(t, []).append(i)
    kinds = [
        (spec, _present(spec.from_types, by_type), _present(spec.to_types, by_type))
        for spec in EDGE_KINDS.values()
        if not spec.derived
    ]
    rand = rng.random  # one C call per draw: random.choice costs ~5x more at a million edges
    while True:
        spec, from_types, to_types = kinds[int(rand() * len(kinds))]
        pool = by_type[from_types[int(rand() * len(from_types))]]
        a = pool[int(rand() * len(pool))]
        pool = by_type[types[a] if spec.same_type else to_types[int(rand() * len(to_types))]]
        b = pool[int(len(pool) * rand() ** 3)]
        if a != b:
            yield spec, a, b


def _present(wanted: Sequence[NodeType], by_type: dict[NodeType, list[int]]) -> list[NodeType]:
    return [t for t in wanted if by_type.get(t)]
