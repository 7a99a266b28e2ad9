"""The `distance` command: serve, check, openapi, export, release, webhooks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from api.settings import DEFAULT_SEEDS_DIR, Settings
from graph.build import KnowledgeGraph
from graph.errors import ContentError, ContentProblem
from graph.exports import EXPORT_FORMATS
from graph.intake import LoadFailed, load_apart
from graph.registry import EDGE_KINDS
from graph.types import NODE_TYPES

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from graph.report import Report

# rich, the report and the exporters are imported by the commands that use them: `distance
# serve` must reach its first 200 fast, and each import here is paid before the port opens.

__all__ = ["app", "main"]

app = typer.Typer(
    help="Distance: a headless content API over a knowledge graph of five articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


SeedsOption = Annotated[
    Path,
    typer.Option("--seeds", help="Content folder holding sources/ and graph/.", envvar="DISTANCE_SEEDS_DIR"),
]


def _export_format(value: str) -> str:
    """`--format` takes exactly the registry's names (graph.exports.FORMATS)."""
    if value not in EXPORT_FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(EXPORT_FORMATS)}")
    return value


FormatOption = Annotated[
    str,
    typer.Option("--format", "-f", help="Export format.", parser=_export_format, metavar="|".join(EXPORT_FORMATS)),
]


def _import_app() -> None:
    import api.app.factory  # noqa: F401 - imported for its cost, paid now


def _load_or_exit(seeds: Path, meanwhile: Callable[[], object] | None = None) -> KnowledgeGraph:
    """Load the graph (its releases with it), or print every problem as `file:line: message` and exit 1.

    Loaded in a child process (`graph.intake`): content that crashes a parser is one more
    problem named by its file, never a crash of this command. Each problem is printed as the
    loader finds it (file by file, orphan nodes last), never all held at once.
    """
    lines = _Lines()
    try:
        return load_apart(seeds, meanwhile, below_serving=False, report=lines.add)  # nothing of ours serves yet
    except LoadFailed as exc:
        lines.flush()
        _console(stderr=True).print(f"loading {seeds} failed: {exc}; nothing was served.", markup=False)
        raise typer.Exit(1) from None
    except ContentError as exc:
        lines.flush()
        noun = "problem" if exc.count == 1 else "problems"
        _console(stderr=True).print(f"{exc.count} content {noun} in {seeds}; nothing was served.", markup=False)
        raise typer.Exit(1) from None


class _Lines:
    """Problems written to stderr as plain lines, a thousand per write (rich took 20 s for 100,000)."""

    def __init__(self) -> None:
        self.pending: list[str] = []

    def add(self, problem: ContentProblem) -> None:
        self.pending.append(f"{problem}\n")
        if len(self.pending) >= 1000:
            self.flush()

    def flush(self) -> None:
        sys.stderr.write("".join(self.pending))
        sys.stderr.flush()
        self.pending.clear()


@app.command()
def check(
    seeds: SeedsOption = DEFAULT_SEEDS_DIR,
    report: Annotated[
        bool, typer.Option("--report", help="Also print coverage: what cites each article, quoted and editorial edges.")
    ] = False,
    lint: Annotated[
        bool,
        typer.Option("--lint", help="Also run the editorial lint; exit 1 on a warning not in seeds/lint-allow.yaml."),
    ] = False,
) -> None:
    """Validate the content; print counts per node type and edge kind, or every error."""
    from rich.table import Table

    from graph.report import coverage_report

    kg = _load_or_exit(seeds)
    out = _console()
    table = Table(title=f"content {kg.content_version[:16]}")
    table.add_column("node type")
    table.add_column("count", justify="right")
    for node_type in NODE_TYPES:
        table.add_row(node_type, str(kg.node_counts[node_type]))
    table.add_row("[b]total[/b]", str(len(kg.nodes)))
    kinds = Table()
    kinds.add_column("edge kind")
    kinds.add_column("count", justify="right")
    for kind in EDGE_KINDS:
        kinds.add_row(kind, str(kg.edge_counts.get(kind, 0)))
    kinds.add_row("[b]total[/b]", str(len(kg.edges)))
    out.print(table, kinds)
    _print_releases(kg)
    if report:
        _print_report(coverage_report(kg))
    out.print("content is valid")
    if lint:
        _lint_or_exit(kg, seeds)


def _print_releases(kg: KnowledgeGraph) -> None:
    from graph.releases import served_release

    served = served_release(kg)
    state = f"released {served.released_at} ({served.file})" if served else "not released yet (`distance release`)"
    _console().print(f"releases: {len(kg.releases)}; the content served is {state}", markup=False)


def _lint_or_exit(kg: KnowledgeGraph, seeds: Path) -> None:
    """Print every editorial warning as `file:line: message`; exit 1 if one is not allowed."""
    from graph.lint import ALLOW_FILE, lint

    result = lint(kg, seeds)
    out, err = _console(), _console(stderr=True)
    failing = result.failing
    for warning in failing:
        err.print(str(warning), markup=False, soft_wrap=True)
    allowed = f"{len(result.allowed)} allowed by {ALLOW_FILE}"
    if failing:
        noun = "warning" if len(failing) == 1 else "warnings"
        err.print(f"lint: {len(failing)} {noun} ({allowed})", markup=False)
        raise typer.Exit(1)
    out.print(f"lint: no warnings ({allowed})", markup=False)


def _print_report(report: Report) -> None:
    """The coverage report as two tables: per article, and hand-written edges by basis."""
    from rich.table import Table

    articles = Table(title="coverage by article")
    articles.add_column("source")
    articles.add_column("title")
    articles.add_column("nodes", justify="right")
    articles.add_column("edges", justify="right")
    articles.add_column("node types backed")
    for source in report.sources:
        backed = ", ".join(f"{t} {n}" for t, n in source.nodes_by_type.items()) or "-"
        articles.add_row(source.source_id, source.title, str(source.nodes), str(source.edges), backed)
    edges = Table(title="hand-written edges")
    edges.add_column("basis")
    edges.add_column("count", justify="right")
    edges.add_column("share", justify="right")
    total = report.quoted_edges + report.editorial_edges
    edges.add_row("quoted", str(report.quoted_edges), f"{report.quoted_share:.0%}")
    edges.add_row("editorial", str(report.editorial_edges), f"{report.editorial_share:.0%}")
    edges.add_row("[b]total[/b]", str(total), "")
    _console().print(articles, edges)


@app.command()
def serve(
    seeds: SeedsOption = DEFAULT_SEEDS_DIR,
    host: Annotated[str, typer.Option(envvar="HOST", help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to listen on.", min=0, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    watch: Annotated[
        bool, typer.Option("--watch", envvar="DISTANCE_WATCH", help="Reload the content when a seed file changes.")
    ] = False,
) -> None:
    """Validate the content, then serve it (granian, N worker processes); on bad content the port never opens.

    `distance reload PID` reloads the content in place (so does a file change with --watch);
    SIGHUP reloads it and restarts the workers. Invalid new content is refused, logged as
    `file:line`, and the old content goes on serving, in every worker. SIGTERM lets requests
    in flight finish (up to DISTANCE_SHUTDOWN_TIMEOUT seconds) before the process exits. A
    worker that dies is replaced on the last good content (see `api.process.serve`).
    """
    from api.process.serve import serve as run_server

    # The app's imports (FastAPI, the routes, the wire shapes) are made here while the content loads in
    # its child, on the other core, not after it in each worker: workers fork with them made.
    kg = _load_or_exit(seeds, meanwhile=_import_app)
    settings = _settings_or_exit(seeds_dir=seeds, host=host, port=port, workers=workers, watch=watch)
    _webhooks_or_exit(settings)
    run_server(settings, kg)


@app.command()
def reload(
    pid: Annotated[int, typer.Argument(help="The process id `distance serve` logged at start.", min=1)],
    confirm: Annotated[
        bool, typer.Option("--confirm", help="Accept new content that removes most of the nodes served.")
    ] = False,
) -> None:
    """Reload the content of a running `distance serve` in place (SIGUSR1): no connection is closed.

    The server logs the outcome: invalid content is refused with every `file:line`, and the old
    content goes on serving; so is content that removes most of the nodes served, unless
    `--confirm` (SIGUSR2) says it is meant.
    """
    import os
    import signal

    try:
        os.kill(pid, signal.SIGUSR2 if confirm else signal.SIGUSR1)
    except ProcessLookupError:
        _console(stderr=True).print(f"no process {pid}", markup=False)
        raise typer.Exit(1) from None


def _webhooks_or_exit(settings: Settings) -> None:
    """The webhooks file (DISTANCE_WEBHOOKS) must be usable before the port opens: else every
    problem, naming its entry, and exit 2."""
    from api.process.webhooks import WebhookConfigError, read_endpoints

    if settings.webhooks is None:
        return
    try:
        read_endpoints(settings.webhooks)
    except WebhookConfigError as exc:
        err = _console(stderr=True)
        for problem in exc.problems:
            err.print(problem, markup=False)
        err.print("invalid setting webhooks (DISTANCE_WEBHOOKS); nothing was served", markup=False)
        raise typer.Exit(2) from None


def _settings_or_exit(**given: Any) -> Settings:
    """Settings from the options and `DISTANCE_*` variables, or each bad one named and exit 2."""
    try:
        return Settings(**given)
    except ValidationError as exc:
        err = _console(stderr=True)
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "?"
            err.print(f"invalid setting {name} (DISTANCE_{name.upper()}): {error['msg']}", markup=False)
        raise typer.Exit(2) from None


@app.command()
def openapi(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where the contract lives.")] = Path("openapi.yaml"),
    check_only: Annotated[bool, typer.Option("--check", help="Exit 1 if the file differs from the app.")] = False,
) -> None:
    """Write openapi.yaml from the app, or with --check fail on drift."""
    from api.app import create_app
    from api.contract.openapi import openapi_yaml

    _write_or_check(output, openapi_yaml(create_app(Settings())), check_only, "distance openapi", "the app")


@app.command("graphql-schema")
def graphql_schema(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where the SDL lives.")] = Path(
        "api/contract/schema.graphql"
    ),
    check_only: Annotated[bool, typer.Option("--check", help="Exit 1 if the file differs from the schema.")] = False,
) -> None:
    """Write the GraphQL schema's SDL from the code, or with --check fail on drift."""
    from api.contract.graphql import sdl

    _write_or_check(output, sdl(), check_only, "distance graphql-schema", "the schema")


def _write_or_check(output: Path, text: str, check_only: bool, command: str, source: str) -> None:
    """Write a generated contract file, or with `check_only` exit 1 when the committed one drifted."""
    out, err = _console(), _console(stderr=True)
    if check_only:
        current = output.read_text(encoding="utf-8") if output.is_file() else ""
        if current != text:
            err.print(f"{output} is out of date: run `{command}` and commit it", markup=False)
            raise typer.Exit(1)
        out.print(f"{output} matches {source}")
        return
    output.write_text(text, encoding="utf-8")
    out.print(f"wrote {output}")


@app.command()
def export(
    seeds: SeedsOption = DEFAULT_SEEDS_DIR,
    format: FormatOption = EXPORT_FORMATS[0],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write; default stdout.")] = None,
    list_formats: Annotated[bool, typer.Option("--list", help="Print the formats as a table and exit.")] = False,
    base_url: Annotated[
        str,
        typer.Option(
            envvar="DISTANCE_BASE_URL",
            help="Where the API is served: RDF identifiers are URLs under it (default: where `make run` serves).",
        ),
    ] = "",
) -> None:
    """Export the whole graph in one of the formats `--list` shows, with content_version."""
    from api.app import urls
    from graph.exports import export as export_graph
    from graph.exports import formats_table

    if list_formats:
        sys.stdout.write(formats_table())
        return
    kg = _load_or_exit(seeds)
    base = _settings_or_exit(seeds_dir=seeds, base_url=base_url).public_base
    body = export_graph(kg, format, urls.iris(base), indent=True)
    if output is None:
        sys.stdout.buffer.write(body)
    else:
        output.write_bytes(body)


@app.command()
def release(
    seeds: SeedsOption = DEFAULT_SEEDS_DIR,
    changelog: Annotated[
        bool, typer.Option("--changelog", help="Print the releases as the README's Markdown table instead.")
    ] = False,
) -> None:
    """Record the content as it is served as a release under seeds/releases/ (commit it with the content).

    Releasing content that is already released writes nothing and says so. A server running
    with --watch (or sent SIGHUP) then lists the release at /v1/releases.
    """
    from graph.releases import changelog as changelog_table
    from graph.releases import release as record

    kg = _load_or_exit(seeds)
    if changelog:
        sys.stdout.write(changelog_table(kg.releases))
        return
    made, written = record(kg, seeds)
    out = _console()
    if not written:
        out.print(
            f"content {kg.content_version[:12]} is already released ({made.released_at}, {made.file}); "
            "nothing was written",
            markup=False,
        )
        return
    out.print(f"released content {kg.content_version[:12]} at {made.released_at} as {made.file}", markup=False)
    out.print("commit it with the content, and paste `distance release --changelog` into the README", markup=False)


@app.command()
def webhooks(
    log: Annotated[
        Path | None,
        typer.Option("--log", help="The delivery log (default: webhooks.jsonl under DISTANCE_RUN_DIR, build/run)."),
    ] = None,
) -> None:
    """Print every webhook delivery a server made: when, topic, event id, URL, attempts, last status, outcome."""
    from api.process.webhooks import read_deliveries

    path = log if log is not None else _settings_or_exit().run_dir / "webhooks.jsonl"
    found = read_deliveries(path)
    out = _console()
    if not found:
        out.print(f"no webhook deliveries in {path}", markup=False)
        return
    for d in found:
        status = "-" if d.status is None else str(d.status)
        out.print(
            f"{d.first}  {d.topic:<16}  {d.outcome:<9}  attempts {d.attempts:<2}  status {status:<3}  "
            f"last {d.last}  {d.url}  {d.id}",
            markup=False,
        )


def main() -> None:
    """Console-script entry point."""
    app()
