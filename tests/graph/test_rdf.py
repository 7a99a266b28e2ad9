"""Linked data (graph/rdf.py): SKOS for the ideas, Web Annotations for the quotes, the same
triples in JSON-LD, Turtle and N-Triples, read back with rdflib."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF, SKOS

from graph.build import KnowledgeGraph, load_graph
from graph.exports import export
from graph.rdf import URN_IRIS, Iris, edge_jsonld, graph_jsonld, node_jsonld, to_rdf
from tests.tiny import ARTICLE_000, append_entry

OA = rdflib.Namespace("http://www.w3.org/ns/oa#")
VOCAB = rdflib.Namespace(URN_IRIS.vocab)
HTTP_IRIS = Iris(
    node="https://distance.example/v1/nodes/{}",
    edge="https://distance.example/v1/edges/{}",
    text="https://distance.example/v1/sources/{}/text",
    vocab="https://distance.example/v1/schema#",
    scheme="https://distance.example/v1/graph",
)
VOCAB_HTTP = rdflib.Namespace(HTTP_IRIS.vocab)

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


def node(node_id: str, iris: Iris = URN_IRIS) -> rdflib.URIRef:
    return rdflib.URIRef(iris.of_node(node_id))


def parsed(body: bytes, syntax: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=body, format=syntax)


def literal(graph: rdflib.Graph, subject: rdflib.term.Node | None, predicate: rdflib.term.Node) -> Any:
    """The one literal `subject` has for `predicate`, as a Python value."""
    value = graph.value(subject, predicate)
    assert isinstance(value, rdflib.Literal), (subject, predicate, value)
    return value.toPython()


def triples(graph: rdflib.Graph) -> set[tuple[object, object, object]]:
    """Every triple with literals compared by value (`5` and `"5"^^xsd:integer` are one)."""
    return {(s, p, o.toPython() if isinstance(o, rdflib.Literal) else o) for s, p, o in graph}


@pytest.fixture
def with_subtypes(seeds: Path) -> KnowledgeGraph:
    """The tiny graph plus an is_a and a related_to edge, which the seeds lack."""
    append_entry(seeds / "graph" / "concepts.yaml", SUBTYPE_CONCEPT)
    append_entry(seeds / "graph" / "edges.yaml", SUBTYPE_EDGES)
    return load_graph(seeds)


def test_the_jsonld_context_is_inline_and_the_scheme_carries_the_version(tiny: KnowledgeGraph) -> None:
    document = orjson.loads(export(tiny, "jsonld"))
    assert document["@context"]["distance"] == URN_IRIS.vocab
    assert document["@context"]["oa"] == str(OA)
    g = parsed(export(tiny, "jsonld"), "json-ld")
    scheme = rdflib.URIRef(URN_IRIS.scheme)
    assert literal(g, scheme, DCTERMS.hasVersion) == tiny.content_version
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == len(tiny.nodes) - tiny.node_counts["source"]
    assert all(g.value(c, SKOS.inScheme) == scheme for c in concepts)
    assert len(set(g.subjects(RDF.type, VOCAB.Edge))) == len(tiny.edges)


def test_a_node_is_a_skos_concept_with_its_fields(tiny: KnowledgeGraph) -> None:
    g = parsed(node_jsonld(tiny, "oxytocin", URN_IRIS), "json-ld")
    oxytocin = node("oxytocin")
    assert {*g.objects(oxytocin, RDF.type)} == {SKOS.Concept, VOCAB.Concept}
    assert literal(g, oxytocin, SKOS.prefLabel) == "Oxytocin"
    assert [str(a) for a in g.objects(oxytocin, SKOS.altLabel)] == ["bonding hormone"]
    assert literal(g, oxytocin, SKOS.definition) == "A hormone tied to touch and bonding."
    assert literal(g, oxytocin, VOCAB.category) == "hormone"
    assert {*g.objects(oxytocin, DCTERMS.source)} == {node(s) for s in tiny.nodes["oxytocin"].sources}


def test_every_quote_is_a_web_annotation_whose_offsets_select_it_in_the_article(tiny: KnowledgeGraph) -> None:
    g = parsed(node_jsonld(tiny, "oxytocin", HTTP_IRIS), "json-ld")
    oxytocin = node("oxytocin", HTTP_IRIS)
    annotations = list(g.objects(oxytocin, VOCAB_HTTP.evidence))
    assert len(annotations) == len(tiny.nodes["oxytocin"].evidence) >= 1
    for annotation in annotations:
        assert g.value(annotation, RDF.type) == OA.Annotation
        assert g.value(annotation, OA.hasBody) == oxytocin
        assert g.value(annotation, OA.motivatedBy) == OA.identifying
        target = g.value(annotation, OA.hasTarget)
        assert g.value(target, OA.hasSource) == rdflib.URIRef(HTTP_IRIS.text.format("000"))
        by_type = {g.value(s, RDF.type): s for s in g.objects(target, OA.hasSelector)}
        exact = literal(g, by_type[OA.TextQuoteSelector], OA.exact)
        start = literal(g, by_type[OA.TextPositionSelector], OA.start)
        end = literal(g, by_type[OA.TextPositionSelector], OA.end)
        assert ARTICLE_000[start:end] == exact


def test_is_a_is_skos_broader_and_related_to_is_skos_related(with_subtypes: KnowledgeGraph) -> None:
    g = parsed(export(with_subtypes, "turtle"), "turtle")
    assert {*g.objects(node("oxytocin"), SKOS.broader)} == {node("hormones")}
    assert not {*g.objects(node("oxytocin"), VOCAB.is_a)}
    assert {*g.objects(node("give-him-space"), SKOS.related)} == {node("chase-him")}
    assert {*g.objects(node("slower-replies"), VOCAB.indicates)} == {node("needs-space")}
    edge = rdflib.URIRef(URN_IRIS.of_edge("oxytocin--is_a--hormones"))
    assert [literal(g, edge, VOCAB[p]) for p in ("kind", "basis", "note")] == [
        "is_a",
        "editorial",
        "Oxytocin is a hormone.",
    ]
    assert g.value(edge, VOCAB["from"]) == node("oxytocin")


@pytest.mark.parametrize("document", ["graph", "node", "edge"])
def test_jsonld_turtle_and_ntriples_hold_the_same_triples(tiny: KnowledgeGraph, document: str) -> None:
    jsonld = {
        "graph": lambda: graph_jsonld(tiny, HTTP_IRIS),
        "node": lambda: node_jsonld(tiny, "needs-space", HTTP_IRIS),
        "edge": lambda: edge_jsonld(tiny, next(iter(tiny.edges)), HTTP_IRIS),
    }[document]()
    from_jsonld = triples(parsed(jsonld, "json-ld"))
    assert len(from_jsonld) > 10
    assert triples(parsed(to_rdf(jsonld, "turtle", HTTP_IRIS), "turtle")) == from_jsonld
    assert triples(parsed(to_rdf(jsonld, "ntriples", HTTP_IRIS), "nt")) == from_jsonld


def test_turtle_uses_the_vocabularies_prefixes(tiny: KnowledgeGraph) -> None:
    turtle = to_rdf(node_jsonld(tiny, "oxytocin", HTTP_IRIS), "turtle", HTTP_IRIS).decode()
    assert f"@prefix distance: <{HTTP_IRIS.vocab}> ." in turtle
    assert "skos:prefLabel" in turtle
    assert "oa:TextPositionSelector" in turtle


def test_the_whole_graph_exports_identically_offline_and_named_under_a_base(tiny: KnowledgeGraph) -> None:
    offline = triples(parsed(export(tiny, "ntriples"), "nt"))
    served = triples(parsed(export(tiny, "ntriples", HTTP_IRIS), "nt"))
    assert len(offline) == len(served)
    assert all(str(s).startswith("https://distance.example/") for s, _, _ in served)


def test_the_vocabulary_defines_every_term_the_graph_uses(with_subtypes: KnowledgeGraph) -> None:
    from graph.rdf import vocabulary_jsonld

    graph = parsed(export(with_subtypes, "ntriples"), "nt")
    vocabulary = parsed(vocabulary_jsonld(with_subtypes, URN_IRIS), "json-ld")
    used = {p for p in graph.predicates() if str(p).startswith(URN_IRIS.vocab)}
    used |= {o for o in graph.objects(None, RDF.type) if str(o).startswith(URN_IRIS.vocab)}
    assert used
    assert used <= set(vocabulary.subjects())
    assert literal(vocabulary, VOCAB.indicates, rdflib.RDFS.label) == "indicates"
    assert set(vocabulary.objects(VOCAB.Sign, rdflib.RDFS.subClassOf)) == {SKOS.Concept}
    assert VOCAB.is_a not in set(vocabulary.subjects())  # written as skos:broader
