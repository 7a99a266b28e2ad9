"""A few rows of `bench.throughput`, quickly: the strict reference and the rows named, interleaved.

Run: `.venv/bin/python -m bench.rows [--seconds 3] [--rounds 3] ROW...`, where a row is
`hit:NAME` (cache on) or `miss:NAME` (cache off), NAME an endpoint of `bench.throughput`
("node GET", "guide (3 signs)", ...). For re-measuring a row after a change without the whole
`make bench`; the bare app on granian (the strict reference) runs before each round and after
the last, so the ratio spans the same minutes. Run it under `flock /work/bench.lock` on a
shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
from contextlib import ExitStack

from bench.reference import REFERENCES, reference_server
from bench.throughput import CONNECTIONS, ENDPOINTS, _etag
from bench.wrk import run_wrk, server

__all__ = ["main"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=3)
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
        got: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            bare.append(run_wrk(ref.base + "/", seconds=args.seconds, connections=CONNECTIONS).rps)
            for mode, endpoint in rows:
                url = up[mode].base + endpoint.path
                headers = [f"If-None-Match: {_etag(url)}"] if endpoint.conditional else []
                run_wrk(url, seconds=1, connections=CONNECTIONS, headers=headers)
                result = run_wrk(url, seconds=args.seconds, connections=CONNECTIONS, headers=headers)
                got.setdefault(f"{endpoint.name}, {mode}", []).append(result.rps)
        bare.append(run_wrk(ref.base + "/", seconds=args.seconds, connections=CONNECTIONS).rps)
    strict = statistics.fmean(bare)
    print(f"bare app on granian: {', '.join(f'{r:.0f}' for r in bare)} req/s, mean {strict:.0f}")
    for name, rps in got.items():
        mean = statistics.fmean(rps)
        print(f"{name}: {', '.join(f'{r:.0f}' for r in rps)} req/s, mean {mean:.0f}, {mean / strict:.2f}x strict")
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
