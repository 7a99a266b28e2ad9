"""Build the frozen knowledge graph and its indexes from validated content.

Everything every reader needs is computed here, once: derived `mentioned_in` edges, indexes by
type and source, adjacency by edge id, counts and the canonical `content_version`. What only
some readers need (the search index, export bodies) is made on first use and kept on the
graph through `KnowledgeGraph.derived`; queries return new values and never write into it.
"""

from __future__ import annotations

import gc
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from operator import attrgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import orjson

from graph.load import Article, Content, edge_id, load_content
from graph.models import Edge, Evidence, Node
from graph.types import NODE_TYPES, EdgeKind, NodeType

__all__ = ["KnowledgeGraph", "build", "content_version", "load_graph"]

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class KnowledgeGraph:
    """The immutable graph every query and route reads.

    The mappings are read-only views; queries walk `out_edges`/`in_edges`. Data derived from
    the graph that only some readers need lives in one registry, `derived`.
    """

    nodes: Mapping[str, Node]
    edges: Mapping[str, Edge]
    articles: Mapping[str, Article]
    by_type: Mapping[NodeType, tuple[str, ...]]
    by_source: Mapping[str, tuple[str, ...]]
    out_edges: Mapping[str, tuple[str, ...]]
    in_edges: Mapping[str, tuple[str, ...]]
    # Every node's neighbours over hand-written edges in either direction, once each: what a
    # path search walks by default, with no edge to look up per step.
    near: Mapping[str, tuple[str, ...]]
    node_counts: Mapping[NodeType, int]
    edge_counts: Mapping[EdgeKind, int]
    content_version: str
    _derived: dict[tuple[Any, ...], Any] = field(default_factory=dict, init=False, repr=False)

    def derived(self, make: Callable[..., T], *args: Any) -> T:
        """`make(self, *args)`, made on first use and kept for as long as this graph lives.

        The one home of per-graph derived data (the search index, export bodies): it goes
        when the graph goes (a reload builds a new graph, and so new data), it is never
        pickled into a snapshot, and nothing keeps it in module globals. `make` is a
        module-level function of the graph, so `(make, *args)` names the data.

        >>> def labels(g): return sorted(n.label for n in g.nodes.values())
        >>> kg = tiny_graph()
        >>> kg.derived(labels) is kg.derived(labels), len(kg.derived(labels))
        (True, 9)
        """
        key = (make, *args)
        try:
            value: T = self._derived[key]
        except KeyError:
            value = self._derived[key] = make(self, *args)
        return value

    def __getstate__(self) -> dict[str, Any]:
        """What pickling keeps: the graph, not what was derived from it (made again on use)."""
        return {**vars(self), "_derived": {}}


def content_version(content: Content) -> str:
    """A sha256 over the canonical serialization of the content.

    Sorted keys and sorted ids: the version must not depend on YAML order or dict insertion
    order, only on what the content says (article texts included, through their hashes).
    """
    return _version(content, sorted(content.nodes, key=_by_id), sorted(content.edges, key=_by_id))


def _version(content: Content, nodes: Sequence[Node], edges: Sequence[Edge]) -> str:
    """content_version over nodes and hand-written edges already sorted by id."""
    articles = {
        a.source_id: {"sha256": hashlib.sha256(a.text.encode()).hexdigest(), "body_end": a.body_end}
        for a in content.articles.values()
    }
    # Each node and edge is written as a row of its fields in a fixed order (orjson writes
    # tuples ~15x faster than dataclasses), and hashed a chunk at a time, so a million edges
    # never sit in memory as one serialized document.
    digest = hashlib.sha256(orjson.dumps(articles, option=orjson.OPT_SORT_KEYS))
    for rows in (map(_node_row, nodes), map(_edge_row, edges)):
        digest.update(b"|")
        while chunk := list(islice(rows, _CHUNK)):
            digest.update(orjson.dumps(chunk, option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()


def _evidence_rows(evidence: tuple[Evidence, ...]) -> list[tuple[str, str, int, int]]:
    return [(ev.source, ev.quote, ev.start, ev.end) for ev in evidence]


def _node_row(n: Node) -> tuple[Any, ...]:
    return (n.id, n.type, n.label, n.summary, n.aliases, _evidence_rows(n.evidence), n.attributes, n.hub)


def _edge_row(e: Edge) -> tuple[Any, ...]:
    return (e.id, e.kind, e.source, e.target, _evidence_rows(e.evidence), e.basis, e.note, e.about)


_CHUNK = 10_000
_by_id = attrgetter("id")


def build(content: Content) -> KnowledgeGraph:
    """Freeze validated content into a KnowledgeGraph with every index the API reads.

    Examples
    --------
    >>> kg = tiny_graph()
    >>> kg.node_counts["sign"], kg.edge_counts["indicates"]
    (1, 1)
    """
    # Building allocates millions of small containers that all live on; the cyclic collector
    # would walk them again and again (a 1M-edge build runs ~2x faster without it).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(content)
    finally:
        if collecting:
            gc.enable()


def _build(content: Content) -> KnowledgeGraph:
    derived = [
        Edge(
            id=edge_id(node.id, "mentioned_in", source),
            kind="mentioned_in",
            source=node.id,
            target=source,
            evidence=tuple(ev for ev in node.evidence if ev.source == source),
            basis="derived",
        )
        for node in content.nodes
        for source in node.sources
    ]
    # One sort of all edges by id gives the id-ordered mapping, adjacency and version.
    ordered = sorted((*content.edges, *derived), key=_by_id)
    edges = {e.id: e for e in ordered}
    sorted_nodes = sorted(content.nodes, key=_by_id)
    nodes = {n.id: n for n in sorted_nodes}

    by_type: dict[NodeType, list[str]] = {t: [] for t in NODE_TYPES}
    by_source: dict[str, list[str]] = defaultdict(list)
    out_edges: dict[str, list[str]] = defaultdict(list)
    in_edges: dict[str, list[str]] = defaultdict(list)
    for node in nodes.values():
        by_type[node.type].append(node.id)
        for source in node.sources:
            by_source[source].append(node.id)
    near_out: dict[str, list[str]] = defaultdict(list)
    near_in: dict[str, list[str]] = defaultdict(list)
    for edge in edges.values():
        out_edges[edge.source].append(edge.id)
        in_edges[edge.target].append(edge.id)
        if edge.basis != "derived":
            near_out[edge.source].append(edge.target)
            near_in[edge.target].append(edge.source)
    near = {n: tuple(dict.fromkeys([*near_out.get(n, ()), *near_in.get(n, ())])) for n in nodes}

    def frozen(d: Mapping[Any, list[str]]) -> Mapping[Any, tuple[str, ...]]:
        return MappingProxyType({k: tuple(v) for k, v in d.items()})

    return KnowledgeGraph(
        nodes=MappingProxyType(nodes),
        edges=MappingProxyType(edges),
        articles=MappingProxyType(dict(content.articles)),
        by_type=frozen(by_type),
        by_source=frozen(by_source),
        out_edges=frozen(out_edges),
        in_edges=frozen(in_edges),
        near=MappingProxyType(near),
        node_counts=MappingProxyType({t: len(v) for t, v in by_type.items()}),
        edge_counts=MappingProxyType(dict(Counter(e.kind for e in edges.values()))),
        content_version=_version(content, sorted_nodes, [e for e in ordered if e.basis != "derived"]),
    )


def load_graph(seeds_dir: Path) -> KnowledgeGraph:
    """Load, validate and build in one step; raises ContentError on bad content."""
    return build(load_content(seeds_dir))
