"""The graph as linked data: one JSON-LD document per node, per edge and for the whole graph,
and the same triples in Turtle and N-Triples.

The JSON-LD document is written here, compact and with its context inline (a reader needs
no network to expand it); Turtle and N-Triples are that document's triples as pyoxigraph
parses and writes them. One description, three syntaxes: a triple cannot be in one format
and missing from another.

Vocabularies: SKOS for concepts (`skos:prefLabel`, `skos:altLabel`, `skos:definition`,
`skos:broader` for `is_a`, `skos:related` for `related_to`, `skos:inScheme`), Dublin Core for
articles and versions, and Distance's own terms (node types, the other edge kinds, an edge's
basis and note) under the vocabulary IRI. The provenance of each quote is a W3C Web Annotation
(`oa:Annotation`): its body is the node or edge the quote is evidence for, its target the
passage in the article, selected twice, by the exact words (`oa:TextQuoteSelector`) and by
character offsets (`oa:TextPositionSelector`, `start` and `end` into the text served at the
source's text IRI). Web Annotation rather than PROV-O because it has a standard way to point
at a span of a text, which PROV-O leaves to each application.

Identifiers come from an `Iris`: HTTP URLs under the API's base when served (the API makes
them), URNs otherwise, so this module never needs to know a host.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import orjson

from graph.build import KnowledgeGraph
from graph.models import Edge, Evidence, Node
from graph.registry import EDGE_KINDS
from graph.types import NODE_TYPES

__all__ = [
    "PREFIXES",
    "RDF_SYNTAXES",
    "URN_IRIS",
    "Iris",
    "edge_jsonld",
    "graph_jsonld",
    "graph_jsonld_pieces",
    "node_jsonld",
    "to_rdf",
    "vocabulary_jsonld",
]

# Edge kinds with a SKOS property of the same meaning; every other kind is `distance:<kind>`.
_SKOS_KINDS: Final[dict[str, str]] = {"is_a": "skos:broader", "related_to": "skos:related"}
# Source attributes with a Dublin Core term; other attributes are `distance:<name>`.
_DCTERMS_ATTRIBUTES: Final[dict[str, str]] = {"title": "dcterms:title", "author": "dcterms:creator"}
# The prefixes Turtle is written with and SPARQL queries may use undeclared.
PREFIXES: Final[dict[str, str]] = {
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "oa": "http://www.w3.org/ns/oa#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
# The RDF syntaxes other than JSON-LD, each by the name `?format=` and `--format` use.
RDF_SYNTAXES: Final[dict[str, str]] = {"turtle": "text/turtle", "ntriples": "application/n-triples"}


@dataclass(frozen=True, slots=True)
class Iris:
    """How every identifier is written: templates with `{}` for the id.

    `node`, `edge` and `text` (an article's plain text, which quote offsets count into) take an
    id; `vocab` is the namespace of Distance's own terms and `scheme` names the concept scheme.
    """

    node: str
    edge: str
    text: str
    vocab: str
    scheme: str

    def of_node(self, node_id: str) -> str:
        return self.node.format(node_id)

    def of_edge(self, edge_id: str) -> str:
        return self.edge.format(edge_id)


# Identifiers for a graph that no server serves (an export made offline without a base).
URN_IRIS: Final = Iris(
    node="urn:distance:node:{}",
    edge="urn:distance:edge:{}",
    text="urn:distance:text:{}",
    vocab="urn:distance:vocab#",
    scheme="urn:distance:scheme",
)


def _context(iris: Iris) -> dict[str, Any]:
    # Properties whose values are resources are typed @id, so plain IRI strings stay references.
    # `@type` is a list on every object, so a reader tests membership, never string equality.
    references = [
        "skos:inScheme", "dcterms:source", "distance:from", "distance:to", "distance:evidence",
        "oa:hasBody", "oa:hasSource", "oa:motivatedBy", "rdfs:subClassOf", "rdfs:domain", "rdfs:range",
        "rdfs:isDefinedBy", *_SKOS_KINDS.values(),
        *(f"distance:{kind}" for kind in EDGE_KINDS if kind not in _SKOS_KINDS),
    ]  # fmt: skip
    return {**PREFIXES, "distance": iris.vocab, **{term: {"@type": "@id"} for term in references}}


def _annotations(subject: str, evidence: tuple[Evidence, ...], iris: Iris) -> list[dict[str, Any]]:
    """Each quote as a Web Annotation whose body is `subject`; ids are fragments of `subject`."""
    out = []
    for i, ev in enumerate(evidence, start=1):
        at = f"{subject}#evidence-{i}"
        selectors = [
            {"@id": f"{at}-quote", "@type": ["oa:TextQuoteSelector"], "oa:exact": ev.quote},
            {"@id": f"{at}-position", "@type": ["oa:TextPositionSelector"], "oa:start": ev.start, "oa:end": ev.end},
        ]
        target = {
            "@id": f"{at}-target",
            "@type": ["oa:SpecificResource"],
            "oa:hasSource": iris.text.format(ev.source),
            "dcterms:source": iris.of_node(ev.source),
            "oa:hasSelector": selectors,
        }
        # oa:identifying: the body names what the passage describes (W3C Web Annotation §3.3.5).
        out.append(
            {
                "@id": at, "@type": ["oa:Annotation"], "oa:motivatedBy": "oa:identifying", "oa:hasBody": subject,
                "oa:hasTarget": target,
            }
        )  # fmt: skip
    return out


def _node(kg: KnowledgeGraph, node: Node, iris: Iris) -> list[dict[str, Any]]:
    """The node's own description, then the annotations of its quotes."""
    subject = iris.of_node(node.id)
    if node.type == "source":
        # An article is a document, not a concept of the scheme.
        out: dict[str, Any] = {"@id": subject, "@type": ["dcterms:BibliographicResource", "distance:Source"]}
    else:
        out = {"@id": subject, "@type": ["skos:Concept", f"distance:{node.type.capitalize()}"]}
        out["skos:inScheme"] = iris.scheme
    out["skos:prefLabel"] = node.label
    out["skos:altLabel"] = list(node.aliases)
    out["skos:definition"] = node.summary
    for key, value in node.attributes.items():
        if value is not None:
            out[_DCTERMS_ATTRIBUTES.get(key, f"distance:{key}")] = value
    if node.verdict is not None:
        out["distance:verdict"] = node.verdict.kind
    if node.type != "source":
        out["dcterms:source"] = [iris.of_node(source) for source in node.sources]
    annotations = _annotations(subject, node.evidence, iris)
    out["distance:evidence"] = [a["@id"] for a in annotations]
    for edge_id in kg.out_edges.get(node.id, ()):
        edge = kg.edges[edge_id]
        out.setdefault(_SKOS_KINDS.get(edge.kind, f"distance:{edge.kind}"), []).append(iris.of_node(edge.target))
    return [out, *annotations]


def _edge(edge: Edge, iris: Iris) -> list[dict[str, Any]]:
    subject = iris.of_edge(edge.id)
    out: dict[str, Any] = {
        "@id": subject,
        "@type": ["distance:Edge"],
        "distance:kind": edge.kind,
        "distance:from": iris.of_node(edge.source),
        "distance:to": iris.of_node(edge.target),
        "distance:basis": edge.basis,
    }
    if edge.note is not None:
        out["distance:note"] = edge.note
    if edge.about is not None:
        out["distance:about"] = edge.about
    annotations = _annotations(subject, edge.evidence, iris)
    out["distance:evidence"] = [a["@id"] for a in annotations]
    return [out, *annotations]


def _document(iris: Iris, objects: list[dict[str, Any]], indent: bool) -> bytes:
    document = {"@context": _context(iris), "@graph": objects}
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 if indent else 0) + b"\n"


def node_jsonld(kg: KnowledgeGraph, node_id: str, iris: Iris, indent: bool = False) -> bytes:
    """One node as JSON-LD: its SKOS description, its links, and its quotes' annotations.

    >>> doc = orjson.loads(node_jsonld(tiny_graph(), "oxytocin", URN_IRIS))
    >>> doc["@graph"][0]["@id"], doc["@graph"][1]["@type"]
    ('urn:distance:node:oxytocin', ['oa:Annotation'])
    """
    return _document(iris, _node(kg, kg.nodes[node_id], iris), indent)


def edge_jsonld(kg: KnowledgeGraph, edge_id: str, iris: Iris, indent: bool = False) -> bytes:
    """One edge as JSON-LD: its kind, ends, basis and note, and its quotes' annotations."""
    return _document(iris, _edge(kg.edges[edge_id], iris), indent)


def graph_jsonld(kg: KnowledgeGraph, iris: Iris, indent: bool = False) -> bytes:
    """The whole graph as JSON-LD: the concept scheme (with `content_version`), every node and edge."""
    return _document(iris, list(_graph_objects(kg, iris)), indent)


def graph_jsonld_pieces(kg: KnowledgeGraph, iris: Iris, per_piece: int = 2_000) -> Iterator[bytes]:
    """The whole graph's JSON-LD in documents of at most `per_piece` objects, made one at a time:
    together they hold exactly the triples of `graph_jsonld` (every object names its subject,
    so none spans two pieces), and neither the writer nor a JSON-LD parser ever holds more than
    one piece (the 100,000-node bench graph's pieces come to about 1.2 GB).

    >>> pieces = list(graph_jsonld_pieces(tiny_graph(), URN_IRIS, 10))
    >>> len(pieces) > 1, len(orjson.loads(pieces[0])["@graph"])
    (True, 10)
    """
    objects = []
    for one in _graph_objects(kg, iris):
        objects.append(one)
        if len(objects) == per_piece:
            yield _document(iris, objects, False)
            objects = []
    if objects:
        yield _document(iris, objects, False)


def _graph_objects(kg: KnowledgeGraph, iris: Iris) -> Iterator[dict[str, Any]]:
    yield {
        "@id": iris.scheme,
        "@type": ["skos:ConceptScheme"],
        "dcterms:title": "Distance: why men pull away",
        "dcterms:hasVersion": kg.content_version,
    }
    for node in kg.nodes.values():
        yield from _node(kg, node, iris)
    for edge in kg.edges.values():
        yield from _edge(edge, iris)


# Distance's own properties other than the edge kinds and the node attributes, in words.
_PROPERTIES: Final[dict[str, str]] = {
    "evidence": "A quote that supports this node or edge: a Web Annotation whose body it is.",
    "kind": "The kind of an edge, one of the registry's (see /v1/schema).",
    "from": "The node an edge starts at.",
    "to": "The node an edge ends at.",
    "basis": "Whether an edge is quoted from an article, editorial (with a note) or derived at build time.",
    "note": "Why an editorial edge is drawn, in the project's own words.",
    "about": "What the two sides of a contradicts edge disagree on, in the project's own words.",
    "verdict": "What the articles say a sign means: healthy, to address, or a case for support.",
}


def _class_of(node_type: str) -> str:
    return f"distance:{node_type.capitalize()}"


def vocabulary_jsonld(kg: KnowledgeGraph, iris: Iris, indent: bool = False) -> bytes:
    """Distance's own terms as RDFS: a class per node type and for edges, a property per edge
    kind (with the registry's label, description, domain and range), per node attribute the
    graph has, and per edge field. What a GET of any `distance:` IRI answers.

    >>> doc = orjson.loads(vocabulary_jsonld(tiny_graph(), URN_IRIS))
    >>> next(t for t in doc["@graph"] if t["@id"] == "distance:indicates")["rdfs:label"]
    'indicates'
    """
    defined = iris.vocab.rstrip("#")
    terms: list[dict[str, Any]] = []
    for node_type in NODE_TYPES:
        parent = "dcterms:BibliographicResource" if node_type == "source" else "skos:Concept"
        terms.append(
            {"@id": _class_of(node_type), "@type": ["rdfs:Class"], "rdfs:label": node_type, "rdfs:subClassOf": parent}
        )
    terms.append({"@id": "distance:Edge", "@type": ["rdfs:Class"], "rdfs:label": "edge"})
    for spec in EDGE_KINDS.values():
        if spec.kind in _SKOS_KINDS:
            continue  # written as the SKOS property of the same meaning
        terms.append(
            {
                "@id": f"distance:{spec.kind}", "@type": ["rdf:Property"], "rdfs:label": spec.label,
                "rdfs:comment": spec.description, "rdfs:domain": [_class_of(t) for t in spec.from_types],
                "rdfs:range": [_class_of(t) for t in spec.to_types],
            }
        )  # fmt: skip
    attributes = sorted({key for node in kg.nodes.values() for key in node.attributes} - set(_DCTERMS_ATTRIBUTES))
    for name in attributes:
        terms.append({"@id": f"distance:{name}", "@type": ["rdf:Property"], "rdfs:label": name.replace("_", " ")})
    for name, comment in _PROPERTIES.items():
        terms.append(
            {"@id": f"distance:{name}", "@type": ["rdf:Property"], "rdfs:label": name, "rdfs:comment": comment}
        )
    for term in terms:
        term["rdfs:isDefinedBy"] = defined
    return _document(iris, terms, indent)


def to_rdf(jsonld: bytes, syntax: str, iris: Iris) -> bytes:
    """The triples of a JSON-LD document from this module, in `syntax` (a `RDF_SYNTAXES` name).

    Turtle gets the document's prefixes; N-Triples is canonical (one triple a line).

    >>> print(to_rdf(node_jsonld(tiny_graph(), "oxytocin", URN_IRIS), "ntriples", URN_IRIS).decode().splitlines()[0])
    ... # doctest: +ELLIPSIS
    <urn:distance:node:oxytocin> ...
    """
    import pyoxigraph  # imported on use: start-up pays for it only when RDF is asked for

    formats = {"turtle": pyoxigraph.RdfFormat.TURTLE, "ntriples": pyoxigraph.RdfFormat.N_TRIPLES}
    triples = [quad.triple for quad in pyoxigraph.parse(jsonld, format=pyoxigraph.RdfFormat.JSON_LD)]
    prefixes = {**PREFIXES, "distance": iris.vocab} if syntax == "turtle" else None
    out = pyoxigraph.serialize(triples, format=formats[syntax], prefixes=prefixes)
    assert out is not None  # no output file given: the bytes are returned
    return out
