"""Releases and changes: what a release records, and what changed between it and what is served."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from graph.build import KnowledgeGraph, load_graph
from graph.errors import InvalidParameter, ReleaseNotFound
from graph.releases import changelog, changes, diff, find_release, list_releases, release, snapshot_of
from graph.snapshots import read_releases
from tests.tiny import append_entry

ROOT = Path(__file__).resolve().parents[2]
FIRST = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SECOND = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
OLD_SUMMARY = "His messages come back later than they used to."


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _first_release(seeds: Path) -> KnowledgeGraph:
    kg = load_graph(seeds)
    release(kg, seeds, now=FIRST)
    return kg


def test_a_changed_summary_shows_exactly_that_node_with_field_summary(seeds: Path) -> None:
    first = _first_release(seeds)
    _edit(seeds / "graph" / "signs.yaml", OLD_SUMMARY, "His messages arrive later and later.")
    served = load_graph(seeds)
    found = changes(served, first.content_version)
    assert [(c.resource, c.id, c.change, c.fields) for c in found.page.items] == [
        ("node", "slower-replies", "changed", ("summary",))
    ]
    assert found.since.content_version == first.content_version
    assert found.page.facets == {
        "change": {"added": 0, "changed": 1, "removed": 0},
        "resource": {"node": 1, "edge": 0},
    }


def test_a_changed_label_and_evidence_name_those_fields_and_what_follows(seeds: Path) -> None:
    first = _first_release(seeds)
    signs = seeds / "graph" / "signs.yaml"
    _edit(signs, "label: Slower replies", "label: Slow replies")
    _edit(signs, "quote: He replies more slowly", "quote: He replies more slowly than before.")
    found = changes(load_graph(seeds), first.content_version).page.items
    by_id = {c.id: c for c in found}
    assert by_id["slower-replies"].fields == ("evidence", "label")
    assert by_id["slower-replies"].label == "Slow replies"
    # its derived mentioned_in edge carries the same quotes
    assert by_id["slower-replies--mentioned_in--000"].fields == ("evidence",)
    assert len(found) == 2


def test_an_added_and_a_removed_node_and_edge_show_as_such(seeds: Path) -> None:
    first = _first_release(seeds)
    edges = seeds / "graph" / "edges.yaml"
    # remove chase-him (a node) and its backfires edge; add a question and an edge answering it
    _edit(
        seeds / "graph" / "responses.yaml",
        "- id: chase-him\n  label: Chase him\n  advice: warned_against\n  summary: Pursuing him when he withdraws.\n"
        '  evidence:\n    - source: "000"\n      quote: Chasing him pushes him further away.\n',
        "",
    )
    _edit(
        edges,
        '- from: chase-him\n  kind: backfires\n  to: needs-space\n  evidence:\n    - source: "000"\n'
        "      quote: Chasing him pushes him further away.\n",
        "",
    )
    append_entry(
        seeds / "graph" / "questions.yaml",
        "- id: does-he-come-back\n  label: Does he come back?\n  summary: Whether he returns.\n"
        '  evidence:\n    - source: "000"\n      quote: he comes back on his own\n',
    )
    append_entry(
        edges,
        "- from: give-him-space\n  kind: answers\n  to: does-he-come-back\n  evidence:\n"
        '    - source: "000"\n      quote: Give him space and he comes back on his own.\n',
    )
    served = load_graph(seeds)
    found = changes(served, first.content_version[:8]).page.items
    got = {(c.resource, c.id, c.change) for c in found}
    assert ("node", "chase-him", "removed") in got
    assert ("node", "does-he-come-back", "added") in got
    assert ("edge", "chase-him--backfires--needs-space", "removed") in got
    assert ("edge", "give-him-space--answers--does-he-come-back", "added") in got
    removed = next(c for c in found if c.id == "chase-him")
    assert (removed.type, removed.label, removed.fields) == ("response", "Chase him", ())
    # nothing else but the derived mentioned_in edges of the two nodes
    others = got - {
        ("node", "chase-him", "removed"),
        ("node", "does-he-come-back", "added"),
        ("edge", "chase-him--backfires--needs-space", "removed"),
        ("edge", "give-him-space--answers--does-he-come-back", "added"),
    }
    assert others == {
        ("edge", "chase-him--mentioned_in--000", "removed"),
        ("edge", "does-he-come-back--mentioned_in--000", "added"),
    }
    assert [c.resource for c in found] == sorted((c.resource for c in found), key=["node", "edge"].index)


def test_an_article_body_changed_names_its_text(seeds: Path) -> None:
    first = _first_release(seeds)
    _edit(seeds / "sources" / "000.txt", "Tiny article about pulling away.", "Tiny article about pulling back.")
    found = {c.id: c.fields for c in changes(load_graph(seeds), first.content_version).page.items}
    assert found == {"000": ("text",)}


def test_changes_are_paged_and_counted_over_every_page(seeds: Path) -> None:
    first = _first_release(seeds)
    for node_file, old in (("signs.yaml", OLD_SUMMARY), ("concepts.yaml", "A hormone tied to touch and bonding.")):
        _edit(seeds / "graph" / node_file, old, old + " Edited.")
    served = load_graph(seeds)
    everything = changes(served, first.content_version).page.items
    assert [c.id for c in everything] == ["oxytocin", "slower-replies"]
    first_page = changes(served, first.content_version, limit=1)
    second_page = changes(served, first.content_version, limit=1, offset=1)
    assert [c.id for c in first_page.page.items + second_page.page.items] == ["oxytocin", "slower-replies"]
    assert first_page.page.total == second_page.page.total == 2
    assert changes(served, first.content_version, offset=5).page.items == []
    with pytest.raises(InvalidParameter, match="limit"):
        changes(served, first.content_version, limit=0)


def test_releasing_twice_writes_nothing_the_second_time(seeds: Path) -> None:
    kg = load_graph(seeds)
    made, written = release(kg, seeds, now=FIRST)
    again, rewritten = release(load_graph(seeds), seeds, now=SECOND)
    assert (written, rewritten) == (True, False)
    assert again == made
    assert [p.name for p in (seeds / "releases").iterdir()] == [Path(made.file).name]


def test_releases_are_listed_newest_first_and_paged(seeds: Path) -> None:
    first = _first_release(seeds)
    _edit(seeds / "graph" / "signs.yaml", OLD_SUMMARY, "Later and later.")
    second = load_graph(seeds)
    release(second, seeds, now=SECOND)
    served = load_graph(seeds)
    page = list_releases(served)
    assert [r.content_version for r in page.items] == [second.content_version, first.content_version]
    assert page.total == 2
    assert [r.released_at for r in list_releases(served, limit=1, offset=1).items] == ["2026-12-01T09:00:00Z"]
    assert [c.id for c in changes(served, first.content_version).page.items] == ["slower-replies"]
    assert changes(served, second.content_version).page.total == 0


def test_an_unknown_since_lists_the_known_releases(seeds: Path) -> None:
    first = _first_release(seeds)
    served = load_graph(seeds)
    with pytest.raises(ReleaseNotFound) as info:
        find_release(served, "abcdef0123")
    assert info.value.suggestions == (first.content_version,)
    assert f"known releases: {first.content_version[:12]}" in str(info.value)


def test_since_is_a_prefix_of_one_release_and_no_shorter_than_six(seeds: Path) -> None:
    first = _first_release(seeds)
    served = load_graph(seeds)
    assert find_release(served, first.content_version[:6]) == served.releases[0]
    with pytest.raises(InvalidParameter, match="at least 6"):
        find_release(served, first.content_version[:5])
    twin = dataclasses.replace(served.releases[0], content_version=first.content_version[:6] + "0" * 58)
    with pytest.raises(InvalidParameter, match="more than one release") as info:
        find_release(dataclasses.replace(served, releases=(served.releases[0], twin)), first.content_version[:6])
    assert set(info.value.suggestions) == {first.content_version, twin.content_version}


def test_the_changelog_counts_what_changed_between_releases(seeds: Path) -> None:
    first = _first_release(seeds)
    _edit(seeds / "graph" / "signs.yaml", OLD_SUMMARY, "Later and later.")
    second = load_graph(seeds)
    release(second, seeds, now=SECOND)
    table = changelog(read_releases(seeds)).splitlines()
    assert table[2] == (
        f"| 2026-12-02T09:00:00Z | `{second.content_version[:12]}` | {len(second.nodes)} | {len(second.edges)} "
        "| – | 1 node | – |"
    )
    assert table[3].startswith(f"| 2026-12-01T09:00:00Z | `{first.content_version[:12]}` |")
    assert table[3].endswith("| first release | – | – |")


def test_a_snapshot_is_unchanged_by_a_rebuild_and_diffs_to_nothing(seeds: Path) -> None:
    first = _first_release(seeds)
    again = load_graph(seeds)
    assert snapshot_of(again) == snapshot_of(first) == again.releases[0].snapshot
    assert diff(again.releases[0].snapshot, snapshot_of(again)) == []


def test_the_shipped_content_has_a_committed_release() -> None:
    shipped = read_releases(DEFAULT_SEEDS_DIR)
    assert shipped, "run `distance release` and commit seeds/releases/"
    assert all(re.fullmatch(r"[0-9a-f]{64}", r.content_version) for r in shipped)


def test_the_readme_holds_the_changelog_as_printed() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- changelog -->\n", 1)[1].split("<!-- /changelog -->", 1)[0]
    assert section == changelog(read_releases(DEFAULT_SEEDS_DIR)), (
        "paste `distance release --changelog` into the README's changelog"
    )
