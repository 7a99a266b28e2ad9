"""The contract's examples: every id and link they name is served (in api.contract.examples and in
the committed openapi.yaml, parameters included), an example for every operation, summaries one way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import yaml
from fastapi.testclient import TestClient

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


ROOT = Path(__file__).resolve().parents[3]
# The committed contract, as a client reads it.
CONTRACT = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
_ID_KEYS = {"id", "from", "to", "sign", "edge", "center", "source"}


def _operations() -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in CONTRACT["paths"].items():
        yield from ((path, op) for method, op in item.items() if method == "get")


def _parameter_examples(op: dict[str, Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for parameter in op.get("parameters", []):
        schema = parameter.get("schema", {})
        values = [*schema.get("examples", []), *([schema["example"]] if "example" in schema else [])]
        values += [parameter["example"]] if "example" in parameter else []
        values += [e["value"] for e in parameter.get("examples", {}).values()]
        if values:
            found[parameter["name"]] = values
    return found


def _url(path: str, op: dict[str, Any], values: dict[str, Any]) -> str:
    query = []
    for parameter in op.get("parameters", []):
        name, value = parameter["name"], values.get(parameter["name"])
        if value is None:
            continue
        if parameter["in"] == "path":
            path = path.replace(f"{{{name}}}", quote(str(value), safe=""))
        else:
            query += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    return f"{path}?{urlencode(query)}" if query else path


@pytest.fixture(scope="module")
def served() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as client:
        yield client


def test_every_parameter_example_in_the_contract_is_served(served: TestClient) -> None:
    """Each example of each parameter (path parameters included), with the operation's other
    examples beside it, is a request the shipped content answers with a 200."""
    asked = 0
    for path, op in _operations():
        examples = _parameter_examples(op)
        first = {name: values[0] for name, values in examples.items()}
        for name, values in examples.items():
            for value in values:
                url = _url(path, op, {**first, name: value})
                assert served.get(url).status_code == 200, f"{op['operationId']}: {name}={value!r} ({url})"
                asked += 1
    assert asked >= 20  # the walk sees the contract's examples


def test_every_response_example_in_the_contract_names_what_is_served(served: TestClient) -> None:
    """In each 200 example: every id is one the shipped graph has, and every link is a 200."""
    kg = served.app.state.graph  # type: ignore[attr-defined]
    links, ids = set(), set()
    for _, op in _operations():
        for body in op["responses"]["200"].get("content", {}).values():
            for key, text in _strings(body.get("example")):
                if text.startswith("/v1") and "{" not in text:
                    links.add(text.split("#")[0])
                elif key in _ID_KEYS and re.fullmatch(r"[a-z0-9_-]+", text):
                    ids.add(text)
    assert len(links) > 20  # the walk sees the examples
    assert len(ids) > 5
    assert sorted(i for i in ids if i not in kg.nodes and i not in kg.edges) == []
    assert sorted(url for url in links if served.get(url).status_code != 200) == []
