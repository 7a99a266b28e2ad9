"""Whole-graph exports: every format parses back, counts match, content_version travels along."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import networkx as nx
import orjson
import pytest

from graph.build import KnowledgeGraph, load_graph
from graph.errors import InvalidParameter
from graph.exports import EXPORT_FORMATS, FORMATS, LIST_SEPARATOR, export, formats_table
from graph.models import Edge, Node


def test_export_formats_all_have_a_media_type() -> None:
    assert set(FORMATS) == set(EXPORT_FORMATS)
    assert FORMATS["jsonld"].media_type == "application/ld+json"


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_is_deterministic_and_ends_with_a_newline(tiny: KnowledgeGraph, fmt: str) -> None:
    body = export(tiny, fmt)
    assert body == export(tiny, fmt)
    assert body.endswith(b"\n")
    assert tiny.content_version.encode() in body


def test_export_rejects_an_unknown_format(tiny: KnowledgeGraph) -> None:
    with pytest.raises(InvalidParameter) as caught:
        export(tiny, "gexf")
    assert (caught.value.parameter, caught.value.value) == ("format", "gexf")


def test_export_node_link_rebuilds_the_graph(tiny: KnowledgeGraph) -> None:
    data = orjson.loads(export(tiny, "node-link", indent=True))
    g = nx.node_link_graph(data)
    assert (g.number_of_nodes(), g.number_of_edges()) == (len(tiny.nodes), len(tiny.edges))
    assert g.graph["content_version"] == tiny.content_version


def test_export_cytoscape_has_elements_with_ids(tiny: KnowledgeGraph) -> None:
    data = orjson.loads(export(tiny, "cytoscape"))
    assert data["data"] == {"content_version": tiny.content_version}
    nodes, edges = data["elements"]["nodes"], data["elements"]["edges"]
    assert [n["data"]["id"] for n in nodes] == list(tiny.nodes)
    assert [e["data"]["id"] for e in edges] == list(tiny.edges)
    edge = next(e["data"] for e in edges if e["data"]["id"] == "give-him-space--addresses--needs-space")
    assert (edge["source"], edge["target"], edge["kind"], edge["basis"]) == (
        "give-him-space",
        "needs-space",
        "addresses",
        "quoted",
    )
    assert edge["evidence"][0]["quote"] == "Give him space and he comes back on his own."


def test_export_graphml_reads_back_with_scalar_attributes(tiny: KnowledgeGraph) -> None:
    g = nx.read_graphml(io.BytesIO(export(tiny, "graphml")), force_multigraph=True)
    assert (g.number_of_nodes(), g.number_of_edges()) == (len(tiny.nodes), len(tiny.edges))
    assert g.graph["content_version"] == tiny.content_version
    needs_space = g.nodes["needs-space"]
    assert needs_space["sources"].split(LIST_SEPARATOR) == ["000", "001"]
    assert orjson.loads(needs_space["evidence"])[1]["quote"] == "he simply needs space"
    assert g.nodes["oxytocin"]["aliases"] == "bonding hormone"
    assert set(g["slower-replies"]["needs-space"]) == {"slower-replies--indicates--needs-space"}


def test_export_jsonl_has_a_header_then_one_line_per_node_and_edge(tiny: KnowledgeGraph) -> None:
    lines = [orjson.loads(line) for line in export(tiny, "jsonl").splitlines()]
    header, records = lines[0], lines[1:]
    assert header == {
        "record": "graph",
        "content_version": tiny.content_version,
        "nodes": len(tiny.nodes),
        "edges": len(tiny.edges),
    }
    assert [r["id"] for r in records if r["record"] == "node"] == list(tiny.nodes)
    assert [r["id"] for r in records if r["record"] == "edge"] == list(tiny.edges)
    edge = next(r for r in records if r["id"] == "a-few-days--measures--needs-space")
    assert (edge["kind"], edge["from"], edge["to"]) == ("measures", "a-few-days", "needs-space")


def test_the_readme_lists_exactly_the_registry_formats() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert formats_table() in readme, "paste `distance export --list` into the README's export table"


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    from api.settings import DEFAULT_SEEDS_DIR

    return load_graph(DEFAULT_SEEDS_DIR)


@pytest.mark.parametrize(("fmt", "kind"), [("nodes-csv", "nodes"), ("edges-csv", "edges")])
def test_csv_is_rfc_4180_one_row_per_item(shipped: KnowledgeGraph, fmt: str, kind: str) -> None:
    body = export(shipped, fmt)
    items = shipped.nodes if kind == "nodes" else shipped.edges
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert body.endswith(b"\r\n")
    assert body.count(b"\r\n") == len(items) + 1  # every record ends in CRLF; a quote's own line breaks are quoted
    assert not body.startswith(codecs.BOM_UTF8)
    assert [row[0] for row in rows[1:]] == list(items)
    assert {len(row) for row in rows} == {len(rows[0])}
    assert {row[-1] for row in rows[1:]} == {shipped.content_version}


@pytest.mark.parametrize(("fmt", "kind"), [("nodes-csv", "nodes"), ("edges-csv", "edges")])
def test_csv_loads_in_pandas_with_every_quote_intact(shipped: KnowledgeGraph, fmt: str, kind: str) -> None:
    import pandas as pd

    frame = pd.read_csv(io.BytesIO(export(shipped, fmt)), keep_default_na=False, dtype=str)
    items: dict[str, Node | Edge] = {**(shipped.nodes if kind == "nodes" else shipped.edges)}
    assert len(frame) == len(items)
    for row in frame.itertuples(index=False):
        item = items[row.id]
        assert (row.first_quote, int(row.evidence_count)) == (
            item.evidence[0].quote if item.evidence else "",
            len(item.evidence),
        )


def test_csv_loads_in_duckdb_with_typed_columns(shipped: KnowledgeGraph, tmp_path: Path) -> None:
    import duckdb

    nodes, edges = tmp_path / "nodes.csv", tmp_path / "edges.csv"
    nodes.write_bytes(export(shipped, "nodes-csv"))
    edges.write_bytes(export(shipped, "edges-csv"))
    db = duckdb.connect()
    assert db.sql(f"SELECT count(*) FROM read_csv('{nodes}')").fetchall() == [(len(shipped.nodes),)]
    assert db.sql(f"SELECT count(*) FROM read_csv('{edges}')").fetchall() == [(len(shipped.edges),)]
    types = {row[0]: row[1] for row in db.sql(f"DESCRIBE SELECT * FROM read_csv('{edges}')").fetchall()}
    assert (types["symmetric"], types["evidence_count"]) == ("BOOLEAN", "BIGINT")
    joined = db.sql(
        f"SELECT e.kind, count(*) FROM read_csv('{edges}') e JOIN read_csv('{nodes}') n ON e.\"from\" = n.id "
        "WHERE n.type = 'sign' GROUP BY e.kind ORDER BY e.kind"
    ).fetchall()
    expected = sorted(
        (kind, sum(1 for e in shipped.edges.values() if e.kind == kind and shipped.nodes[e.source].type == "sign"))
        for kind in {e.kind for e in shipped.edges.values() if shipped.nodes[e.source].type == "sign"}
    )
    assert joined == expected
    quotes = dict(db.sql(f"SELECT id, first_quote FROM read_csv('{nodes}')").fetchall())
    assert quotes == {n.id: (n.evidence[0].quote if n.evidence else None) for n in shipped.nodes.values()}


def _edge_kinds_and_node_ids(fmt: str, body: bytes) -> tuple[list[str], set[str]]:
    """Each format read back with its own reader: the kind of every edge and the id of every node."""
    if fmt in ("node-link", "graphml"):
        g = nx.node_link_graph(orjson.loads(body)) if fmt == "node-link" else nx.read_graphml(io.BytesIO(body))
        return [kind for _, _, kind in g.edges(data="kind")], set(g.nodes)
    if fmt == "cytoscape":
        elements = orjson.loads(body)["elements"]
        return [e["data"]["kind"] for e in elements["edges"]], {n["data"]["id"] for n in elements["nodes"]}
    if fmt == "jsonl":
        records = [orjson.loads(line) for line in body.splitlines()[1:]]
        kinds = [r["kind"] for r in records if r["record"] == "edge"]
        return kinds, {r["id"] for r in records if r["record"] == "node"}
    if fmt in ("nodes-csv", "edges-csv"):
        rows = list(csv.DictReader(io.StringIO(body.decode())))
        return ([r["kind"] for r in rows], set()) if fmt == "edges-csv" else ([], {r["id"] for r in rows})
    import rdflib

    g = rdflib.Graph().parse(data=body, format={"jsonld": "json-ld", "turtle": "turtle", "ntriples": "nt"}[fmt])
    kind = next(p for p in set(g.predicates()) if str(p).endswith("#kind") or str(p).endswith(":kind"))
    nodes = {str(s).rsplit(":", 1)[-1] for s in g.subjects(rdflib.SKOS.prefLabel, None)}
    return [str(o) for o in g.objects(None, kind)], nodes


# The tiny graph: every format read back with its own reader, quickly (rdflib parses the shipped
# graph's Turtle in seconds); the shipped graph's counts are checked on the Cytoscape export below.
@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_every_format_writes_only_the_kinds_asked_for_and_their_ends(tiny: KnowledgeGraph, fmt: str) -> None:
    kinds, nodes = _edge_kinds_and_node_ids(fmt, export(tiny, fmt, kinds=["indicates", "addresses"]))
    indicates = [e for e in tiny.edges.values() if e.kind in ("indicates", "addresses")]
    if fmt != "nodes-csv":
        assert sorted(kinds) == sorted(e.kind for e in indicates)
    if fmt != "edges-csv":
        assert nodes == {end for e in indicates for end in (e.source, e.target)}


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_every_format_leaves_out_mentioned_in_when_asked(tiny: KnowledgeGraph, fmt: str) -> None:
    types = {"sign", "reason", "response", "source"}
    whole, _ = _edge_kinds_and_node_ids(fmt, export(tiny, fmt))
    kinds, nodes = _edge_kinds_and_node_ids(fmt, export(tiny, fmt, derived=False, types=types))
    assert "mentioned_in" not in kinds
    hand = [e for e in tiny.edges.values() if e.basis != "derived"]
    if fmt != "nodes-csv":
        assert whole.count("mentioned_in") == len(tiny.edges) - len(hand) > 0
        joined = [e for e in hand if {tiny.nodes[e.source].type, tiny.nodes[e.target].type} <= types]
        assert sorted(kinds) == sorted(e.kind for e in joined)
        assert joined
    if fmt != "edges-csv":
        assert nodes == {n.id for n in tiny.nodes.values() if n.type in types}


def test_the_shipped_graph_without_mentioned_in_keeps_every_other_edge(shipped: KnowledgeGraph) -> None:
    data = orjson.loads(export(shipped, "cytoscape", derived=False))
    hand = [e.id for e in shipped.edges.values() if e.kind != "mentioned_in"]
    assert [e["data"]["id"] for e in data["elements"]["edges"]] == hand
    assert len(data["elements"]["nodes"]) == len(shipped.nodes)


@pytest.mark.parametrize(
    ("option", "value", "parameter", "closest"),
    [("types", ["signs"], "type", "sign"), ("kinds", ["indicate"], "kind", "indicates")],
)
def test_export_names_an_unknown_type_or_kind_with_the_closest(
    tiny: KnowledgeGraph, option: str, value: list[str], parameter: str, closest: str
) -> None:
    with pytest.raises(InvalidParameter) as caught:
        export(tiny, "cytoscape", **{option: value})  # type: ignore[arg-type]
    assert (caught.value.parameter, caught.value.value) == (parameter, value[0])
    assert caught.value.suggestions[0] == closest


def test_a_part_of_the_graph_keeps_the_whole_content_version(shipped: KnowledgeGraph) -> None:
    body = orjson.loads(export(shipped, "cytoscape", kinds=["contradicts"]))
    assert body["data"] == {"content_version": shipped.content_version}


def test_cytoscape_carries_a_style_a_layout_and_short_labels(shipped: KnowledgeGraph) -> None:
    data = orjson.loads(export(shipped, "cytoscape"))
    selectors = {rule["selector"]: rule["style"] for rule in data["style"]}
    colours = {t: selectors[f'node[type = "{t}"]']["background-color"] for t in shipped.node_counts}
    assert len(set(colours.values())) == len(colours)  # one colour per node type
    assert selectors["node"]["label"] == "data(short_label)"
    assert selectors['edge[kind = "backfires"]']["line-style"] == "dashed"
    assert data["layout"]["name"] == "cose"
    for node in data["elements"]["nodes"]:
        short, label = node["data"]["short_label"], node["data"]["label"]
        assert len(short) <= 24
        assert short == label or (short.endswith("…") and label.startswith(short[:-1]))
    # The extra keys are Cytoscape.js's own: networkx still opens the file with its defaults.
    assert nx.cytoscape_graph(data).number_of_nodes() == len(shipped.nodes)
