"""Shared fixtures: a tiny content folder, its graph, an app and a client on it; a live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from graph.build import KnowledgeGraph, load_graph
from tests.live import DISTANCE, LiveServer, free_port, serve
from tests.tiny import write_tiny_seeds

# schemathesis's hooks are global: imported here (by --doctest-modules collecting every module)
# they would change the in-process fuzz of the contract, which runs with no hooks. .ci/run's
# hooked live run loads them itself (SCHEMATHESIS_HOOKS).
collect_ignore = ["schemathesis_hooks.py"]


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A fresh, valid tiny content folder that a test may break."""
    return write_tiny_seeds(tmp_path)


@pytest.fixture
def tiny(seeds: Path) -> KnowledgeGraph:
    return load_graph(seeds)


@pytest.fixture
def client(seeds: Path) -> Iterator[TestClient]:
    """A client on an app over the tiny content; the lifespan runs inside the context."""
    with TestClient(create_app(Settings(seeds_dir=seeds))) as test_client:
        yield test_client


@pytest.fixture
def tiny_text() -> str:
    """The text of the tiny article 000, for checking quote offsets."""
    from tests.tiny import ARTICLE_000

    return ARTICLE_000


@pytest.fixture(scope="session")
def shipped_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real `distance serve` on the shipped content and a free port, shared by every test that
    only reads from it (one per pytest worker)."""
    port = free_port()
    command = [DISTANCE, "serve", "--host", "127.0.0.1", "--port", str(port)]
    with serve(command, port, tmp_path_factory.mktemp("shipped-server-logs")) as live:
        yield live
