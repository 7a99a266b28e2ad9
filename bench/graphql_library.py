"""graphql-core against strawberry-graphql: the same small schema over the shipped graph, in one run.

Run: `.venv/bin/python -m bench.graphql_library [--repeat 200]`. strawberry is not a dependency
of Distance: it is installed (pinned below, with the graphql-core Distance locks, which strawberry
runs on) into a venv of its own under build/bench/, and both libraries are timed there, in one
process, over the same data: the shipped graph's nodes with their labels, summaries, quotes and
neighbours, written to a JSON file by this venv. Each library answers two queries, parse,
validation and execution every time (`graphql_sync`, strawberry's `Schema.execute_sync`): one node
with its citations, and three levels (50 nodes, 5 neighbours of each, 5 of each of those) of
labels. It prints medians and ratios and the import time of each, never asserts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

__all__ = ["main"]

STRAWBERRY = "strawberry-graphql==0.327.7"
ONE = '{ node(id: "oxytocin") { id label summary evidence { quote start end } } }'
NESTED = "{ nodes(first: 50) { id label neighbors(first: 5) { id label neighbors(first: 5) { id label } } } }"
SDL = """
type Citation { quote: String! start: Int! end: Int! }
type Node {
  id: ID! label: String! summary: String! evidence: [Citation!]!
  neighbors(first: Int = 10): [Node!]!
}
type Query { node(id: ID!): Node nodes(first: Int = 10): [Node!]! }
"""


def _data() -> dict[str, Any]:
    from api.settings import Settings
    from graph.build import load_graph

    kg = load_graph(Settings().seeds_dir)
    near: dict[str, list[str]] = {node_id: [] for node_id in kg.nodes}
    for edge in kg.edges.values():
        near[edge.source].append(edge.target)
        near[edge.target].append(edge.source)
    return {
        node_id: {
            "id": node_id,
            "label": node.label,
            "summary": node.summary,
            "evidence": [{"quote": e.quote, "start": e.start, "end": e.end} for e in node.evidence],
            "near": sorted(set(near[node_id])),
        }
        for node_id, node in sorted(kg.nodes.items())
    }


def _median_ms(run: Any, repeat: int) -> float:
    run()
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent) * 1000


def _worker(path: str, repeat: int) -> None:
    """Runs in the probe venv: both libraries, the same data, the same queries."""
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    started = time.perf_counter()
    import graphql

    core_import = time.perf_counter() - started
    started = time.perf_counter()
    import strawberry  # type: ignore[import-not-found]  # in the probe venv only

    strawberry_import = time.perf_counter() - started

    core = graphql.build_schema(SDL)

    def near(node: dict[str, Any], _info: Any, first: int = 10) -> list[dict[str, Any]]:
        return [data[i] for i in node["near"][:first]]

    core.get_type("Node").fields["neighbors"].resolve = near  # type: ignore[union-attr]

    def one(_info: Any, id: str) -> dict[str, Any] | None:
        return data.get(id)

    def many(_info: Any, first: int = 10) -> list[dict[str, Any]]:
        return list(data.values())[:first]

    root = {"node": one, "nodes": many}

    @strawberry.type
    class Citation:
        quote: str
        start: int
        end: int

    @strawberry.type
    class Node:
        id: strawberry.ID
        label: str
        summary: str
        evidence: list[Citation]
        near: strawberry.Private[list[str]]

        @strawberry.field  # type: ignore[untyped-decorator]
        def neighbors(self, first: int = 10) -> list[Node]:
            return [_node(data[i]) for i in self.near[:first]]

    def _node(raw: dict[str, Any]) -> Node:
        made: Any = Node  # a strawberry type: a dataclass to strawberry, untyped to mypy here
        node: Node = made(
            id=strawberry.ID(raw["id"]),
            label=raw["label"],
            summary=raw["summary"],
            evidence=[Citation(**c) for c in raw["evidence"]],
            near=raw["near"],
        )
        return node

    @strawberry.type
    class Query:
        @strawberry.field  # type: ignore[untyped-decorator]
        def node(self, id: strawberry.ID) -> Node | None:
            raw = data.get(str(id))
            return _node(raw) if raw is not None else None

        @strawberry.field  # type: ignore[untyped-decorator]
        def nodes(self, first: int = 10) -> list[Node]:
            return [_node(raw) for raw in list(data.values())[:first]]

    # strawberry reads the (postponed) annotations in this module's namespace: the types go there.
    globals().update(strawberry=strawberry, Citation=Citation, Node=Node, Query=Query)
    berry = strawberry.Schema(query=Query)
    print(f"graphql-core {graphql.__version__}, {STRAWBERRY}; {len(data)} nodes; median of {repeat}")
    print(f"  import: graphql-core {core_import * 1000:.0f} ms, strawberry (graphql-core already in) "
          f"{strawberry_import * 1000:.0f} ms")  # fmt: skip
    for name, query in (("one node with its citations", ONE), ("3 levels, 50 nodes, 5 a node", NESTED)):
        a = graphql.graphql_sync(core, query, root_value=root)
        b = berry.execute_sync(query)
        assert a.errors is None, a.errors
        assert b.errors is None, b.errors
        assert json.dumps(a.data, sort_keys=True) == json.dumps(b.data, sort_keys=True)
        times = repeat if query is ONE else max(repeat // 10, 5)
        core_ms = _median_ms(lambda q=query: graphql.graphql_sync(core, q, root_value=root), times)
        berry_ms = _median_ms(lambda q=query: berry.execute_sync(q), times)
        print(f"  {name:30s} graphql-core {core_ms:8.3f} ms   strawberry {berry_ms:8.3f} ms  "
              f"({berry_ms / core_ms:.2f}x)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, args.repeat)
        return
    from bench.reference import pinned_venv

    venv = pinned_venv("strawberry", [STRAWBERRY, f"graphql-core=={version('graphql-core')}"])
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "graph.json"
        path.write_text(json.dumps(_data()), encoding="utf-8")
        worker = [str(venv / "bin" / "python"), __file__, "--worker", str(path), "--repeat", str(args.repeat)]
        subprocess.run(worker, check=True)


if __name__ == "__main__":
    main()
