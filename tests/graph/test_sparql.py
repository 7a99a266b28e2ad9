"""SPARQL over the exported triples (graph/sparql.py): the same answers as rdflib over the N-Triples
export, every results format, read-only, and the time and size bounds."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Sequence
from pathlib import Path

import orjson
import pyoxigraph
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.query import Result

from graph.build import KnowledgeGraph, load_graph
from graph.errors import QueryLimit, QuerySyntaxError, ReadOnlyQuery
from graph.exports import export
from graph.rdf import PREFIXES, URN_IRIS, graph_jsonld_pieces
from graph.sparql import GRAPH_MEDIA, RESULT_MEDIA, SparqlAnswer, evaluate, query_form, sparql_store, store_of
from tests.tiny import tiny_graph

_DECLARED = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in {**PREFIXES, "distance": URN_IRIS.vocab}.items())

# Queries a reader would write; each is answered by pyoxigraph and by rdflib over the N-Triples export.
SELECTS = [
    # Every reason with the signs that indicate it.
    """SELECT ?reason ?label ?sign ?signLabel WHERE {
         ?reason a distance:Reason ; skos:prefLabel ?label .
         OPTIONAL { ?sign distance:indicates ?reason ; skos:prefLabel ?signLabel } }""",
    # How many nodes of each type.
    "SELECT ?type (COUNT(?n) AS ?count) WHERE { ?n a ?type } GROUP BY ?type",
    # Every quote with its offsets and the article it is from.
    """SELECT ?body ?quote ?start ?end ?article WHERE {
         ?a a oa:Annotation ; oa:hasBody ?body ; oa:hasTarget ?t .
         ?t dcterms:source ?article ; oa:hasSelector ?q, ?p .
         ?q oa:exact ?quote . ?p oa:start ?start ; oa:end ?end }""",
    # Responses that backfire, and on what, with labels filtered by words.
    """SELECT ?r ?label ?target WHERE {
         ?r distance:backfires ?target ; skos:prefLabel ?label .
         FILTER(CONTAINS(LCASE(?label), "chase")) }""",
    # Edges and their basis, ordered.
    "SELECT ?e ?kind ?basis WHERE { ?e a distance:Edge ; distance:kind ?kind ; distance:basis ?basis } ORDER BY ?e",
]
CONSTRUCTS = [
    "CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s a skos:Concept ; skos:prefLabel ?l }",
    "CONSTRUCT { ?sign distance:indicates ?reason } WHERE { ?sign distance:indicates ?reason }",
]


def _first(offers: Sequence[str]) -> str:
    return offers[0]


def _answer(kg: KnowledgeGraph, query: str, media: str | None = None, **bounds: float) -> SparqlAnswer:
    def choose(offers: Sequence[str]) -> str:
        assert media is None or media in offers
        return media or offers[0]

    deadline = time.monotonic() + bounds.get("seconds", 10.0)
    return evaluate(kg, URN_IRIS, query, choose, max_bytes=int(bounds.get("max_bytes", 1 << 24)), deadline=deadline)


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return tiny_graph()


@pytest.fixture(scope="module")
def reference(kg: KnowledgeGraph) -> rdflib.Graph:
    """rdflib's reading of the N-Triples export: what the answers must equal."""
    return rdflib.Graph().parse(data=export(kg, "ntriples", URN_IRIS), format="nt")


@pytest.mark.parametrize("query", SELECTS)
def test_evaluate_select_equals_rdflib(kg: KnowledgeGraph, reference: rdflib.Graph, query: str) -> None:
    ours = Result.parse(io.BytesIO(_answer(kg, query).body), format="json")
    theirs = reference.query(_DECLARED + query)
    assert [str(v) for v in ours.vars or []] == [str(v) for v in theirs.vars or []]
    rows = sorted(tuple(row) for row in ours)  # type: ignore[arg-type]
    assert rows, "every query of the set finds something in the tiny graph"
    assert rows == sorted(tuple(row) for row in theirs)  # type: ignore[arg-type]


@pytest.mark.parametrize("query", CONSTRUCTS)
def test_evaluate_construct_equals_rdflib(kg: KnowledgeGraph, reference: rdflib.Graph, query: str) -> None:
    ours = rdflib.Graph().parse(data=_answer(kg, query).body, format="turtle")
    theirs = reference.query(_DECLARED + query).graph
    assert theirs is not None
    assert len(ours) > 0
    assert isomorphic(ours, theirs)


def test_evaluate_ask_equals_rdflib(kg: KnowledgeGraph, reference: rdflib.Graph) -> None:
    for query in ("ASK { ?s distance:indicates ?r }", "ASK { ?s distance:contradicts ?r }"):
        ours = orjson.loads(_answer(kg, query).body)["boolean"]
        assert ours == reference.query(_DECLARED + query).askAnswer


def test_evaluate_describe_gives_the_node_triples(kg: KnowledgeGraph) -> None:
    body = _answer(kg, "DESCRIBE <urn:distance:node:oxytocin>", "application/n-triples").body
    described = rdflib.Graph().parse(data=body, format="nt")
    concept = rdflib.URIRef(URN_IRIS.vocab + "Concept")
    assert (rdflib.URIRef("urn:distance:node:oxytocin"), rdflib.RDF.type, concept) in described


def test_store_holds_exactly_the_exported_triples(kg: KnowledgeGraph, reference: rdflib.Graph) -> None:
    store = kg.derived(sparql_store, URN_IRIS)
    assert store is kg.derived(sparql_store, URN_IRIS)  # built once per graph
    ours = rdflib.Graph().parse(data=_answer(kg, "CONSTRUCT WHERE { ?s ?p ?o }").body, format="turtle")
    assert len(store) == len(reference)
    assert isomorphic(ours, reference)


def test_store_from_small_pieces_holds_exactly_the_exported_triples(
    kg: KnowledgeGraph, reference: rdflib.Graph
) -> None:
    pieces = list(graph_jsonld_pieces(kg, URN_IRIS, 3))  # a node's description and its quotes fall in different pieces
    assert len(pieces) > 10
    store = store_of(pieces)
    ours = rdflib.Graph().parse(
        data=store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph()), format="nt"
    )
    assert len(store) == len(reference)
    assert isomorphic(ours, reference)


@pytest.mark.parametrize("media", list(RESULT_MEDIA))
def test_evaluate_writes_every_results_format(kg: KnowledgeGraph, media: str) -> None:
    query = "SELECT ?n ?label WHERE { ?n a distance:Sign ; skos:prefLabel ?label }"
    body = _answer(kg, query, media).body
    if media == "text/csv":
        rows = list(csv.reader(io.StringIO(body.decode())))
        assert rows == [["n", "label"], ["urn:distance:node:slower-replies", "Slower replies"]]
    elif media == "text/tab-separated-values":
        assert body.decode().splitlines()[1] == '<urn:distance:node:slower-replies>\t"Slower replies"'
    else:
        parsed = Result.parse(io.BytesIO(body), format="xml" if "xml" in media else "json")
        assert [str(row[1]) for row in parsed] == ["Slower replies"]  # type: ignore[index]


@pytest.mark.parametrize("media", list(GRAPH_MEDIA))
def test_evaluate_writes_every_graph_syntax(kg: KnowledgeGraph, reference: rdflib.Graph, media: str) -> None:
    query = "CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s skos:prefLabel ?l }"
    syntax = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld"}[media]
    parsed = rdflib.Graph().parse(data=_answer(kg, query, media).body, format=syntax)
    assert len(parsed) == len(kg.nodes)


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "PREFIX x: <urn:x#>\n# drop it all\nDELETE WHERE { ?s ?p ?o }",
        "clear all",
        "LOAD <http://example.org/data.ttl>",
    ],
)
def test_evaluate_refuses_updates(kg: KnowledgeGraph, update: str) -> None:
    with pytest.raises(ReadOnlyQuery, match="read-only"):
        _answer(kg, update)
    assert len(kg.derived(sparql_store, URN_IRIS)) == len(export(kg, "ntriples", URN_IRIS).splitlines())


@pytest.mark.parametrize("query", ["SELECT ?s WHERE { ?s ?p }", "SELEKT * {}", "", "ASK { ?s undeclared:p ?o }"])
def test_evaluate_refuses_malformed_queries(kg: KnowledgeGraph, query: str) -> None:
    with pytest.raises(QuerySyntaxError):
        _answer(kg, query)


def test_evaluate_stops_at_the_size_bound(kg: KnowledgeGraph) -> None:
    with pytest.raises(QueryLimit) as refused:
        _answer(kg, "SELECT * WHERE { ?s ?p ?o }", max_bytes=1000)
    assert (refused.value.limit, refused.value.bound) == ("size", 1000)


def test_evaluate_stops_a_runaway_at_the_deadline() -> None:
    kg = load_graph(Path("seeds"))
    cross = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"  # ~2e13 rows on the shipped graph
    started = time.monotonic()
    with pytest.raises(QueryLimit) as refused:
        _answer(kg, cross, seconds=0.2, max_bytes=1 << 40)
    assert refused.value.limit == "time"
    assert time.monotonic() - started < 2.0


def test_query_form_reads_past_the_prologue() -> None:
    assert query_form("BASE <urn:x>\nPREFIX a: <urn:a#>\nconstruct where { ?s ?p ?o }") == "CONSTRUCT"
    assert query_form("describe <urn:x>") == "DESCRIBE"


def test_the_readme_examples_answer_on_the_shipped_graph() -> None:
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"```sparql\n(.*?)```", readme, re.S)
    assert len(examples) == 3
    kg = load_graph(Path("seeds"))
    for query in examples:
        rows = orjson.loads(_answer(kg, query).body)["results"]["bindings"]
        assert rows, query.splitlines()[0]


def test_a_store_on_disk_opened_read_only_holds_exactly_the_exported_triples(
    kg: KnowledgeGraph, reference: rdflib.Graph, tmp_path: Path
) -> None:
    written = store_of(graph_jsonld_pieces(kg, URN_IRIS, 3), tmp_path / "store")
    del written  # closed: what a query process opens is the directory alone
    store = pyoxigraph.Store.read_only(str(tmp_path / "store"))
    ours = rdflib.Graph().parse(
        data=store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph()), format="nt"
    )
    assert len(store) == len(reference)
    assert isomorphic(ours, reference)
