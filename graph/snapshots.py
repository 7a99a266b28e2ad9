"""Release snapshots on disk: their format, and reading them back validated, every problem at its line.

A release (`distance release`, `graph.releases`) is one JSON Lines file under
`seeds/releases/`, named `<date>-<content_version[:12]>.jsonl` and committed with the content:

    {"format": "distance-release/1", "content_version": "…", "released_at": "2026-12-03T08:45:00Z",
     "nodes": 424, "edges": 751, "digest": "…"}
    {"node": "oxytocin", "type": "concept", "label": "Oxytocin", "fields": {"aliases": "9f0c…", …}}
    {"edge": "a--indicates--b", "kind": "indicates", "fields": {"basis": "…", "evidence": "…", …}}

Line 1 is the header; then one line per node and per edge, in id order. A record keeps, for
every field the API serves, a short digest of its value (`graph.releases.field_digest`): enough
to name what changed between two releases, a fraction of the content's size, and a one-line
diff in git when one node changes. A node's type and label are kept in clear as well, so a
removed node can still be named to a reader. The header's `digest` covers every record, so a
file cut short or edited by hand is refused rather than misreported.

`read_releases` reads every file and raises one ContentError with every problem as
`file:line: message`, like the content loader: the server never starts on a half-read history.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from graph._checks import display_name, error_message
from graph._yaml import FileProblem, read_text
from graph.errors import ContentProblem, OnProblem, Problems
from graph.types import EdgeKind, NodeType

__all__ = [
    "FORMAT",
    "RELEASES_DIR",
    "Record",
    "Release",
    "Snapshot",
    "dump_release",
    "read_releases",
    "release_name",
]

FORMAT: Final = "distance-release/1"
RELEASES_DIR: Final = "releases"
_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-([0-9a-f]{12})\.jsonl$")
_HEX64 = r"^[0-9a-f]{64}$"
_WHEN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


@dataclass(frozen=True)
class Record:
    """One node or edge as a release keeps it: its type (an edge's kind), a node's label, and a
    digest per served field."""

    id: str
    type: str
    label: str | None
    fields: Mapping[str, str]

    def changed_fields(self, other: Record) -> tuple[str, ...]:
        """The fields whose value differs from `other`'s (one only one of them has included), sorted."""
        names = {*self.fields, *other.fields}
        changed = {name for name in names if self.fields.get(name) != other.fields.get(name)}
        if self.type != other.type:
            changed.add("type")
        if self.label != other.label:
            changed.add("label")
        return tuple(sorted(changed))


@dataclass(frozen=True)
class Snapshot:
    """Every node and every edge of a graph as records, by id."""

    nodes: Mapping[str, Record]
    edges: Mapping[str, Record]


@dataclass(frozen=True)
class Release:
    """A recorded release: which content, when (UTC, ISO 8601), its file and its snapshot."""

    content_version: str
    released_at: str
    file: str
    snapshot: Snapshot


def release_name(content_version: str, released_at: str) -> str:
    """The file name of a release: `<date>-<content_version[:12]>.jsonl`.

    >>> release_name("ab" * 32, "2026-12-03T08:45:00Z")
    '2026-12-03-abababababab.jsonl'
    """
    return f"{released_at[:10]}-{content_version[:12]}.jsonl"


def _node_line(record: Record) -> dict[str, Any]:
    return {"node": record.id, "type": record.type, "label": record.label, "fields": dict(record.fields)}


def _edge_line(record: Record) -> dict[str, Any]:
    return {"edge": record.id, "kind": record.type, "fields": dict(record.fields)}


def _records_digest(lines: Sequence[dict[str, Any]]) -> str:
    """The sha256 of the records as canonical JSON (sorted keys), one per line: spacing and line
    endings a checkout may change do not count, any value does."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(orjson.dumps(line, option=orjson.OPT_SORT_KEYS))
        digest.update(b"\n")
    return digest.hexdigest()


def dump_release(content_version: str, released_at: str, snapshot: Snapshot) -> bytes:
    """The file a release is written as: the header, then a line per node and per edge by id."""
    lines = [_node_line(snapshot.nodes[i]) for i in sorted(snapshot.nodes)]
    lines += [_edge_line(snapshot.edges[i]) for i in sorted(snapshot.edges)]
    header = {
        "format": FORMAT,
        "content_version": content_version,
        "released_at": released_at,
        "nodes": len(snapshot.nodes),
        "edges": len(snapshot.edges),
        "digest": _records_digest(lines),
    }
    return b"".join(orjson.dumps(line, option=orjson.OPT_SORT_KEYS) + b"\n" for line in [header, *lines])


class _Line(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


_Digest = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
_Id = Annotated[str, Field(min_length=1, max_length=400)]


class _Header(_Line):
    format: Literal["distance-release/1"]
    content_version: Annotated[str, Field(pattern=_HEX64)]
    released_at: Annotated[str, Field(pattern=_WHEN)]
    nodes: Annotated[int, Field(ge=0)]
    edges: Annotated[int, Field(ge=0)]
    digest: Annotated[str, Field(pattern=_HEX64)]


class _NodeLine(_Line):
    node: _Id
    type: NodeType
    label: str
    fields: dict[str, _Digest]


class _EdgeLine(_Line):
    edge: _Id
    kind: EdgeKind
    fields: dict[str, _Digest]


@dataclass
class _Reader:
    """Problems of one release folder, each named relative to the seeds folder's parent."""

    root: Path
    problems: Problems

    def add(self, path: Path, line: int, message: str) -> None:
        self.problems.add(ContentProblem(self.name(path), line, message))

    def name(self, path: Path) -> str:
        return display_name(path, self.root)

    def model(self, model: type[_Line], data: Any, path: Path, line: int) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                self.add(path, line, error_message(error))
            return None


def read_releases(seeds_dir: Path, report: OnProblem | None = None) -> tuple[Release, ...]:
    """Every release recorded under `seeds_dir/releases`, oldest first (none if there is no folder).

    Each problem goes to `report` as it is found.

    Raises
    ------
    ContentError
        With every problem of every file, each as `file:line: message`: a file that is not
        a release, a line that is not JSON or not a record, a record twice, counts or a
        digest that do not match the records, a file name that does not match its header,
        the same content released twice.
    """
    seeds_dir = seeds_dir.resolve()
    folder = seeds_dir / RELEASES_DIR
    out = _Reader(seeds_dir.parent, Problems(report))
    releases: list[Release] = []
    first: dict[str, str] = {}
    if folder.exists() and not folder.is_dir():
        out.add(folder, 1, f"a file where the folder {RELEASES_DIR}/ should be")
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        if path.name.startswith("."):
            continue  # .gitkeep and editors' files
        if not _NAME.match(path.name):
            out.add(path, 1, f"not a release file: expected <date>-<content_version[:12]>.jsonl under {RELEASES_DIR}/")
            continue
        found = _read(path, out)
        if found is None:
            continue
        if found.content_version in first:
            out.add(
                path, 1, f"content {found.content_version[:12]} is already released in {first[found.content_version]}"
            )
            continue
        first[found.content_version] = found.file
        releases.append(found)
    out.problems.check()
    return tuple(sorted(releases, key=lambda r: (r.released_at, r.content_version)))


def _read(path: Path, out: _Reader) -> Release | None:
    """One release file, or None with its problems added to `out`."""
    try:
        text = read_text(path)
    except FileNotFoundError:  # a link to nothing
        out.add(path, 1, "file not found")
        return None
    except FileProblem as exc:
        out.add(path, exc.line, exc.message)
        return None
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        out.add(path, 1, "empty release file: expected a header line")
        return None
    before = out.problems.count
    header = None
    data = _json(lines[0], path, out)
    if isinstance(data, dict):
        header = out.model(_Header, data, path, lines[0][0])
    elif data is not None:
        out.add(path, lines[0][0], "not a release header: expected a JSON object with format and content_version")
    nodes: dict[str, Record] = {}
    edges: dict[str, Record] = {}
    seen: dict[str, int] = {}
    canonical: list[dict[str, Any]] = []
    for number, line in lines[1:]:
        data = _json((number, line), path, out)
        if data is None:
            continue
        if not isinstance(data, dict) or not {"node", "edge"} & data.keys():
            out.add(path, number, "not a record: expected a line with a `node` or an `edge` key")
            continue
        kind = "node" if "node" in data else "edge"
        record = out.model(_NodeLine if kind == "node" else _EdgeLine, data, path, number)
        if record is None:
            continue
        key = f"{kind} {data[kind]}"
        if key in seen:
            out.add(path, number, f"duplicate {kind} {data[kind]!r} (first at line {seen[key]})")
            continue
        seen[key] = number
        canonical.append(data)
        if isinstance(record, _NodeLine):
            nodes[record.node] = Record(record.node, record.type, record.label, dict(record.fields))
        else:
            edges[record.edge] = Record(record.edge, record.kind, None, dict(record.fields))
    if header is None:
        return None
    at = lines[0][0]
    named = (header.content_version, header.released_at)
    date, prefix = _NAME.match(path.name).groups()  # type: ignore[union-attr]  # the caller matched it
    if prefix != header.content_version[:12] or date != header.released_at[:10]:
        out.add(
            path,
            at,
            f"the file name does not match the header: expected {release_name(*named)}",
        )
    if not _is_date(header.released_at):
        out.add(path, at, f"released_at {header.released_at!r} is not a real date and time")
    if (header.nodes, header.edges) != (len(nodes), len(edges)) and out.problems.count == before:
        out.add(
            path, at,
            f"the header counts {header.nodes} nodes and {header.edges} edges, the file holds "
            f"{len(nodes)} and {len(edges)}: it is cut short or was edited",
        )  # fmt: skip
    elif out.problems.count == before and _records_digest(canonical) != header.digest:
        out.add(path, at, "the records do not match the header's digest: the file was edited by hand")
    if out.problems.count > before:
        return None
    return Release(header.content_version, header.released_at, out.name(path), Snapshot(nodes, edges))


def _json(numbered: tuple[int, str], path: Path, out: _Reader) -> Any:
    number, line = numbered
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        out.add(path, number, f"not JSON: {exc.msg} at column {exc.colno}")
        return None


def _is_date(value: str) -> bool:
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True
