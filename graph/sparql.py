"""SPARQL 1.1 over exactly the triples the RDF exports serve: read-only, bounded in time and size.

The store holds the triples of the graph's JSON-LD document (`graph.rdf.graph_jsonld`), the
one document Turtle and N-Triples are written from, so a query sees what `/v1/graph?format=ntriples`
serves, no more and no less. It is loaded from that document in pieces
(`graph.rdf.graph_jsonld_pieces`, the same objects a few thousand at a time): pyoxigraph's
JSON-LD parser holds a whole document while it reads it, and one document of the
100,000-node bench graph took it past 22 GB. In process (`evaluate`) the store is in memory,
made on first use and kept on the graph (`KnowledgeGraph.derived`), so a reload builds a new
one with the new graph; the API builds it on disk instead (`store_of` with a path) and opens
it read-only in the processes that evaluate queries.

Evaluation is read-only by construction: only `Store.query` is ever called on the store,
and an update sent as a query is refused with `ReadOnlyQuery` (it would not parse as a query
anyway; the error says why instead of pointing at a keyword). pyoxigraph evaluates lazily as
the results are written, so the answer is written through `_Bounded`, a sink that stops the
evaluation when the answer passes `max_bytes` or the clock passes `deadline`: a query that
streams its rows is stopped at once. A query that sorts, groups or aggregates before its first
row writes nothing until then, and pyoxigraph cannot be interrupted, so the API runs each
evaluation (`evaluate_on`, on the store on disk) in a process it kills at the
deadline (`api.process.sparql`).
"""

from __future__ import annotations

import io
import itertools
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import pyoxigraph
from typing_extensions import Buffer

from graph.build import KnowledgeGraph
from graph.errors import QueryLimit, QuerySyntaxError, ReadOnlyQuery
from graph.rdf import PREFIXES, Iris, graph_jsonld_pieces

__all__ = [
    "GRAPH_MEDIA",
    "RESULT_MEDIA",
    "SparqlAnswer",
    "evaluate",
    "evaluate_on",
    "query_form",
    "sparql_store",
    "store_of",
]

# What each query form can be written as, by media type; the first is sent when the client
# states no preference. Results of SELECT and ASK in the four SPARQL 1.1 results formats;
# graphs from CONSTRUCT and DESCRIBE in the RDF syntaxes the exports use.
RESULT_MEDIA: Final[dict[str, pyoxigraph.QueryResultsFormat]] = {
    "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
    "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
    "text/csv": pyoxigraph.QueryResultsFormat.CSV,
    "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV,
}
GRAPH_MEDIA: Final[dict[str, pyoxigraph.RdfFormat]] = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "application/ld+json": pyoxigraph.RdfFormat.JSON_LD,
}
# SPARQL 1.1 Update's operations (§3): a request that starts with one, after its prologue, is an update.
_UPDATE: Final = re.compile(
    r"(?:\s|#[^\n]*\n|(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s+<[^>]*>))*"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)
_FORM: Final = re.compile(
    r"(?:\s|#[^\n]*\n|(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s+<[^>]*>))*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class SparqlAnswer:
    """A query's whole answer: the media type it is written in and the bytes."""

    media_type: str
    body: bytes


def sparql_store(kg: KnowledgeGraph, iris: Iris) -> pyoxigraph.Store:
    """An in-memory store of the graph's RDF triples as `iris` names them (kept on the graph:
    `kg.derived(sparql_store, iris)`).

    >>> from graph.rdf import URN_IRIS
    >>> store = tiny_graph().derived(sparql_store, URN_IRIS)
    >>> bool(store.query("ASK { <urn:distance:node:oxytocin> ?p ?o }"))
    True
    """
    return store_of(graph_jsonld_pieces(kg, iris))


def store_of(pieces: Iterable[bytes], path: str | os.PathLike[str] | None = None) -> pyoxigraph.Store:
    """A store of the triples of JSON-LD documents, read one after another: in memory, or on
    disk in the directory `path` (made if missing) when given.

    One bulk load over every piece: pyoxigraph writes its sorted files a batch at a time, so
    neither the pieces (`graph.rdf.graph_jsonld_pieces` makes them one at a time) nor the
    triples are ever all in memory. On disk the store is about 140 bytes a triple, which a
    process that opens it read-only (`pyoxigraph.Store.read_only`) reads through the page
    cache; in memory it is about 360 bytes a triple, in that process's heap.
    """
    store = pyoxigraph.Store(path)
    documents = (pyoxigraph.parse(document, format=pyoxigraph.RdfFormat.JSON_LD) for document in pieces)
    store.bulk_extend(itertools.chain.from_iterable(documents))
    if path is not None:
        store.flush()
    return store


def query_form(query: str) -> str | None:
    """The form of a query, upper case (`SELECT`, `ASK`, `CONSTRUCT`, `DESCRIBE`), or None.

    >>> query_form("PREFIX s: <urn:x#> # rows\\n select * { ?a ?b ?c }"), query_form("INSERT DATA {}")
    ('SELECT', None)
    """
    found = _FORM.match(query)
    return found.group(1).upper() if found else None


def evaluate(
    kg: KnowledgeGraph,
    iris: Iris,
    query: str,
    choose: Callable[[Sequence[str]], str],
    *,
    max_bytes: int,
    deadline: float,
) -> SparqlAnswer:
    """Run `query` on the graph's triples and write its answer in the media type `choose` picks.

    Parameters
    ----------
    query
        A SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE); prefixes for Distance's
        vocabularies may be declared or left out (`skos:`, `dcterms:`, `oa:`, `rdf:`, `rdfs:`
        and `distance:` are known).
    choose
        Given the media types this query's form can be written in (the default first), the one
        to write; it may raise to refuse them all (the API's 406).
    max_bytes, deadline
        The largest answer written, and the `time.monotonic()` by which it must be written.

    Raises
    ------
    ReadOnlyQuery
        The request is a SPARQL Update.
    QuerySyntaxError
        It does not parse as a query; the message is the parser's, with its line and column.
    QueryLimit
        The answer passed `max_bytes`, or the clock passed `deadline`; `limit` says which.

    Examples
    --------
    >>> from graph.rdf import URN_IRIS
    >>> answer = evaluate(tiny_graph(), URN_IRIS, "ASK { ?s a distance:Reason }", lambda offers: offers[0],
    ...                   max_bytes=1000, deadline=time.monotonic() + 5)
    >>> answer.media_type, answer.body
    ('application/sparql-results+json', b'{"head":{},"boolean":true}')
    """
    return evaluate_on(
        kg.derived(sparql_store, iris), iris.vocab, query, choose, max_bytes=max_bytes, deadline=deadline
    )


def evaluate_on(
    store: pyoxigraph.Store,
    vocab: str,
    query: str,
    choose: Callable[[Sequence[str]], str],
    *,
    max_bytes: int,
    deadline: float,
) -> SparqlAnswer:
    """`evaluate` on a store made by `store_of`, whose vocabulary namespace is `vocab`."""
    if _UPDATE.match(query):
        raise ReadOnlyQuery("SPARQL Update is refused: the graph is read-only (SELECT, ASK, CONSTRUCT, DESCRIBE)")
    try:
        results = store.query(query, prefixes={**PREFIXES, "distance": vocab})
    except SyntaxError as error:
        raise QuerySyntaxError(str(error)) from None
    sink = _Bounded(max_bytes, deadline)
    try:
        if isinstance(results, pyoxigraph.QueryTriples):
            media = choose(tuple(GRAPH_MEDIA))
            results.serialize(sink, GRAPH_MEDIA[media])
        else:
            media = choose(tuple(RESULT_MEDIA))
            results.serialize(sink, RESULT_MEDIA[media])
    except OSError as error:  # pyoxigraph reports the sink's refusal as an I/O error
        raise sink.refused or QuerySyntaxError(str(error)) from None
    finally:
        # pyoxigraph's results belong to the thread that made them: never let a traceback carry
        # them to another thread (a caller may run this in a worker thread).
        del results
    if sink.refused is not None:  # raised in the sink but not passed on by the writer
        raise sink.refused
    return SparqlAnswer(media, sink.getvalue())


class _Bounded(io.BytesIO):
    """A buffer that takes what is written until `max_bytes` or `deadline`, then refuses."""

    def __init__(self, max_bytes: int, deadline: float) -> None:
        super().__init__()
        self.max_bytes, self.deadline = max_bytes, deadline
        self.refused: QueryLimit | None = None

    def write(self, data: Buffer, /) -> int:
        if self.tell() + memoryview(data).nbytes > self.max_bytes:
            self.refused = QueryLimit("size", self.max_bytes, f"the answer passed {self.max_bytes} bytes; add a LIMIT")
        elif time.monotonic() > self.deadline:
            self.refused = QueryLimit("time", None, "the query ran past its time limit; narrow it or add a LIMIT")
        if self.refused is not None:
            raise OSError(str(self.refused))
        return super().write(data)
