"""The `distance` command line."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from api.cli import app as cli
from graph.exports import EXPORT_FORMATS

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


def test_check_suggests_the_closest_id_for_a_dangling_edge_end(seeds: Path) -> None:
    edges = seeds / "graph" / "edges.yaml"
    edges.write_text(edges.read_text().replace("  to: oxytocin\n", "  to: oxytocn\n", 1))
    result = CliRunner().invoke(cli, ["check", "--seeds", str(seeds)])
    assert result.exit_code == 1
    assert "dangling edge end: no node with id 'oxytocn'; did you mean oxytocin?" in result.output


def test_export_node_link_carries_content_version(seeds: Path, tmp_path: Path) -> None:
    target = tmp_path / "graph.json"
    result = CliRunner().invoke(cli, ["export", "--seeds", str(seeds), "--format", "node-link", "-o", str(target)])
    assert result.exit_code == 0
    data = orjson.loads(target.read_bytes())
    assert len(data["graph"]["content_version"]) == 64
    assert {n["id"] for n in data["nodes"]} >= {"oxytocin", "000"}


def test_export_jsonld_to_stdout_carries_content_version(seeds: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "--seeds", str(seeds), "--format", "jsonld"])
    assert result.exit_code == 0
    document = orjson.loads(result.stdout_bytes)
    assert "@context" in document
    scheme = next(item for item in document["@graph"] if item["@type"] == ["skos:ConceptScheme"])
    assert len(scheme["dcterms:hasVersion"]) == 64


def test_export_takes_exactly_the_registry_formats(seeds: Path) -> None:
    listed = CliRunner().invoke(cli, ["export", "--list"])
    assert listed.exit_code == 0
    assert [line.split("`")[1] for line in listed.stdout.splitlines()[2:]] == list(EXPORT_FORMATS)
    refused = CliRunner().invoke(cli, ["export", "--seeds", str(seeds), "--format", "gexf"])
    assert refused.exit_code == 2
    assert "gexf" in refused.output


def test_check_names_unreadable_files_at_their_line_never_a_traceback(seeds: Path) -> None:
    (seeds / "graph" / "questions.yaml").write_text("[" * 20000 + "]" * 20000 + "\n", encoding="utf-8")
    signs = seeds / "graph" / "signs.yaml"
    signs.write_bytes(signs.read_bytes() + "é".encode()[:1])
    (seeds / "graph" / "reasons.yaml").unlink()
    (seeds / "graph" / "reasons.yaml").mkdir()
    result = CliRunner().invoke(cli, ["check", "--seeds", str(seeds)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for said in (
        "questions.yaml:1: collections are nested more than 100 deep",
        "signs.yaml:8: the file is cut short in the middle of a UTF-8 character",
        "reasons.yaml:1: a directory where a file should be",
    ):
        assert said in " ".join(result.output.split()), result.output


def test_check_report_prints_coverage_tables(seeds: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--seeds", str(seeds), "--report"], env={"COLUMNS": "160"})
    assert result.exit_code == 0
    assert "coverage by article" in result.output
    assert "Second tiny article" in result.output
    assert "reason 1" in result.output
    assert "67%" in result.output
    assert result.output.rstrip().endswith("content is valid")


def test_serve_names_a_bad_setting_and_exits_2(seeds: Path) -> None:
    result = CliRunner().invoke(
        cli, ["serve", "--seeds", str(seeds), "--port", "0"], env={"DISTANCE_MAX_CONCURRENCY": "lots"}
    )
    assert result.exit_code == 2
    assert "invalid setting max_concurrency (DISTANCE_MAX_CONCURRENCY)" in result.output


def test_check_lint_prints_each_warning_as_file_line_and_exits_1(seeds: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--seeds", str(seeds), "--lint"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "seeds/graph/concepts.yaml:1: node 'oxytocin' has a single edge" in result.stderr
    assert "(0 allowed by lint-allow.yaml)" in result.stderr


def test_check_lint_passes_when_the_allow_list_covers_every_warning(seeds: Path) -> None:
    from graph.build import load_graph
    from graph.lint import lint

    warnings = lint(load_graph(seeds), seeds).warnings
    entries = "".join(
        f"- code: {w.code}\n  subject: {w.subject!r}\n  reason: Accepted in this test.\n" for w in warnings
    )
    (seeds / "lint-allow.yaml").write_text(entries, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--seeds", str(seeds), "--lint"])
    assert result.exit_code == 0, result.stderr
    assert f"lint: no warnings ({len(warnings)} allowed by lint-allow.yaml)" in result.stdout


def test_release_records_the_content_once_and_prints_the_changelog(seeds: Path) -> None:
    first = CliRunner().invoke(cli, ["release", "--seeds", str(seeds)])
    assert first.exit_code == 0, first.output
    [path] = (seeds / "releases").iterdir()
    assert f"as seeds/releases/{path.name}" in first.output
    again = CliRunner().invoke(cli, ["release", "--seeds", str(seeds)])
    assert again.exit_code == 0
    assert "is already released" in again.output
    assert "nothing was written" in again.output
    assert list((seeds / "releases").iterdir()) == [path]
    table = CliRunner().invoke(cli, ["release", "--seeds", str(seeds), "--changelog"])
    assert table.exit_code == 0
    assert table.stdout.splitlines()[2].endswith("| first release | – | – |")
    checked = CliRunner().invoke(cli, ["check", "--seeds", str(seeds)])
    assert "releases: 1; the content served is released" in checked.output


def test_check_and_release_name_a_corrupt_snapshot_and_exit_1(seeds: Path) -> None:
    assert CliRunner().invoke(cli, ["release", "--seeds", str(seeds)]).exit_code == 0
    [path] = (seeds / "releases").iterdir()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(lines[0] + "{ not json\n" + "".join(lines[2:]), encoding="utf-8")
    for command in ("check", "release"):
        result = CliRunner().invoke(cli, [command, "--seeds", str(seeds)])
        assert result.exit_code == 1
        assert f"seeds/releases/{path.name}:2: not JSON" in result.output
        assert "Traceback" not in result.output


def test_serve_refuses_a_webhook_to_a_private_address_naming_the_entry(seeds: Path, tmp_path: Path) -> None:
    hooks = tmp_path / "webhooks.yaml"
    secret = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
    hooks.write_text(f"- url: http://10.0.0.8/hook\n  secret: {secret}\n  topics: [content.changed]\n")
    result = CliRunner().invoke(
        cli, ["serve", "--seeds", str(seeds), "--port", "0"], env={"DISTANCE_WEBHOOKS": str(hooks)}
    )
    assert result.exit_code == 2
    assert (
        f"{hooks}:1: entry 1: url http://10.0.0.8/hook names a loopback, private or reserved address" in result.output
    )


def test_webhooks_prints_each_delivery_from_the_log(tmp_path: Path) -> None:
    from api.process.webhooks import Deliveries, Endpoint, read_deliveries
    from tests.live import wait_for

    log = tmp_path / "webhooks.jsonl"
    down = Endpoint("http://127.0.0.1:9/hook", b"k" * 24, frozenset({"content.changed"}), "entry 1")
    deliveries = Deliveries([down], log, first_backoff=0.05, retry_seconds=0.1)
    deliveries.submit("content.changed", "content.changed:aaa..bbb", {})
    wait_for(lambda: [d.outcome for d in read_deliveries(log)] == ["failed"], 10, "the failed delivery")
    deliveries.close()
    result = CliRunner().invoke(cli, ["webhooks", "--log", str(log)])
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    assert "content.changed" in line
    assert "failed" in line
    assert "status -" in line
    assert "http://127.0.0.1:9/hook  content.changed:aaa..bbb" in line
    empty = CliRunner().invoke(cli, ["webhooks", "--log", str(tmp_path / "none.jsonl")])
    assert "no webhook deliveries in" in empty.output
