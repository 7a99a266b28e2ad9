"""HTTP throughput and latency of Distance against the strict reference, in one run.

Run: `.venv/bin/python -m bench.throughput [--seconds 3] [--rounds 3]`. Starts the bare
reference app (bench/bare.py) on granian and on uvicorn with httptools and uvloop, each
from a venv of its own (`bench.reference`), and Distance as `distance serve` runs it
(granian, the access log on as shipped): response cache on, and off (every request routed,
validated and serialized: the miss path), and with 2 workers; then the same app on stock
uvicorn[standard] (httptools + uvloop), the server it was chosen against. The references are driven by wrk at
the start of every round and once after the last, so on a machine whose speed drifts (a
shared one does, by a quarter within minutes) the denominator spans the same minutes as the
rows; the faster one (mean of its runs) is the strict baseline. Each row gives the ratio to
it and to the bare app on the same server software. Distance's rows are interleaved, their
order rotated per round, so drift hits all alike.
"""

from __future__ import annotations

import argparse
import statistics
import urllib.request
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass

from bench.reference import REFERENCES, reference_server
from bench.wrk import Result, Server, run_wrk, server

__all__ = ["ENDPOINTS", "Endpoint", "main", "measured", "run"]

CONNECTIONS = 32


@dataclass(frozen=True)
class Endpoint:
    """One measured request and its target ratio to the baseline (None: no target)."""

    name: str
    path: str
    target: float | None
    conditional: bool = False  # sent with the answer's ETag in If-None-Match: a 304
    gzip: bool = False  # sent with Accept-Encoding: gzip, as browsers and HTTP libraries send it

    def headers(self, url: str) -> list[str]:
        """The request's headers for wrk, as "Name: value" (the ETag read from `url` once)."""
        out = [f"If-None-Match: {_etag(url)}"] if self.conditional else []
        return [*out, "Accept-Encoding: gzip"] if self.gzip else out


_GUIDE = "/v1/guide?signs=leaves-right-after-sex,disappears,hot-and-cold"
ENDPOINTS = [
    Endpoint("node GET", "/v1/nodes/oxytocin", 0.6),
    Endpoint("304 revalidation", "/v1/nodes/oxytocin", 0.6, conditional=True),
    Endpoint("list page (50)", "/v1/nodes?limit=50", 0.5),
    Endpoint("2-hop neighbours", "/v1/nodes/oxytocin/neighbors?depth=2", 0.5),
    Endpoint("paths", "/v1/paths?from=leaves-right-after-sex&to=give-him-space", None),
    Endpoint("search", "/v1/search?q=space", 0.5),
    Endpoint("guide (3 signs)", _GUIDE, 0.5),
    # The same answer gzipped (about 18 of its 131 KB), as a client that accepts gzip gets it.
    Endpoint("guide (3 signs), gzip", _GUIDE, None, gzip=True),
]
MISS_TARGETS = {"node GET": 0.25}  # the miss path's targets (cache off)
# Which reference runs the same server software as each Distance set-up.
SAME_SERVER = {"distance": "granian", "distance-nocache": "granian", "distance-w2": "granian",
               "distance-uvicorn": "uvicorn"}  # fmt: skip


def _etag(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
        return str(response.headers["ETag"])


def _measure(
    servers: dict[str, Server],
    endpoints: Sequence[Endpoint],
    *,
    seconds: float,
    rounds: int,
    refs: dict[str, Server],
    bare: dict[str, list[Result]],
) -> dict[tuple[str, str], list[Result]]:
    """wrk every endpoint on every Distance server, interleaved, order rotated per round; the
    bare app on each reference server is measured at the start of every round (into `bare`),
    so the reference spans the same minutes as the rows it is the denominator of."""
    names = list(servers)
    results: dict[tuple[str, str], list[Result]] = {}
    for r in range(rounds):
        for name, result in _references(refs, seconds, f"round {r + 1}").items():
            bare.setdefault(name, []).append(result)
        order = names[r % len(names) :] + names[: r % len(names)]
        for endpoint in endpoints:
            for name in order:
                base = servers[name].base
                headers = endpoint.headers(base + endpoint.path)
                if r == 0:  # warm up: fill caches, let the first-request costs pass
                    run_wrk(base + endpoint.path, seconds=1, connections=CONNECTIONS, headers=headers)
                result = _checked(name, endpoint.path, run_wrk(
                    base + endpoint.path, seconds=seconds, connections=CONNECTIONS, headers=headers
                ))  # fmt: skip
                results.setdefault((endpoint.name, name), []).append(result)
                print(f"  round {r + 1} {endpoint.name:<18} {name:<18} {result.rps:9.0f} req/s")
    return results


def _references(refs: dict[str, Server], seconds: float, when: str) -> dict[str, Result]:
    """One warm-up and one measured wrk run of the bare app on each reference server."""
    measured = {}
    for name, up in refs.items():
        run_wrk(up.base + "/", seconds=1, connections=CONNECTIONS)
        measured[name] = _checked(name, "/", run_wrk(up.base + "/", seconds=seconds, connections=CONNECTIONS))
        print(f"  {when:<6} bare on {name:<9} {measured[name].rps:9.0f} req/s")
    return measured


def _checked(name: str, path: str, result: Result) -> Result:
    if result.errors:
        raise SystemExit(f"{name} {path}: {result.errors} failed requests")
    return result


def _mean(results: list[Result]) -> Result:
    return Result(
        statistics.fmean(r.rps for r in results),
        statistics.fmean(r.p50 for r in results),
        statistics.fmean(r.p99 for r in results),
        0,
    )


def _row(label: str, got: Result, strict: Result, same: Result, target: float | None) -> str:
    ratio = got.rps / strict.rps
    verdict = "" if target is None else f">= {target} {'met' if ratio >= target else '**missed**'}"
    return (
        f"| {label} | {got.rps:.0f} | {got.p50:.2f} | {got.p99:.2f} | **{ratio:.2f}** "
        f"| {got.rps / same.rps:.2f} | {verdict} |"
    )


_HEAD = [
    "| endpoint, server | req/s | p50 ms | p99 ms | × strict | × same server | target (× strict) |",
    "|---|---:|---:|---:|---:|---:|---|",
]


def run(seconds: float, rounds: int) -> list[str]:
    """Every measurement of this module; returns the lines of the RESULTS.md section."""
    return measured(seconds, rounds)[0]


def measured(seconds: float, rounds: int) -> tuple[list[str], dict[str, tuple[float, float, float]]]:
    """`run`'s lines, and for each targeted row (as labelled there) its req/s, the strict
    reference's req/s and its target ratio: what `bench.wheretime` explains when it is missed."""
    with ExitStack() as stack:
        refs = {ref.name: stack.enter_context(reference_server(ref)) for ref in REFERENCES}
        up = {
            "distance": stack.enter_context(server([], ready="/v1/meta")),
            "distance-nocache": stack.enter_context(server([], env={"DISTANCE_CACHE_ENTRIES": "0"}, ready="/v1/meta")),
            "distance-w2": stack.enter_context(server(["--workers", "2"], ready="/v1/meta")),
        }
        extra = {"distance-uvicorn": stack.enter_context(server(["--server", "uvicorn"], ready="/v1/meta"))}
        print(f"wrk -t1 -c{CONNECTIONS} -d{seconds}s, {rounds} rounds")
        runs: dict[str, list[Result]] = {}
        main_results = _measure(up, ENDPOINTS, seconds=seconds, rounds=rounds, refs=refs, bare=runs)
        more = _measure(extra, [ENDPOINTS[0], ENDPOINTS[5]], seconds=seconds, rounds=rounds, refs=refs, bare=runs)
        main_results.update(more)
        for name, result in _references(refs, seconds, "after").items():
            runs[name].append(result)
    bare = {name: _mean(runs[name]) for name in refs}
    strict_name = max(bare, key=lambda name: bare[name].rps)
    strict = bare[strict_name]
    pins = {ref.name: " ".join(ref.pins()) for ref in REFERENCES}
    lines = [
        f"wrk -t1 -c{CONNECTIONS} -d{seconds}s per run. The strict reference is the bare ASGI app "
        "(`bench/bare.py`, a constant ~1 KB JSON body) on the faster of two servers, each from a venv of its "
        "own, measured at the start of every round of Distance's rows and once after them, so it spans the "
        f"same minutes; Distance's rows are means of {rounds} interleaved rounds. Each reference's runs are listed "
        "in order: how far they spread is how far this machine drifted during the run.",
        "",
        "| reference (bare app) | pinned | runs, req/s | mean req/s | p99 ms |",
        "|---|---|---|---:|---:|",
        *(
            f"| {name}{' (**strict**)' if name == strict_name else ''} | `{pins[name]}` "
            f"| {', '.join(f'{r.rps:.0f}' for r in runs[name])} | {bare[name].rps:.0f} | {bare[name].p99:.2f} |"
            for name in refs
        ),
        "",
        "Distance as `make run` starts it (`distance serve`: granian, one worker, the access log on as shipped); "
        "× same server is against the bare app on granian:",
        "",
        *_HEAD,
    ]
    targeted = {}
    for endpoint in ENDPOINTS:
        for label, name, target in (
            ("cache hit", "distance", endpoint.target),
            ("cache off (miss path)", "distance-nocache", MISS_TARGETS.get(endpoint.name)),
        ):
            got = _mean(main_results[(endpoint.name, name)])
            lines.append(_row(f"{endpoint.name}, {label}", got, strict, bare[SAME_SERVER[name]], target))
            if target is not None:
                targeted[f"{endpoint.name}, {label}"] = (got.rps, strict.rps, target)
    lines += ["", "`distance serve --workers 2` (cache hits; × same server against the bare app on granian):", ""]
    lines += _HEAD
    for endpoint in ENDPOINTS:
        got = _mean(main_results[(endpoint.name, "distance-w2")])
        lines.append(_row(f"{endpoint.name}, 2 workers", got, strict, bare["granian"], endpoint.target))
    lines += [
        "",
        "The server, chosen by this measurement: the same app on granian (what ships) and on stock "
        "uvicorn[standard] (httptools + uvloop), 1 worker, cache hits; × same server against the bare app "
        "on that server:",
        "",
    ]
    lines += _HEAD
    for endpoint in (ENDPOINTS[0], ENDPOINTS[5]):
        for label, name in (("granian (`distance serve`)", "distance"), ("stock uvicorn", "distance-uvicorn")):
            got = _mean(main_results[(endpoint.name, name)])
            lines.append(_row(f"{endpoint.name}, {label}", got, strict, bare[SAME_SERVER[name]], endpoint.target))
    return lines, targeted


def main() -> None:
    """Print the tables (RESULTS.md is written by `bench.run`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("\n".join(run(args.seconds, args.rounds)))


if __name__ == "__main__":
    main()
