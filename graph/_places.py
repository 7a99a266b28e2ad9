"""Where each node, edge and quote of the seed content was written: `file:line` for the lint.

The built graph keeps no line numbers (nothing served needs them), so the editorial lint reads
the seed files again with the same line-aware YAML loader the validator uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from graph._yaml import LineDict, LineList, YamlProblem, load_yaml
from graph.load import EDGES_FILE, edge_id
from graph.models import SEED_MODELS

__all__ = ["Places", "places"]


@dataclass
class Places:
    """Where each node, edge and quote was written, read again from the seed files."""

    nodes: dict[str, tuple[str, int]] = field(default_factory=dict)
    edges: dict[str, tuple[str, int]] = field(default_factory=dict)
    # (owner id, index of the quote in its evidence list) -> line
    quotes: dict[tuple[str, int], int] = field(default_factory=dict)

    def of(self, owner: str) -> tuple[str, int]:
        return self.nodes.get(owner) or self.edges.get(owner) or ("seeds", 1)


def places(seeds_dir: Path) -> Places:
    """Lines of every node, edge and quote, from the seed files the graph was built from."""
    found = Places()
    folder = seeds_dir / "graph"
    names = [*SEED_MODELS, EDGES_FILE]
    for name in names:
        path = folder / name
        rel = str(path.relative_to(seeds_dir.parent))
        for item in _entries(path):
            if name == EDGES_FILE:
                owner = edge_id(str(item.get("from")), str(item.get("kind")), str(item.get("to")))
                found.edges[owner] = (rel, item.line)
            else:
                owner = str(item.get("id"))
                found.nodes[owner] = (rel, item.line)
            evidence = item.get("evidence")
            if isinstance(evidence, LineList):
                for index, entry in enumerate(evidence):
                    line = entry.line_of("quote") if isinstance(entry, LineDict) else evidence.item_lines[index]
                    found.quotes[(owner, index)] = line
    return found


def _entries(path: Path) -> Iterator[LineDict]:
    try:
        data = load_yaml(path)
    except (FileNotFoundError, YamlProblem):  # the loader has already accepted these files
        return
    for item in data if isinstance(data, LineList) else ():
        if isinstance(item, LineDict):
            yield item
