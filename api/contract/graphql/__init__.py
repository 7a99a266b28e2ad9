"""The GraphQL schema: Distance's graph as GraphQL types, with the limits every query is held to.

The schema is made from code (`types`, `query`) and its SDL is committed beside this package
(`api/contract/schema.graphql`); a test fails when they drift, as for openapi.yaml. It does
not depend on the content: node types and edge kinds are closed sets.
"""

from __future__ import annotations

from typing import Final

from graphql import GraphQLSchema, print_schema

from api.contract.graphql.limits import LIMITS, Limits, check_limits, cost_reads_variables
from api.contract.graphql.pages import MAX_PAGE
from api.contract.graphql.query import QUERY
from api.contract.graphql.reader import Reader
from api.contract.graphql.types import OBJECT_TYPES

__all__ = ["LIMITS", "MAX_PAGE", "SCHEMA", "Limits", "Reader", "check_limits", "cost_reads_variables", "sdl"]

_DESCRIPTION: Final = (
    "Distance's knowledge graph of why men pull away: concepts, reasons, signs, responses, questions, "
    "statistics and the source articles, joined by typed edges, every node and edge with verbatim quotes. "
    "The same data as the REST API under /v1, read through the same queries.\n\n"
    f"Every list of objects is a connection: `first` (1 to {MAX_PAGE}; a larger one is an error, never clamped) "
    "and `after` (a cursor), answering `edges { cursor node }`, `nodes`, `pageInfo` and `totalCount`.\n\n"
    + LIMITS.describe()
)

SCHEMA: Final = GraphQLSchema(query=QUERY, types=OBJECT_TYPES, description=_DESCRIPTION)


def sdl() -> str:
    """The schema in SDL, as committed in `api/contract/schema.graphql`."""
    return print_schema(SCHEMA) + "\n"
