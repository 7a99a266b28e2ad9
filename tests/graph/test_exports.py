"""Whole-graph exports: every format parses back, counts match, content_version travels along."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Any

import networkx as nx
import orjson
import pytest

from graph.build import KnowledgeGraph, load_graph
from graph.errors import InvalidParameter
from graph.exports import EXPORT_FORMATS, FORMATS, LIST_SEPARATOR, SCHEME_IRI, VOCAB, export, formats_table
from graph.models import Edge, Node
from tests.tiny import append_entry

SUBTYPE_CONCEPT = """\
- id: hormones
  label: Hormones
  category: hormone
  summary: Chemical messengers; oxytocin is one of them.
  evidence:
    - source: "000"
      quote: Oxytocin rises
"""

SUBTYPE_EDGES = """\
- from: oxytocin
  kind: is_a
  to: hormones
  basis: editorial
  note: Oxytocin is a hormone.
- from: give-him-space
  kind: related_to
  to: chase-him
  basis: editorial
  note: Two answers to the same withdrawal.
"""


@pytest.fixture
def with_subtypes(seeds: Path) -> KnowledgeGraph:
    """The tiny graph plus an is_a and a related_to edge, which the seeds lack."""
    append_entry(seeds / "graph" / "concepts.yaml", SUBTYPE_CONCEPT)
    append_entry(seeds / "graph" / "edges.yaml", SUBTYPE_EDGES)
    return load_graph(seeds)


def _jsonld_graph(kg: KnowledgeGraph) -> dict[str, dict[str, Any]]:
    document = orjson.loads(export(kg, "jsonld"))
    return {item["@id"]: item for item in document["@graph"]}


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


def test_export_jsonld_has_an_inline_context_and_a_versioned_scheme(tiny: KnowledgeGraph) -> None:
    document = orjson.loads(export(tiny, "jsonld"))
    context = document["@context"]
    assert isinstance(context, dict)
    assert context["distance"] == VOCAB
    assert context["skos"] == "http://www.w3.org/2004/02/skos/core#"
    items = {item["@id"]: item for item in document["@graph"]}
    assert items[SCHEME_IRI]["dcterms:hasVersion"] == tiny.content_version
    concepts = [i for i in items.values() if "skos:Concept" in i["@type"]]
    edges = [i for i in items.values() if i["@type"] == ["distance:Edge"]]
    assert len(concepts) == len(tiny.nodes) - tiny.node_counts["source"]
    assert len(edges) == len(tiny.edges)
    assert all(c["skos:inScheme"] == SCHEME_IRI for c in concepts)


def test_export_jsonld_maps_node_fields_to_skos(tiny: KnowledgeGraph) -> None:
    oxytocin = _jsonld_graph(tiny)["urn:distance:node:oxytocin"]
    assert oxytocin["skos:prefLabel"] == "Oxytocin"
    assert oxytocin["skos:altLabel"] == ["bonding hormone"]
    assert oxytocin["skos:definition"] == "A hormone tied to touch and bonding."
    assert oxytocin["distance:category"] == "hormone"
    evidence = oxytocin["distance:evidence"][0]
    assert evidence["distance:source"] == "urn:distance:node:000"
    assert evidence["distance:quote"] == "Oxytocin rises with touch"
    assert evidence["distance:end"] - evidence["distance:start"] == len(evidence["distance:quote"])


def test_export_jsonld_maps_is_a_to_broader_and_related_to_related(with_subtypes: KnowledgeGraph) -> None:
    items = _jsonld_graph(with_subtypes)
    assert items["urn:distance:node:oxytocin"]["skos:broader"] == ["urn:distance:node:hormones"]
    assert "distance:is_a" not in items["urn:distance:node:oxytocin"]
    assert items["urn:distance:node:give-him-space"]["skos:related"] == ["urn:distance:node:chase-him"]
    assert items["urn:distance:node:slower-replies"]["distance:indicates"] == ["urn:distance:node:needs-space"]
    edge = items["urn:distance:edge:oxytocin--is_a--hormones"]
    assert (edge["distance:kind"], edge["distance:basis"], edge["distance:note"]) == (
        "is_a",
        "editorial",
        "Oxytocin is a hormone.",
    )


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
