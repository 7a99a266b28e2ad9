"""The whole graph in the formats other tools read, and the one registry of those formats.

Node-link, Cytoscape.js, GraphML, JSON-LD, Turtle, N-Triples (graph.rdf), JSON lines, and CSV (a file of
nodes, a file of edges).

`FORMATS` lists each format once: its name, media type, file extension, a line saying what
it is for, and its writer. The API's `format` values and media types, the CLI's choices, the
contract's text and the README's table are all read from it, so adding a format is a writer
and a registry entry here (and its tests), nothing in api/.

Every format is built from the same records (`graph.records`), so an exported node carries the
fields a served node does, and every format carries `content_version`, so a file on disk can be
matched to the content (and the ETag) it came from. Pure functions of the frozen graph.

A part of the graph (`select`: node types, edge kinds, without the derived `mentioned_in`
edges) is itself a built graph, so every format writes it as it writes the whole.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, Final

import orjson

from graph.build import KnowledgeGraph, build
from graph.errors import InvalidParameter, suggest
from graph.load import Content
from graph.models import Edge, Node
from graph.rdf import RDF_SYNTAXES, URN_IRIS, Iris, graph_jsonld, to_rdf
from graph.records import edge_record, node_link, node_record
from graph.registry import EDGE_KINDS
from graph.types import NODE_TYPES

__all__ = [
    "CYTOSCAPE_STYLE",
    "EXPORT_FORMATS",
    "FORMATS",
    "ExportFormat",
    "export",
    "formats_table",
    "select",
    "short_label",
]

# GraphML values are scalars: lists are joined with this, so a reader splits them back.
LIST_SEPARATOR: Final = " | "


def export(
    kg: KnowledgeGraph,
    fmt: str,
    iris: Iris = URN_IRIS,
    *,
    indent: bool = False,
    types: Collection[str] = (),
    kinds: Collection[str] = (),
    derived: bool = True,
) -> bytes:
    """Serialize the whole graph, or the part `select` keeps, in one of `EXPORT_FORMATS`.

    One entry point serves `distance export` and the API alike, so a file and a response in
    the same format are byte-identical for the same content.

    Parameters
    ----------
    kg
        The built graph.
    fmt
        A name from `EXPORT_FORMATS`; `FORMATS[fmt].media_type` is the media type of the result.
    indent
        Indent JSON documents for people reading them (node-link, cytoscape, jsonld). JSON lines
        stay one object per line, GraphML is always indented and CSV never, so they ignore it.
    iris
        How the RDF formats (jsonld, turtle, ntriples) write identifiers: the API passes HTTP
        URLs under its base, so each one dereferences; offline the default is URNs.
    types, kinds, derived
        Which part of the graph to write (`select`); by default all of it.

    Returns
    -------
    bytes
        UTF-8 text ending with a newline.

    Raises
    ------
    InvalidParameter
        `fmt` is not one of `EXPORT_FORMATS`, or `types` or `kinds` names no node type or edge kind.

    Examples
    --------
    >>> lines = export(tiny_graph(), "jsonl").splitlines()
    >>> orjson.loads(lines[0])["record"], len(lines) == 1 + 9 + 14
    ('graph', True)
    >>> export(tiny_graph(), "gexf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graph.errors.InvalidParameter: format must be one of node-link, cytoscape, ...
    """
    if fmt not in FORMATS:
        raise InvalidParameter("format", f"must be one of {', '.join(EXPORT_FORMATS)}", fmt)
    if types or kinds or not derived:
        kg = select(kg, types=types, kinds=kinds, derived=derived)
    return FORMATS[fmt].write(kg, indent, iris)


def select(
    kg: KnowledgeGraph, *, types: Collection[str] = (), kinds: Collection[str] = (), derived: bool = True
) -> KnowledgeGraph:
    """The part of the graph a picture asks for, built as a graph of its own.

    Nodes of `types` (all when empty) and the edges of `kinds` (all when empty) that join two
    of them; when `kinds` is given, only the nodes such an edge touches. `derived=False`
    leaves out the `mentioned_in` edges from each node to the articles it is quoted from (the
    biggest hubs of any layout). The part keeps the whole graph's `content_version` (and
    its releases): it is a view of that content, and says which.

    Raises
    ------
    InvalidParameter
        `types` names no node type, or `kinds` no edge kind (with the closest names).

    Examples
    --------
    >>> part = select(tiny_graph(), kinds=["indicates"])
    >>> sorted(part.nodes), list(part.edges)
    (['needs-space', 'slower-replies'], ['slower-replies--indicates--needs-space'])
    >>> part.content_version == tiny_graph().content_version
    True
    >>> len(select(tiny_graph(), derived=False).edges), len(tiny_graph().edges)
    (6, 14)
    >>> select(tiny_graph(), types=["signs"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graph.errors.InvalidParameter: type has no node type 'signs'; did you mean sign...
    """
    _known("type", "node type", types, NODE_TYPES)
    _known("kind", "edge kind", kinds, EDGE_KINDS)
    nodes = {n.id: n for n in kg.nodes.values() if not types or n.type in types}
    edges = [
        e
        for e in kg.edges.values()
        if (not kinds or e.kind in kinds)
        and (derived or e.basis != "derived")
        and e.source in nodes
        and e.target in nodes
    ]
    if kinds:
        touched = {end for e in edges for end in (e.source, e.target)}
        nodes = {node_id: n for node_id, n in nodes.items() if node_id in touched}
    hand = tuple(e for e in edges if e.basis != "derived")
    part = build(
        Content(articles=dict(kg.articles), nodes=tuple(nodes.values()), edges=hand),
        releases=kg.releases,
        derive=len(hand) < len(edges),  # exactly the derived edges between kept nodes
    )
    return dataclasses.replace(part, content_version=kg.content_version)


def _known(parameter: str, what: str, given: Collection[str], allowed: Collection[str]) -> None:
    for name in given:
        if name not in allowed:
            raise InvalidParameter(parameter, f"has no {what} {name!r}", name, suggest(name, allowed, limit=3))


def _json(document: Any, indent: bool) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 if indent else 0) + b"\n"


def _node_link(kg: KnowledgeGraph, indent: bool, iris: Iris) -> bytes:
    return _json(node_link(kg), indent)


SHORT_LABEL: Final = 24  # characters: what a node's circle can carry legibly at a whole-graph zoom


def short_label(label: str, limit: int = SHORT_LABEL) -> str:
    """`label` cut at a word boundary to at most `limit` characters, with an ellipsis when cut.

    >>> short_label("Oxytocin"), short_label("Bonding oxytocin lowers his testosterone")
    ('Oxytocin', 'Bonding oxytocin lowers…')
    """
    if len(label) <= limit:
        return label
    words = label.split()
    cut = words[0][: limit - 1]
    for word in words[1:]:
        if len(cut) + 1 + len(word) > limit - 1:
            break
        cut += " " + word
    return cut.rstrip(",;:–-(") + "…"


# Cytoscape.js draws with a stylesheet of selectors; the export carries one so that
# `cytoscape({container, ...document})` draws a readable picture with no code of the user's:
# a colour per node type (a colour-blind-safe palette, Okabe and Ito's), a line style per edge
# kind (dashed where a response backfires, dotted for the weaker or derived links), arrows
# for direction, and the short label on the node with the full one in `label`.
_TYPE_COLOURS: Final[dict[str, str]] = {
    "concept": "#0072B2",
    "reason": "#D55E00",
    "sign": "#E69F00",
    "response": "#009E73",
    "question": "#CC79A7",
    "statistic": "#56B4E9",
    "source": "#999999",
}
_KIND_LINES: Final[dict[str, dict[str, Any]]] = {
    "backfires": {"line-style": "dashed", "line-color": "#D55E00", "target-arrow-color": "#D55E00"},
    "addresses": {"line-color": "#009E73", "target-arrow-color": "#009E73"},
    "contradicts": {"line-style": "dashed", "line-color": "#CC79A7", "target-arrow-shape": "none"},
    "related_to": {"line-style": "dotted", "target-arrow-shape": "none"},
    "mentioned_in": {"line-style": "dotted", "width": 1, "opacity": 0.5},
}
CYTOSCAPE_STYLE: Final[list[dict[str, Any]]] = [
    {
        "selector": "node",
        "style": {
            "label": "data(short_label)",
            "font-size": 11,
            "text-wrap": "wrap",
            "text-max-width": 90,
            "text-valign": "bottom",
            "text-margin-y": 3,
            "width": 20,
            "height": 20,
            "border-width": 1,
            "border-color": "#ffffff",
        },
    },
    *({"selector": f'node[type = "{t}"]', "style": {"background-color": c}} for t, c in _TYPE_COLOURS.items()),
    {
        "selector": "edge",
        "style": {
            "width": 1.5,
            "line-color": "#b0b0b0",
            "target-arrow-color": "#b0b0b0",
            "target-arrow-shape": "triangle",
            "arrow-scale": 0.8,
            "curve-style": "bezier",
        },
    },
    *({"selector": f'edge[kind = "{k}"]', "style": style} for k, style in _KIND_LINES.items()),
]
# A layout Cytoscape.js ships (no extension), so the picture is laid out on load.
_CYTOSCAPE_LAYOUT: Final = {
    "name": "cose",
    "animate": False,
    "randomize": False,
    "nodeRepulsion": 400000,
    "idealEdgeLength": 80,
    "gravity": 0.4,
    "nodeOverlap": 20,
    "componentSpacing": 40,
    "padding": 20,
}


def _cytoscape(kg: KnowledgeGraph, indent: bool, iris: Iris) -> bytes:
    # Not nx.cytoscape_data: it writes graph data as a list of pairs, adds `value`, and gives
    # edges no `id`; Cytoscape.js wants `data` as an object and reads a stable `id` per edge.
    # `value`, `directed`, `multigraph` and each edge's `key` are what networkx.cytoscape_graph
    # reads, so the same file opens there with its defaults too; `style` and `layout` are
    # Cytoscape.js's own options, which networkx ignores.
    nodes = [
        {"data": {**node_record(n), "name": n.label, "short_label": short_label(n.label), "value": n.id}}
        for n in kg.nodes.values()
    ]
    edges = []
    for edge in kg.edges.values():
        data = edge_record(edge)
        del data["from"], data["to"]  # Cytoscape names the ends source/target
        ends = {"id": edge.id, "source": edge.source, "target": edge.target, "key": edge.id}
        edges.append({"data": {**ends, **data}})
    document = {
        "data": {"content_version": kg.content_version},
        "directed": True,
        "multigraph": True,
        "elements": {"nodes": nodes, "edges": edges},
        "style": CYTOSCAPE_STYLE,
        "layout": _CYTOSCAPE_LAYOUT,
    }
    return _json(document, indent)


def _scalars(record: dict[str, Any], drop: tuple[str, ...]) -> dict[str, Any]:
    """GraphML attributes: lists joined, evidence and a verdict as JSON strings, None left out (no null in GraphML)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key in drop or value is None:
            continue
        if key == "evidence" or isinstance(value, dict):  # a sign's verdict holds quotes too
            out[key] = orjson.dumps(value).decode()
        elif isinstance(value, list):
            out[key] = LIST_SEPARATOR.join(value)
        else:
            out[key] = value
    return out


def _graphml(kg: KnowledgeGraph, indent: bool, iris: Iris) -> bytes:
    import networkx as nx  # imported on use: it costs ~0.2 s of start-up

    g = nx.MultiDiGraph(content_version=kg.content_version)
    for node in kg.nodes.values():
        g.add_node(node.id, **_scalars(node_record(node), drop=("id",)))
    for edge in kg.edges.values():
        g.add_edge(edge.source, edge.target, key=edge.id, **_scalars(edge_record(edge), drop=("id", "from", "to")))
    buffer = io.BytesIO()
    # Not named_key_ids: nodes and edges share attribute names (label, evidence), and GraphML
    # key ids must be unique in the document, so networkx's d0, d1, … are the safe choice.
    nx.write_graphml(g, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue().rstrip(b"\n") + b"\n"


# The CSV exports (RFC 4180: CRLF rows, a header row, fields quoted when they hold a comma,
# a quote or a line break, UTF-8): one row per node or per edge, lists joined as in GraphML,
# evidence as its count and its first quote, and content_version on every row so each file
# names the content it came from. No byte-order mark: RFC 4180 readers (pandas, DuckDB, csv)
# would take it as part of the first column's name.
_CSV: Final = "text/csv; charset=utf-8; header=present"


def _csv(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else ("true" if v else "false") if isinstance(v, bool) else v for v in row])
    return buffer.getvalue().encode("utf-8")


def _evidence_cells(item: Node | Edge) -> list[Any]:
    first = item.evidence[0] if item.evidence else None
    return [len(item.evidence), first.quote if first else None, first.source if first else None]


_EVIDENCE_COLUMNS: Final = ["evidence_count", "first_quote", "first_quote_source"]


def _nodes_csv(kg: KnowledgeGraph, indent: bool, iris: Iris) -> bytes:
    # Type-specific fields are columns of their own, empty on the other types' rows.
    extra = sorted({key for node in kg.nodes.values() for key in node.attributes})
    header = [
        "id",
        "type",
        "label",
        "summary",
        "aliases",
        "sources",
        *_EVIDENCE_COLUMNS,
        *extra,
        "verdict",
        "content_version",
    ]
    rows = (
        [
            node.id, node.type, node.label, node.summary,
            LIST_SEPARATOR.join(node.aliases), LIST_SEPARATOR.join(node.sources), *_evidence_cells(node),
            *(node.attributes.get(key) for key in extra), node.verdict.kind if node.verdict else None,
            kg.content_version,
        ]
        for node in kg.nodes.values()
    )  # fmt: skip
    return _csv(header, rows)


def _edges_csv(kg: KnowledgeGraph, indent: bool, iris: Iris) -> bytes:
    header = ["id", "kind", "label", "inverse_label", "symmetric", "from", "to", "basis", "note", "about", "sources"]
    rows = (
        [
            edge.id, edge.kind, EDGE_KINDS[edge.kind].label, EDGE_KINDS[edge.kind].inverse_label,
            EDGE_KINDS[edge.kind].symmetric, edge.source, edge.target, edge.basis, edge.note, edge.about,
            LIST_SEPARATOR.join(edge.sources), *_evidence_cells(edge), kg.content_version,
        ]
        for edge in kg.edges.values()
    )  # fmt: skip
    return _csv([*header, *_EVIDENCE_COLUMNS, "content_version"], rows)


def _jsonld(kg: KnowledgeGraph, indent: bool, iris: Iris) -> bytes:
    # Kept with the graph: Turtle and N-Triples are written from this same document.
    return kg.derived(graph_jsonld, iris, indent)


def _rdf_writer(syntax: str) -> Callable[[KnowledgeGraph, bool, Iris], bytes]:
    def write(kg: KnowledgeGraph, indent: bool, iris: Iris) -> bytes:
        # The JSON-LD document's triples, so every RDF format holds the same ones.
        return to_rdf(kg.derived(graph_jsonld, iris, False), syntax, iris)

    return write


def _jsonl(kg: KnowledgeGraph, indent: bool, iris: Iris) -> bytes:
    # `record` tells the lines apart: `type` is already a node's type and `kind` an edge's kind.
    header = {"record": "graph", "content_version": kg.content_version, "nodes": len(kg.nodes), "edges": len(kg.edges)}
    lines = [header]
    lines += [{"record": "node", **node_record(node)} for node in kg.nodes.values()]
    lines += [{"record": "edge", **edge_record(edge)} for edge in kg.edges.values()]
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)


@dataclass(frozen=True)
class ExportFormat:
    """One way to write the whole graph."""

    name: str  # the `?format=` and `--format` value
    media_type: str
    extension: str  # of a file holding it, without the dot
    description: str  # one line: what it is and what reads it
    opens_with: str  # the calls that open it offline with each tool's defaults (a test per tool)
    write: Callable[[KnowledgeGraph, bool, Iris], bytes]  # (graph, indent, iris) -> the bytes


FORMATS: Final[dict[str, ExportFormat]] = {
    f.name: f
    for f in (
        ExportFormat("node-link", "application/json", "json", "networkx node-link JSON",
                     "`networkx.node_link_graph(data)`", _node_link),
        ExportFormat("cytoscape", "application/json", "cyjs", "Cytoscape.js elements",
                     "`networkx.cytoscape_graph(data)`", _cytoscape),
        ExportFormat("graphml", "application/graphml+xml", "graphml", "GraphML for Gephi, yEd, networkx",
                     "`networkx.read_graphml(file)`", _graphml),
        ExportFormat("jsonld", "application/ld+json", "jsonld", "JSON-LD: SKOS concepts, quotes as Web Annotations",
                     "`rdflib.Graph().parse(file, format=\"json-ld\")` (context inline)", _jsonld),
        ExportFormat("turtle", RDF_SYNTAXES["turtle"], "ttl", "Turtle: the JSON-LD's triples",
                     "`rdflib.Graph().parse(file, format=\"turtle\")`", _rdf_writer("turtle")),
        ExportFormat("ntriples", RDF_SYNTAXES["ntriples"], "nt", "N-Triples: the JSON-LD's triples, one a line",
                     "`rdflib.Graph().parse(file, format=\"nt\")`", _rdf_writer("ntriples")),
        ExportFormat("jsonl", "application/x-ndjson", "jsonl", "JSON lines: one per node and per edge",
                     "`pandas.read_json(file, lines=True)`, DuckDB `read_json(file)`", _jsonl),
        ExportFormat("nodes-csv", _CSV, "csv", "CSV, a row per node (spreadsheets, pandas, DuckDB)",
                     "`pandas.read_csv(file)`, DuckDB `read_csv(file)`", _nodes_csv),
        ExportFormat("edges-csv", _CSV, "csv", "CSV, a row per edge (spreadsheets, pandas, DuckDB)",
                     "`pandas.read_csv(file)`, DuckDB `read_csv(file)`", _edges_csv),
    )
}  # fmt: skip
EXPORT_FORMATS: Final[tuple[str, ...]] = tuple(FORMATS)


def formats_table() -> str:
    """The export formats as a Markdown table: the README's, and `distance export --list`.

    >>> formats_table().splitlines()[2]
    '| `node-link` | `application/json` | `.json` | networkx node-link JSON | `networkx.node_link_graph(data)` |'
    """
    rows = [
        f"| `{f.name}` | `{f.media_type}` | `.{f.extension}` | {f.description} | {f.opens_with} |"
        for f in FORMATS.values()
    ]
    header = ["| format | media type | file | what | opens with (defaults) |", "|---|---|---|---|---|"]
    return "\n".join([*header, *rows]) + "\n"
