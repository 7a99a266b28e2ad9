"""Releases and the changes between them: what `distance release`, `/v1/releases` and `/v1/changes` read.

A release records the served graph as it is (`release`): its content_version, the time (UTC)
and a snapshot (`snapshot_of`) written under seeds/releases/ in the format `graph.snapshots`
defines. The snapshot holds a digest of every field the API serves of every node and edge
(the shared record layout, `graph.records`), so comparing two snapshots names each node and
edge added, removed or changed, and for a changed one which fields (`diff`). The served graph's
own snapshot is made on first use and kept on the graph (`KnowledgeGraph.derived`).

Queries here take the graph first, like every query: `list_releases`, `changes`, `find_release`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import orjson

from graph.build import KnowledgeGraph
from graph.errors import InvalidParameter, ReleaseNotFound
from graph.queries._checks import require_range
from graph.queries.listing import MAX_LIMIT, MAX_OFFSET, Page
from graph.queries.lookup import retired_edge
from graph.records import edge_record, node_record
from graph.snapshots import RELEASES_DIR, Record, Release, Snapshot, dump_release, release_name

__all__ = [
    "Change",
    "ChangeSet",
    "MIN_PREFIX",
    "changelog",
    "changes",
    "diff",
    "field_digest",
    "find_release",
    "list_releases",
    "release",
    "served_release",
    "snapshot_of",
]

ChangeKind = Literal["added", "removed", "changed"]
Resource = Literal["node", "edge"]
# A content_version may be named by a prefix this long or longer, as git takes a short hash:
# shorter ones would match by chance once there are a few hundred releases.
MIN_PREFIX = 6
# Kept in clear in a record (and so not as a digest). An edge's ends and kind are its id, and its
# labels and symmetry are the registry's for its kind (code, not content).
_NODE_CLEAR = ("id", "type", "label")
_EDGE_IN_ID = ("id", "from", "to", "kind", "label", "inverse_label", "symmetric")


def field_digest(value: Any) -> str:
    """A short digest of a field's value as canonical JSON: 64 bits, enough to tell two values of
    one field apart, never meant to be read back.

    >>> field_digest(["a", "b"]) == field_digest(["a", "b"]) != field_digest(["b", "a"])
    True
    """
    return hashlib.blake2b(orjson.dumps(value, option=orjson.OPT_SORT_KEYS), digest_size=8).hexdigest()


def _snapshot(kg: KnowledgeGraph) -> Snapshot:
    nodes = {}
    for node in kg.nodes.values():
        record = node_record(node)
        fields = {name: field_digest(value) for name, value in record.items() if name not in _NODE_CLEAR}
        article = kg.articles.get(node.id) if node.type == "source" else None
        if article is not None:  # what /v1/sources/{id}/text serves
            fields["text"] = field_digest(article.text[: article.body_end])
        nodes[node.id] = Record(node.id, node.type, node.label, fields)
    edges = {}
    for edge in kg.edges.values():
        record = edge_record(edge)
        fields = {name: field_digest(value) for name, value in record.items() if name not in _EDGE_IN_ID}
        edges[edge.id] = Record(edge.id, edge.kind, None, fields)
    return Snapshot(nodes, edges)


def snapshot_of(kg: KnowledgeGraph) -> Snapshot:
    """The served graph as a release would record it: a record per node and per edge, by id.

    Examples
    --------
    >>> snap = snapshot_of(tiny_graph())
    >>> snap.nodes["oxytocin"].type, sorted(snap.nodes["oxytocin"].fields)[:4]
    ('concept', ['aliases', 'category', 'evidence', 'sources'])
    """
    return kg.derived(_snapshot)


def release(kg: KnowledgeGraph, seeds_dir: Path, *, now: datetime | None = None) -> tuple[Release, bool]:
    """Record `kg` as a release under `seeds_dir/releases/`, unless its content is released already.

    Returns
    -------
    (Release, bool)
        The release of this content, and whether it was written now (False: it was recorded
        before, and nothing was written).
    """
    known = served_release(kg)
    if known is not None:
        return known, False
    when = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    folder = seeds_dir / RELEASES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / release_name(kg.content_version, when)
    snapshot = snapshot_of(kg)
    # Written beside it under a dot name (which `read_releases` passes over), then renamed: a
    # reload watching the folder sees the whole file or none of it.
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(dump_release(kg.content_version, when, snapshot))
    partial.replace(path)
    try:
        name = str(path.resolve().relative_to(seeds_dir.resolve().parent))
    except ValueError:
        name = str(path)
    return Release(kg.content_version, when, name, snapshot), True


def served_release(kg: KnowledgeGraph) -> Release | None:
    """The release of the content `kg` serves, or None when that content is unreleased."""
    return next((r for r in kg.releases if r.content_version == kg.content_version), None)


def find_release(kg: KnowledgeGraph, since: str) -> Release:
    """The release whose content_version is `since`, or starts with it (at least `MIN_PREFIX` characters).

    Raises
    ------
    ReleaseNotFound
        When no release matches; it lists every known content_version, newest first.
    InvalidParameter
        When `since` is shorter than `MIN_PREFIX`, or a prefix of more than one release.

    Examples
    --------
    >>> find_release(tiny_graph(), "0123456789")
    Traceback (most recent call last):
    ...
    graph.errors.ReleaseNotFound: no release has content_version '0123456789'; no release is recorded yet
    """
    if len(since) < MIN_PREFIX:
        raise InvalidParameter("since", f"must be at least {MIN_PREFIX} characters of a content_version", since)
    matches = [r for r in kg.releases if r.content_version.startswith(since)]
    if not matches:
        raise ReleaseNotFound(since, [r.content_version for r in reversed(kg.releases)])
    if len(matches) > 1:
        raise InvalidParameter(
            "since",
            "is the start of more than one release; give more of it",
            since,
            [r.content_version for r in matches],
        )
    return matches[0]


@dataclass(frozen=True)
class Change:
    """A node or an edge added, removed or changed between two snapshots; `fields` names what
    changed (for `changed` only). `type` is a node's type or an edge's kind; `label` a node's.
    `replaced_by` names what answers for a removed node or edge whose node was retired into
    another (a merge), when the content served has it."""

    resource: Resource
    id: str
    change: ChangeKind
    fields: tuple[str, ...]
    type: str
    label: str | None
    replaced_by: str | None = None


def diff(old: Snapshot, new: Snapshot) -> list[Change]:
    """Every change from `old` to `new`: nodes first, then edges, each by id.

    Examples
    --------
    >>> snap = snapshot_of(tiny_graph())
    >>> diff(snap, snap)
    []
    >>> smaller = type(snap)({k: v for k, v in snap.nodes.items() if k != "oxytocin"}, snap.edges)
    >>> [(c.id, c.change) for c in diff(smaller, snap)]
    [('oxytocin', 'added')]
    """
    found: list[Change] = []
    for resource, before, after in (("node", old.nodes, new.nodes), ("edge", old.edges, new.edges)):
        for key in sorted(before.keys() | after.keys()):
            a, b = before.get(key), after.get(key)
            if a is None and b is not None:
                found.append(Change(resource, key, "added", (), b.type, b.label))  # type: ignore[arg-type]
            elif b is None and a is not None:
                found.append(Change(resource, key, "removed", (), a.type, a.label))  # type: ignore[arg-type]
            elif a is not None and b is not None and (fields := a.changed_fields(b)):
                found.append(Change(resource, key, "changed", fields, b.type, b.label))  # type: ignore[arg-type]
    return found


def _changes_since(kg: KnowledgeGraph, content_version: str) -> list[Change]:
    old = next(r for r in kg.releases if r.content_version == content_version)
    return [_with_successor(kg, change) for change in diff(old.snapshot, snapshot_of(kg))]


def _with_successor(kg: KnowledgeGraph, change: Change) -> Change:
    """A removed node or edge that a merge retired, with what replaces it (`kg.retired`)."""
    if change.change != "removed":
        return change
    if change.resource == "node":
        gone = kg.retired.get(change.id)
        successor = gone.replaced_by if gone is not None else None
    else:
        found = retired_edge(kg, change.id)
        successor = found[0] if found is not None else None
    return replace(change, replaced_by=successor) if successor else change


@dataclass(frozen=True)
class ChangeSet:
    """A page of the changes from a release to what is served."""

    since: Release
    page: Page[Change]


def changes(kg: KnowledgeGraph, since: str, *, limit: int = 50, offset: int = 0) -> ChangeSet:
    """What changed from the release `since` (a content_version or its prefix) to what `kg` serves.

    The page counts the whole list by change and by resource (`facets`).

    Raises
    ------
    ReleaseNotFound, InvalidParameter
        As `find_release`; InvalidParameter for `limit` or `offset` out of range.
    """
    require_range("limit", limit, 1, MAX_LIMIT)
    require_range("offset", offset, 0, MAX_OFFSET)
    found = find_release(kg, since)
    every = kg.derived(_changes_since, found.content_version)
    facets = {
        "change": {kind: sum(c.change == kind for c in every) for kind in ("added", "changed", "removed")},
        "resource": {kind: sum(c.resource == kind for c in every) for kind in ("node", "edge")},
    }
    return ChangeSet(found, Page(every[offset : offset + limit], len(every), limit, offset, facets))


def list_releases(kg: KnowledgeGraph, *, limit: int = 50, offset: int = 0) -> Page[Release]:
    """The recorded releases, newest first.

    Examples
    --------
    >>> list_releases(tiny_graph()).total
    0
    """
    require_range("limit", limit, 1, MAX_LIMIT)
    require_range("offset", offset, 0, MAX_OFFSET)
    newest = list(reversed(kg.releases))
    return Page(newest[offset : offset + limit], len(newest), limit, offset)


def _counted(found: Sequence[Change], kind: ChangeKind) -> str:
    nodes = sum(c.change == kind and c.resource == "node" for c in found)
    edges = sum(c.change == kind and c.resource == "edge" for c in found)
    said = [f"{n} {noun}{'' if n == 1 else 's'}" for n, noun in ((nodes, "node"), (edges, "edge")) if n]
    return ", ".join(said) or "–"


def changelog(releases: Sequence[Release]) -> str:
    """The releases as a Markdown table, newest first, each with what changed since the one before.

    `distance release --changelog` prints it; the README holds it as printed (a test checks).

    >>> print(changelog(()), end="")
    | released (UTC) | content_version | nodes | edges | added | changed | removed |
    |---|---|---|---|---|---|---|
    """
    rows = [
        "| released (UTC) | content_version | nodes | edges | added | changed | removed |",
        "|---|---|---|---|---|---|---|",
    ]
    for index in range(len(releases) - 1, -1, -1):
        current = releases[index]
        snap = current.snapshot
        cells = [current.released_at, f"`{current.content_version[:12]}`", str(len(snap.nodes)), str(len(snap.edges))]
        if index == 0:
            cells += ["first release", "–", "–"]
        else:
            found = diff(releases[index - 1].snapshot, snap)
            cells += [_counted(found, kind) for kind in ("added", "changed", "removed")]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"
