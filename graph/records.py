"""Plain-dict records of nodes and edges: the one field layout every output shares.

The API adds `links` to these; every export format uses them as they are. Keeping one
layout here means an exported node and a served node never drift.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from graph.build import KnowledgeGraph
from graph.models import Edge, Evidence, Node, Verdict
from graph.registry import EDGE_KINDS

__all__ = ["edge_record", "ends_record", "evidence_record", "node_link", "node_record", "verdict_record"]


def evidence_record(ev: Evidence) -> dict[str, Any]:
    """A quote with its article id and character offsets."""
    return {"source": ev.source, "quote": ev.quote, "start": ev.start, "end": ev.end}


def node_record(node: Node, *, evidence: bool = True, fields: Container[str] | None = None) -> dict[str, Any]:
    """A node as a flat dict: common fields first, then its type-specific fields.

    `evidence=False` leaves the quotes out (list items); `fields` keeps only the fields it
    names (`id` and `type` always come). Either way the dict is built once, never trimmed.

    >>> node_record(tiny_graph().nodes["slower-replies"])["type"]
    'sign'
    >>> node_record(tiny_graph().nodes["slower-replies"], fields={"label", "evidence"}, evidence=False)
    {'id': 'slower-replies', 'type': 'sign', 'label': 'Slower replies'}
    """
    record: dict[str, Any] = {"id": node.id, "type": node.type}
    if fields is None:
        record["label"] = node.label
        record["summary"] = node.summary
        record["aliases"] = list(node.aliases)
        if evidence:
            record["evidence"] = [evidence_record(ev) for ev in node.evidence]
        record["sources"] = list(node.sources)
        record.update(node.attributes)
        if node.verdict is not None:
            record["verdict"] = verdict_record(node.verdict, evidence=evidence)
        return record
    if "label" in fields:
        record["label"] = node.label
    if "summary" in fields:
        record["summary"] = node.summary
    if "aliases" in fields:
        record["aliases"] = list(node.aliases)
    if evidence and "evidence" in fields:
        record["evidence"] = [evidence_record(ev) for ev in node.evidence]
    if "sources" in fields:
        record["sources"] = list(node.sources)
    record.update((k, v) for k, v in node.attributes.items() if k in fields)
    if node.verdict is not None and "verdict" in fields:
        record["verdict"] = verdict_record(node.verdict, evidence=evidence)
    return record


def verdict_record(verdict: Verdict, *, evidence: bool = True) -> dict[str, Any]:
    """A sign's verdict: its kind and (unless `evidence` is off) the quotes that give it."""
    out: dict[str, Any] = {"kind": verdict.kind}
    if evidence:
        out["evidence"] = [evidence_record(ev) for ev in verdict.evidence]
    return out


def edge_record(edge: Edge) -> dict[str, Any]:
    """An edge with its registry labels, so a client can read it in either direction."""
    spec = EDGE_KINDS[edge.kind]
    return {
        "id": edge.id,
        "kind": edge.kind,
        "label": spec.label,
        "inverse_label": spec.inverse_label,
        "symmetric": spec.symmetric,
        "from": edge.source,
        "to": edge.target,
        "evidence": [evidence_record(ev) for ev in edge.evidence],
        "basis": edge.basis,
        "note": edge.note,
        "about": edge.about,
        "sources": list(edge.sources),
    }


def ends_record(kg: KnowledgeGraph, edge: Edge) -> dict[str, Any]:
    """The label and type of an edge's two ends, so a list of edges names what it joins.

    >>> kg = tiny_graph()
    >>> ends_record(kg, kg.edges["slower-replies--indicates--needs-space"])["to_label"]
    'He needs space'
    """
    start, end = kg.nodes[edge.source], kg.nodes[edge.target]
    return {"from_label": start.label, "from_type": start.type, "to_label": end.label, "to_type": end.type}


def node_link(kg: KnowledgeGraph) -> dict[str, Any]:
    """The whole graph in networkx's node-link layout, with `content_version` in `graph`.

    `nx.node_link_graph(node_link(kg))` (networkx's defaults: `edges` holds the edges) rebuilds
    an equivalent MultiDiGraph.

    >>> data = node_link(tiny_graph())
    >>> sorted(data) == ["directed", "edges", "graph", "multigraph", "nodes"]
    True
    """
    import networkx as nx  # imported on use: it costs ~0.2 s of start-up

    out = nx.MultiDiGraph(content_version=kg.content_version)
    for node in kg.nodes.values():
        attrs = node_record(node)
        del attrs["id"]
        out.add_node(node.id, **attrs)
    for edge in kg.edges.values():
        attrs = edge_record(edge)
        for key in ("id", "from", "to"):
            del attrs[key]
        out.add_edge(edge.source, edge.target, key=edge.id, **attrs)
    data: dict[str, Any] = nx.node_link_data(out)
    return data
