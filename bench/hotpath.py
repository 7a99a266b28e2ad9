"""The issue-16 rows alone, quickly, against the strict reference, optionally beside another checkout.

Run: `.venv/bin/python -m bench.hotpath [--seconds 3] [--rounds 2] [--baseline /path/to/checkout]`.
The bare app on granian (the strict reference, `bench.reference`) is driven by wrk before and
after; Distance as `distance serve` runs it, cache on and off, on the targeted rows. With
`--baseline`, the same servers also run from that checkout (its own venv), interleaved with
this one, so a change is measured against the code before it in the same run. `make bench`
does not run this; it is the quick loop while working on the hot paths.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench.reference import REFERENCES, reference_server
from bench.throughput import CONNECTIONS, ENDPOINTS, MISS_TARGETS
from bench.wrk import ROOT, Server, free_port, run_wrk, started

__all__ = ["main"]

_ROWS = ("node GET", "304 revalidation", "list page (50)", "search")


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time so far of a process, its threads and its child processes
    (granian serves from a worker process), from /proc."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        stats[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    family, ticks = {pid}, 0
    for _ in range(3):  # children, grandchildren
        family |= {p for p, (parent, _) in stats.items() if parent in family}
    ticks = sum(stats[p][1] for p in family if p in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class _Row:
    rps: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)


def _run(up: Server, path: str, seconds: int, headers: list[str], row: _Row) -> None:
    """One wrk run: its req/s, and the server's CPU time per request (robust to a busy machine)."""
    cpu = _cpu_seconds(up.pid)
    result = run_wrk(up.base + path, seconds=seconds, connections=CONNECTIONS, headers=headers)
    if result.errors:
        raise SystemExit(f"{up.base}{path}: {result.errors} failed requests")
    row.rps.append(result.rps)
    row.cpu_us.append((_cpu_seconds(up.pid) - cpu) / result.requests * 1e6)


def _distance(tree: Path, cache: bool, stack: ExitStack) -> Server:
    port = free_port()
    argv = [str(tree / ".venv" / "bin" / "python"), "-m", "bench.serve", "--port", str(port)]
    env = {**os.environ, **({} if cache else {"DISTANCE_CACHE_ENTRIES": "0"})}
    env.pop("VIRTUAL_ENV", None)
    return stack.enter_context(started(argv, port, env=env, cwd=tree, ready="/v1/meta"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline", type=Path, help="Another checkout (with its .venv) to measure beside this one.")
    args = parser.parse_args()
    trees = {"this": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}; {' '.join(sys.argv)}")
    rows: dict[tuple[str, str], _Row] = {}
    with ExitStack() as stack:
        ref = stack.enter_context(reference_server(next(r for r in REFERENCES if r.name == "granian")))
        servers = {
            (name, cache): _distance(tree, cache, stack) for name, tree in trees.items() for cache in (True, False)
        }
        plan: list[tuple[str, Server, str, list[str]]] = [("bare app on granian (strict)", ref, "/", [])]
        for round_ in range(args.rounds):
            order = list(servers.items())[round_ % len(servers) :] + list(servers.items())[: round_ % len(servers)]
            for endpoint in ENDPOINTS:
                for (name, cache), up in order:
                    if endpoint.name in (_ROWS if cache else MISS_TARGETS):
                        headers = endpoint.headers(up.base + endpoint.path)
                        plan.append(
                            (f"{endpoint.name} | {name}{'' if cache else ', cache off'}", up, endpoint.path, headers)
                        )
        plan.append(plan[0])
        for label, up, path, headers in plan:
            run_wrk(up.base + path, seconds=1, connections=CONNECTIONS, headers=headers)  # warm up
            _run(up, path, args.seconds, headers, rows.setdefault((label, ""), _Row()))
            print(f"  {label:<40} {rows[(label, '')].rps[-1]:9.0f} req/s {rows[(label, '')].cpu_us[-1]:7.1f} µs CPU")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    strict = rows[(plan[0][0], "")]
    print(f"\nload average now {load}; strict reference {statistics.fmean(strict.rps):.0f} req/s, "
          f"{statistics.fmean(strict.cpu_us):.1f} µs CPU a request")  # fmt: skip
    print("| row | server | req/s | × strict | server CPU µs/request | × strict's CPU |\n|---|---|---:|---:|---:|---:|")
    for (label, _), row in rows.items():
        rps, cpu = statistics.fmean(row.rps), statistics.fmean(row.cpu_us)
        print(f"| {label} | {rps:.0f} | {rps / statistics.fmean(strict.rps):.2f} | {cpu:.1f} "
              f"| {statistics.fmean(strict.cpu_us) / cpu:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
