"""The one mapping from errors to RFC 9457 `application/problem+json` responses.

Only this module knows problem types and titles: a layer that refuses names a status and a
sentence, and the tables below give the rest. Domain errors, request validation errors,
routing 404/405 and unexpected faults all go through `problem_response`, and the refusals
before routing (the edge pipeline's bounds and OPTIONS) through `problem_answer`,
so every 4xx and 5xx has the same shape and never carries a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Final

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.app import urls
from api.edge.answer import Answer
from graph.errors import (
    DistanceError,
    EdgeNotFound,
    InvalidParameter,
    NodeNotFound,
    NotFound,
    NotInContent,
    ParameterError,
    QueryLimit,
    QuerySyntaxError,
    ReadOnlyQuery,
    ReleaseNotFound,
    Retired,
)

__all__ = [
    "ALLOWED_METHODS",
    "QUERY_METHODS",
    "QUERY_ROUTES",
    "EXPLANATIONS",
    "HTTP_PROBLEMS",
    "PROBLEM_MEDIA_TYPE",
    "PROBLEMS",
    "graphql_extensions",
    "install_error_handlers",
    "problem_answer",
    "problem_body",
    "problem_response",
    "problem_type",
]

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
ALLOWED_METHODS: Final = "GET, HEAD, OPTIONS"
# The query-language routes also take a query by POST (a body of at most `MAX_BODY_BYTES`, `api.edge.frontdoor`).
QUERY_ROUTES: Final = frozenset({urls.api("/graphql"), urls.api("/sparql")})
QUERY_METHODS: Final = "GET, HEAD, POST, OPTIONS"
log = logging.getLogger("distance.errors")

# Domain error class -> (status, problem type slug, title). Lookup walks the MRO, so a
# subclass without its own row is served by its nearest ancestor's.
PROBLEMS: Final[dict[type[DistanceError], tuple[int, str, str]]] = {
    NotFound: (404, "not-found", "Not found"),
    NodeNotFound: (404, "node-not-found", "Node not found"),
    EdgeNotFound: (404, "edge-not-found", "Edge not found"),
    ReleaseNotFound: (404, "release-not-found", "Release not found"),
    NotInContent: (404, "not-in-content", "Not in the content"),
    Retired: (410, "retired", "Retired id"),
    InvalidParameter: (422, "invalid-parameter", "Invalid parameter"),
    QuerySyntaxError: (400, "malformed-query", "Malformed query"),
    ReadOnlyQuery: (400, "read-only", "Read-only"),
    QueryLimit: (422, "query-limit", "Query past a limit"),
}
# GraphQL errors carry the same table's answer as `extensions.code`, named as GraphQL servers name them.
_GRAPHQL_CODES: Final[dict[int, str]] = {400: "BAD_REQUEST", 404: "NOT_FOUND", 410: "GONE", 422: "BAD_USER_INPUT"}

# HTTP status -> (problem type slug, title), for answers that no domain error stands behind:
# routing (404, 405), validation (422), faults (500), the edge pipeline's refusals before
# routing (413, 414, 429, 431, 503), and what the proxy in front answers itself (408, 411,
# 416, 501, 502, 504, 505: deploy/nginx.py writes its pages from this table). Every problem
# Distance sends takes its type and title here.
HTTP_PROBLEMS: Final[dict[int, tuple[str, str]]] = {
    400: ("bad-request", "Bad request"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    408: ("request-timeout", "Request timeout"),
    411: ("length-required", "Length required"),
    413: ("content-too-large", "Content too large"),
    414: ("uri-too-long", "URI too long"),
    415: ("unsupported-media-type", "Unsupported media type"),
    416: ("range-not-satisfiable", "Range not satisfiable"),
    422: ("invalid-parameter", "Invalid parameter"),
    429: ("too-many-requests", "Too many requests"),
    431: ("header-fields-too-large", "Request header fields too large"),
    500: ("internal-error", "Internal error"),
    501: ("not-implemented", "Not implemented"),
    502: ("bad-gateway", "Bad gateway"),
    503: ("overloaded", "Service overloaded"),
    504: ("gateway-timeout", "Gateway timeout"),
    505: ("http-version-not-supported", "HTTP version not supported"),
}

# Problem type slug -> what it means and what to do, served at `/problems/{slug}` (each
# problem's `type`). Every slug of the two tables above has a line (a test checks it).
EXPLANATIONS: Final[dict[str, str]] = {
    "bad-request": "The request is malformed (for instance a disallowed CORS preflight); fix it as `detail` says.",
    "not-found": "Nothing is served at this URL. Start from /v1, which links every route.",
    "node-not-found": "No node has this id. Ids are kebab-case slugs; `suggestions` lists the closest ones.",
    "edge-not-found": "No edge has this id. Edge ids read `from--kind--to`; `suggestions` lists the closest ones.",
    "retired": "The id named a node that was merged into another or dropped; ids are never reused. "
    "`replaced_by` is the id that answers for it now (null when nothing does): ask for that instead.",
    "release-not-found": "No recorded release has this content_version, nor starts with it; `suggestions` lists "
    "every release, newest first (/v1/releases).",
    "not-in-content": "A query parameter is well formed but names what the content does not have (a sign id "
    "that is no sign, a slice past an article's body); `errors` names it, `suggestions` lists close ones.",
    "method-not-allowed": "Distance is read-only: it answers GET, HEAD and OPTIONS only.",
    "not-acceptable": "The `Accept` header asks for a media type this route does not serve.",
    "content-too-large": "Distance reads no request body except a query sent by POST to /v1/graphql or /v1/sparql "
    "(at most 64 KiB); send the request without one, or a shorter query.",
    "unsupported-media-type": "The request body's `Content-Type` is not one this route reads; `detail` names "
    "those it does.",
    "uri-too-long": "The path and query are longer than the server takes; ask for fewer ids or a shorter query.",
    "invalid-parameter": "A query parameter is malformed, out of range or unknown; `errors` names each one, "
    "with the values it takes.",
    "too-many-requests": "This client sent more requests a second than the server takes; retry after `Retry-After`.",
    "header-fields-too-large": "The request's headers are larger than the server takes; send fewer or shorter ones.",
    "internal-error": "The server met a fault of its own; the request may succeed if retried. It is logged.",
    "overloaded": "Too many requests are in flight; retry after the `Retry-After` seconds.",
    "request-timeout": "The request's headers or body did not arrive in time; the connection is closed.",
    "length-required": "A request with a body must say its length; Distance reads no body, so send none.",
    "range-not-satisfiable": "Distance serves whole answers, not byte ranges; ask without `Range`.",
    "not-implemented": "The request asks for something the server does not do (an unknown transfer coding, say).",
    "bad-gateway": "The proxy in front found no server to answer; retry shortly.",
    "gateway-timeout": "The server behind the proxy did not answer in time; retry shortly.",
    "http-version-not-supported": "Distance speaks HTTP/1.0 and HTTP/1.1.",
    "malformed-query": "The SPARQL query does not parse; `detail` is the parser's message with where it stopped.",
    "read-only": "The graph is read-only: SPARQL Update is refused; ask with SELECT, ASK, CONSTRUCT or DESCRIBE.",
    "query-limit": "The SPARQL query ran past its time limit or its answer past its size limit (`limit` says "
    "which); narrow it or add a LIMIT.",
}


def problem_type(slug: str) -> dict[str, Any] | None:
    """What `/problems/{slug}` answers: the type, its title and status, and its explanation."""
    rows = {row[1]: (row[0], row[2]) for row in PROBLEMS.values()}
    rows.update({s: (status, title) for status, (s, title) in HTTP_PROBLEMS.items()})
    if slug not in rows or slug not in EXPLANATIONS:
        return None
    status, title = rows[slug]
    return {"type": urls.problem(slug), "title": title, "status": status, "explanation": EXPLANATIONS[slug]}


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    problem: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem+json response; `problem` (slug, title) defaults to the status's row in
    `HTTP_PROBLEMS`, and `extra` adds members such as `errors`."""
    slug, title = problem or HTTP_PROBLEMS[status]
    body = problem_body(status, slug, title, detail, urls.request_url(request), **extra)
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def problem_answer(status: int, detail: str, instance: str, headers: Sequence[tuple[bytes, bytes]] = ()) -> Answer:
    """A finished problem answer for layers that refuse a request before routing (the front
    door); like every error, the edge pipeline's represent step marks it never to be stored."""
    slug, title = HTTP_PROBLEMS[status]
    body = problem_body(status, slug, title, detail, instance)
    fields = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()), *headers]
    return Answer(status, fields, body)


def problem_body(status: int, slug: str, title: str, detail: str, instance: str, **extra: Any) -> bytes:
    """The serialized problem document; also used by middleware that answers before routing."""
    body = {"type": urls.problem(slug), "title": title, "status": status, "detail": detail, "instance": instance}
    body.update({k: v for k, v in extra.items() if v is not None})
    return orjson.dumps(body)


def graphql_extensions(exc: DistanceError) -> dict[str, Any]:
    """What a GraphQL error raised by a domain error says in `extensions`: the code for its
    status, its problem type, and its suggestions or the argument it names."""
    status, slug, _ = _lookup(exc)
    out: dict[str, Any] = {"code": _GRAPHQL_CODES.get(status, "INTERNAL_SERVER_ERROR"), "type": urls.problem(slug)}
    if exc.suggestions:
        out["suggestions"] = list(exc.suggestions)
    if isinstance(exc, ParameterError):
        out["argument"] = exc.parameter
    if isinstance(exc, Retired):
        out["replaced_by"] = exc.replaced_by
    return out


def _lookup(exc: DistanceError) -> tuple[int, str, str]:
    for cls in type(exc).__mro__:
        if cls in PROBLEMS:
            return PROBLEMS[cls]
    return (500, *HTTP_PROBLEMS[500])


async def _domain_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DistanceError)
    status, slug, title = _lookup(exc)
    suggestions = list(exc.suggestions) or None
    if isinstance(exc, ParameterError):
        error = {"parameter": exc.parameter, "message": exc.message, "value": _text(exc.value)}
        return problem_response(
            request, status, str(exc), problem=(slug, title), errors=[error], suggestions=suggestions
        )
    if isinstance(exc, Retired):
        return problem_response(
            request, status, str(exc), problem=(slug, title), suggestions=suggestions, replaced_by=exc.replaced_by
        )
    limit: dict[str, Any] = {"limit": exc.limit, "bound": exc.bound} if isinstance(exc, QueryLimit) else {}
    return problem_response(
        request, status, str(exc), problem=(slug, title), suggestions=list(exc.suggestions), **limit
    )


async def _validation_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        # loc is ("query", name) or ("query", name, index) for a repeated parameter; an error
        # about the whole query model (an unknown parameter) names its parameter in ctx.
        ctx, loc = err.get("ctx") or {}, err["loc"]
        named = "parameter" in ctx
        parameter = ctx["parameter"] if named else str(loc[1]) if len(loc) > 1 else str(loc[0])
        value = ctx["value"] if named else err.get("input")
        errors.append({"parameter": str(parameter), "message": err["msg"], "value": _text(value)})
    detail = "; ".join(f"{e['parameter']}: {e['message']}" for e in errors)
    return problem_response(request, 422, detail, errors=errors)


async def _http_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    problem = HTTP_PROBLEMS.get(exc.status_code, ("http-error", "HTTP error"))
    headers = dict(exc.headers or {})
    allowed = QUERY_METHODS if request.url.path in QUERY_ROUTES else ALLOWED_METHODS
    if exc.status_code == 405:
        headers["Allow"] = allowed
    if exc.status_code == 503:
        headers.setdefault("Retry-After", "1")
    path = request.url.path
    detail = {
        # No redirect for a trailing slash (it would build a URL from the Host header): a 404 that says so.
        404: f"no resource at {path}; try {path.rstrip('/') or '/'}"
        if path.endswith("/")
        else f"no resource at {path}",
        405: f"{request.method} is not allowed here; use {allowed}",
    }.get(exc.status_code, str(exc.detail))
    return problem_response(request, exc.status_code, detail, problem=problem, headers=headers)


async def _unexpected_problem(request: Request, exc: Exception) -> Response:
    # The one broad catch: answer with a bare problem and log the fault for the operator.
    request_id = getattr(request.state, "request_id", None)
    log.error("unhandled error on %s %s (request %s)", request.method, request.url.path, request_id, exc_info=exc)
    return problem_response(request, 500, "the server met an unexpected fault")


def _text(value: Any) -> str | None:
    """Offending values as text (or None), so every `errors[].value` has one type."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ",".join(map(str, value))
    return str(value)


def install_error_handlers(app: FastAPI) -> FastAPI:
    """Route every error family through `problem_response`."""
    app.add_exception_handler(DistanceError, _domain_problem)
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_exception_handler(StarletteHTTPException, _http_problem)
    app.add_exception_handler(Exception, _unexpected_problem)
    return app
