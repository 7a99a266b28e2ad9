"""Run one GraphQL request: read it, parse it within the token bound, check the limits, validate,
execute on the pinned graph, and say whether it was a request error (GraphQL over HTTP's 400).

Parsing and validating depend on the query's text only, so their outcome is kept (a bounded
LRU per process), and so is the verdict of the limits when no `first` in it is a variable (it
then depends on the text alone); execution reads the graph through a fresh `Reader` per request.
Persisted queries are an allow-list: the documents under `api/contract/queries/` are known by
the sha256 of their text (Apollo's `extensions.persistedQuery.sha256Hash`), so a client can
GET a known query by hash alone and every replica answers it alike, with nothing to register.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    execute_sync,
    parse,
    validate,
)

from api.app.errors import graphql_extensions
from api.contract.graphql import LIMITS, SCHEMA, Limits, Reader, check_limits, cost_reads_variables
from api.contract.graphql.limits import refusal
from graph.build import KnowledgeGraph
from graph.errors import DistanceError

__all__ = ["PERSISTED", "GraphQLOutcome", "GraphQLRequest", "GraphQLService", "persisted_queries"]

log = logging.getLogger("distance.graphql")
PERSISTED: Final = Path(__file__).resolve().parent.parent / "contract" / "queries"
_KEPT: Final = 256  # parsed and validated documents kept per process


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    """What a client sent, by GET or POST, before it is checked."""

    query: str | None
    variables: Mapping[str, Any] | None = None
    operation_name: str | None = None
    extensions: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class GraphQLOutcome:
    """The response document, whether it is a request error (no `data`: 400 under
    `application/graphql-response+json`), and how many graph reads it took."""

    body: dict[str, Any]
    request_error: bool
    lookups: int = 0


@dataclass(frozen=True, slots=True)
class _Document:
    """A query's text parsed (None when it does not parse), its validation errors, and the
    verdict of the limits when the text alone decides it (`settled`)."""

    document: DocumentNode | None
    errors: list[GraphQLError]
    settled: bool = False
    refused: GraphQLError | None = None


def persisted_queries(folder: Path = PERSISTED) -> dict[str, str]:
    """sha256 of each `*.graphql` document's text -> the text."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.graphql"))]
    return {hashlib.sha256(text.encode()).hexdigest(): text for text in texts}


def _errors(*errors: GraphQLError) -> GraphQLOutcome:
    return GraphQLOutcome({"errors": [e.formatted for e in errors]}, request_error=True)


class GraphQLService:
    """The schema, its limits and the persisted queries; `run` answers one request."""

    def __init__(
        self, schema: GraphQLSchema = SCHEMA, limits: Limits = LIMITS, persisted: Mapping[str, str] | None = None
    ):
        self.schema, self.limits = schema, limits
        self.persisted = dict(persisted_queries() if persisted is None else persisted)
        self._documents: OrderedDict[str, _Document] = OrderedDict()

    def run(self, kg: KnowledgeGraph, request: GraphQLRequest) -> GraphQLOutcome:
        """Answer `request` on `kg`; every failure is a GraphQL error, never an exception."""
        text = self._text(request)
        if isinstance(text, GraphQLError):
            return _errors(text)
        kept = self._document(text)
        document = kept.document
        if document is None:
            return _errors(*kept.errors)
        # The limits' verdict: kept with the document unless a `first` reads the variables.
        refused = kept.refused if kept.settled else check_limits(document, self.schema, request.variables, self.limits)
        if refused is not None:
            return _errors(refused)
        if kept.errors:
            return _errors(*kept.errors)
        reader = Reader(kg)
        result = execute_sync(
            self.schema,
            document,
            context_value=reader,
            variable_values=dict(request.variables or {}),
            operation_name=request.operation_name,
        )
        return self._outcome(result, reader.lookups)

    def _text(self, request: GraphQLRequest) -> str | GraphQLError:
        """The query's text: as sent, or the persisted query its hash names."""
        persisted = (request.extensions or {}).get("persistedQuery")
        wanted = persisted.get("sha256Hash") if isinstance(persisted, Mapping) else None
        if persisted is not None and not isinstance(wanted, str):
            return GraphQLError("extensions.persistedQuery needs a sha256Hash", extensions={"code": "BAD_REQUEST"})
        if wanted is not None:
            if request.query is not None:
                if hashlib.sha256(request.query.encode()).hexdigest() != wanted:
                    return GraphQLError("provided sha does not match query", extensions={"code": "BAD_REQUEST"})
                return request.query
            known = self.persisted.get(wanted)
            if known is None:
                # Apollo's wording and code, so its clients fall back to sending the query.
                return GraphQLError("PersistedQueryNotFound", extensions={"code": "PERSISTED_QUERY_NOT_FOUND"})
            return known
        if not request.query:
            return GraphQLError("no query was given: send `query`", extensions={"code": "BAD_REQUEST"})
        return request.query

    def _document(self, text: str) -> _Document:
        """The parsed document and its validation errors, kept by text; None when it does not parse."""
        kept = self._documents.get(text)
        if kept is not None:
            self._documents.move_to_end(text)
            return kept
        try:
            document = parse(text, max_tokens=self.limits.max_tokens)
        except GraphQLError as error:
            # graphql-core stops at `max_tokens`, and at a nesting its own recursion cannot take:
            # both are our bounds, named as such; anything else is a syntax error.
            if "Parsing aborted" in error.message:
                limit = "max_tokens" if "tokens" in error.message else "max_depth"
                error = refusal(limit, None, getattr(self.limits, limit))
            error.extensions = {"code": "GRAPHQL_PARSE_FAILED", **(error.extensions or {})}
            return _Document(None, [error])  # not kept: refusing again costs at most max_tokens tokens
        # Validation costs up to the square of the fields (overlapping aliases), so a document past
        # the bounds its text alone decides (aliases, depth) is not validated: `run` refuses it.
        shape = check_limits(document, self.schema, None, self.limits, cost=False)
        errors = [] if shape is not None else validate(self.schema, document)
        if shape is not None:
            kept = _Document(document, [*errors], settled=True, refused=shape)
        elif cost_reads_variables(document):
            kept = _Document(document, [*errors])
        else:
            kept = _Document(
                document, [*errors], settled=True, refused=check_limits(document, self.schema, None, self.limits)
            )
        self._documents[text] = kept
        if len(self._documents) > _KEPT:
            self._documents.popitem(last=False)
        return kept

    def _outcome(self, result: ExecutionResult, lookups: int) -> GraphQLOutcome:
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [self._error(e) for e in result.errors]
        if result.data is not None or not result.errors:
            body["data"] = result.data
        # No `data` at all: the variables or the operation were refused before execution.
        return GraphQLOutcome(body, request_error="data" not in body, lookups=lookups)

    def _error(self, error: GraphQLError) -> dict[str, Any]:
        cause = error.original_error
        out: dict[str, Any] = dict(error.formatted)
        if isinstance(cause, DistanceError):
            out["extensions"] = {**(out.get("extensions") or {}), **graphql_extensions(cause)}
        elif cause is not None and not isinstance(cause, GraphQLError):
            log.error("unexpected fault resolving %s", error.path, exc_info=cause)
            out["message"] = "the server met an unexpected fault resolving this field"
            out["extensions"] = {"code": "INTERNAL_SERVER_ERROR"}
        return out
