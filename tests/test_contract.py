"""openapi.yaml is generated from the app and committed; any drift fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.contract.openapi import openapi_yaml
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
            media = op["responses"]["200"]["content"]
            # the article text is plain; /v1/events is a stream
            content = media.get("application/json") or media.get("text/plain") or media["text/event-stream"]
            ref = content["schema"].get("$ref", "").split("/")[-1]
            assert "example" in content or schemas.get(ref, {}).get("examples"), f"{method} {path}"


def test_the_contract_does_not_depend_on_the_content(seeds: Path) -> None:
    """Other content (other signs, other counts) gives the very same contract."""
    from graph.build import load_graph

    shipped, tiny = create_app(Settings()), create_app(Settings(seeds_dir=seeds))
    assert set(load_graph(seeds).by_type["sign"]) != set(load_graph(Settings().seeds_dir).by_type["sign"])
    assert openapi_yaml(tiny) == openapi_yaml(shipped)


def test_building_the_contract_reads_no_content_file() -> None:
    """Importing api/ and writing the contract opens nothing under seeds/ (audited in a fresh interpreter)."""
    probe = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == 'open' else None)\n"
        "from api.app import create_app\n"
        "from api.contract.openapi import openapi_yaml\n"
        "from api.settings import Settings\n"
        "openapi_yaml(create_app(Settings()))\n"
        "print('\\n'.join(p for p in opened if '/seeds/' in p))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == ""
