"""graph/ is the domain: it never imports api/, FastAPI or Starlette (walks every import)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"api", "fastapi", "starlette", "uvicorn", "granian"}


def imported_top_level_names(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_graph_never_imports_http() -> None:
    offenders = {f: n & FORBIDDEN for f, n in imported_top_level_names(ROOT / "graph").items() if n & FORBIDDEN}
    assert offenders == {}


def test_the_walker_sees_imports() -> None:
    # Guards the test above against passing vacuously.
    assert "fastapi" in imported_top_level_names(ROOT / "api")["api/app.py"]
