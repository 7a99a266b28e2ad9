"""openapi.yaml is generated from the app and committed; any drift fails here."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.openapi import openapi_yaml
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_committed_openapi_matches_the_app() -> None:
    committed = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert committed == openapi_yaml(create_app(Settings())), "run `make openapi` and commit openapi.yaml"


def test_every_operation_has_an_id_and_declares_its_errors() -> None:
    doc = create_app(Settings()).openapi()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert op.get("operationId"), f"{method} {path}"
            assert "422" in op["responses"], f"{method} {path}"
            problem = op["responses"]["422"]["content"]
            assert list(problem) == ["application/problem+json"]


def test_openapi_check_fails_on_drift(tmp_path: Path) -> None:
    stale = tmp_path / "openapi.yaml"
    stale.write_text("openapi: 3.1.0\n")
    result = CliRunner().invoke(cli, ["openapi", "--check", "--output", str(stale)])
    assert result.exit_code == 1
    assert "out of date" in result.output


def test_openapi_writes_then_checks_clean(tmp_path: Path) -> None:
    target = tmp_path / "openapi.yaml"
    assert CliRunner().invoke(cli, ["openapi", "--output", str(target)]).exit_code == 0
    result = CliRunner().invoke(cli, ["openapi", "--check", "--output", str(target)])
    assert (result.exit_code, "matches" in result.output) == (0, True)


def test_every_operation_has_a_response_example() -> None:
    doc = create_app(Settings()).openapi()
    schemas = doc["components"]["schemas"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            content = op["responses"]["200"]["content"]["application/json"]
            ref = content["schema"].get("$ref", "").split("/")[-1]
            assert "example" in content or schemas.get(ref, {}).get("examples"), f"{method} {path}"
