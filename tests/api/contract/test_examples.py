"""The contract's examples: ids that exist, an example for every operation, summaries one way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from api.app import create_app
from api.contract.examples import EXAMPLES
from api.settings import DEFAULT_SEEDS_DIR, Settings
from graph.build import load_graph

_NODE_URL = re.compile(r"/v1/(?:nodes|cards)/([a-z0-9-]+)")
_EDGE_URL = re.compile(r"/v1/edges/([a-z0-9_-]+)")


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)
    elif isinstance(value, str):
        yield key, value


def test_every_id_an_example_names_is_served() -> None:
    kg = load_graph(DEFAULT_SEEDS_DIR)
    named: set[str] = set()
    for key, text in _strings(EXAMPLES):
        if key in {"id", "from", "to", "sign", "edge", "center"} and re.fullmatch(r"[a-z0-9_-]+", text):
            named.add(text)
        named.update(_NODE_URL.findall(text) + _EDGE_URL.findall(text))
        named.update(m for m in re.findall(r"(?:from|to|signs)=([a-z0-9-]+)", text))
    named -= {"indicates", "contradicts", "addresses"}  # edge kinds, not ids
    assert named
    missing = sorted(i for i in named if i not in kg.nodes and i not in kg.edges)
    assert missing == []


def test_every_operation_has_a_response_example_and_a_sentence_summary() -> None:
    doc = create_app(Settings()).openapi()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            content = op["responses"]["200"]["content"]
            assert any("example" in body for body in content.values()), f"{method} {path}"
            summary = op["summary"]
            assert summary == summary[0].upper() + summary[1:].lower(), f"{method} {path}: {summary}"
