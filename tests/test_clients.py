"""The generated clients (`make clients`): TypeScript types type-check, the Python client talks to a live server.

`make test` runs `make clients` first; without build/clients these tests fail, never skip.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.live import ROOT, LiveServer

CLIENTS = ROOT / "build" / "clients"
TSC = ROOT / "clients" / "node_modules" / ".bin" / "tsc"


def _tsc(project: Path) -> subprocess.CompletedProcess[str]:
    assert TSC.is_file(), "run `make clients` (it installs the pinned npm tooling)"
    assert (CLIENTS / "typescript" / "distance.ts").is_file(), "run `make clients`"
    return subprocess.run([str(TSC), "--noEmit", "-p", str(project)], capture_output=True, text=True, cwd=ROOT)


def test_typescript_usage_type_checks() -> None:
    result = _tsc(ROOT / "clients" / "tsconfig.json")
    assert result.returncode == 0, result.stdout + result.stderr


def test_typescript_check_catches_a_wrong_field(tmp_path: Path) -> None:
    """The same check fails on code the contract does not allow, so the pass above means something."""
    generated = (CLIENTS / "typescript" / "distance.ts").as_posix()
    (tmp_path / "wrong.ts").write_text(
        f'import type {{ components }} from "{generated.removesuffix(".ts")}";\n'
        'export const score = (g: components["schemas"]["GuideOut"]) => g.reasons[0].confidence;\n',
        encoding="utf-8",
    )
    (tmp_path / "tsconfig.json").write_text(
        '{"compilerOptions": {"strict": true, "noEmit": true, "module": "ES2022", "moduleResolution": "bundler",'
        ' "target": "ES2022"}, "files": ["wrong.ts"]}',
        encoding="utf-8",
    )
    result = _tsc(tmp_path / "tsconfig.json")
    assert result.returncode != 0
    assert "confidence" in result.stdout


def _client_module(name: str) -> ModuleType:
    root = CLIENTS / "python"
    assert (root / "distance_client" / "__init__.py").is_file(), "run `make clients`"
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(f"distance_client.{name}")


def test_python_client_against_a_live_server(shipped_server: LiveServer) -> None:
    client_module = _client_module("client")
    get_card = _client_module("api.front_ends.get_card")
    get_guide = _client_module("api.front_ends.get_guide")
    list_disagreements = _client_module("api.front_ends.list_disagreements")
    search = _client_module("api.explore.search")
    client: Any = client_module.Client(base_url=shipped_server.url, raise_on_unexpected_status=True)
    with client:
        hits = search.sync(client=client, q="oxytocin")
        assert "oxytocin" in [hit.node.id for hit in hits.items]

        card = get_card.sync(client=client, node_id="oxytocin")
        assert card.node.label == "Oxytocin"
        assert card.citations
        assert all(c.title for c in card.citations)
        assert card.relations[0].items[0].node.id

        guide = get_guide.sync(client=client, signs=["leaves-right-after-sex", "hot-and-cold"])
        assert [s.id for s in guide.signs] == ["leaves-right-after-sex", "hot-and-cold"]
        assert guide.reasons
        assert guide.reasons[0].score >= guide.reasons[-1].score

        refused = get_guide.sync_detailed(client=client, signs=["not-a-sign"])
        assert refused.status_code == 404  # well formed, not in the content
        assert refused.parsed.errors[0].parameter == "signs"

        disagreements = list_disagreements.sync(client=client)
        assert disagreements.total == len(disagreements.items) > 0
        assert all(len(d.sides) == 2 for d in disagreements.items)


def test_python_client_reads_every_export_as_text_the_tools_open(shipped_server: LiveServer) -> None:
    """No export is parsed as JSON by the client: each comes back as text that its tool opens."""
    import io

    import networkx as nx
    import orjson
    import pandas as pd

    client_module = _client_module("client")
    export_graph = _client_module("api.export.export_graph")
    formats = _client_module("models.export_graph_format").ExportGraphFormat
    client: Any = client_module.Client(base_url=shipped_server.url, raise_on_unexpected_status=True)
    with client:
        texts = {fmt.value: export_graph.sync(client=client, format_=fmt) for fmt in formats}
    assert all(isinstance(text, str) for text in texts.values())
    g = nx.node_link_graph(orjson.loads(texts["node-link"]))
    assert g.number_of_edges() == nx.read_graphml(io.BytesIO(texts["graphml"].encode())).number_of_edges()
    assert len(pd.read_json(io.StringIO(texts["jsonl"]), lines=True)) == 1 + g.number_of_nodes() + g.number_of_edges()
    assert len(pd.read_csv(io.StringIO(texts["edges-csv"]))) == g.number_of_edges()


_FRESH_SCRIPT = """
import sys

from distance_client import Client
from distance_client.api.explore import search
from distance_client.api.front_ends import get_guide
from distance_client.api.nodes import get_node

with Client(base_url=sys.argv[1], raise_on_unexpected_status=True) as client:
    node = get_node.sync(client=client, node_id="oxytocin")
    hits = search.sync(client=client, q="oxytocin")
    guide = get_guide.sync(client=client, signs=["leaves-right-after-sex"])
print(node.label, node.type_, hits.items[0].node.id, guide.reasons[0].reason.id, sep="|")
"""


def test_the_python_client_installs_with_pip_into_a_fresh_venv(shipped_server: LiveServer, tmp_path: Path) -> None:
    """`pip install build/clients/python` brings httpx and attrs along: nothing else is needed to use it."""
    import venv

    assert (CLIENTS / "python" / "pyproject.toml").is_file(), "run `make clients`"
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    quiet = ["--quiet", "--disable-pip-version-check", "--no-input"]
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", *quiet, str(CLIENTS / "python")], capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr
    ran = subprocess.run(
        [str(python), "-c", _FRESH_SCRIPT, shipped_server.url], capture_output=True, text=True, cwd=tmp_path
    )
    assert ran.returncode == 0, ran.stderr
    label, node_type, first_hit, first_reason = ran.stdout.strip().split("|")
    assert (label, node_type, first_hit) == ("Oxytocin", "concept", "oxytocin")
    assert first_reason
