"""The fast YAML reader: where it answers, it reads exactly what PyYAML reads; else it declines."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from api.settings import DEFAULT_SEEDS_DIR
from graph._yaml import load_yaml, read_plain


@pytest.mark.parametrize("path", sorted((DEFAULT_SEEDS_DIR / "graph").glob("*.yaml")), ids=lambda p: p.name)
def test_read_plain_reads_every_shipped_content_file_as_pyyaml_does(path: Path) -> None:
    plain = read_plain(path)
    if path.name == "statistics.yaml":
        # Its numbers (`low: 3`) are left to PyYAML, as every number is; the file is a few lines.
        assert plain is None
        return
    assert plain is not None  # the rest of the shipped content takes the fast path
    assert plain == load_yaml(path)


@pytest.mark.parametrize(
    "text",
    [
        "a: yes\n",  # a bool in YAML 1.1, a string in 1.2
        "a: On\n",
        "a: 001\n",  # an int in YAML 1.1
        "- 001\n",
        "[001, b]\n",
        "k: &x 001\n",
        "a:\n  - {x: 12:30}\n",  # sexagesimal in YAML 1.1
        "a: =\n",  # PyYAML refuses the value tag
        "a: 1\n",  # numbers: some read differently
        "a: 2001-12-14\n",
        "a: !custom x\n",  # PyYAML refuses an unknown tag
        "\ufeffa: b\n",
        "a: b\n---\nc: d\n",
        "%YAML 1.1\n---\na: b\n",
        "a: |\n  text",  # no final newline: block scalars chomp it differently
        "a: 1\na: 2\n",  # duplicate keys
        "a: [b\n",  # not YAML at all
    ],
)
def test_read_plain_declines_what_only_pyyaml_reads_right(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    assert read_plain(path) is None


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ('a: "001"\n', {"a": "001"}),  # quoted: a string in both
        ("a: post-001\n", {"a": "post-001"}),
        ("a: 'yes'\n", {"a": "yes"}),
        ("summary: >-\n  Articles 000 and\n  001 agree.\n", {"summary": "Articles 000 and 001 agree."}),
        ("a: true\nb: null\nc: ~\n", {"a": True, "b": None, "c": None}),
        ("- {quote: 'Hey! it''s me'}\n", [{"quote": "Hey! it's me"}]),
    ],
)
def test_read_plain_reads_the_plain_subset(tmp_path: Path, text: str, data: object) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    assert read_plain(path) == data == yaml.safe_load(text)


_TEXT = st.text(string.printable + "’“”…é—", max_size=40)
_VALUES = st.recursive(
    _TEXT | st.booleans() | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.dictionaries(_TEXT, _VALUES, max_size=4), max_size=4),
    style=st.sampled_from([None, '"', "'", "|", ">"]),
)
def test_read_plain_agrees_with_pyyaml_or_declines(
    tmp_path_factory: pytest.TempPathFactory, data: object, style: str | None
) -> None:
    text = yaml.safe_dump(data, default_style=style, allow_unicode=True, width=30)
    path = tmp_path_factory.mktemp("y") / "x.yaml"
    path.write_text(text, encoding="utf-8")
    plain = read_plain(path)
    assert plain is None or plain == yaml.safe_load(text)
