"""HTTP throughput and latency of Distance against a bare ASGI baseline, in one run.

Run: `.venv/bin/python -m bench.throughput [--seconds 3] [--rounds 2]`. Starts, on the same server
software and settings (`bench.serve`): the bare baseline, Distance as shipped (response cache
on), and Distance with the cache off (every request routed, validated and serialized: the
miss path). Each endpoint is driven by wrk with the same settings on each server, the
servers interleaved and their order rotated per round so drift hits all alike; the ratio
of an endpoint is Distance's req/s over the baseline's measured next to it.
"""

from __future__ import annotations

import argparse
import statistics
import urllib.request
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass

from bench.wrk import Result, Server, run_wrk, server

__all__ = ["ENDPOINTS", "Endpoint", "main", "run"]

CONNECTIONS = 32


@dataclass(frozen=True)
class Endpoint:
    """One measured request and its target ratio to the baseline (None: no target)."""

    name: str
    path: str
    target: float | None
    conditional: bool = False


ENDPOINTS = [
    Endpoint("node GET", "/v1/nodes/oxytocin", 0.6),
    Endpoint("304 revalidation", "/v1/nodes/oxytocin", 0.6, conditional=True),
    Endpoint("list page (50)", "/v1/nodes?limit=50", 0.5),
    Endpoint("2-hop neighbours", "/v1/nodes/oxytocin/neighbors?depth=2", 0.4),
    Endpoint("paths", "/v1/paths?from=leaves-right-after-sex&to=give-him-space", None),
    Endpoint("search", "/v1/search?q=space", 0.3),
    Endpoint("guide (3 signs)", "/v1/guide?signs=leaves-right-after-sex,disappears,hot-and-cold", None),
]


def _etag(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
        return str(response.headers["ETag"])


def _measure(
    servers: dict[str, Server], endpoints: Sequence[Endpoint], *, seconds: float, rounds: int
) -> dict[tuple[str, str], list[Result]]:
    """wrk every endpoint on every server, interleaved, order rotated per round."""
    names = list(servers)
    results: dict[tuple[str, str], list[Result]] = {}
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for endpoint in endpoints:
            for name in order:
                base = servers[name].base
                path = "/" if name.startswith("baseline") else endpoint.path
                headers = []
                if endpoint.conditional and not name.startswith("baseline"):
                    headers.append(f"If-None-Match: {_etag(base + path)}")
                if r == 0:  # warm up: fill caches, let the first-request costs pass
                    run_wrk(base + path, seconds=1, connections=CONNECTIONS, headers=headers)
                result = run_wrk(base + path, seconds=seconds, connections=CONNECTIONS, headers=headers)
                if result.errors:
                    raise SystemExit(f"{name} {endpoint.path}: {result.errors} failed requests")
                results.setdefault((endpoint.name, name), []).append(result)
                print(f"  round {r + 1} {endpoint.name:<18} {name:<22} {result.rps:9.0f} req/s")
    return results


def _mean(results: list[Result]) -> Result:
    return Result(
        statistics.fmean(r.rps for r in results),
        statistics.fmean(r.p50 for r in results),
        statistics.fmean(r.p99 for r in results),
        0,
    )


def _baseline_of(name: str) -> str:
    """The baseline measured on the same set-up: distance-w2 -> baseline-w2, distance-nocache -> baseline."""
    return "baseline" + name.removeprefix("distance").removeprefix("-nocache")


def _table(
    results: dict[tuple[str, str], list[Result]], endpoints: Sequence[Endpoint], rows: Sequence[tuple[str, str]]
) -> list[str]:
    """Markdown rows: each (label, server) against the baseline measured beside it, then that baseline."""
    lines = [
        "| endpoint | server | req/s | p50 ms | p99 ms | ratio to baseline | target |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for endpoint in endpoints:
        baselines: dict[str, None] = {}
        for label, name in rows:
            if (endpoint.name, name) not in results:
                continue
            baselines[_baseline_of(name)] = None
            got, base = _mean(results[(endpoint.name, name)]), _mean(results[(endpoint.name, _baseline_of(name))])
            ratio = got.rps / base.rps
            target = ""
            if endpoint.target is not None and not name.endswith("-nocache"):
                target = f">= {endpoint.target} {'met' if ratio >= endpoint.target else '**missed**'}"
            lines.append(
                f"| {endpoint.name} | {label} | {got.rps:.0f} | {got.p50:.2f} | {got.p99:.2f} "
                f"| {ratio:.2f} | {target} |"
            )
        for name in baselines:
            base = _mean(results[(endpoint.name, name)])
            lines.append(
                f"| {endpoint.name} | {name} (bare ASGI) | {base.rps:.0f} | {base.p50:.2f} | {base.p99:.2f} | 1.00 | |"
            )
    return lines


def run(seconds: float, rounds: int) -> list[str]:
    """Every measurement of this module; returns the lines of the RESULTS.md section."""
    with ExitStack() as stack:
        up = {
            "baseline": stack.enter_context(server(["--app", "baseline"])),
            "distance": stack.enter_context(server(["--app", "distance"], ready="/v1/meta")),
            "distance-nocache": stack.enter_context(
                server(["--app", "distance"], env={"DISTANCE_CACHE_ENTRIES": "0"}, ready="/v1/meta")
            ),
        }
        endpoints = list(ENDPOINTS)
        print(f"uvicorn, 1 worker; wrk -t1 -c{CONNECTIONS} -d{seconds}s, {rounds} rounds")
        main_results = _measure(up, endpoints, seconds=seconds, rounds=rounds)
    with ExitStack() as stack:
        extra = {
            "baseline-w2": stack.enter_context(server(["--app", "baseline", "--workers", "2"])),
            "distance-w2": stack.enter_context(server(["--app", "distance", "--workers", "2"], ready="/v1/meta")),
            "baseline-granian": stack.enter_context(server(["--app", "baseline", "--server", "granian"])),
            "distance-granian": stack.enter_context(
                server(["--app", "distance", "--server", "granian"], ready="/v1/meta")
            ),
        }
        print("2 uvicorn workers, and granian (1 worker)")
        more = _measure(extra, [ENDPOINTS[0], ENDPOINTS[5]], seconds=seconds, rounds=rounds)
    lines = [
        f"wrk -t1 -c{CONNECTIONS} -d{seconds}s per run, {rounds} rounds interleaved (figures are means); "
        "the baseline is a bare ASGI app returning a constant ~1 KB JSON body on the same server.",
        "",
        *_table(
            main_results,
            endpoints,
            [("Distance (cache hit)", "distance"), ("Distance, cache off (miss path)", "distance-nocache")],
        ),
        "",
        "Workers and server software (same wrk settings; each ratio is to the baseline on the same set-up):",
        "",
        *_table(
            {**more, **main_results},
            [ENDPOINTS[0], ENDPOINTS[5]],
            [
                ("Distance, uvicorn, 1 worker", "distance"),
                ("Distance, uvicorn, 2 workers", "distance-w2"),
                ("Distance, granian, 1 worker", "distance-granian"),
            ],
        ),
    ]
    return lines


def main() -> None:
    """Print the tables (RESULTS.md is written by `bench.run`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print("\n".join(run(args.seconds, args.rounds)))


if __name__ == "__main__":
    main()
