"""A few rows of `bench.throughput`, quickly: the strict reference and the rows named, interleaved.

Run: `.venv/bin/python -m bench.rows [--seconds 3] [--rounds 3] ROW...`, where a row is
`hit:NAME` (cache on) or `miss:NAME` (cache off), NAME an endpoint of `bench.throughput`
("node GET", "guide (3 signs)", ...). For re-measuring a row after a change without the whole
`make bench`; the bare app on granian (the strict reference) runs before each round and after
the last, so the ratio spans the same minutes. `--bare-body PATH` adds the same bare app
answering the bytes Distance answers at PATH (fetched first): what that body costs the server
with no app behind it, the ceiling of a row with that body. Run it under
`flock /work/bench.lock` on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from bench.reference import REFERENCES, reference_server
from bench.throughput import CONNECTIONS, ENDPOINTS
from bench.wrk import Result, run_wrk, server

__all__ = ["main"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bare-body", help="a path and query whose answer the bare app also serves, as is")
    parser.add_argument("rows", nargs="+")
    args = parser.parse_args()
    endpoints = {e.name: e for e in ENDPOINTS}
    rows = [(row.partition(":")[0], endpoints[row.partition(":")[2]]) for row in args.rows]
    granian = next(ref for ref in REFERENCES if ref.name == "granian")
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with ExitStack() as stack:
        ref = stack.enter_context(reference_server(granian))
        up = {
            "hit": stack.enter_context(server([], ready="/v1/meta")),
            "miss": stack.enter_context(server([], env={"DISTANCE_CACHE_ENTRIES": "0"}, ready="/v1/meta")),
        }
        bare: list[float] = []
        got: dict[str, list[Result]] = {}
        big = None
        if args.bare_body:
            with urllib.request.urlopen(up["hit"].base + args.bare_body, timeout=10) as response:
                body = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "body"
                body.write_bytes(response.read())
            big = stack.enter_context(reference_server(granian, body))
        for _ in range(args.rounds):
            bare.append(run_wrk(ref.base + "/", seconds=args.seconds, connections=CONNECTIONS).rps)
            if big is not None:
                result = run_wrk(big.base + "/", seconds=args.seconds, connections=CONNECTIONS)
                got.setdefault(f"bare app answering {args.bare_body} ({body.stat().st_size} bytes)", []).append(result)
            for mode, endpoint in rows:
                url = up[mode].base + endpoint.path
                headers = endpoint.headers(url)
                run_wrk(url, seconds=1, connections=CONNECTIONS, headers=headers)
                result = run_wrk(url, seconds=args.seconds, connections=CONNECTIONS, headers=headers)
                got.setdefault(f"{endpoint.name}, {mode}", []).append(result)
        bare.append(run_wrk(ref.base + "/", seconds=args.seconds, connections=CONNECTIONS).rps)
    strict = statistics.fmean(bare)
    print(f"bare app on granian: {', '.join(f'{r:.0f}' for r in bare)} req/s, mean {strict:.0f}")
    for name, results in got.items():
        mean = statistics.fmean(r.rps for r in results)
        p50, p99 = statistics.fmean(r.p50 for r in results), statistics.fmean(r.p99 for r in results)
        runs = ", ".join(f"{r.rps:.0f}" for r in results)
        print(f"{name}: {runs} req/s, mean {mean:.0f}, p50 {p50:.2f} ms, p99 {p99:.2f} ms, {mean / strict:.2f}x strict")
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
