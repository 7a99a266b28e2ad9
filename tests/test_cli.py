"""The `distance` command line."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from api.cli import app as cli

ROOT = Path(__file__).resolve().parent.parent


def test_check_prints_counts_for_valid_content(seeds: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--seeds", str(seeds)])
    assert result.exit_code == 0
    assert "content is valid" in result.output
    assert "indicates" in result.output


def test_check_prints_every_problem_and_exits_1(seeds: Path) -> None:
    signs = seeds / "graph" / "signs.yaml"
    signs.write_text(signs.read_text().replace("more slowly", "more slowlyy"))
    result = CliRunner().invoke(cli, ["check", "--seeds", str(seeds)])
    assert result.exit_code == 1
    assert "seeds/graph/signs.yaml:7: quote not found in 000" in result.output
    assert "1 content problem" in result.output


def test_export_node_link_carries_content_version(seeds: Path, tmp_path: Path) -> None:
    target = tmp_path / "graph.json"
    result = CliRunner().invoke(cli, ["export", "--seeds", str(seeds), "--format", "node-link", "-o", str(target)])
    assert result.exit_code == 0
    data = orjson.loads(target.read_bytes())
    assert len(data["graph"]["content_version"]) == 64
    assert {n["id"] for n in data["nodes"]} >= {"oxytocin", "000"}
