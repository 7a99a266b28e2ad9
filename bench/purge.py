"""The cluster with answers kept a day and purged by tag, against today's s-maxage of 5 s.

Run: `.venv/bin/python -m bench.purge [--seconds 10] [--changes 3]`. Starts two clusters as
`make cluster` does (`deploy.cluster`, 2 replicas, shipped content copied to a scratch folder,
the rate limit off for wrk): one with `DISTANCE_CACHE_SHARED_MAX_AGE=5` and no stale
directives, one as `make cluster` sets it now (86400 s, stale-while-revalidate and
stale-if-error, purge on reload). Each takes the same mixed workload (wrk, a Lua script going
round every node, a sample of edges, list pages and searches) for `--seconds`; printed: req/s
and the hit rate from nginx's own access log (HIT against every answer in the run). Then, on the
long-lived cluster, `--changes` times: a node's summary is edited in its file, the supervisor is
sent SIGHUP, and the node's URL is polled through the proxy every 10 ms: printed, the time from
the file change to the first new answer, and from the purge to it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson

from api.settings import DEFAULT_SEEDS_DIR
from bench.wrk import ROOT, free_port, run_wrk

__all__ = ["main"]

_SCRIPT = """\
paths = {paths}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
"""


@contextmanager
def _cluster(work: Path, name: str, seeds: Path, env: dict[str, str]) -> Iterator[tuple[str, Path, int]]:
    run_dir = work / name
    argv = [sys.executable, "-m", "deploy.cluster", "--replicas", "2", "--port", str(free_port())]
    argv += ["--run-dir", str(run_dir), "--seeds", str(seeds)]
    log = work / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=out, env={**os.environ, **env})
    try:
        deadline = time.monotonic() + 300
        while not (run_dir / "cluster.json").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{name} did not start; see {log}")
            time.sleep(0.1)
        state = json.loads((run_dir / "cluster.json").read_text(encoding="utf-8"))
        yield state["url"], run_dir, process.pid
    finally:
        process.terminate()
        process.wait(timeout=90)


def _paths(url: str) -> list[str]:
    """Every node, the first 100 edges, the list pages and a few searches: what sites ask for."""
    nodes = httpx.get(f"{url}/v1/nodes?limit=200").json()["items"]
    total = httpx.get(f"{url}/v1/nodes?limit=1").json()["total"]
    for offset in range(200, total, 200):
        nodes += httpx.get(f"{url}/v1/nodes?limit=200&offset={offset}").json()["items"]
    edges = httpx.get(f"{url}/v1/edges?limit=100").json()["items"]
    lists = ["/v1/concepts", "/v1/reasons", "/v1/signs", "/v1/responses", "/v1/meta", "/v1/disagreements"]
    searches = [f"/v1/search?q={q}" for q in ("space", "texting", "commitment", "anxious", "fear")]
    return [f"/v1/nodes/{n['id']}" for n in nodes] + [f"/v1/edges/{e['id']}" for e in edges] + lists + searches


def _hit_rate(access_log: Path, offset: int) -> tuple[float, int]:
    lines = access_log.read_bytes()[offset:].splitlines()
    answers = [orjson.loads(line) for line in lines if line.strip()]
    hits = sum(a.get("cache") == "HIT" for a in answers)
    return (hits / len(answers) if answers else 0.0), len(answers)


def _workload(url: str, run_dir: Path, paths: list[str], seconds: float, work: Path) -> tuple[float, float, int]:
    script = work / "mixed.lua"
    script.write_text(_SCRIPT.format(paths="{" + ", ".join(f'"{p}"' for p in paths) + "}"), encoding="utf-8")
    for path in paths:  # every answer stored once, as after a warm-up
        httpx.get(url + path)
    time.sleep(1.5)  # nginx flushes its access log each second
    access = run_dir / "access.log"
    offset = access.stat().st_size
    result = run_wrk(url, seconds=seconds, connections=32, script=script)
    time.sleep(1.5)
    rate, counted = _hit_rate(access, offset)
    return result.rps, rate, counted


def _change_to_answer(url: str, run_dir: Path, pid: int, seeds: Path, round_no: int) -> tuple[float, float]:
    """Edit oxytocin's summary, SIGHUP the supervisor, poll the node: (s from the edit, s after the purge)."""
    concepts = seeds / "graph" / "concepts.yaml"
    old = httpx.get(f"{url}/v1/nodes/oxytocin").json()["summary"]
    # The first words of the summary sit on one line of the file, however YAML folds the rest.
    words = " ".join(old.split()[:4])
    new = old.replace(words, f"{words} (edit {round_no})", 1)
    cluster_log = run_dir.parent / f"{run_dir.name}.log"
    purges = cluster_log.read_text(encoding="utf-8").count("purged")
    edited = time.monotonic()
    text = concepts.read_text(encoding="utf-8")
    if words not in text:
        raise SystemExit(f"{concepts} does not hold {words!r} on one line")
    concepts.write_text(text.replace(words, f"{words} (edit {round_no})", 1), encoding="utf-8")
    os.kill(pid, signal.SIGHUP)
    purged = 0.0
    polled = edited
    while True:
        if not purged and cluster_log.read_text(encoding="utf-8").count("purged") > purges:
            purged = time.monotonic()
        if httpx.get(f"{url}/v1/nodes/oxytocin").json()["summary"] == new:
            fresh = time.monotonic()
            if not purged:
                # The purge line was written after this poll read the log: the purge happened
                # since the previous poll, so the time since that poll is an upper bound.
                if cluster_log.read_text(encoding="utf-8").count("purged") <= purges:
                    raise SystemExit("the new summary came through before any purge was logged")
                purged = polled
            return fresh - edited, fresh - purged
        polled = time.monotonic()
        if time.monotonic() - edited > 120:
            raise SystemExit("the new summary never came through the proxy")
        time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--changes", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="distance-bench-purge-"))
    try:
        seeds = work / "seeds"
        shutil.copytree(DEFAULT_SEEDS_DIR, seeds)
        load = os.getloadavg()[0]
        rows = []
        for name, env in (
            ("s-maxage 5 s", {"DISTANCE_CACHE_SHARED_MAX_AGE": "5", "DISTANCE_CACHE_STALE_SECONDS": "0"}),
            ("s-maxage 1 day, purge on reload", {}),
        ):
            with _cluster(work, name.split(",")[0].replace(" ", "-"), seeds, {"DISTANCE_RATE_LIMIT": "0", **env}) as (
                url,
                run_dir,
                pid,
            ):
                paths = _paths(url)
                rps, rate, counted = _workload(url, run_dir, paths, args.seconds, work)
                rows.append((name, rps, rate, counted, len(paths)))
                if not env:
                    changes = [_change_to_answer(url, run_dir, pid, seeds, n + 1) for n in range(args.changes)]
        print(f"purge: wrk -t1 -c32 -d{args.seconds:.0f}s, mixed workload; load {load:.2f} at start (shared machine)")
        print("| cluster | req/s | hit rate | answers counted | distinct URLs |")
        print("|---|---:|---:|---:|---:|")
        for name, rps, rate, counted, distinct in rows:
            print(f"| {name} | {rps:.0f} | {rate:.1%} | {counted} | {distinct} |")
        print(f"req/s ratio, 1 day against 5 s: {rows[1][1] / rows[0][1]:.2f}x")
        for number, (from_edit, from_purge) in enumerate(changes, start=1):
            print(
                f"change {number}: new answer through the proxy {from_edit:.2f} s after the file change, "
                f"{from_purge * 1000:.0f} ms after the purge"
            )
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
