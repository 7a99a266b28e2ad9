"""Each export opens in the tool the README names for it, with that tool's defaults, offline.

The calls are the ones in `FORMATS[...].opens_with` (the README's last export column): every
call named there is run here on a file written by `export`, and nothing else is claimed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest

from graph.build import KnowledgeGraph, load_graph
from graph.exports import FORMATS, export
from graph.rdf import URN_IRIS


def _networkx_node_link(path: Path) -> tuple[int, int]:
    g = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")))
    return g.number_of_nodes(), g.number_of_edges()


def _networkx_cytoscape(path: Path) -> tuple[int, int]:
    g = nx.cytoscape_graph(json.loads(path.read_text(encoding="utf-8")))
    return g.number_of_nodes(), g.number_of_edges()


def _networkx_graphml(path: Path) -> tuple[int, int]:
    g = nx.read_graphml(path)
    return g.number_of_nodes(), g.number_of_edges()


def _rdflib(syntax: str) -> Callable[[Path], tuple[int, int]]:
    def parse(path: Path) -> tuple[int, int]:
        import rdflib
        from rdflib.namespace import DCTERMS, RDF, SKOS

        g = rdflib.Graph().parse(path, format=syntax)
        nodes = {*g.subjects(RDF.type, SKOS.Concept), *g.subjects(RDF.type, DCTERMS.BibliographicResource)}
        edges = set(g.subjects(RDF.type, rdflib.URIRef(URN_IRIS.vocab + "Edge")))
        return len(nodes), len(edges)

    return parse


def _pandas_jsonl(path: Path) -> tuple[int, int]:
    import pandas as pd

    counts = pd.read_json(path, lines=True)["record"].value_counts()
    return int(counts["node"]), int(counts["edge"])


def _pandas_csv(path: Path) -> int:
    import pandas as pd

    return len(pd.read_csv(path))


def _duckdb_jsonl(path: Path) -> tuple[int, int]:
    import duckdb

    counts = dict(duckdb.execute(f"SELECT record, count(*) FROM read_json('{path}') GROUP BY record").fetchall())
    return counts["node"], counts["edge"]


def _duckdb_csv(path: Path) -> int:
    import duckdb

    [(count,)] = duckdb.execute(f"SELECT count(*) FROM read_csv('{path}')").fetchall()
    return int(count)


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    from api.settings import DEFAULT_SEEDS_DIR

    return load_graph(DEFAULT_SEEDS_DIR)


# (format, the call as the README names it) -> what it counts: (nodes, edges) or rows.
OPENERS: dict[tuple[str, str], Callable[[Path], object]] = {
    ("node-link", "networkx.node_link_graph(data)"): _networkx_node_link,
    ("cytoscape", "networkx.cytoscape_graph(data)"): _networkx_cytoscape,
    ("graphml", "networkx.read_graphml(file)"): _networkx_graphml,
    ("jsonld", 'rdflib.Graph().parse(file, format="json-ld")'): _rdflib("json-ld"),
    ("turtle", 'rdflib.Graph().parse(file, format="turtle")'): _rdflib("turtle"),
    ("ntriples", 'rdflib.Graph().parse(file, format="nt")'): _rdflib("nt"),
    ("jsonl", "pandas.read_json(file, lines=True)"): _pandas_jsonl,
    ("jsonl", "read_json(file)"): _duckdb_jsonl,
    ("nodes-csv", "pandas.read_csv(file)"): _pandas_csv,
    ("nodes-csv", "read_csv(file)"): _duckdb_csv,
    ("edges-csv", "pandas.read_csv(file)"): _pandas_csv,
    ("edges-csv", "read_csv(file)"): _duckdb_csv,
}


def test_every_call_the_readme_names_is_run_here() -> None:
    named = {(f.name, call) for f in FORMATS.values() for call in re.findall(r"`([^`]+)`", f.opens_with)}
    assert named == set(OPENERS)


@pytest.mark.parametrize(("fmt", "call"), list(OPENERS), ids=[f"{f}:{c}" for f, c in OPENERS])
def test_export_opens_with_the_tools_defaults(shipped: KnowledgeGraph, tmp_path: Path, fmt: str, call: str) -> None:
    path = tmp_path / f"distance-{fmt}.{FORMATS[fmt].extension}"
    path.write_bytes(export(shipped, fmt))
    counted = OPENERS[fmt, call](path)
    expected = {"nodes-csv": len(shipped.nodes), "edges-csv": len(shipped.edges)}
    assert counted == expected.get(fmt, (len(shipped.nodes), len(shipped.edges)))
