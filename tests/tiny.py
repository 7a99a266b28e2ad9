"""A tiny, complete content folder for tests and doctests: every node type, every rule."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from pathlib import Path

from graph.build import KnowledgeGraph, load_graph

__all__ = [
    "CONTENT_FAULTS",
    "DEEP",
    "append_entry",
    "emptied_node_files",
    "fifo_for_a_file",
    "nested_too_deep",
    "no_graph_folder",
    "restore_tiny_seeds",
    "shrink_tiny_seeds",
    "tiny_graph",
    "write_tiny_seeds",
]

ARTICLE_000 = """\
Tiny article about pulling away.

He replies more slowly than before.
Men pull away because they need space after closeness.
Oxytocin rises with touch and bonds two people.
Give him space and he comes back on his own.
Chasing him pushes him further away.
How long does it last? Usually 2–3 days.
"""

ARTICLE_001 = """\
Second tiny article.
He is not losing interest; he simply needs space.

Comments
Reader: he is losing interest, obviously.
"""

SOURCES = """\
- id: "000"
  file: 000.txt
  title: Tiny article
  author: null
- id: "001"
  file: 001.txt
  title: Second tiny article
  author: A. Writer
  body_end_line: 2
"""

FILES = {
    "concepts.yaml": """\
- id: oxytocin
  label: Oxytocin
  category: hormone
  summary: A hormone tied to touch and bonding.
  aliases: [bonding hormone]
  evidence:
    - source: "000"
      quote: Oxytocin rises with touch
""",
    "reasons.yaml": """\
- id: needs-space
  label: He needs space
  summary: After closeness he wants distance for a while.
  evidence:
    - source: "000"
      quote: they need space after closeness
    - source: "001"
      quote: he simply needs space
""",
    "signs.yaml": """\
- id: slower-replies
  label: Slower replies
  group: texting
  summary: His messages come back later than they used to.
  evidence:
    - source: "000"
      quote: He replies more slowly
""",
    "responses.yaml": """\
- id: give-him-space
  label: Give him space
  advice: recommended
  summary: Step back and let him return in his own time.
  evidence:
    - source: "000"
      quote: Give him space and he comes back
- id: chase-him
  label: Chase him
  advice: warned_against
  summary: Pursuing him when he withdraws.
  evidence:
    - source: "000"
      quote: Chasing him pushes him further away.
""",
    "questions.yaml": """\
- id: how-long-does-it-last
  label: How long does it last?
  summary: How long a withdrawal usually goes on.
  evidence:
    - source: "000"
      quote: How long does it last?
""",
    "statistics.yaml": """\
- id: a-few-days
  label: A few days
  low: 2
  high: 3
  unit: days
  quantity: How long a withdrawal usually lasts.
  summary: The usual length of a withdrawal in the tiny article.
  evidence:
    - source: "000"
      quote: Usually 2–3 days.
""",
    "edges.yaml": """\
- from: slower-replies
  kind: indicates
  to: needs-space
  basis: editorial
  note: Slower replies are the visible side of wanting space.
- from: needs-space
  kind: involves
  to: oxytocin
  basis: editorial
  note: Both sentences sit side by side in the tiny article.
- from: give-him-space
  kind: addresses
  to: needs-space
  evidence:
    - source: "000"
      quote: Give him space and he comes back on his own.
- from: chase-him
  kind: backfires
  to: needs-space
  evidence:
    - source: "000"
      quote: Chasing him pushes him further away.
- from: a-few-days
  kind: measures
  to: needs-space
  evidence:
    - source: "000"
      quote: Usually 2–3 days.
- from: a-few-days
  kind: answers
  to: how-long-does-it-last
  evidence:
    - source: "000"
      quote: How long does it last? Usually 2–3 days.
""",
}


def write_tiny_seeds(root: Path) -> Path:
    """Write the tiny content under `root/seeds` and return that folder."""
    seeds = root / "seeds"
    (seeds / "sources").mkdir(parents=True, exist_ok=True)
    (seeds / "graph").mkdir(parents=True, exist_ok=True)
    (seeds / "sources" / "000.txt").write_text(ARTICLE_000, encoding="utf-8")
    (seeds / "sources" / "001.txt").write_text(ARTICLE_001, encoding="utf-8")
    (seeds / "sources" / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    for name, text in FILES.items():
        (seeds / "graph" / name).write_text(text, encoding="utf-8")
    return seeds


def append_entry(path: Path, entry: str) -> int:
    """Append a YAML list entry to `path`; return the 1-based line where it starts."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text + entry, encoding="utf-8")
    return text.count("\n") + 1


@functools.cache
def tiny_graph() -> KnowledgeGraph:
    """The tiny content, loaded and built once per process (for doctests)."""
    return load_graph(write_tiny_seeds(Path(tempfile.mkdtemp(prefix="distance-tiny-"))))


def shrink_tiny_seeds(seeds: Path) -> None:
    """Make the tiny content valid but small: one sign, one reason, the edge between them (4 of 9 nodes)."""
    for name in ("concepts.yaml", "responses.yaml", "questions.yaml", "statistics.yaml"):
        (seeds / "graph" / name).unlink()
    edges = FILES["edges.yaml"]
    (seeds / "graph" / "edges.yaml").write_text(edges[: edges.index("- from: needs-space")], encoding="utf-8")


# Content faults that once crashed, hung or emptied a server. Each spoils the tiny content at
# `seeds` and returns the problem the loader must report for it, as `file:line: message`.
DEEP = "- id: deep\n  label: " + "[" * 30000 + "]" * 30000 + "\n"  # SIGSEGV in libyaml's parser


def nested_too_deep(seeds: Path) -> str:
    """30,000 nested brackets appended to the concepts."""
    line = append_entry(seeds / "graph" / "concepts.yaml", DEEP)
    return f"seeds/graph/concepts.yaml:{line + 1}: collections are nested more than 100 deep"


def fifo_for_a_file(seeds: Path) -> str:
    """A FIFO in place of the signs (reading it would wait for a writer)."""
    path = seeds / "graph" / "signs.yaml"
    path.unlink()
    os.mkfifo(path)
    return "seeds/graph/signs.yaml:1: a FIFO where a file should be"


def emptied_node_files(seeds: Path) -> str:
    """Every node file truncated to 0 bytes."""
    for path in (seeds / "graph").glob("*.yaml"):
        path.write_bytes(b"")
    return "seeds/graph/concepts.yaml:1: no entries"


def no_graph_folder(seeds: Path) -> str:
    """The graph folder removed."""
    shutil.rmtree(seeds / "graph")
    return "seeds/graph:1: no graph folder"


CONTENT_FAULTS = (nested_too_deep, fifo_for_a_file, emptied_node_files, no_graph_folder)


def restore_tiny_seeds(seeds: Path) -> None:
    """The tiny content at `seeds` again, whatever a fault left there (a FIFO is removed first:
    writing to one would wait for a reader)."""
    for path in (seeds / "graph").glob("*"):
        if path.is_fifo():
            path.unlink()
    write_tiny_seeds(seeds.parent)
