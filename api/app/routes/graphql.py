"""`/v1/graphql`: the graph in GraphQL, by GET (cacheable, persisted queries by hash) and POST,
and GraphiQL for a browser, served from this package's own files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import orjson
from fastapi import APIRouter, Request
from pydantic import Field
from starlette.responses import Response

from api.app import urls
from api.app.deps import GraphDep
from api.app.errors import problem_response
from api.app.params import QueryModel
from api.app.querymodel import documents_query, read_query
from api.app.responses import JSON, bytes_response, negotiate
from api.contract.openapi import declare
from api.contract.query_schemas import GraphQLBody, GraphQLOut

if TYPE_CHECKING:
    from api.app.graphql import GraphQLOutcome, GraphQLService

__all__ = ["GRAPHIQL_ASSETS", "GRAPHQL_MEDIA", "MAX_BODY", "router"]

router = APIRouter(prefix=urls.API, tags=["query languages"])
GRAPHQL_MEDIA: Final = "application/graphql-response+json"
# GraphQL over HTTP: a client that states no `Accept` is answered as one that takes application/json.
_OFFERS: Final = (JSON, GRAPHQL_MEDIA)
MAX_BODY: Final = 64 << 10
GRAPHIQL_ASSETS: Final = Path(__file__).resolve().parent.parent / "graphiql"
_PAGE_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_EXAMPLE: Final = {"data": {"node": {"id": "oxytocin", "label": "Oxytocin", "type": "concept"}}}
_RESPONSES: Final = declare(GraphQLOut, 400, 411, 413, 415, example=_EXAMPLE, extra_media_types=[GRAPHQL_MEDIA])
# Under its own media type, a GraphQL document refused before execution (it does not parse, is
# not valid, passes a limit) is a 400 in GraphQL's shape; a request that is not GraphQL at all is a problem.
_RESPONSES[400]["content"] = {GRAPHQL_MEDIA: {"schema": {"$ref": "#/components/schemas/GraphQLOut"}}}


# A GET must fit the URL bound whatever it holds (the 414 never refuses what the contract
# allows), so its text is ASCII and short; a longer query goes by POST, or persisted by its hash.
_ASCII: Final = r"^[\t\n\r\x20-\x7e]*$"


class GraphQLQuery(QueryModel):
    """`GET /v1/graphql`: GraphQL over HTTP's parameters, `variables` and `extensions` as JSON text."""

    query: str | None = Field(
        None, max_length=1_800, pattern=_ASCII, description="The GraphQL document (ASCII; a longer one by POST)."
    )
    variables: str | None = Field(
        None, max_length=400, pattern=_ASCII, description="A JSON object of variable values (ASCII)."
    )
    operation_name: str | None = Field(None, alias="operationName", max_length=64, pattern=r"^[A-Za-z0-9_]+$")
    extensions: str | None = Field(
        None,
        max_length=300,
        pattern=_ASCII,
        description='JSON: `{"persistedQuery": {"version": 1, "sha256Hash": "…"}}` runs a persisted query.',
    )


def _service(request: Request) -> GraphQLService:
    """The app's GraphQL service, made on the first GraphQL request: graphql-core and the
    schema are not imported and built before a server's port opens."""
    service: GraphQLService | None = request.app.state.graphql
    if service is None:
        from api.app.graphql import GraphQLService

        service = request.app.state.graphql = GraphQLService()
    return service


def _json_object(name: str, text: str | bytes | None) -> dict[str, Any] | None | str:
    """A JSON object from a parameter or a body; a string saying what is wrong when it is not one."""
    if text is None or text == "":
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return f"{name} is not JSON"
    return value if isinstance(value, dict) or value is None else f"{name} must be a JSON object"


def _malformed(request: Request, message: str, status: int = 400) -> Response:
    """A request that is not GraphQL over HTTP at all (no JSON, the wrong content type): a problem,
    as every route answers one; a GraphQL document that fails is answered in GraphQL's shape."""
    return problem_response(request, status, message)


def _answer(outcome: GraphQLOutcome, media: str) -> Response:
    """Status by GraphQL over HTTP: under its own media type a request refused before execution
    is a 400; under application/json every well-formed request is a 200. (A GET's answer is
    content like any other route's; one to a POST is never kept: the edge pipeline says so.)"""
    body = orjson.dumps(outcome.body)
    if outcome.request_error and media == GRAPHQL_MEDIA:
        return Response(body, status_code=400, media_type=media)
    return bytes_response(body, media)


@router.get("/graphql", operation_id="graphqlGet", responses=_RESPONSES)
@documents_query(GraphQLQuery)
async def graphql_get(request: Request, kg: GraphDep) -> Response:
    """A GraphQL query by GET (`query`, `variables`, `operationName`, `extensions`): cached, ETag and 304 as REST.

    A persisted query is named by `extensions={"persistedQuery":{"version":1,"sha256Hash":"…"}}`
    alone: the sha256 of a document under `api/contract/queries/`. A browser asking for HTML
    with no query gets GraphiQL. The schema's description states the limits every query is held to.
    """
    # Read here rather than by `query(GraphQLQuery)`: the same rules, without FastAPI's
    # per-field work on every request, which made a GET cost ~0.1 ms more than a POST.
    p = read_query(GraphQLQuery, request)
    if p.query is None and p.extensions is None and _wants_html(request):
        request.state.validity = "page"  # the shipped page, not content: never kept with the JSON answers
        return _graphiql()
    media = negotiate(request, _OFFERS)
    variables, extensions = _json_object("variables", p.variables), _json_object("extensions", p.extensions)
    if isinstance(variables, str) or isinstance(extensions, str):
        return _malformed(request, str(variables if isinstance(variables, str) else extensions))
    from api.app.graphql import GraphQLRequest

    outcome = _service(request).run(kg, GraphQLRequest(p.query, variables, p.operation_name, extensions))
    return _answer(outcome, media)


@router.post(
    "/graphql",
    operation_id="graphqlPost",
    responses=_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": GraphQLBody.model_json_schema(by_alias=True)}},
        }
    },
)
async def graphql_post(request: Request, kg: GraphDep) -> Response:
    """A GraphQL query by POST: a JSON body `{query, variables, operationName, extensions}` of at most 64 KiB."""
    media = negotiate(request, _OFFERS)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return _malformed(request, "send the request as application/json", 415)
    body = _json_object("the body", await request.body())
    if not isinstance(body, dict):
        return _malformed(request, body or "the body is empty")
    fields = {k: body.get(k) for k in ("query", "variables", "operationName", "extensions")}
    wrong = [k for k in ("query", "operationName") if fields[k] is not None and not isinstance(fields[k], str)]
    wrong += [k for k in ("variables", "extensions") if fields[k] is not None and not isinstance(fields[k], dict)]
    if wrong:
        return _malformed(request, f"{wrong[0]} has the wrong type")
    from api.app.graphql import GraphQLRequest

    run = GraphQLRequest(fields["query"], fields["variables"], fields["operationName"], fields["extensions"])
    return _answer(_service(request).run(kg, run), media)


def _wants_html(request: Request) -> bool:
    """Whether the client's first choice is HTML: a browser opening the URL.

    Read here rather than made a `Variant` axis: browsers would otherwise no longer share
    the JSON variant of every other route. The page is said to be a `page`, not content, so
    the response cache never keeps it (nor the 400 a query-less GET gets otherwise): neither
    is served to the other.
    """
    first = request.headers.get("accept", "").split(",")[0]
    return first.split(";")[0].strip().lower() == "text/html"


def _graphiql() -> Response:
    """GraphiQL's page; its scripts and styles are this package's files (`/graphiql/…`), no CDN."""
    page = (GRAPHIQL_ASSETS / "index.html").read_bytes()
    headers = {
        "Content-Security-Policy": _PAGE_CSP,
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }
    return Response(page, media_type="text/html; charset=utf-8", headers=headers)
