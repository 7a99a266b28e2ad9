"""One failing fixture per validation rule, each asserting its exact `file:line`."""

from __future__ import annotations

import os
import re
import shutil
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from graph.build import build, load_graph
from graph.errors import KEPT_PROBLEMS, ContentError, ContentProblem
from graph.load import load_content
from tests.tiny import append_entry


def problems(seeds: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_content(seeds)
    return [str(p) for p in info.value.problems]


def replace(path: Path, old: str, new: str) -> int:
    """Replace the first `old` in `path`; return the 1-based line it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_load_content_accepts_the_tiny_seeds(seeds: Path) -> None:
    content = load_content(seeds)
    assert {n.type for n in content.nodes} == {
        "concept", "reason", "sign", "response", "question", "statistic", "source",
    }  # fmt: skip
    assert len(content.edges) == 6


def test_load_content_locates_every_quote_by_offsets(seeds: Path) -> None:
    content = load_content(seeds)
    quotes = [ev for n in content.nodes for ev in n.evidence] + [ev for e in content.edges for ev in e.evidence]
    for ev in quotes:
        assert content.articles[ev.source].text[ev.start : ev.end] == ev.quote


def test_unknown_key_is_reported_at_its_line(seeds: Path) -> None:
    line = (
        replace(seeds / "graph" / "concepts.yaml", "  category: hormone\n", "  category: hormone\n  colour: red\n") + 1
    )
    assert problems(seeds) == [f"seeds/graph/concepts.yaml:{line}: unknown key 'colour'"]


def test_duplicate_id_is_reported_at_the_second_entry(seeds: Path) -> None:
    path = seeds / "graph" / "concepts.yaml"
    entry = path.read_text(encoding="utf-8")
    line = append_entry(path, entry)
    assert problems(seeds) == [
        f"seeds/graph/concepts.yaml:{line}: duplicate id 'oxytocin' (first at seeds/graph/concepts.yaml:1)"
    ]


@pytest.mark.parametrize("bad_id", ["Oxytocin", "oxy_tocin", "oxy--tocin", "-oxytocin"])
def test_malformed_id_is_reported_at_its_line(seeds: Path, bad_id: str) -> None:
    path = seeds / "graph" / "concepts.yaml"
    replace(path, "- id: oxytocin", f"- id: {bad_id}")
    found = problems(seeds)
    assert f"seeds/graph/concepts.yaml:1: id '{bad_id}' must be a kebab-case slug" in found


def test_dangling_edge_end_is_reported_at_its_key(seeds: Path) -> None:
    line = replace(seeds / "graph" / "edges.yaml", "  to: oxytocin\n", "  to: nowhere\n")
    found = problems(seeds)
    # Whatever the closest ids are (the API's ranker), the problem is named at its key first.
    named = f"seeds/graph/edges.yaml:{line}: dangling edge end: no node with id 'nowhere'"
    assert any(p.startswith(named) for p in found)


def test_dangling_edge_end_names_the_closest_id(seeds: Path) -> None:
    line = replace(seeds / "graph" / "edges.yaml", "  to: oxytocin\n", "  to: oxytocn\n")
    found = problems(seeds)
    named = f"seeds/graph/edges.yaml:{line}: dangling edge end: no node with id 'oxytocn'"
    assert f"{named}; did you mean oxytocin?" in found


@pytest.mark.parametrize("bad_id", ["1", "0001", "a01"])
def test_a_source_id_other_than_three_digits_is_refused_at_its_line(seeds: Path, bad_id: str) -> None:
    line = replace(seeds / "sources" / "sources.yaml", 'id: "000"', f'id: "{bad_id}"')
    said = f"source id '{bad_id}' must be three digits, quoted in YAML: " + '"001"'
    expected = f"seeds/sources/sources.yaml:{line}: {said}"
    assert expected in problems(seeds)


def test_an_article_file_may_have_any_name(seeds: Path) -> None:
    (seeds / "sources" / "000.txt").rename(seeds / "sources" / "000_0123456789abcdef.txt")
    replace(seeds / "sources" / "sources.yaml", "file: 000.txt", "file: 000_0123456789abcdef.txt")
    assert load_content(seeds).articles["000"].text.startswith("Tiny article")


def test_edge_kind_not_allowed_between_types_is_reported(seeds: Path) -> None:
    line = replace(seeds / "graph" / "edges.yaml", "  kind: indicates\n", "  kind: addresses\n")
    assert problems(seeds) == [
        f"seeds/graph/edges.yaml:{line}: edge kind 'addresses' is not allowed from sign to reason"
    ]


def test_unknown_edge_kind_is_reported(seeds: Path) -> None:
    line = replace(seeds / "graph" / "edges.yaml", "  kind: indicates\n", "  kind: loves\n")
    assert problems(seeds)[0].startswith(f"seeds/graph/edges.yaml:{line}: unknown edge kind 'loves'")


def test_derived_edge_kind_cannot_be_written(seeds: Path) -> None:
    line = replace(seeds / "graph" / "edges.yaml", "  kind: indicates\n", "  kind: mentioned_in\n")
    assert problems(seeds)[0].startswith(f"seeds/graph/edges.yaml:{line}: unknown edge kind 'mentioned_in'")


def test_quote_not_found_is_reported_at_the_quote(seeds: Path) -> None:
    line = replace(seeds / "graph" / "signs.yaml", "He replies more slowly", "He replies more slowly!")
    assert problems(seeds) == [
        f"seeds/graph/signs.yaml:{line}: quote not found in 000: 'He replies more slowly!'; "
        "the nearest passage is 'He replies more slowly'"
    ]


def test_quote_from_reader_comments_is_rejected(seeds: Path) -> None:
    line = replace(
        seeds / "graph" / "reasons.yaml", "quote: he simply needs space", "quote: he is losing interest, obviously"
    )
    assert problems(seeds) == [
        f"seeds/graph/reasons.yaml:{line}: quote taken from the reader comments of 001, "
        "which are not evidence: 'he is losing interest, obviously'"
    ]


def test_quote_from_unknown_source_is_reported(seeds: Path) -> None:
    line = replace(seeds / "graph" / "signs.yaml", 'source: "000"', 'source: "009"')
    assert problems(seeds) == [f"seeds/graph/signs.yaml:{line + 1}: unknown source '009'"]


def test_empty_summary_is_reported_at_its_line(seeds: Path) -> None:
    line = replace(
        seeds / "graph" / "signs.yaml", "  summary: His messages come back later than they used to.", '  summary: "  "'
    )
    assert problems(seeds) == [f"seeds/graph/signs.yaml:{line}: empty summary"]


def test_node_without_evidence_is_reported(seeds: Path) -> None:
    path = seeds / "graph" / "signs.yaml"
    path.write_text("- id: slower-replies\n  label: Slower replies\n  summary: Later messages.\n  evidence: []\n")
    assert problems(seeds) == ["seeds/graph/signs.yaml:4: no evidence: a node needs at least one verbatim quote"]


def test_orphan_node_is_reported_at_its_entry(seeds: Path) -> None:
    entry = (
        "- id: lonely\n  label: Lonely\n  summary: Nothing links here.\n"
        '  evidence:\n    - source: "000"\n      quote: Tiny article\n'
    )
    line = append_entry(seeds / "graph" / "concepts.yaml", entry)
    assert problems(seeds) == [f"seeds/graph/concepts.yaml:{line}: orphan node 'lonely': no edge starts or ends here"]


def test_editorial_edge_needs_a_note(seeds: Path) -> None:
    line = append_entry(
        seeds / "graph" / "edges.yaml", "- from: oxytocin\n  kind: related_to\n  to: a-few-days\n  basis: editorial\n"
    )
    assert problems(seeds) == [f"seeds/graph/edges.yaml:{line + 3}: an editorial edge needs a one-line note"]


def test_edge_without_evidence_or_basis_is_reported(seeds: Path) -> None:
    line = append_entry(seeds / "graph" / "edges.yaml", "- from: oxytocin\n  kind: related_to\n  to: a-few-days\n")
    assert problems(seeds) == [
        f"seeds/graph/edges.yaml:{line}: edge has no evidence: quote it, or set basis: editorial with a note"
    ]


def test_symmetric_edge_written_twice_is_a_duplicate(seeds: Path) -> None:
    edge = "- from: {a}\n  kind: related_to\n  to: {b}\n  basis: editorial\n  note: n\n"
    append_entry(seeds / "graph" / "edges.yaml", edge.format(a="oxytocin", b="a-few-days"))
    line = append_entry(seeds / "graph" / "edges.yaml", edge.format(a="a-few-days", b="oxytocin"))
    assert problems(seeds) == [
        f"seeds/graph/edges.yaml:{line}: duplicate edge 'a-few-days--related_to--oxytocin' (first at line {line - 5})"
    ]


def test_self_loop_is_reported(seeds: Path) -> None:
    line = append_entry(
        seeds / "graph" / "edges.yaml",
        "- from: oxytocin\n  kind: related_to\n  to: oxytocin\n  basis: editorial\n  note: n\n",
    )
    assert problems(seeds) == [f"seeds/graph/edges.yaml:{line}: edge from 'oxytocin' to itself"]


def test_invalid_yaml_is_reported_at_its_line(seeds: Path) -> None:
    line = replace(seeds / "graph" / "signs.yaml", "  group: texting", "  group: texting: calls")
    assert problems(seeds)[0].startswith(f"seeds/graph/signs.yaml:{line}: invalid YAML")


def test_duplicate_yaml_key_is_reported(seeds: Path) -> None:
    line = replace(seeds / "graph" / "signs.yaml", "  group: texting\n", "  group: texting\n  group: calls\n") + 1
    assert problems(seeds) == [f"seeds/graph/signs.yaml:{line}: duplicate key 'group'"]


def test_unknown_content_file_is_reported(seeds: Path) -> None:
    (seeds / "graph" / "feelings.yaml").write_text("[]\n")
    assert problems(seeds)[0].startswith("seeds/graph/feelings.yaml:1: unknown content file 'feelings.yaml'")


def test_non_mapping_entries_and_non_list_files_are_reported(seeds: Path) -> None:
    line = append_entry(seeds / "graph" / "signs.yaml", "- just a string\n")
    (seeds / "graph" / "questions.yaml").write_text("id: not-a-list\n")
    assert problems(seeds) == [
        "seeds/graph/questions.yaml:1: expected a list of entries",
        f"seeds/graph/signs.yaml:{line}: entry 2 is not a mapping",
    ]


def test_missing_article_file_and_bad_body_end_are_reported(seeds: Path) -> None:
    replace(seeds / "sources" / "sources.yaml", "file: 000.txt", "file: missing.txt")
    replace(seeds / "sources" / "sources.yaml", "body_end_line: 2", "body_end_line: 99")
    found = problems(seeds)
    assert "seeds/sources/sources.yaml:2: article file 'missing.txt' not found" in found
    assert "seeds/sources/sources.yaml:9: body_end_line 99 is past the end of 001.txt (5 lines)" in found


def test_every_problem_is_collected_in_one_pass(seeds: Path) -> None:
    replace(seeds / "graph" / "signs.yaml", "He replies more slowly", "He replies slowly")
    replace(seeds / "graph" / "concepts.yaml", "  category: hormone\n", "  category: hormone\n  colour: red\n")
    replace(seeds / "graph" / "edges.yaml", "  to: oxytocin\n", "  to: nowhere\n")
    found = problems(seeds)
    assert len(found) == 4  # the concept refused for its unknown key is still found an orphan
    assert "seeds/graph/concepts.yaml:1: orphan node 'oxytocin': no edge starts or ends here" in found
    assert [p.split(":")[0] for p in found] == sorted(p.split(":")[0] for p in found)


CONTRADICTS = """\
- from: needs-space
  kind: contradicts
  to: oxytocin
{about}  evidence:
    - {{source: "000", quote: they need space after closeness}}
    - {{source: "001", quote: he simply needs space}}
"""


def test_contradicts_without_about_is_reported_at_its_entry(seeds: Path) -> None:
    line = append_entry(seeds / "graph" / "edges.yaml", CONTRADICTS.format(about=""))
    assert problems(seeds) == [
        f"seeds/graph/edges.yaml:{line}: a contradicts edge needs `about`: "
        "one sentence on what the two sides disagree on"
    ]


def test_contradicts_about_is_loaded_onto_the_edge(seeds: Path) -> None:
    append_entry(seeds / "graph" / "edges.yaml", CONTRADICTS.format(about="  about: Whether he needs space.\n"))
    edge = next(e for e in load_content(seeds).edges if e.kind == "contradicts")
    assert (edge.about, edge.note) == ("Whether he needs space.", None)


def test_about_on_another_kind_is_reported_at_its_line(seeds: Path) -> None:
    line = replace(
        seeds / "graph" / "edges.yaml",
        "  kind: involves\n",
        "  kind: involves\n  about: Not a disagreement.\n",
    )
    assert problems(seeds) == [f"seeds/graph/edges.yaml:{line + 1}: only a contradicts edge carries `about`"]


def test_hub_flag_loads_on_a_concept_and_is_refused_elsewhere(seeds: Path) -> None:
    replace(seeds / "graph" / "concepts.yaml", "  category: hormone\n", "  category: hormone\n  hub: true\n")
    hubs = [n for n in load_content(seeds).nodes if n.hub]
    assert [(n.id, n.attributes) for n in hubs] == [("oxytocin", {"category": "hormone"})]  # kept off the wire
    line = replace(
        seeds / "graph" / "reasons.yaml", "  label: He needs space\n", "  label: He needs space\n  hub: true\n"
    )
    assert problems(seeds) == [f"seeds/graph/reasons.yaml:{line + 1}: unknown key 'hub'"]


def test_fast_read_and_line_aware_read_load_the_same_content(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = load_content(DEFAULT_SEEDS_DIR)
    monkeypatch.setattr("graph.load.read_plain", lambda path: None)  # every file through PyYAML, with lines
    assert load_content(DEFAULT_SEEDS_DIR) == fast
    assert load_graph(DEFAULT_SEEDS_DIR).content_version == build(fast).content_version


def test_a_yaml_1_1_scalar_means_what_pyyaml_says(seeds: Path) -> None:
    # `yes` is a string to a YAML 1.2 reader, a bool to PyYAML: the label is refused as before.
    line = replace(seeds / "graph" / "signs.yaml", "label: Slower replies", "label: yes")
    assert problems(seeds) == [f"seeds/graph/signs.yaml:{line}: label must be text"]


def _cut_utf8(path: Path) -> None:
    path.write_bytes(path.read_bytes() + "é".encode()[:1])


def _binary(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 4)


def _directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _nested(path: Path) -> None:
    path.write_text("[" * 20000 + "]" * 20000 + "\n", encoding="utf-8")


def _not_utf8(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b"\n", b"\n\xff", 1))


def _control(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b"\n", b"\n\x07", 1))


@pytest.mark.parametrize(
    ("file", "spoil", "expected"),
    [
        ("graph/signs.yaml", _cut_utf8, r"graph/signs\.yaml:\d+: the file is cut short in the middle of a UTF-8"),
        ("graph/concepts.yaml", _binary, r"graph/concepts\.yaml:1: a binary file, not UTF-8 text"),
        ("graph/reasons.yaml", _directory, r"graph/reasons\.yaml:1: a directory where a file should be"),
        ("graph/edges.yaml", _directory, r"graph/edges\.yaml:1: a directory where a file should be"),
        ("graph/questions.yaml", _nested, r"graph/questions\.yaml:1: collections are nested more than 100 deep"),
        ("graph/signs.yaml", _not_utf8, r"graph/signs\.yaml:2: byte 0xff at column 1 is not UTF-8 text"),
        ("graph/signs.yaml", _control, r"graph/signs\.yaml:2: invalid YAML: the character '\\x07' is not allowed"),
        ("sources/000.txt", _not_utf8, r"sources/000\.txt:2: byte 0xff at column 1 is not UTF-8 text"),
        ("sources/000.txt", _directory, r"sources/000\.txt:1: a directory where a file should be"),
        ("sources/sources.yaml", _nested, r"sources/sources\.yaml:1: collections are nested more than 100 deep"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_problem_at_its_line(
    seeds: Path, file: str, spoil: Callable[[Path], None], expected: str
) -> None:
    spoil(seeds / file)
    found = problems(seeds)
    assert any(re.fullmatch(f"seeds/{expected}.*", p) for p in found), found


def test_deep_nesting_is_named_at_the_line_where_it_passes_the_limit(seeds: Path) -> None:
    path = seeds / "graph" / "questions.yaml"
    path.write_text("- id: q\n  deep:\n" + "".join(f"{'  ' * (i + 2)}- \n" for i in range(3000)), encoding="utf-8")
    assert "seeds/graph/questions.yaml:101: collections are nested more than 100 deep" in problems(seeds)


def test_one_run_reports_what_a_broken_file_or_a_refused_entry_used_to_hide(seeds: Path) -> None:
    """A YAML error in one file, a malformed id and a quote with a typo: every problem at once."""
    replace(seeds / "graph" / "questions.yaml", "  label:", "  bad: [\n  label:")
    replace(seeds / "graph" / "edges.yaml", "  to: oxytocin\n", "  to: nowhere\n")
    replace(seeds / "graph" / "signs.yaml", "- id: slower-replies", "- id: Slower Replies")
    replace(seeds / "graph" / "signs.yaml", 'source: "000"', 'source: "009"')
    found = "\n".join(problems(seeds))
    assert re.search(r"seeds/graph/questions.yaml:\d+: invalid YAML", found)
    assert "dangling edge end: no node with id 'nowhere'" in found  # not hidden by the YAML error
    assert "no node with id 'how-long-does-it-last'" not in found  # the broken file's ids are still known
    assert "id 'Slower Replies' must be a kebab-case slug" in found
    assert "orphan node 'Slower Replies'" in found
    assert "unknown source '009'" in found  # the refused entry's quotes are still checked


def test_thirty_thousand_nested_brackets_are_a_problem_at_their_line_not_a_crash(seeds: Path) -> None:
    path = seeds / "graph" / "questions.yaml"
    line = append_entry(path, "- id: deep\n  label: " + "[" * 30000 + "]" * 30000 + "\n")
    assert f"seeds/graph/questions.yaml:{line + 1}: collections are nested more than 100 deep" in problems(seeds)


def test_a_fifo_in_place_of_a_content_file_is_a_problem_not_a_wait(seeds: Path) -> None:
    path = seeds / "graph" / "signs.yaml"
    path.unlink()
    os.mkfifo(path)
    assert "seeds/graph/signs.yaml:1: a FIFO where a file should be" in problems(seeds)


def test_content_without_node_files_is_a_problem(seeds: Path) -> None:
    shutil.rmtree(seeds / "graph")
    assert any(p.startswith("seeds/graph:1: no graph folder") for p in problems(seeds))
    (seeds / "graph").mkdir()
    assert any(p.startswith("seeds/graph:1: no node files") for p in problems(seeds))


def test_empty_node_files_are_problems_each(seeds: Path) -> None:
    for path in (seeds / "graph").glob("*.yaml"):
        path.write_text("# emptied\n", encoding="utf-8")
    found = problems(seeds)
    assert (
        "seeds/graph/concepts.yaml:1: no entries: a content file lists at least one (delete the file to drop its type)"
        in (found)
    )
    assert not any("edges.yaml" in p for p in found)  # no edges is not by itself a problem


def test_sources_yaml_as_a_directory_is_one_problem_without_follow_ons(seeds: Path) -> None:
    path = seeds / "sources" / "sources.yaml"
    path.unlink()
    path.mkdir()
    found = problems(seeds)
    assert "seeds/sources/sources.yaml:1: a directory where a file should be" in found
    assert not any("unknown source" in p for p in found), found


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ("  summary y\n", r"could not find expected ':' while scanning a simple key that starts here"),
        ("  label: 'open\n", r"found unexpected end of stream while scanning a quoted scalar that starts here"),
        ("  aliases: [a, b\n", r"did not find expected ',' or '\]' while parsing a flow sequence that starts here"),
    ],
)
def test_a_yaml_syntax_error_names_the_line_of_its_cause(seeds: Path, broken: str, expected: str) -> None:
    path = seeds / "graph" / "questions.yaml"
    text = path.read_text(encoding="utf-8")
    cut = text.index("\n", text.index("- id:")) + 1  # after the first entry's id line
    path.write_text(text[:cut] + broken + text[cut:], encoding="utf-8")
    line = text[:cut].count("\n") + 1
    found = "\n".join(problems(seeds))
    assert re.search(rf"seeds/graph/questions\.yaml:{line}: invalid YAML: {expected}", found), found


def test_an_entry_read_on_its_own_keeps_the_file_s_lines(seeds: Path) -> None:
    path = seeds / "graph" / "questions.yaml"
    line = append_entry(path, "- id: extra-question\n  label: Extra\n  colour: red\n")
    assert f"seeds/graph/questions.yaml:{line + 2}: unknown key 'colour'" in problems(seeds)


def test_many_invalid_entries_are_each_reported_in_memory_that_does_not_grow_with_the_problems(seeds: Path) -> None:
    path = seeds / "graph" / "concepts.yaml"
    first = append_entry(path, "".join(f"- id: Bad_{i}\n  label: x\n" for i in range(20_000)))
    size = path.stat().st_size
    seen: list[ContentProblem] = []
    count = 0

    def report(problem: ContentProblem) -> None:  # the first and the last, not all 80,000
        nonlocal count
        count += 1
        seen[1:] = [problem] if seen else []
        if not seen:
            seen.append(problem)

    tracemalloc.start()
    try:
        with pytest.raises(ContentError) as info:
            load_content(seeds, report=report)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Each entry: a bad slug, no summary, no evidence, and it is an orphan.
    assert (count, info.value.count, len(info.value.problems)) == (80_000, 80_000, KEPT_PROBLEMS)
    assert [str(p) for p in seen] == [
        f"seeds/graph/concepts.yaml:{first}: id 'Bad_0' must be a kebab-case slug",
        f"seeds/graph/concepts.yaml:{first + 39_998}: orphan node 'Bad_19999': no edge starts or ends here",
    ]
    # All problems held took 79x the file (41.7 MiB for 0.5 MB); entries read one at a time, 14x.
    assert peak < 20 * size, f"peak {peak / 2**20:.1f} MiB for a {size / 2**20:.1f} MiB file"
