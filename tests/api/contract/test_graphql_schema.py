"""api/contract/schema.graphql is generated from the code and committed; any drift fails here."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    build_schema,
    get_named_type,
    get_nullable_type,
    validate_schema,
)
from typer.testing import CliRunner

from api.cli import app as cli
from api.contract.graphql import LIMITS, SCHEMA, sdl

SDL = Path(__file__).resolve().parents[3] / "api" / "contract" / "schema.graphql"


def test_committed_sdl_matches_the_schema() -> None:
    assert SDL.read_text(encoding="utf-8") == sdl(), (
        "run `distance graphql-schema` and commit api/contract/schema.graphql"
    )


def test_the_sdl_is_a_valid_schema_with_the_limits_in_its_description() -> None:
    built = build_schema(SDL.read_text(encoding="utf-8"))
    assert validate_schema(built) == []
    assert built.description == SCHEMA.description
    assert all(f"{getattr(LIMITS, name)} " in (built.description or "") for name in LIMITS.__slots__)


def test_graphql_schema_check_fails_on_drift(tmp_path: Path) -> None:
    stale = tmp_path / "schema.graphql"
    stale.write_text("type Query { a: Int }\n")
    result = CliRunner().invoke(cli, ["graphql-schema", "--check", "--output", str(stale)])
    assert (result.exit_code, "out of date" in result.output) == (1, True)
    assert CliRunner().invoke(cli, ["graphql-schema", "--output", str(stale)]).exit_code == 0
    assert stale.read_text(encoding="utf-8") == sdl()


def test_every_list_of_objects_is_a_connection_paged_by_first_and_after() -> None:
    """Nested lists included: a field that gives several objects gives a connection, which takes
    `first` and `after`; the objects themselves are listed only inside a connection type."""
    connections = 0
    for name, kind in SCHEMA.type_map.items():
        if name.startswith("__") or not isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for field_name, field in kind.fields.items():
            returned = get_nullable_type(field.type)
            named = get_named_type(field.type)
            if isinstance(returned, GraphQLList) and isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
                assert name.endswith("Connection"), f"{name}.{field_name} lists objects outside a connection"
            if named.name.endswith("Connection"):
                assert {"first", "after"} <= set(field.args), f"{name}.{field_name} is not paged"
                connections += 1
    assert connections > 20  # nested ones too: a node's neighbours and evidence, a guide's reasons, ...
