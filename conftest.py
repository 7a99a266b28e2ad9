"""Root conftest: puts `tiny_graph` into every doctest under graph/."""

from __future__ import annotations

import pytest

from tests.tiny import tiny_graph


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict[str, object]) -> None:
    doctest_namespace["tiny_graph"] = tiny_graph
