"""Release snapshots as files: written, read back the same, and refused at their line when broken."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from graph.build import KnowledgeGraph, load_graph
from graph.errors import ContentError
from graph.releases import release, snapshot_of
from graph.snapshots import read_releases

WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def released(seeds: Path) -> tuple[KnowledgeGraph, Path]:
    """Release the tiny content; the graph and the file written."""
    kg = load_graph(seeds)
    made, written = release(kg, seeds, now=WHEN)
    assert written
    return kg, seeds.parent / made.file


def problems(seeds: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        read_releases(seeds)
    return [str(p) for p in info.value.problems]


def test_release_writes_a_snapshot_that_reads_back_the_same(seeds: Path) -> None:
    kg, path = released(seeds)
    assert path.name == f"2026-12-01-{kg.content_version[:12]}.jsonl"
    [back] = read_releases(seeds)
    assert (back.content_version, back.released_at, back.file) == (
        kg.content_version,
        "2026-12-01T09:30:00Z",
        f"seeds/releases/{path.name}",
    )
    assert back.snapshot == snapshot_of(kg)
    assert len(back.snapshot.nodes) == len(kg.nodes)
    assert len(back.snapshot.edges) == len(kg.edges)
    header = orjson.loads(path.read_bytes().splitlines()[0])
    assert (header["nodes"], header["edges"]) == (len(kg.nodes), len(kg.edges))
    assert load_graph(seeds).releases == (back,)


def test_no_releases_folder_means_no_releases(seeds: Path) -> None:
    assert read_releases(seeds) == ()


def test_a_snapshot_read_with_other_line_endings_is_the_same(seeds: Path) -> None:
    kg, path = released(seeds)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert read_releases(seeds)[0].snapshot == snapshot_of(kg)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_every_broken_line_is_named_at_once(seeds: Path) -> None:
    _, path = released(seeds)
    lines = _lines(path)
    lines[2] = lines[2][:40] + "\n"  # cut in the middle of a record
    lines[3] = '{"colour": "red"}\n'
    record = orjson.loads(lines[4])
    record["fields"]["summary"] = "not a digest"
    lines[4] = orjson.dumps(record).decode() + "\n"
    lines[5] = lines[6]  # the next record twice
    path.write_text("".join(lines), encoding="utf-8")
    name = f"seeds/releases/{path.name}"
    said = problems(seeds)
    assert said[0].startswith(f"{name}:3: not JSON")
    assert said[1:] == [
        f"{name}:4: not a record: expected a line with a `node` or an `edge` key",
        f"{name}:5: fields.summary must match ^[0-9a-f]{{16}}$",
        f"{name}:7: duplicate node {orjson.loads(lines[6])['node']!r} (first at line 6)",
    ]


def test_a_file_cut_at_a_line_end_is_refused_by_its_counts(seeds: Path) -> None:
    kg, path = released(seeds)
    path.write_text("".join(_lines(path)[:-3]), encoding="utf-8")
    assert problems(seeds) == [
        f"seeds/releases/{path.name}:1: the header counts {len(kg.nodes)} nodes and {len(kg.edges)} edges, "
        f"the file holds {len(kg.nodes)} and {len(kg.edges) - 3}: it is cut short or was edited"
    ]


def test_a_record_edited_by_hand_is_refused_by_the_digest(seeds: Path) -> None:
    _, path = released(seeds)
    lines = _lines(path)
    record = orjson.loads(lines[1])
    record["label"] = "Edited"
    lines[1] = orjson.dumps(record).decode() + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    assert problems(seeds) == [
        f"seeds/releases/{path.name}:1: the records do not match the header's digest: the file was edited by hand"
    ]


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (b"", "1: empty release file: expected a header line"),
        (b"\xff\xfe\n", "1: byte 0xff at column 1 is not UTF-8 text"),
        (b"[1, 2]\n", "1: not a release header: expected a JSON object with format and content_version"),
        (b'{"format": "distance-release/9"}\n', "1: format must be one of 'distance-release/1'"),
    ],
)
def test_a_file_that_is_no_release_is_named(seeds: Path, write: bytes, message: str) -> None:
    folder = seeds / "releases"
    folder.mkdir()
    name = f"2026-12-01-{'a' * 12}.jsonl"
    (folder / name).write_bytes(write)
    assert problems(seeds)[0] == f"seeds/releases/{name}:{message}"


def test_a_misnamed_file_a_stray_file_and_a_second_release_of_one_content_are_named(seeds: Path) -> None:
    kg, path = released(seeds)
    again = path.with_name(f"2026-12-02-{kg.content_version[:12]}.jsonl")
    again.write_bytes(path.read_bytes())
    (seeds / "releases" / "notes.txt").write_text("hello", encoding="utf-8")
    (seeds / "releases" / ".gitkeep").write_text("", encoding="utf-8")
    assert problems(seeds) == [
        f"seeds/releases/{again.name}:1: the file name does not match the header: expected {path.name}",
        "seeds/releases/notes.txt:1: not a release file: expected <date>-<content_version[:12]>.jsonl under releases/",
    ]
    again.unlink()
    header, *rest = _lines(path)
    other = orjson.loads(header)
    other["released_at"] = "2026-12-02T00:00:00Z"
    again.write_text(orjson.dumps(other).decode() + "\n" + "".join(rest), encoding="utf-8")
    assert problems(seeds)[0] == (
        f"seeds/releases/{again.name}:1: content {kg.content_version[:12]} is already released in "
        f"seeds/releases/{path.name}"
    )


def test_an_impossible_date_is_refused(seeds: Path) -> None:
    _, path = released(seeds)
    header, *rest = _lines(path)
    data = orjson.loads(header)
    data["released_at"] = "2026-12-01T25:61:00Z"
    path.write_text(orjson.dumps(data).decode() + "\n" + "".join(rest), encoding="utf-8")
    assert problems(seeds) == [
        f"seeds/releases/{path.name}:1: released_at '2026-12-01T25:61:00Z' is not a real date and time"
    ]


def test_load_graph_reports_content_and_snapshot_problems_together(seeds: Path) -> None:
    _, path = released(seeds)
    path.write_text("nonsense\n", encoding="utf-8")
    signs = seeds / "graph" / "signs.yaml"
    signs.write_text(signs.read_text(encoding="utf-8").replace("more slowly", "more slowlyy"), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_graph(seeds)
    said = [str(p) for p in info.value.problems]
    assert said[0].startswith("seeds/graph/signs.yaml:7: quote not found in 000")
    assert said[1].startswith(f"seeds/releases/{path.name}:1: not JSON")


def test_a_dangling_link_and_a_file_for_the_folder_are_named(seeds: Path) -> None:
    (seeds / "releases").mkdir()
    name = f"2026-12-01-{'b' * 12}.jsonl"
    (seeds / "releases" / name).symlink_to(seeds / "nowhere.jsonl")
    assert problems(seeds) == [f"seeds/releases/{name}:1: file not found"]
    (seeds / "releases" / name).unlink()
    (seeds / "releases").rmdir()
    (seeds / "releases").write_text("", encoding="utf-8")
    assert problems(seeds) == ["seeds/releases:1: a file where the folder releases/ should be"]
