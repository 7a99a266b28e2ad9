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
    assert "fastapi" in imported_top_level_names(ROOT / "api")["api/app/factory.py"]


def _is_module(dotted: str) -> bool:
    path = ROOT / dotted.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _api_imports() -> dict[str, set[str]]:
    """Each api module's imports of other api modules, function-level imports included."""
    graph: dict[str, set[str]] = {}
    for path in (ROOT / "api").rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("api"):
                # `from api.app import urls` imports the module api.app.urls; the package's
                # __init__ only re-exports `create_app` lazily, so it is not counted as well.
                names = [f"{node.module}.{a.name}" for a in node.names]
                submodules = [n for n in names if _is_module(n)]
                found.update(submodules or [node.module, *names])
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("api"))
        graph[module] = found
    return {m: {i for i in imports if i in graph and i != m} for m, imports in graph.items()}


def test_api_modules_import_no_circle() -> None:
    graph = _api_imports()
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module not in done:
            for imported in graph[module]:
                visit(imported, (*path, module))
            done.add(module)

    for module in graph:
        visit(module, ())
    assert "api.app.routes" in graph["api.app.factory"]  # the walk sees imports
