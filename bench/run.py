"""`make bench`: every benchmark in one run, written to bench/RESULTS.md.

Run: `.venv/bin/python -m bench.run [--seconds 3] [--rounds 2] [--nodes 100000] [--edges 1000000]`.
HTTP ratios against the bare baseline (bench.http), the 100k-node graph (bench.scale) and
start-up (bench.startup); each prints as it goes, and the file gets the machine, the command,
the date and the tables. Takes about four minutes.
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

from bench import http, scale, startup

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
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--startup-runs", type=int, default=5)
    args = parser.parse_args()
    began = time.perf_counter()
    machine = _machine()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print("== HTTP, seed graph ==")
    http_lines = http.run(args.seconds, args.rounds)
    print("== scale ==")
    scale_lines = scale.run(args.nodes, args.edges, seconds=5)
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
            "## HTTP on the seed graph: Distance against a bare ASGI app",
            "",
            *http_lines,
            "",
            "## Scale: 100k nodes, 1M edges",
            "",
            *scale_lines,
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


NOTES: list[str] = []


if __name__ == "__main__":
    main()
