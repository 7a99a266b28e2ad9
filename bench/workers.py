"""Soak: `distance serve --workers 2` through content reloads and worker crashes, under load.

Run: `.venv/bin/python -m bench.workers [--reloads 10]`. On a copy of the seeds, with wrk
(`-t1 -c32`, keep-alive connections) asking for `/v1/nodes/oxytocin` the whole time:

- reload: the content is edited and `distance reload` (SIGUSR1) sent, `--reloads` times, alternating between
  two valid versions; prints the failed requests (non-2xx/3xx and socket errors) out of all;
- kill -9 with bad content: the seeds are broken, the reload is refused, then each worker in
  turn is killed with SIGKILL; prints the failed requests (the killed worker's open
  connections are reset: that is the crash), whether every request after the replacement
  answered with the last good content, and how long a replacement took to start.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import orjson

from bench.wrk import ROOT, Result, free_port, run_wrk, started

__all__ = ["main"]

DISTANCE = Path(sys.executable).parent / "distance"
NODE = "/v1/nodes/oxytocin"


def _children(pid: int) -> list[int]:
    return sorted(int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())


def _version(base: str) -> str:
    with urllib.request.urlopen(base + "/v1/meta", timeout=5) as response:
        return str(orjson.loads(response.read())["content_version"])


def _under_load(base: str, seconds: float, action: object) -> Result:
    """wrk for `seconds` while `action()` runs in a thread."""
    assert callable(action)
    thread = threading.Thread(target=action)
    thread.start()
    result = run_wrk(base + NODE, seconds=seconds, connections=32)
    thread.join()
    return result


def main() -> None:
    """Both runs, one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reloads", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        shutil.copytree(ROOT / "seeds", seeds)
        concepts = seeds / "graph" / "concepts.yaml"
        good = concepts.read_text(encoding="utf-8")
        edited = good.replace("summary: >-", "summary: >-\n    Edited.", 1)
        port = free_port()
        argv = [str(DISTANCE), "serve", "--seeds", str(seeds), "--port", str(port), "--workers", "2"]
        with (Path(tmp) / "err.log").open("wb") as log, started(argv, port, env=dict(os.environ), cwd=ROOT,
                                                               ready="/v1/meta", stderr=log) as server:  # fmt: skip
            versions: set[str] = set()
            errlog = Path(tmp) / "err.log"

            def reloads() -> None:
                for i in range(args.reloads):
                    time.sleep(1)
                    concepts.write_text(edited if i % 2 == 0 else good, encoding="utf-8")
                    os.kill(server.pid, signal.SIGUSR1)  # `distance reload`
                    deadline = time.monotonic() + 10
                    while errlog.read_text().count("workers now serve") <= i and time.monotonic() < deadline:
                        time.sleep(0.05)
                    versions.add(_version(server.base))

            reload = _under_load(server.base, args.reloads * 2 + 3, reloads)
            applied = errlog.read_text().count("workers now serve")
            last_good = _version(server.base)
            concepts.write_text(good.replace("  label: Oxytocin\n", "", 1), encoding="utf-8")
            replaced: list[float] = []
            answers: set[str] = set()

            def crashes() -> None:
                os.kill(server.pid, signal.SIGUSR1)  # `distance reload`, refused: the seeds are invalid
                time.sleep(2)
                for victim in _children(server.pid):
                    os.kill(victim, signal.SIGKILL)
                    killed = time.monotonic()
                    while victim in _children(server.pid) or len(_children(server.pid)) < 2:
                        time.sleep(0.01)
                    replaced.append(time.monotonic() - killed)
                    time.sleep(2)
                    answers.update(_version(server.base) for _ in range(10))

            crash = _under_load(server.base, 10, crashes)
            alive = _children(server.pid)
        refused = "refused" in errlog.read_text()
    load = os.getloadavg()[0]
    print("distance serve --workers 2, shipped content copy; wrk -t1 -c32 on", NODE)
    print()
    print("| run | requests | failed | req/s | p99 ms | notes | load avg |")
    print("|---|---:|---:|---:|---:|---|---:|")
    print(
        f"| {args.reloads} reloads | {reload.requests} | {reload.errors} | {reload.rps:.0f} | {reload.p99:.2f} "
        f"| {applied} applied (supervisor log); {len(versions)} content versions seen | {load:.2f} |"
    )
    print(
        f"| bad seeds, reload refused, kill -9 each worker | {crash.requests} | {crash.errors} | {crash.rps:.0f} "
        f"| {crash.p99:.2f} | reload refused: {refused}; replaced in "
        f"{', '.join(f'{s * 1000:.0f} ms' for s in replaced)}; answers after: "
        f"{'last good content only' if answers == {last_good} else answers}; {len(alive)} workers at the end "
        f"| {load:.2f} |"
    )


if __name__ == "__main__":
    main()
