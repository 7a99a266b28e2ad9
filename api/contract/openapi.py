"""The contract: response declarations for routes, and the final OpenAPI document.

FastAPI documents error responses as `application/json` and adds its own validation-error
schema; Distance answers every error as `application/problem+json` with one `Problem`
schema, so the generated document is rewritten to say exactly that.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Annotated, Any, Final

import orjson
import yaml
from fastapi import FastAPI, Query
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import BaseRoute

from api.contract.schemas import Problem

__all__ = ["ALWAYS_ERRORS", "ERROR_DESCRIPTIONS", "QUERY_MODEL", "build_openapi", "declare", "openapi_yaml"]

# The attribute of an endpoint that reads its query model itself (`api.app.querymodel.read_query`)
# naming that model: its parameters are documented as FastAPI documents a model it reads.
QUERY_MODEL: Final = "query_model"

ERROR_DESCRIPTIONS = {
    400: "The query is malformed (it does not parse), or asks for an update of the read-only graph.",
    411: "The request body has no `Content-Length` (it is chunked); send its length.",
    413: "The request body is larger than the route reads (64 KiB for a query).",
    415: "The request body's `Content-Type` is not one the route reads.",
    404: "No resource with this id, or a parameter names what the content does not have (`errors` names it); "
    "`suggestions` lists close matches.",
    410: "The id was retired (merged into another node, or dropped); `replaced_by` names its successor.",
    406: "The `Accept` header takes none of the media types this route answers; `detail` names them.",
    414: "The URL (path and query) is longer than the server takes.",
    422: "A parameter is malformed, out of range or unknown; `errors` names it.",
    429: "This client sent more than its rate limit allows: retry after `Retry-After` seconds.",
    503: "Too many requests in flight: retry after `Retry-After` seconds.",
}
# What any operation may answer: an unknown query parameter is refused everywhere, an `Accept`
# a route cannot meet is refused, and the URL-size, per-client rate and concurrency bounds
# stand in front of every route.
ALWAYS_ERRORS = (406, 414, 422, 429, 503)
PROBLEM = "application/problem+json"
_RETRY_AFTER = {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
_RATE_LIMIT_HEADERS = {
    "Retry-After": _RETRY_AFTER,
    "RateLimit-Policy": {
        "description": "The policy (draft-ietf-httpapi-ratelimit-headers): `q` requests per `w` seconds.",
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": "The quota left (`r`) and the seconds (`t`) until it is whole again.",
        "schema": {"type": "string"},
    },
}


def declare(
    model: type[BaseModel],
    *errors: int,
    example: Any = None,
    extra_media_types: list[str] | None = None,
    alternatives: Sequence[str] = (),
) -> dict[int | str, dict[str, Any]]:
    """Responses for one operation: 200 with `model`, 304, and each error as a Problem.

    `extra_media_types` are other bodies the 200 may have, declared before `application/json`
    in the order given: a generator that keeps one media type per response (openapi-python-client
    takes the first it can read) then reads the body as the first of them, never as JSON it
    may not be. `alternatives` are other bodies a client may ask for with `Accept` (the linked
    data of a node or an edge), declared after JSON, so a generated client keeps reading JSON.
    Every operation may also answer each of `ALWAYS_ERRORS`.
    """
    responses: dict[int | str, dict[str, Any]] = {
        200: {"model": model, "description": "OK"},
        304: {"description": "Not modified: the `If-None-Match` ETag is current."},
    }
    content: dict[str, Any] = {media: {"schema": _body_schema(media)} for media in extra_media_types or ()}
    if example is not None or alternatives:
        content["application/json"] = {"example": example} if example is not None else {}
    content.update({media: {"schema": _body_schema(media)} for media in alternatives})
    if content:
        responses[200]["content"] = content
    for status in sorted({*errors, *ALWAYS_ERRORS}):
        responses[status] = {"model": Problem, "description": ERROR_DESCRIPTIONS[status]}
    responses[503]["headers"] = {"Retry-After": _RETRY_AFTER}
    responses[429]["headers"] = _RATE_LIMIT_HEADERS
    return responses


def _body_schema(media: str) -> dict[str, str]:
    """JSON documents are objects; anything else (XML, JSON lines, CSV) is text."""
    is_json = media == "application/json" or media.split(";")[0].endswith("+json")
    return {"type": "object"} if is_json else {"type": "string"}


def build_openapi(app: FastAPI, routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI document, with every error as `application/problem+json`; `routes` are the
    API's own (the routers' routes), whose declared examples are restored as written."""
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    _document_query_models(doc, routes)
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in doc.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400:
                    # Every error is a problem; a route may declare another JSON body beside it
                    # (a GraphQL response for a refused GraphQL document).
                    declared = response.get("content", {})
                    others = {m: c for m, c in declared.items() if m.endswith("+json") and m != PROBLEM}
                    response["content"] = {PROBLEM: {"schema": problem_ref}, **others}
    _restore_examples(doc, routes)
    for path_item in doc.get("paths", {}).values():
        for operation in path_item.values():
            if "summary" in operation:  # one way: a sentence ("List nodes"), never "List Nodes"
                operation["summary"] = operation["summary"].capitalize()
    schemas = doc.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return doc


def _document_query_models(doc: dict[str, Any], routes: Sequence[BaseRoute]) -> None:
    """The parameters of each route that reads its query model itself, as FastAPI documents them
    for a route that takes the same model, in the same place (after the operationId)."""
    for route in routes:
        model = getattr(getattr(route, "endpoint", None), QUERY_MODEL, None)
        if not isinstance(route, APIRoute) or model is None:
            continue
        parameters = _query_parameters(model)
        for method in route.methods or ():
            operation = doc["paths"][route.path_format][method.lower()]
            given = [*parameters, *operation.get("parameters", [])]
            items = [(k, v) for k, v in operation.items() if k != "parameters"]
            at = next(n for n, (k, _) in enumerate(items) if k == "operationId") + 1
            operation.clear()
            operation.update([*items[:at], ("parameters", given), *items[at:]])


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The query parameters FastAPI documents for a route taking `Annotated[model, Query()]`."""

    async def endpoint(params: Any) -> None:
        """Never called: only documented."""

    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("params", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Annotated[model, Query()])]
    )
    doc = get_openapi(title="", version="", routes=[APIRoute("/", endpoint, methods=["GET"])])
    parameters: list[dict[str, Any]] = doc["paths"]["/"]["get"]["parameters"]
    return parameters


def _restore_examples(doc: dict[str, Any], routes: Sequence[BaseRoute]) -> None:
    """Put each declared 200 body back as written: in the declared order of media types (FastAPI
    puts the model's `application/json` first), and with the example as written (FastAPI drops
    `null` members, which leaves examples missing required nullable fields)."""
    for route in routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        declared = route.responses.get(200, {}).get("content", {})
        for method in route.methods or ():
            content = doc["paths"][route.path_format][method.lower()]["responses"]["200"].get("content", {})
            ordered = [media for media in declared if media in content]
            for media in [*ordered, *(m for m in content if m not in declared)]:
                content[media] = content.pop(media)  # re-inserted: dicts keep insertion order
            example = declared.get("application/json", {}).get("example")
            if example is not None:
                # fresh objects: no YAML anchors for shared parts
                content["application/json"]["example"] = orjson.loads(orjson.dumps(example))


def openapi_yaml(app: FastAPI) -> str:
    """The contract as committed in openapi.yaml: stable key order, unicode kept."""
    return yaml.safe_dump(app.openapi(), sort_keys=False, allow_unicode=True, width=100)
