"""Property-based contract tests: the committed openapi.yaml, bound to the app in process.

Every operation is fuzzed with stock schemathesis (all checks: status codes, content types,
response schemas, negative data rejection, ...), no hooks: the contract alone is enough.
Hypothesis is derandomized, so a failure reproduces. The live-server runs of the same
contract are in .ci/run (one stock, one with tests/schemathesis_hooks.py for depth).
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from api.app import create_app
from api.settings import DEFAULT_SEEDS_DIR, Settings
from graph.build import load_graph

ROOT = Path(__file__).resolve().parent.parent

# The contract declares a SPARQL query sent as the body itself (`application/sparql-query`, as
# the SPARQL 1.1 Protocol says); schemathesis has no serializer of that name and skips such
# cases (with a warning), so it is taught the documented way that the body is text.
schemathesis.serializer.alias("application/sparql-query", "text/plain")
schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
# An event stream ends after DISTANCE_EVENTS_MAX_SECONDS: here at once, so each case is quick.
schema.app = create_app(Settings(events_max_seconds=0.05), load_graph(DEFAULT_SEEDS_DIR))


@schema.parametrize()
@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_honours_the_contract(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
    case.call_and_validate()


# The GraphQL schema too (schemathesis fuzzes GraphQL as well): queries drawn from the committed
# SDL, every root field with arguments of every type and size. Any GraphQL error is a fair answer
# to a drawn query (an unknown id, a `first` past the page, a query over the cost budget); a 5xx,
# a body that is not a GraphQL response, or a traceback is not.
graphql_schema = schemathesis.graphql.from_path(ROOT / "api" / "contract" / "schema.graphql")
graphql_schema.app = schema.app
graphql_schema.config.update(base_url="http://testserver/v1/graphql")


@graphql_schema.parametrize()
@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_drawn_graphql_query_is_a_server_error(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
    response = case.call()
    assert response.status_code < 500, response.text
    assert "data" in response.json() or "errors" in response.json()
    assert "Traceback" not in response.text
