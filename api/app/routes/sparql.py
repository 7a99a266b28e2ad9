"""`/v1/sparql`: the SPARQL 1.1 Protocol over the graph's RDF triples (`graph.sparql`), read-only.

GET `?query=` (cached like every GET answer), or POST with a form (`query=`) or an
`application/sparql-query` body of at most `MAX_BODY` bytes. Results by `Accept`: SPARQL JSON
(the default), XML, CSV or TSV for SELECT and ASK; Turtle (the default), N-Triples or JSON-LD for
CONSTRUCT and DESCRIBE. Each query runs in a process of its own (`api.process.sparql`) with a
deadline of `TIME_LIMIT` seconds, killed if it passes it, and an answer of at most `MAX_ANSWER`
bytes; at most `SLOTS` run at once per server process.
"""

from __future__ import annotations

from typing import Annotated, Final
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from pydantic import Field
from starlette.exceptions import HTTPException
from starlette.responses import Response

from api.app import urls
from api.app.deps import GraphDep
from api.app.params import QueryModel, query
from api.app.responses import bytes_response
from api.contract.openapi import declare
from api.contract.query_schemas import SparqlOut
from api.edge.variant import Variant
from api.process.sparql import Busy, Lost, NotAcceptable, SparqlPool
from graph.sparql import GRAPH_MEDIA, RESULT_MEDIA

__all__ = ["MAX_ANSWER", "MAX_BODY", "SLOTS", "TIME_LIMIT", "router"]

router = APIRouter(prefix=urls.API, tags=["query languages"])
MAX_BODY: Final = 64 << 10
# A GET must fit the URL bound whatever it holds (the 414 never refuses what the contract
# allows), so its query is ASCII and short; a longer one goes by POST.
MAX_QUERY: Final = 2_400
MAX_ANSWER: Final = 16 << 20
TIME_LIMIT: Final = 2.0
SLOTS: Final = 2
_SPARQL_QUERY: Final = "application/sparql-query"
_FORM: Final = "application/x-www-form-urlencoded"
_EXAMPLE: Final = {
    "head": {"vars": ["reason", "label"]},
    "results": {"bindings": [{"reason": {"type": "uri", "value": "http://127.0.0.1:8000/v1/nodes/fear-of-intimacy"},
                              "label": {"type": "literal", "value": "Fear of intimacy"}}]},
}  # fmt: skip
_MEDIA: Final = [m for m in (*RESULT_MEDIA, *GRAPH_MEDIA) if m != "application/sparql-results+json"]
_RESPONSES: Final = declare(
    SparqlOut,
    400,
    411,
    413,
    415,
    example=_EXAMPLE,
    extra_media_types=["application/sparql-results+json"],
    alternatives=_MEDIA,
)


class SparqlQuery(QueryModel):
    """`GET /v1/sparql`."""

    query: str = Field(
        min_length=1,
        max_length=MAX_QUERY,
        pattern=r"^[\t\n\r\x20-\x7e]*$",
        description="A SPARQL 1.1 query: SELECT, ASK, CONSTRUCT or DESCRIBE, in ASCII (a longer or non-ASCII one "
        "by POST). The prefixes skos, dcterms, oa, rdf, rdfs and distance (this server's vocabulary) may be used "
        "without declaring them.",
        examples=["SELECT ?label WHERE { ?reason a distance:Reason ; skos:prefLabel ?label }"],
    )


def _pool(request: Request) -> SparqlPool:
    pool = getattr(request.app.state, "sparql", None)
    if pool is None:
        pool = request.app.state.sparql = SparqlPool(SLOTS, request.app.state.settings.sparql_dir)
    return pool


async def _answer(request: Request, kg: GraphDep, text: str) -> Response:
    variant: Variant = request.state.variant
    try:
        found = await _pool(request).run(
            kg, request.app.state.iris, text, variant.accept, max_bytes=MAX_ANSWER, seconds=TIME_LIMIT
        )
    except Busy:
        raise HTTPException(
            503, f"{SLOTS} SPARQL queries are running, the most this server takes; retry shortly"
        ) from None
    except Lost:
        raise HTTPException(503, "the process evaluating the query ended without an answer; retry shortly") from None
    except NotAcceptable as error:
        offers = ", ".join(error.offers)
        raise HTTPException(406, f"this query's answer is {offers}; the Accept header takes none of them") from None
    return bytes_response(found.body, found.media_type)


@router.get("/sparql", operation_id="sparqlGet", responses=_RESPONSES)
async def sparql_get(request: Request, kg: GraphDep, p: Annotated[SparqlQuery, query(SparqlQuery)]) -> Response:
    """A SPARQL 1.1 query over the graph's RDF triples (those `/v1/graph?format=ntriples` serves), read-only.

    Results by `Accept`: SPARQL JSON (default), XML, CSV or TSV for SELECT and ASK; Turtle (default),
    N-Triples or JSON-LD for CONSTRUCT and DESCRIBE. Bounded: 2 s and 16 MiB per query (a 422
    `query-limit` problem names which); an update is a 400 `read-only` problem, a malformed query a
    400 `malformed-query` problem. Answers are cached and tagged like every GET.
    """
    return await _answer(request, kg, p.query)


@router.post(
    "/sparql",
    operation_id="sparqlPost",
    responses=_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                _FORM: {
                    "schema": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}
                },
                _SPARQL_QUERY: {"schema": {"type": "string", "description": "The query itself, as UTF-8 text."}},
            },
        }
    },
)
async def sparql_post(request: Request, kg: GraphDep) -> Response:
    """The same query sent by POST: a form (`query=`) or an `application/sparql-query` body, of at most 64 KiB."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if content_type == _SPARQL_QUERY:
        text = body.decode("utf-8", errors="replace")
    elif content_type == _FORM:
        fields = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        given = [value for name, value in fields if name == "query"]
        if len(given) != 1:
            raise HTTPException(400, "the form must hold one `query` field")
        text = given[0]
    else:
        raise HTTPException(415, f"send the query as {_SPARQL_QUERY} or as a form ({_FORM})")
    if not text.strip():
        raise HTTPException(400, "the query is empty")
    return await _answer(request, kg, text)
