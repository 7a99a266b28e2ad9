"""Root conftest: puts `tiny_graph` into every doctest under graph/."""

from __future__ import annotations

import os

import pytest

from tests.tiny import tiny_graph

# Every test client and load generator here is one address sending as fast as it can: the
# per-client rate limit is off for them (and the servers they start), and
# tests/api/edge/test_ratelimit.py turns it on where it is what is tested.
os.environ.setdefault("DISTANCE_RATE_LIMIT", "0")


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict[str, object]) -> None:
    doctest_namespace["tiny_graph"] = tiny_graph
