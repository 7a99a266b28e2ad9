"""`make bench`: every benchmark in one run, written to bench/RESULTS.md.

Run: `.venv/bin/python -m bench.run [--seconds 3] [--rounds 3] [--nodes 100000] [--edges 1000000]`.
HTTP ratios against the bare baseline (bench.throughput), py-spy profiles of the targeted rows
(bench.wheretime), the cluster behind nginx (bench.cluster), /v1/answer's quality and latency
(bench.answer), the 100k-node graph (bench.scale), with
`--folder` a 100k-node YAML content folder served end to end (bench.folder, a few minutes more), and
start-up (bench.startup); each prints as it goes, and the file gets the machine, the command, the
date and the tables. Takes about fifteen minutes on a 2-core machine (884 s on 2026-12-07). What is
measured by hand between two runs goes to bench/HISTORY.md, which this never writes.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import answer, cluster, embeddings, folder, quality, scale, stall, startup, throughput, wheretime

__all__ = ["main"]

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def _machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}; load average at start {load}"
    )


def main() -> None:
    """Run everything and write bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument(
        "--folder", action="store_true", help="Also serve a 100k-node YAML content folder end to end (minutes more)."
    )
    args = parser.parse_args()
    began = time.perf_counter()
    machine = _machine()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print("== HTTP, seed graph ==")
    http_lines, targeted = throughput.measured(args.seconds, args.rounds)
    print("== where the time goes ==")
    where_lines = wheretime.run(targeted)
    print("== cluster ==")
    cluster_lines = cluster.run(args.seconds, args.rounds)
    print("== stalls ==")
    stall_lines = stall.run()
    print("== search quality ==")
    quality_lines = quality.run()
    print("== answers ==")
    answer_lines = answer.run(http=True)
    print("== an embedding model for retrieval ==")
    embedding_lines = embeddings.run()
    print("== scale ==")
    scale_lines = scale.run(args.nodes, args.edges, seconds=5)
    folder_lines = ["Not run: `python -m bench.run --folder` adds it (it takes a few minutes more)."]
    if args.folder:
        print("== content folder ==")
        folder_lines = folder.run(None, args.nodes, args.edges // 2, seconds=5)
    print("== start-up ==")
    runs, phases = startup.measure(args.startup_runs)
    median = statistics.median(runs)
    verdict = "met" if median < 1 else "**missed**"
    text = "\n".join(
        [
            "# Benchmark results",
            "",
            f"Written by `make bench` (`{' '.join(['python -m bench.run', *sys.argv[1:]])}`) on {when}, "
            f"in {time.perf_counter() - began:.0f} s.",
            "",
            f"Machine: {machine}. Absolute numbers drift on a shared machine; the ratios are measured in one run.",
            "",
            "## HTTP on the seed graph: Distance against the strict reference",
            "",
            *http_lines,
            "",
            "## Where the time goes",
            "",
            *where_lines,
            "",
            "## Cluster: replicas behind nginx's cache (`make cluster`)",
            "",
            *cluster_lines,
            "",
            "## Stalls: other clients' p99 during reloads and during an export burst (`bench/stall.py`)",
            "",
            *stall_lines,
            "",
            "## Search quality on the shipped graph",
            "",
            *quality_lines,
            "",
            "## Answers to reader messages (`bench/answer.py`)",
            "",
            *answer_lines,
            "",
            "## Answers: does an embedding model help retrieval? (`bench/embeddings.py`)",
            "",
            *embedding_lines,
            "",
            "## Scale: 100k nodes, 1M edges",
            "",
            *scale_lines,
            "",
            "## Scale: a 100k-node content folder served end to end",
            "",
            *folder_lines,
            "",
            "## Start-up on the seed graph",
            "",
            f"Process start of `distance serve` to its first 200 on `/v1/meta`, {len(runs)} runs: "
            f"{', '.join(f'{r:.3f}' for r in runs)} s; median **{median:.3f} s** (target < 1 s: {verdict}).",
            "",
            "One start in a fresh interpreter, by phase:",
            "",
            "| phase | seconds |",
            "|---|---:|",
            *(f"| {name} | {seconds:.3f} |" for name, seconds in phases.items()),
            "",
            *NOTES,
        ]
    )
    RESULTS.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


NOTES = """\
## How to read this, and what explains each gap

This file is written whole by `make bench`: what was measured by hand between two runs (rows
measured again after a change, experiments not kept, the benches run apart) is in
bench/HISTORY.md, newest first.

- **The cache.** Every `/v1` answer with an ETag is a pure function of the graph, the URL and
  the request's variant (`api/edge/variant.py`: the content coding and the media type), so
  `api/edge/cache.py` keeps finished responses in a bounded LRU that hangs off the served graph
  (a reload starts an empty one), looked up by the edge pipeline (`api/edge/pipeline.py`)
  before the app: a hit costs the pipeline's request id, bounds, variant, lookup, send and
  access log. "Cache off" rows are the miss path. What is left between a hit and the bare
  app is in "Where the time goes" above.
- **Prebuilt answers.** The index, meta, the schema and the first page of every list, then
  every node (sources too), card and edge, on a graph of at most 5,000 nodes and edges
  (`api/app/routes/__init__.py`, `PER_ITEM_LIMIT`), are made by a starting worker just after
  its port opens, in the background (the search index first, in a thread), so they do not
  delay the first 200 (on the shipped content: 1,183 paths, 2.6 MB in both codings, ~0.3 s);
  a reload makes all of them before the swap. They are kept beside
  the LRU, never evicted. On the 100k graph the per-item answers would be 1.2 M answers and
  gigabytes, over the 600 MiB budget, so there they are made on first use. `bench/startup.py`
  prints the first request of each kind on a fresh server: hits, under 1 ms.
- **The miss path.** py-spy/cProfile of uncached answers: the two dependencies every route
  has (the graph, the query-parameter model) were plain `def`s, so FastAPI ran each in its
  thread pool, two thread hops per request; they are `async def` now. FastAPI's own work was
  ~60 % of an uncached node (the route scan, solving dependencies, validating an empty query),
  so the pipeline's app step makes a plain GET of a known node with the route's own function
  (`api/edge/shortcut.py`, compared byte for byte with the route for every node in
  `tests/api/edge/test_shortcut.py`; any query string, an unknown or malformed id, another
  media type go to the route). Other routes pay FastAPI on a miss.
- **The server.** `distance serve` runs on granian (`api/process/serve.py`), through its public
  settings only: chosen over stock uvicorn[standard] by the server table above (the same app
  on both, against the bare app on both), and because it has a header-read timeout, a bound
  on connections per worker and worker respawn built in; uvicorn has none of the first. What
  granian lacks (a timeout for a connection that sends nothing, a send timeout, problem+json
  for its own 400/414/431) is nginx's in `make cluster` (README, "Slow and broken clients").
- **Workers.** `--workers 2` is granian's main process forking two workers on its shared
  socket; they share the built graph copy-on-write. On this 2-core machine the workers share
  the cores with wrk, so compare their ratio, not their req/s.
- **The cluster.** A hit in nginx's cache never reaches Python: nginx reads the stored answer
  and writes it, so it runs at or past the bare app's speed, several times one replica's.
  Uncached search is Python on every request; on this 2-core machine, shared by wrk, nginx and
  both replicas (and anything else running), a second replica adds little, because there is no
  idle core for it; on a machine with a core per replica it would scale with the replicas.
  Varnish 7 (`python -m bench.cluster --varnish`, after `apt-get install varnish`) served hits
  at about three quarters of nginx's rate here (19.9k against 27.1k req/s, 5 interleaved wrk
  rounds in front of the same replicas, load average 2.2-3.5); nginx also retries the next
  replica on its own (`proxy_next_upstream`; Varnish needs VCL for that), has no grace period
  to turn off for the reload bound (Varnish serves stale for 10 s by default), and Debian's
  nginx-light is a small package. So nginx ships.
- **Paths on the 100k graph.** The synthetic graph has hubs of ~10,000 edges (targets are
  drawn with a skew, as in real graphs). Paths search from both ends over a compressed (CSR)
  adjacency in numpy arrays (`graph/adjacency.py`, built with the graph: every pair of nodes
  an edge joins, with a bitmask of the kinds joining them), a whole breadth-first level at a
  time in C, always growing the side with fewer neighbours to look at; predecessors and edges
  are looked up only for the paths returned. The same `STEP_BUDGET` (10,000 neighbours looked
  at) still bounds a query: past it the answer is `truncated: true` with no paths. A numpy
  level costs ~15 array operations (a few microseconds each) plus ~10 ns per neighbour, so
  the budget costs ~0.2 ms where the Python loop over dicts took ~10 ms. Chosen over
  scipy.sparse.csgraph (its BFS and Dijkstra walk from one source over the whole component:
  no meeting in the middle, no per-level budget, ~50 MB more to install) and rustworkx
  (`all_shortest_paths` has no hop bound or limit, and would hold a second copy of the graph).
- **Build on the 100k graph.** `graph.build` reads each edge's fields once, in the order the
  edges were made, with `map`/`zip` in C, and sorts arrays (numpy argsort of the ids) rather
  than objects: on this machine one pass over a million objects in another order than they
  were allocated costs ~1 µs per object in cache misses, so the old build's passes in id
  order (sort, mapping, out/in/near loops, version rows) were most of its time. content_version
  hashes rows of (id, basis, evidence) with each distinct evidence tuple serialized once (an
  edge id stands for its ends and kind), then the notes and `about`s. cProfile of what is
  left: numpy.fromiter over the edges' fields (~2 s, those object reads), the argsorts (~1.4
  s), itemgetter gathers of ids and edges in id order (~1.3 s), the version (~2.7 s).
- **A content folder served end to end.** Before, `distance check` took 155 s on 123 MiB of
  YAML, 90 % of it in PyYAML: libyaml's C parser builds a Python node, two marks and a
  resolver call per scalar (~1 MB/s here) before our line-aware constructor runs. The loader
  now reads each file with yaml-rs (Rust, `graph/_yaml.read_plain`, ~15x faster) where YAML
  1.1 and 1.2 read it alike (no tags, directives, numbers or dates, no string that YAML 1.1
  would type if written plain, and a final newline), with the same checks; at the first
  problem it starts over on PyYAML with lines, so bad content is still named `file:line`, every
  problem at once. Chosen over rapidyaml (its Python API hands back untyped strings and its
  JSON emitter leaves aliases unresolved and writes invalid JSON for `+1`) and over keeping
  PyYAML's event API (its Python event objects alone cost ~3 µs each: ~30 s for this folder).
  py-spy of `distance check` on the folder after the change (~65 s, load average ~2.5): yaml-rs
  25 %, `graph.build` 21 %, pydantic validation 10 %, imports and the report 7 %, the YAML
  1.1 check 4 %, the rest the loader's own checks. Memory: equal quotes share one `Evidence`
  and edge ends share the node's id string; the peak is yaml-rs's whole-file parse of
  edges.yaml (~1.3 GiB of Python objects for 105 MB of YAML), freed before serving.
- **Over HTTP, on the 100k graph,** a request adds the uncached path (routing, validation,
  serializing up to 100 nodes and their edges: 2-3 ms here) to the query time, and wrk's p99
  with one connection also catches the machine's other load; the in-process rows are the
  traversal itself.
- **Search on the 100k graph** runs on an inverted index made with the graph (tantivy, in
  memory, `graph/text_index.py`; ~3 s and ~40-60 MiB for 100k nodes). `python -m bench.engines`
  measured it against SQLite FTS5 on the same graph, fields and weights (1,000 random 1-3-word
  queries, top 20 plus the match count, load average 3.2-4.8): tantivy p50 3.1 / p99 7.8 ms with
  typo tolerance; FTS5 p50 60 / p99 147 ms (OR queries over common words rank every match),
  with no typo tolerance; FTS5 indexed in 0.6 s against 2.9 s. tantivy was chosen: its top-k
  skips blocks that cannot reach the top, and its fuzzy term queries give the typo tolerance.
  The facets are a tantivy terms aggregation over every match, the page's explanation (asked
  for with `explain=true`) one scoring per word and field on the page's nodes only.
- **Start-up.** It scales with the machine's load: `bench/startup.py` has given medians from
  0.92 s (load average near 1) to 2.6 s (near 3.9) on this machine; compare the load average
  printed at the top of this file. The phase table shows where the time goes: importing FastAPI, pydantic and
  Starlette dominates (`python -X importtime -c "import api.app.factory"`: FastAPI's own modules,
  `fastapi.openapi.models` building pydantic models, and FastAPI analysing every route at
  registration, which also imports `pydantic.v1` for a compatibility check). The content
  load is ~0.1-0.2 s since the YAML parser is libyaml's. The venv is byte-compiled at
  install (`UV_COMPILE_BYTECODE=1` in the Makefile): with PYTHONDONTWRITEBYTECODE set, as in
  this environment, every start otherwise recompiled all dependencies (~1 s more). A worker
  answers as soon as its app is made: its search index and prebuilt answers (~0.2 s before
  they moved) are made after its port opens, in the background. What would close more:
  answering from a small pure-ASGI app over bodies precomputed at build time while FastAPI
  (only needed for cache misses) is imported in the background, or a lighter framework on
  the hot path; neither is done, since FastAPI is the contract's source.
""".splitlines()


if __name__ == "__main__":
    main()
