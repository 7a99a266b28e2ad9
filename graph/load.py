"""Load and validate the seed content, collecting every problem with its `file:line`.

`load_content(seeds_dir)` reads seeds/sources/sources.yaml, the article texts and
seeds/graph/*.yaml; it returns a `Content` only when nothing is wrong, and otherwise raises
one ContentError counting all problems, so an editor fixes everything in one pass and the
server never starts on half a graph. Each problem goes to `report` as it is found; the
error keeps the first `graph.errors.KEPT_PROBLEMS`, so memory does not grow with the number of problems.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import cast

from graph._checks import Declared, declare, display_name, evidence_of, ids_in_text, locate, validate
from graph._yaml import FileProblem, LineDict, Unplaced, YamlProblem, read_entries, read_plain, read_text
from graph.errors import ContentProblem, OnProblem, Problems, did_you_mean, suggest
from graph.models import (
    SEED_MODELS,
    Edge,
    EdgeSeed,
    Evidence,
    EvidenceSeed,
    Node,
    Retirement,
    RetirementSeed,
    SourceSeed,
    Verdict,
)
from graph.registry import EDGE_KINDS, allowed
from graph.types import EdgeKind

__all__ = ["Article", "Content", "collector_paused", "edge_id", "figure", "load_content"]

EDGES_FILE = "edges.yaml"
# Node ids no longer in use, each with its successor: an id is never reused, and a retired one
# keeps answering (`graph.queries.lookup`). Optional.
RETIRED_FILE = "retired.yaml"
SOURCES_FILE = "sources.yaml"


@dataclass(frozen=True)
class Article:
    """An article's text and where its body ends (character offset, exclusive)."""

    source_id: str
    text: str
    body_end: int


@dataclass(frozen=True)
class Content:
    """Validated content: articles, nodes (sources included) and hand-written edges."""

    articles: dict[str, Article]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    retired: tuple[Retirement, ...] = ()


def edge_id(source: str, kind: str, target: str) -> str:
    """The stable id of an edge: `from--kind--to`.

    >>> edge_id("give-him-space", "addresses", "vulnerability-fatigue")
    'give-him-space--addresses--vulnerability-fatigue'
    """
    return f"{source}--{kind}--{target}"


class _NeedsLines(Exception):
    """A problem was found on the fast path, which knows no lines: load again with them."""


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run a block with Python's cyclic garbage collector off (and restore it after).

    Loading and building allocate millions of small containers that all live on; the
    collector would walk them again and again (a 1M-edge build runs ~2x faster without it,
    and reading a 100 MB content folder ~2.5x faster). They hold no reference cycles.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@dataclass
class _Collector:
    """Accumulates problems; `where` names files relative to the seeds folder's parent.

    With `fast`, files are read without lines where that reads the same (`read_plain`), and
    the first problem stops the load with `_NeedsLines`, so that `load_content` starts over
    with lines and reports every problem as before. Valid content, the common case, is read
    once, fast, through the very same checks.
    """

    root: Path
    fast: bool = False
    problems: Problems = field(default_factory=Problems)
    names: dict[Path, str] = field(default_factory=dict)  # one string per file, shared by its problems
    # One Evidence per distinct (source, quote): a large graph quotes the same sentences
    # again and again, and a frozen Evidence is safely shared.
    located: dict[tuple[str, str], Evidence] = field(default_factory=dict)
    broken_sources: set[str] = field(default_factory=set)
    # When a content file cannot be read at all, the ids it declares are unknown: edge ends
    # that are not found then say nothing, rather than one false report per edge. A file that
    # is text but not YAML gives its ids by a plain scan instead (`recovered`), so an edge
    # that names none of them is still reported.
    unreadable: bool = False
    # Files that could not be read as a list of entries: when sources.yaml is one, every
    # quote's source is unknown, and saying so per quote would bury the one real problem.
    unread: set[Path] = field(default_factory=set)
    recovered: dict[Path, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def sources_unread(self) -> bool:
        return any(p.name == SOURCES_FILE and p.parent.name == "sources" for p in self.unread)

    def add(self, path: Path, line: int, message: str) -> None:
        if self.fast:
            raise _NeedsLines
        self.problems.add(ContentProblem(self.name(path), line, message))

    def name(self, path: Path) -> str:
        name = self.names.get(path)
        if name is None:
            name = self.names[path] = display_name(path, self.root)
        return name


def load_content(seeds_dir: Path, report: OnProblem | None = None) -> Content:
    """Load, locate and validate everything under `seeds_dir`.

    Parameters
    ----------
    seeds_dir
        The folder holding `sources/` and `graph/`.
    report
        Called with each problem as it is found (file by file, entry by entry; orphan
        nodes last, once every edge is read).

    Returns
    -------
    Content
        Articles, nodes and edges, every quote located by character offsets.

    Raises
    ------
    ContentError
        With the count of problems and the first `graph.errors.KEPT_PROBLEMS` found (every one when
        there are no more), each as `file:line: message`.
    """
    seeds_dir = seeds_dir.resolve()
    with collector_paused():
        try:
            return _load(seeds_dir, _Collector(root=seeds_dir.parent, fast=True))
        except _NeedsLines:
            pass  # out of the handler first: its traceback would keep the fast read's data alive
        return _load(seeds_dir, _Collector(root=seeds_dir.parent, problems=Problems(report)))


def _load(seeds_dir: Path, out: _Collector) -> Content:
    # Every id an entry declares, valid or not, with where and what type: later checks use it
    # so one broken node is reported once, not again as a dangling end of each of its edges.
    declared: dict[str, Declared] = {}
    articles, source_nodes = _load_sources(seeds_dir / "sources", declared, out)
    nodes = _load_nodes(seeds_dir / "graph", articles, declared, out)
    edges = _load_edges(seeds_dir / "graph" / EDGES_FILE, articles, declared, out)
    retired = _load_retired(seeds_dir / "graph" / RETIRED_FILE, declared, out)
    for where in declared.values():  # entries refused for another reason included
        if not where.linked and not where.recovered:
            out.add(where.path, where.line, f"orphan node {where.id!r}: no edge starts or ends here")
    out.problems.check()
    return Content(articles=articles, nodes=(*source_nodes, *nodes), edges=tuple(edges), retired=retired)


def _load_sources(
    folder: Path, declared: dict[str, Declared], out: _Collector
) -> tuple[dict[str, Article], list[Node]]:
    path = folder / SOURCES_FILE
    articles: dict[str, Article] = {}
    nodes: list[Node] = []
    for item in _items(path, out):
        seed = validate(SourceSeed, item, path, out)
        if seed is None:
            continue
        if not declare(declared, seed.id, "source", path, item.line, out):
            continue
        declared[seed.id].linked = True  # sources are linked by mentioned_in edges
        article_path = folder / seed.file
        try:
            text = read_text(article_path)
        except FileNotFoundError:
            out.add(path, item.line_of("file"), f"article file {seed.file!r} not found")
            out.broken_sources.add(seed.id)
            continue
        except FileProblem as exc:
            out.add(article_path, exc.line, exc.message)
            out.broken_sources.add(seed.id)
            continue
        lines = text.splitlines(keepends=True)
        if seed.body_end_line is not None and seed.body_end_line > len(lines):
            out.add(
                path,
                item.line_of("body_end_line"),
                f"body_end_line {seed.body_end_line} is past the end of {seed.file} ({len(lines)} lines)",
            )
            out.broken_sources.add(seed.id)
            continue
        body_end = len("".join(lines[: seed.body_end_line])) if seed.body_end_line else len(text)
        articles[seed.id] = Article(seed.id, text, body_end)
        nodes.append(
            Node(
                id=seed.id,
                type="source",
                label=seed.title,
                summary=f"Source article {seed.id}: “{seed.title}”.",
                attributes={
                    "title": seed.title,
                    "author": seed.author,
                    # The original address, only when the content records it: never guessed.
                    "url": seed.url,
                    "url_note": None if seed.url else _URL_UNKNOWN,
                    "file": seed.file,
                    "characters": len(text),
                    "body_end": body_end,
                },
            )
        )
    return articles, nodes


_URL_UNKNOWN = "The article's original URL is not known; the text served is the copy in the content."


def _load_nodes(
    folder: Path, articles: dict[str, Article], declared: dict[str, Declared], out: _Collector
) -> list[Node]:
    nodes: list[Node] = []
    node_files = 0
    for path in sorted(folder.glob("*.yaml")):
        if path.name in (EDGES_FILE, RETIRED_FILE):
            continue
        model = SEED_MODELS.get(path.name)
        if model is None:
            known = ", ".join(sorted([*SEED_MODELS, EDGES_FILE, RETIRED_FILE]))
            out.add(path, 1, f"unknown content file {path.name!r}; expected one of {known}")
            continue
        node_type = model.model_fields["type"].default
        node_files += 1
        entries = 0
        for item in _items(path, out):
            entries += 1
            if not declare(declared, item.get("id"), node_type, path, item.line, out):
                continue
            seed = validate(model, item, path, out)
            if seed is None:
                _locate_all(evidence_of(item), path, articles, out)  # its quotes are checked all the same
                continue
            data = seed.model_dump(exclude={"id", "type", "label", "summary", "aliases", "evidence", "hub", "verdict"})
            if "advice" in data:  # the served `polarity` older clients read, derived: never written twice
                data["polarity"] = "dont" if data["advice"] == "warned_against" else "do"
            if "low" in data:  # whole numbers stay whole (3, not 3.0); `value` is the figure as text
                for end in ("low", "high"):
                    if isinstance(data.get(end), float) and data[end].is_integer():
                        data[end] = int(data[end])
                data["value"] = figure(data["low"], data.get("high"))
            evidence = _locate_all(evidence_of(item, seed.evidence), path, articles, out)
            verdict = _verdict(seed, item, path, articles, out)
            nodes.append(
                Node(
                    id=seed.id,
                    type=seed.type,  # type: ignore[attr-defined]
                    label=seed.label,
                    summary=seed.summary,
                    aliases=seed.aliases,
                    evidence=evidence,
                    attributes={k: v for k, v in data.items() if v is not None},
                    hub=getattr(seed, "hub", False),
                    verdict=verdict,
                )
            )
        for node_id, line in out.recovered.get(path, ()):
            if declare(declared, node_id, node_type, path, line, out):
                declared[node_id].recovered = True
        if not entries and path not in out.unread:
            # An empty file is more often a truncation than an intent: a type that goes away
            # goes with its file.
            out.add(path, 1, "no entries: a content file lists at least one (delete the file to drop its type)")
    if not node_files:
        known = ", ".join(sorted(SEED_MODELS))
        where = "no graph folder" if not folder.is_dir() else "no node files"
        out.add(folder, 1, f"{where}: content needs at least one of {known}")
    return nodes


def figure(low: float, high: float | None) -> str:
    """A statistic's number or range as text.

    >>> figure(3, 7), figure(88, None), figure(2.5, None)
    ('3–7', '88', '2.5')
    """
    return f"{low:g}" if high is None else f"{low:g}–{high:g}"


def _verdict(seed: object, item: LineDict, path: Path, articles: dict[str, Article], out: _Collector) -> Verdict | None:
    """A sign's verdict with its quotes located (at the lines of the verdict's own evidence)."""
    written = getattr(seed, "verdict", None)
    if written is None:
        return None
    raw = item.get("verdict")
    where = raw if isinstance(raw, LineDict) else item
    evidence = _locate_all(evidence_of(where, written.evidence), path, articles, out)
    return Verdict(kind=written.kind, evidence=evidence)


def _load_edges(path: Path, articles: dict[str, Article], declared: dict[str, Declared], out: _Collector) -> list[Edge]:
    edges: list[Edge] = []
    seen: dict[str, int] = {}
    for item in _items(path, out) if path.exists() else ():
        for key in ("from", "to"):
            named = declared.get(str(item.get(key)))
            if named is not None:
                named.linked = True
        seed = validate(EdgeSeed, item, path, out)
        if seed is None:
            _locate_all(evidence_of(item), path, articles, out)
            continue
        ok = True
        spec = EDGE_KINDS.get(cast(EdgeKind, seed.kind))
        if spec is None or spec.derived:
            hand = sorted(k for k, s in EDGE_KINDS.items() if not s.derived)
            out.add(path, item.line_of("kind"), f"unknown edge kind {seed.kind!r}; expected one of {', '.join(hand)}")
            ok = False
        for key, end in (("from", seed.from_), ("to", seed.to)):
            if end not in declared:
                ok = False
                if out.unreadable:
                    continue
                close = did_you_mean(suggest(end, declared))
                out.add(path, item.line_of(key), f"dangling edge end: no node with id {end!r}{close}")
        if ok and spec is not None:
            a, b = declared[seed.from_].type, declared[seed.to].type
            if not allowed(spec.kind, a, b):  # type: ignore[arg-type]
                out.add(path, item.line_of("kind"), f"edge kind {seed.kind!r} is not allowed from {a} to {b}")
                ok = False
        if seed.from_ == seed.to:
            out.add(path, item.line, f"edge from {seed.from_!r} to itself")
            ok = False
        if seed.basis == "editorial":
            if seed.evidence:
                out.add(path, item.line_of("basis"), "an editorial edge carries a note, not evidence")
                ok = False
            if seed.note is None:
                out.add(path, item.line_of("basis"), "an editorial edge needs a one-line note")
                ok = False
        elif not seed.evidence:
            out.add(path, item.line, "edge has no evidence: quote it, or set basis: editorial with a note")
            ok = False
        if seed.kind == "contradicts" and seed.about is None:
            out.add(path, item.line, "a contradicts edge needs `about`: one sentence on what the two sides disagree on")
            ok = False
        elif seed.kind != "contradicts" and seed.about is not None:
            out.add(path, item.line_of("about"), "only a contradicts edge carries `about`")
            ok = False
        evidence = _locate_all(evidence_of(item, seed.evidence), path, articles, out)
        if not ok or spec is None:
            continue
        # The declared id strings, not the edge's own copies: one string per node id in memory.
        a, b = declared[seed.from_].id, declared[seed.to].id
        ends = sorted((a, b)) if spec.symmetric else [a, b]
        key = edge_id(ends[0], spec.kind, ends[1])
        if key in seen:
            out.add(path, item.line, f"duplicate edge {key!r} (first at line {seen[key]})")
            continue
        seen[key] = item.line
        edges.append(
            Edge(
                id=edge_id(a, spec.kind, b),
                kind=spec.kind,
                source=a,
                target=b,
                evidence=evidence,
                basis=seed.basis,
                note=seed.note,
                about=seed.about,
            )
        )
    return edges


def _load_retired(path: Path, declared: dict[str, Declared], out: _Collector) -> tuple[Retirement, ...]:
    """The retired ids: never a live node's id, never twice, each successor a live node."""
    found: dict[str, Retirement] = {}
    for item in _items(path, out) if path.exists() else ():
        seed = validate(RetirementSeed, item, path, out)
        if seed is None:
            continue
        if seed.id in declared:
            where = declared[seed.id]
            out.add(
                path, item.line_of("id"), f"retired id {seed.id!r} is a node's id ({out.name(where.path)}:{where.line})"
            )
            continue
        if seed.id in found:
            out.add(path, item.line_of("id"), f"id {seed.id!r} is retired twice")
            continue
        if seed.replaced_by is not None and seed.replaced_by not in declared:
            out.add(path, item.line_of("replaced_by"), f"replaced_by names no node: {seed.replaced_by!r}")
            continue
        found[seed.id] = Retirement(seed.id, seed.replaced_by, seed.note)
    return tuple(found.values())


def _items(path: Path, out: _Collector) -> Iterator[LineDict]:
    """The mappings of a YAML list file; anything else is reported at its line."""
    if out.fast and path.is_file():
        plain = read_plain(path)
        if isinstance(plain, list) and all(type(item) is dict for item in plain):
            # Entries are handed on one at a time and dropped: the raw data goes as it is used.
            plain.reverse()
            while plain:
                yield Unplaced(plain.pop())
            return
    try:
        for index, (item, line) in enumerate(read_entries(path)):
            if isinstance(item, LineDict):
                yield item
            else:
                out.add(path, line, f"entry {index + 1} is not a mapping")
    except FileNotFoundError:
        out.unread.add(path)
        out.add(path, 1, "file not found")
    except YamlProblem as exc:
        # The entries before the fault were checked; the ids of the rest are read from the text.
        out.unread.add(path)
        out.add(path, exc.line, exc.message)
        out.recovered[path] = [(i, n) for i, n in ids_in_text(read_text(path)) if n >= exc.unread_from]
    except FileProblem as exc:  # NotAList among them
        out.unread.add(path)
        out.add(path, exc.line, exc.message)
        out.unreadable = True


def _locate_all(
    seeds: list[tuple[EvidenceSeed, int]], path: Path, articles: dict[str, Article], out: _Collector
) -> tuple[Evidence, ...]:
    located = []
    for seed, line in seeds:
        found = out.located.get((seed.source, seed.quote))
        if found is None:
            article = articles.get(seed.source)
            text, end = (article.text, article.body_end) if article is not None else (None, 0)
            # A source whose entry failed is reported there; with no readable sources.yaml, all are unknown.
            broken = seed.source in out.broken_sources or out.sources_unread
            found = locate(seed, text, end, broken, partial(out.add, path, line))
            if found is not None:
                out.located[found.source, found.quote] = found
        if found is not None:
            located.append(found)
    return tuple(located)
