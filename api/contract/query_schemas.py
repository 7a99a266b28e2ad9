"""Wire schemas of the query-language routes (`/v1/graphql`, `/v1/sparql`), for the contract."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["GraphQLBody", "GraphQLErrorOut", "GraphQLOut", "SparqlOut"]


class GraphQLErrorOut(BaseModel):
    """One GraphQL error: what went wrong, where, and `extensions.code` (with `limit` for a refused query)."""

    message: str
    locations: list[dict[str, int]] | None = None
    path: list[str | int] | None = None
    extensions: dict[str, Any] | None = None


class GraphQLOut(BaseModel):
    """A GraphQL response: `data` (absent when the request was refused before execution) and `errors`."""

    data: dict[str, Any] | None = None
    errors: list[GraphQLErrorOut] | None = None


class GraphQLBody(BaseModel):
    """A GraphQL request sent by POST as `application/json`."""

    model_config = ConfigDict(populate_by_name=True)

    query: str | None = Field(None, description="The GraphQL document; may be left out for a persisted query.")
    variables: dict[str, Any] | None = None
    operation_name: str | None = Field(None, alias="operationName")
    extensions: dict[str, Any] | None = Field(
        None, description='`{"persistedQuery": {"version": 1, "sha256Hash": "…"}}` names a persisted query.'
    )


class SparqlOut(BaseModel):
    """SPARQL 1.1 Query Results JSON (`head` and `results` or `boolean`)."""

    head: dict[str, Any]
    results: dict[str, Any] | None = None
    boolean: bool | None = None
