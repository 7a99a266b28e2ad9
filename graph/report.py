"""How well the articles back the graph: what cites each article, and what hangs loose.

An editor asks three things before trusting the content: which articles carry the graph and
which are barely used, which nodes have no hand-written edge (a node reached only through
`mentioned_in` is a dead end in every traversal), and how much of the graph is quoted rather
than our own editorial reading. `coverage_report` answers all three from the built graph.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from graph.build import KnowledgeGraph
from graph.types import NODE_TYPES, NodeType, SourceId

__all__ = ["Report", "SourceCoverage", "coverage_report"]


@dataclass(frozen=True)
class SourceCoverage:
    """What cites one article: nodes quoting it (by type) and hand-written edges quoting it."""

    source_id: SourceId
    title: str
    nodes: int
    nodes_by_type: Mapping[NodeType, int]
    edges: int

    @property
    def node_types(self) -> tuple[NodeType, ...]:
        """The node types this article backs with at least one quote, in `NODE_TYPES` order."""
        return tuple(t for t in NODE_TYPES if self.nodes_by_type.get(t, 0))


@dataclass(frozen=True)
class Report:
    """Coverage of the whole graph: one entry per article, quoted versus editorial edges.

    (Nodes with no hand-written edge are not counted: the loader refuses them as orphans.)
    """

    content_version: str
    sources: tuple[SourceCoverage, ...]
    quoted_edges: int
    editorial_edges: int

    @property
    def quoted_share(self) -> float:
        """Share of hand-written edges backed by a quote (0.0 when there are none)."""
        total = self.quoted_edges + self.editorial_edges
        return self.quoted_edges / total if total else 0.0

    @property
    def editorial_share(self) -> float:
        """Share of hand-written edges that rest on our reading alone (0.0 when there are none)."""
        total = self.quoted_edges + self.editorial_edges
        return self.editorial_edges / total if total else 0.0


def coverage_report(kg: KnowledgeGraph) -> Report:
    """Count, per article, the nodes and edges that cite it, and the quoted and editorial edges.

    Derived `mentioned_in` edges are left out of every edge count: they restate node evidence,
    so counting them would credit each article twice.

    Parameters
    ----------
    kg
        The built graph.

    Returns
    -------
    Report
        `sources` in article-id order, each with its title, the content nodes quoting it (in
        total and per node type) and the hand-written edges whose evidence quotes it; and the
        number of hand-written edges that are quoted and editorial.

    Examples
    --------
    >>> report = coverage_report(tiny_graph())
    >>> [(s.source_id, s.nodes, s.edges) for s in report.sources]
    [('000', 7, 4), ('001', 1, 0)]
    >>> report.sources[1].node_types, report.quoted_edges, report.editorial_edges
    (('reason',), 4, 2)
    """
    written = [edge for edge in kg.edges.values() if edge.basis != "derived"]
    edges_citing = Counter(source for edge in written for source in edge.sources)

    sources = []
    for source_id in kg.by_type["source"]:
        citing = kg.by_source.get(source_id, ())
        by_type = Counter(kg.nodes[node_id].type for node_id in citing)
        sources.append(
            SourceCoverage(
                source_id=source_id,
                title=str(kg.nodes[source_id].attributes.get("title") or kg.nodes[source_id].label),
                nodes=len(citing),
                nodes_by_type=MappingProxyType({t: by_type[t] for t in NODE_TYPES if by_type[t]}),
                edges=edges_citing[source_id],
            )
        )
    quoted = sum(1 for edge in written if edge.basis == "quoted")
    return Report(
        content_version=kg.content_version,
        sources=tuple(sources),
        quoted_edges=quoted,
        editorial_edges=len(written) - quoted,
    )
