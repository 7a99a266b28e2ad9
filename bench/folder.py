"""A 100k-node content folder written as YAML, served end to end by `distance serve --seeds DIR`.

Run: `.venv/bin/python -m bench.folder [--folder DIR] [--nodes 100000] [--edges 500000] [--seconds 5]`.
Writes the folder with `bench.seedfolder` (unless `--folder` names one already written), then
times `distance check --seeds DIR`, the phases of a load in this process (reading and
validating, building), and `distance serve --seeds DIR` from process start to its first 200
on `/v1/meta` and to its first search answer (its search index made), with its resident
memory then and at peak. Then wrk drives uncached
search, 2-hop neighbours and paths on random nodes, one connection each, with the response
cache off. Takes a few minutes: `make bench` runs it only with `--folder`.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.seedfolder import write_seed_folder
from bench.synthetic import WORDS
from bench.wrk import ROOT, Result, free_port, memory_mib, run_wrk, settled, started
from graph.build import build
from graph.load import load_content

__all__ = ["main", "run"]

DISTANCE = str(Path(sys.executable).with_name("distance"))

_LUA = """
math.randomseed(%(seed)d)
local ids = {%(ids)s}
local words = {%(words)s}
request = function()
  local a = ids[math.random(#ids)]
  local b = ids[math.random(#ids)]
  local q = words[math.random(#words)] .. "%%20" .. words[math.random(#words)]
  -- a table replacement is taken as it is: a string one reads "%%2" in "%%20" as a capture
  local path = string.gsub("%(path)s", "{(%%a)}", {a = a, b = b, q = q})
  return wrk.format("GET", path)
end
"""


def _ids(folder: Path, count: int, rng: random.Random) -> list[str]:
    """`count` node ids of the folder, picked at random."""
    found = []
    for path in (folder / "graph").glob("*.yaml"):
        if path.name not in ("edges.yaml", "retired.yaml"):  # a retired id answers 410
            found += [
                line[6:].strip() for line in path.read_text(encoding="utf-8").splitlines() if line[:6] == "- id: "
            ]
    return rng.sample(sorted(found), min(count, len(found)))


def _phases(folder: Path) -> dict[str, float]:
    """Seconds to read and validate, and to build, in this process."""
    started_at = time.perf_counter()
    content = load_content(folder)
    loaded = time.perf_counter()
    build(content)
    return {"read + validate": loaded - started_at, "build": time.perf_counter() - loaded}


def run(folder: Path | None, nodes: int, edges: int, seconds: float) -> list[str]:
    """Measure everything; return the lines of the RESULTS.md section."""
    with tempfile.TemporaryDirectory() as tmp:
        if folder is None:
            folder = Path(tmp) / "content"
            began = time.perf_counter()
            size = write_seed_folder(folder, nodes=nodes, edges=edges)
            print(f"wrote {folder}: {size / 2**20:.0f} MiB of YAML in {time.perf_counter() - began:.0f} s")
        size = sum(p.stat().st_size for p in (folder / "graph").glob("*.yaml"))
        load = os.getloadavg()[0]
        began = time.perf_counter()
        subprocess.run([DISTANCE, "check", "--seeds", str(folder)], check=True, stdout=subprocess.DEVNULL)
        check_s = time.perf_counter() - began
        check_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"distance check: {check_s:.1f} s, peak {check_mib:.0f} MiB")
        phases = _phases(folder)
        print("in process: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
        rng = random.Random(5)
        ids = ",".join(f'"{i}"' for i in _ids(folder, 2000, rng))
        words = ",".join(f'"{w}"' for w in [*WORDS, "comitment", "oxytocn", "distnce"])
        port = free_port()
        env = {**os.environ, "DISTANCE_CACHE_ENTRIES": "0", "DISTANCE_ACCESS_LOG": "false"}
        argv = [DISTANCE, "serve", "--seeds", str(folder), "--port", str(port)]
        began = time.perf_counter()
        http: dict[str, Result] = {}
        log = Path(tmp) / "serve.log"  # a file, not a pipe nobody reads while it serves
        with log.open("wb") as err, started(argv, port, env=env, cwd=ROOT, ready="/v1/meta", stderr=err) as live:
            first_s = time.perf_counter() - began
            # Ready for every request once the search index is made (a worker makes it once its
            # port is open): the first search waits for it. Memory is measured then.
            with urllib.request.urlopen(live.base + "/v1/search?q=space", timeout=300) as response:
                response.read()
            ready_s = time.perf_counter() - began
            # The worker goes on making its answer indexes and prebuilt answers in the background:
            # memory is read, and the rows measured, once it is done.
            busy_s = settled(live.pid)
            rss, peak = memory_mib(live.pid)
            print(f"first 200 after {first_s:.1f} s, first search after {ready_s:.1f} s, at rest {busy_s:.0f} s "
                  f"later; PSS {rss:.0f} MiB, peak {peak:.0f} MiB")  # fmt: skip
            script = Path(tmp) / "random.lua"
            for name, path in (
                ("search", "/v1/search?q={q}"),
                ("2-hop neighbours", "/v1/nodes/{a}/neighbors?depth=2"),
                ("paths", "/v1/paths?from={a}&to={b}"),
            ):
                script.write_text(_LUA % {"seed": 4, "ids": ids, "words": words, "path": path})
                try:
                    run_wrk(live.base + "/v1/meta", seconds=1, connections=1, script=script)  # warm up
                except subprocess.CalledProcessError as exc:
                    raise SystemExit(f"wrk failed on {path}: {exc.stdout}{exc.stderr}") from None
                script.write_text(_LUA % {"seed": 5, "ids": ids, "words": words, "path": path})
                http[name] = run_wrk(live.base + "/v1/meta", seconds=seconds, connections=1, script=script)
                print(f"HTTP {name}: {http[name]}")
            rss_after, peak = memory_mib(live.pid)
    print(f"server PSS {rss:.0f} MiB when ready, {rss_after:.0f} MiB after the runs, peak {peak:.0f} MiB")

    def verdict(value: float, target: float) -> str:
        return "met" if value < target else "**missed**"

    rows = [
        f"| `distance check --seeds DIR` (peak RSS) | {check_s:.1f} s ({check_mib:.0f} MiB) | | |",
        *(f"| in process: {name} | {value:.1f} s | | |" for name, value in phases.items()),
        f"| `distance serve --seeds DIR`: process start to the first 200 (to the first search answer) "
        f"| {first_s:.1f} s ({ready_s:.1f} s) | < 60 s | {verdict(first_s, 60)} |",
        "| server memory (PSS of main + workers) when ready and at rest (its background work done, "
        f"{busy_s:.0f} s after its first search) / after the HTTP runs (sum of peak RSS) "
        f"| {rss:.0f} / {rss_after:.0f} MiB ({peak:.0f}) "
        f"| < 1 GiB when ready | {verdict(max(rss, rss_after), 1024)} |",
    ]
    for name, target in (("search", 20.0), ("2-hop neighbours", 5.0), ("paths", 5.0)):
        r = http[name]
        rows.append(
            f"| {name} over HTTP (1 connection, random, cache off), p50 / p99 | {r.p50:.2f} / {r.p99:.2f} ms "
            f"({r.rps:.0f} req/s, {r.errors} errors) | p99 < {target:g} ms | {verdict(r.p99, target)} |"
        )
    return [
        f"A content folder of {nodes:,} nodes and {edges:,} edges as YAML ({size / 2**20:.0f} MiB, "
        "written by `bench/seedfolder.py`: quotes verbatim from the shipped articles), loaded, validated, "
        f"built and served by `distance serve --seeds DIR` (`python -m bench.folder`); load average "
        f"{load:.2f} when it started.",
        "",
        "| measure | value | target | |",
        "|---|---:|---:|---|",
        *rows,
    ]


def main() -> None:
    """Print the measurements (RESULTS.md is written by `bench.run --folder`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=None, help="A folder bench.seedfolder already wrote.")
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=500_000)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    print("\n".join(run(args.folder, args.nodes, args.edges, args.seconds)))


if __name__ == "__main__":
    main()
