"""Content loaded in a child process: the same graph, its problems, and a crash named by its file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import graph._yaml
from graph.build import build, load_graph
from graph.errors import KEPT_PROBLEMS, ContentError, ContentProblem
from graph.intake import BELOW_SERVING, _in_child, load_apart, removal
from graph.load import Content, load_content
from tests.tiny import append_entry


def test_load_apart_builds_the_graph_load_graph_builds(seeds: Path) -> None:
    apart, here = load_apart(seeds), load_graph(seeds)
    assert apart.content_version == here.content_version
    assert dict(apart.nodes) == dict(here.nodes)


def test_meanwhile_runs_here_while_the_child_loads(seeds: Path) -> None:
    ran: list[int] = []
    graph = load_apart(seeds, meanwhile=lambda: ran.append(os.getpid()))
    assert ran == [os.getpid()]
    assert graph.content_version == load_graph(seeds).content_version


def test_a_failing_meanwhile_is_raised(seeds: Path) -> None:
    def fail() -> None:
        raise RuntimeError("meanwhile failed")

    with pytest.raises(RuntimeError, match="meanwhile failed"):
        load_apart(seeds, meanwhile=fail)


def test_the_child_runs_below_serving_unless_nothing_serves_yet(tmp_path: Path) -> None:
    here = os.nice(0)
    assert _in_child(lambda _: os.nice(0), tmp_path, nice=BELOW_SERVING) == min(19, here + BELOW_SERVING)
    assert _in_child(lambda _: os.nice(0), tmp_path) == here


def test_load_apart_raises_every_content_problem(seeds: Path) -> None:
    path = seeds / "graph" / "signs.yaml"
    line = append_entry(path, "- id: Bad Id\n  label: x\n")
    with pytest.raises(ContentError) as info:
        load_apart(seeds)
    assert any(str(p).startswith(f"seeds/graph/signs.yaml:{line}: ") for p in info.value.problems)


def test_load_apart_hands_every_problem_to_report_and_raises_the_first_ones_and_the_count(seeds: Path) -> None:
    path = seeds / "graph" / "signs.yaml"
    first = append_entry(path, "".join(f"- id: Bad_{i}\n  label: x\n" for i in range(1_000)))
    reported: list[ContentProblem] = []
    with pytest.raises(ContentError) as info:
        load_apart(seeds, report=reported.append)
    assert len(reported) == info.value.count > KEPT_PROBLEMS == len(info.value.problems)
    assert str(reported[0]) == f"seeds/graph/signs.yaml:{first}: id 'Bad_0' must be a kebab-case slug"
    assert (
        str(reported[-1])
        == f"seeds/graph/signs.yaml:{first + 1_998}: orphan node 'Bad_999': no edge starts or ends here"
    )
    assert set(info.value.problems) <= set(reported)


def test_a_file_that_crashes_the_parser_is_a_problem_naming_it(seeds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the nesting bound lifted, 30,000 nested brackets kill libyaml's composer (SIGSEGV):
    the child dies, this process does not, and the file is named (to `report` too)."""
    monkeypatch.setattr(graph._yaml, "MAX_DEPTH", 10**9)
    append_entry(seeds / "graph" / "concepts.yaml", "- id: deep\n  label: " + "[" * 30000 + "]" * 30000 + "\n")
    reported: list[ContentProblem] = []
    with pytest.raises(ContentError) as info:
        load_apart(seeds, report=reported.append)
    [problem] = info.value.problems
    assert reported == [problem]
    assert str(problem) == (
        "seeds/graph/concepts.yaml:1: reading this file crashes the parser (SIGSEGV); the content is refused"
    )


def test_removal_names_a_reload_that_drops_most_nodes(seeds: Path) -> None:
    served = load_graph(seeds)
    content = load_content(seeds)
    kept = content.nodes[:2]
    smaller = build(Content(articles=content.articles, nodes=kept, edges=()))
    said = removal(served, smaller)
    assert said is not None
    assert said.startswith(f"the new content keeps 2 of the {len(served.nodes)} nodes served")
    assert removal(served, served) is None
    assert removal(smaller, served) is None  # growing is never refused
