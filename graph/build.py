"""Build the frozen knowledge graph and its indexes from validated content.

Everything every reader needs is computed here, once: derived `mentioned_in` edges, indexes by
type and source, adjacency by edge id, counts and the canonical `content_version`. What only
some readers need (the search index, export bodies) is made on first use and kept on the
graph through `KnowledgeGraph.derived`; queries return new values and never write into it.
"""

from __future__ import annotations

import copyreg
import hashlib
import operator
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter, itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import orjson

from graph._memory import give_back
from graph.adjacency import Adjacency, Near
from graph.errors import KEPT_PROBLEMS, ContentError, ContentProblem, OnProblem
from graph.load import Article, Content, collector_paused, edge_id, load_content
from graph.models import Edge, Evidence, Node, Retirement
from graph.registry import EDGE_KINDS
from graph.snapshots import Release, read_releases
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
    # Every pair of nodes an edge joins, as numpy rows with the kinds joining them: what a
    # path search walks (`graph.adjacency`).
    adjacency: Adjacency
    node_counts: Mapping[NodeType, int]
    edge_counts: Mapping[EdgeKind, int]
    content_version: str
    # The releases recorded under seeds/releases/ (`graph.releases`), oldest first.
    releases: tuple[Release, ...] = ()
    # Retired node ids and what replaces each (seeds/graph/retired.yaml).
    retired: Mapping[str, Retirement] = field(default_factory=lambda: MappingProxyType({}))

    _derived: dict[tuple[Any, ...], Any] = field(default_factory=dict, init=False, repr=False)
    _making: dict[tuple[Any, ...], threading.Lock] = field(default_factory=dict, init=False, repr=False)

    @property
    def near(self) -> Mapping[str, tuple[str, ...]]:
        """Every node's neighbours over hand-written edges in either direction, once each."""
        return Near(self.adjacency)

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
            # Made once even when two threads ask at once (a server makes its search index in a
            # thread while requests are answered): the second waits for the first's.
            with self._making.setdefault(key, threading.Lock()):
                try:
                    value = self._derived[key]
                except KeyError:
                    value = self._derived[key] = make(self, *args)
        return value

    def keep(self, make: Callable[..., T], value: T, *args: Any) -> None:
        """Keep `value` as `make(self, *args)`, made elsewhere for this same graph (another process
        made it and handed it over: `graph.indexes`), so that `derived` does not make it again.
        What is kept already stays.

        >>> def labels(g): return sorted(n.label for n in g.nodes.values())
        >>> kg = tiny_graph()
        >>> kg.keep(labels, ["made elsewhere"])
        >>> kg.derived(labels)
        ['made elsewhere']
        """
        self._derived.setdefault((make, *args), value)

    def serves_same(self, other: KnowledgeGraph) -> bool:
        """Whether `other` would answer every request as this graph does: the same content and
        the same releases. A reload that finds so keeps this graph (and every answer made on it)."""
        return self.content_version == other.content_version and self.releases == other.releases

    def __getstate__(self) -> dict[str, Any]:
        """What pickling keeps: the graph, not what was derived from it (made again on use)."""
        return {**vars(self), "_derived": {}, "_making": {}}


def _mapping_proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


def _reduce_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _mapping_proxy, (dict(proxy),)


# The graph's mappings are read-only views, which pickle cannot save on its own: a graph is
# pickled to hand it from the process that loads it to the ones that serve it.
copyreg.pickle(MappingProxyType, _reduce_proxy)


def content_version(content: Content) -> str:
    """A sha256 over the canonical serialization of the content.

    Sorted keys and sorted ids: the version must not depend on YAML order or dict insertion
    order, only on what the content says (article texts included, through their hashes).
    """
    return build(content).content_version


def _digest(content: Content, nodes: Sequence[Node], ids: Sequence[str], columns: _Columns) -> str:
    """The sha256 of the articles, then the node rows by id, then the edge rows by id.

    Each node and edge is written as a row of its fields in a fixed order (orjson writes
    tuples ~15x faster than dataclasses) and hashed a chunk at a time, so a million edges
    never sit in memory as one serialized document. An edge's id stands for its ends and
    kind (`from--kind--to`; slugs hold no `--`); its evidence is serialized once per
    distinct evidence tuple (a large graph shares them), and the few notes and `about`s come
    last, by id. Derived edges are hashed too: they follow from the nodes, so they change
    nothing about when the version changes.
    """
    articles = {
        a.source_id: {"sha256": hashlib.sha256(a.text.encode()).hexdigest(), "body_end": a.body_end}
        for a in content.articles.values()
    }
    digest = hashlib.sha256(orjson.dumps(articles, option=orjson.OPT_SORT_KEYS))
    if content.retired:  # retired ids are content too: a merge changes the version
        digest.update(orjson.dumps(sorted((r.id, r.replaced_by, r.note) for r in content.retired)))
    digest.update(b"|")
    for at in range(0, len(nodes), _CHUNK):
        digest.update(orjson.dumps([_node_row(n) for n in nodes[at : at + _CHUNK]]))
    digest.update(b"|")
    basis = columns.basis.tolist()
    evidence = columns.evidence.tolist()
    for at in range(0, len(ids), _CHUNK):
        rows = zip(
            ids[at : at + _CHUNK],
            map(_BASES.__getitem__, basis[at : at + _CHUNK]),
            map(columns.quoted.__getitem__, evidence[at : at + _CHUNK]),
            strict=True,
        )
        digest.update(orjson.dumps(list(rows)))
    digest.update(b"|")
    digest.update(orjson.dumps(sorted(columns.notes)))
    return digest.hexdigest()


def _evidence_rows(evidence: tuple[Evidence, ...]) -> list[tuple[str, str, int, int]]:
    return [(ev.source, ev.quote, ev.start, ev.end) for ev in evidence]


def _node_row(n: Node) -> tuple[Any, ...]:
    attributes = sorted(n.attributes.items())
    verdict = None if n.verdict is None else (n.verdict.kind, _evidence_rows(n.verdict.evidence))
    return (n.id, n.type, n.label, n.summary, n.aliases, _evidence_rows(n.evidence), attributes, n.hub, verdict)


_CHUNK = 20_000
_by_id = attrgetter("id")
_source, _target, _kind, _basis = attrgetter("source"), attrgetter("target"), attrgetter("kind"), attrgetter("basis")
_evidence_of, _note, _about = attrgetter("evidence"), attrgetter("note"), attrgetter("about")
_KINDS: tuple[EdgeKind, ...] = tuple(EDGE_KINDS)
_KIND_CODES = {kind: code for code, kind in enumerate(_KINDS)}
_BASES = ("quoted", "editorial", "derived")
_BASIS_CODES = {basis: code for code, basis in enumerate(_BASES)}


@dataclass(frozen=True)
class _Columns:
    """The fields of every edge as arrays, read once in the order the edges were made.

    Reading a million objects in any other order costs cache misses on each, so fields are
    read here, in C (map, numpy), and only the arrays are put in id order (`order`).
    Evidence and basis become small codes; `quoted` holds each distinct evidence tuple
    serialized once; `notes` the (id, note, about) of the edges that have either.
    """

    order: npt.NDArray[np.intp]
    sources: npt.NDArray[np.int32]
    targets: npt.NDArray[np.int32]
    kinds: npt.NDArray[np.int8]
    basis: npt.NDArray[np.int8]
    evidence: npt.NDArray[np.intp]
    quoted: list[orjson.Fragment]
    notes: list[tuple[str, str | None, str | None]]

    @classmethod
    def read(cls, made: Sequence[Edge], ids: list[str], index: Mapping[str, int]) -> _Columns:
        count = len(made)
        order = np.argsort(np.array(ids), kind="stable") if count else np.zeros(0, np.intp)

        def codes(values: Iterator[int], dtype: type[np.generic]) -> Any:
            return np.fromiter(values, dtype, count)[order]

        owners = np.fromiter(map(id, map(_evidence_of, made)), np.int64, count)
        distinct, first, inverse = np.unique(owners, return_index=True, return_inverse=True)
        # Kept as str: orjson's bytes keep their ~4 KB working buffer, 20x a short row.
        quoted = [orjson.Fragment(orjson.dumps(_evidence_rows(made[i].evidence)).decode()) for i in first.tolist()]
        noted = compress(range(count), map(operator.truth, map(_note, made))) if count else ()
        about = compress(range(count), map(operator.truth, map(_about, made))) if count else ()
        notes = [(made[i].id, made[i].note, made[i].about) for i in sorted({*noted, *about})]
        return cls(
            order=order,
            sources=codes(map(index.__getitem__, map(_source, made)), np.int32),
            targets=codes(map(index.__getitem__, map(_target, made)), np.int32),
            kinds=codes(map(_KIND_CODES.__getitem__, map(_kind, made)), np.int8),
            basis=codes(map(_BASIS_CODES.__getitem__, map(_basis, made)), np.int8),
            evidence=inverse.reshape(-1)[order] if count else np.zeros(0, np.intp),
            quoted=quoted,
            notes=notes,
        )


def build(content: Content, *, releases: tuple[Release, ...] = (), derive: bool = True) -> KnowledgeGraph:
    """Freeze validated content into a KnowledgeGraph with every index the API reads.

    `derive=False` leaves out the `mentioned_in` edges a node's quotes imply (an export
    that asks for a picture without them builds its part of the graph so).

    Examples
    --------
    >>> kg = tiny_graph()
    >>> kg.node_counts["sign"], kg.edge_counts["indicates"]
    (1, 1)
    """
    with collector_paused():
        kg = _build(content, releases, derive)
    give_back()  # the build's temporaries, freed, leave the resident memory (see graph._memory)
    return kg


def _build(content: Content, releases: tuple[Release, ...], derive: bool) -> KnowledgeGraph:
    # Validated content has a node for every source its quotes name; a part of the graph
    # (graph.exports.select) may not, and then has no edge to it.
    present = {node.id for node in content.nodes if node.type == "source"} if derive else set()
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
        if source in present
    ]
    sorted_nodes = sorted(content.nodes, key=_by_id)
    node_ids = tuple(map(_by_id, sorted_nodes))
    index = {node_id: i for i, node_id in enumerate(node_ids)}
    made = (*content.edges, *derived)
    made_ids = list(map(_by_id, made))
    columns = _Columns.read(made, made_ids, index)
    positions = columns.order.tolist()
    ids = _permuted(made_ids, positions)
    edges = dict(zip(ids, _permuted(made, positions), strict=True))
    nodes = dict(zip(node_ids, sorted_nodes, strict=True))

    by_type: dict[NodeType, list[str]] = {t: [] for t in NODE_TYPES}
    by_source: dict[str, list[str]] = defaultdict(list)
    for node in sorted_nodes:
        by_type[node.type].append(node.id)
        for source in node.sources:
            by_source[source].append(node.id)

    def grouped(at: npt.NDArray[np.int32]) -> Mapping[str, tuple[str, ...]]:
        """Edge ids per node at this end, each node's in id order (a stable sort keeps it)."""
        bounds = np.zeros(len(node_ids) + 1, np.int64)
        np.cumsum(np.bincount(at, minlength=len(node_ids)), out=bounds[1:])
        by_end = _permuted(ids, np.argsort(at, kind="stable").tolist())
        limits = bounds.tolist()
        return MappingProxyType(
            {node_ids[i]: by_end[limits[i] : limits[i + 1]] for i in np.flatnonzero(np.diff(bounds)).tolist()}
        )

    counted = np.bincount(columns.kinds, minlength=len(_KINDS)).tolist()
    return KnowledgeGraph(
        nodes=MappingProxyType(nodes),
        edges=MappingProxyType(edges),
        articles=MappingProxyType(dict(content.articles)),
        by_type=MappingProxyType({k: tuple(v) for k, v in by_type.items()}),
        by_source=MappingProxyType({k: tuple(v) for k, v in by_source.items()}),
        out_edges=grouped(columns.sources),
        in_edges=grouped(columns.targets),
        adjacency=Adjacency.from_edges(
            node_ids, MappingProxyType(index), columns.sources, columns.targets, columns.kinds
        ),
        node_counts=MappingProxyType({t: len(v) for t, v in by_type.items()}),
        edge_counts=MappingProxyType({k: n for k, n in zip(_KINDS, counted, strict=True) if n}),
        content_version=_digest(content, sorted_nodes, ids, columns),
        releases=releases,
        retired=MappingProxyType({r.id: r for r in content.retired}),
    )


def _permuted(values: Sequence[Any], order: list[int]) -> tuple[Any, ...]:
    """`values` in `order` (positions), copied in C."""
    if len(order) < 2:
        return tuple(values[i] for i in order)
    picked: tuple[Any, ...] = itemgetter(*order)(values)
    return picked


def load_graph(seeds_dir: Path, report: OnProblem | None = None) -> KnowledgeGraph:
    """Load, validate and build in one step, the recorded releases with it.

    Raises ContentError counting every problem of the content and of the release snapshots
    at once; each goes to `report` as it is found.
    """
    content: Content | None = None
    releases: tuple[Release, ...] = ()
    kept: list[ContentProblem] = []
    count = 0
    with collector_paused():
        try:
            content = load_content(seeds_dir, report)
        except ContentError as exc:
            kept += exc.problems
            count += exc.count
        try:
            releases = read_releases(seeds_dir, report)
        except ContentError as exc:
            kept += exc.problems[: max(KEPT_PROBLEMS - len(kept), 0)]
            count += exc.count
        if content is None or count:
            raise ContentError(kept, count)
        return build(content, releases=releases)
