"""Soak: one client flooding `distance serve` with cache-busting misses, beside many polite ones.

Run: `.venv/bin/python -m bench.flood [--seconds 15]`. Each run starts a fresh server with
`DISTANCE_CLIENT_HEADER=X-Forwarded-For`, so that one loopback load generator can stand for
many clients, as a proxy in front would:

- the others: wrk `-t1 -c8` on `/v1/meta`, each request from one of 1,000 addresses (none
  comes near its own limit);
- the flood: wrk `-t1 -c16` from one address, every request a new unknown id
  (`/v1/nodes/nobody-N`), the costliest miss there is: a 404 with suggestions.

Three runs: the others alone, the flood with the default limit (100/s, burst 1,000), and the
flood with the limit off. Each prints the others' req/s and p99, and the share of the
flood's answers that were 429s.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from bench.wrk import ROOT, Result, free_port, require_wrk, run_wrk, started

__all__ = ["main"]

DISTANCE = Path(sys.executable).parent / "distance"

_OTHERS = """\
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/v1/meta", {["X-Forwarded-For"] = "10.1." .. (n % 4) .. "." .. (n % 250)})
end
"""
_FLOOD = """\
local threads, n = {}, 0
function setup(thread) table.insert(threads, thread) end
function init(args) limited, other = 0, 0 end
request = function()
  n = n + 1
  return wrk.format("GET", "/v1/nodes/nobody-" .. n, {["X-Forwarded-For"] = "203.0.113.66"})
end
function response(status, headers, body)
  if status == 429 then limited = limited + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local a, b = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("limited"); b = b + t:get("other") end
  io.write(string.format("FLOOD limited=%d other=%d\\n", a, b))
end
"""


def _flood(url: str, seconds: float, script: Path, out: dict[str, int]) -> None:
    argv = [require_wrk(), "-t1", "-c16", f"-d{round(seconds)}s", "--timeout", "5s", "-s", str(script), url]
    text = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    found = re.search(r"FLOOD limited=(\d+) other=(\d+)", text)
    if found:
        out["limited"], out["other"] = int(found.group(1)), int(found.group(2))


def _run(name: str, seconds: float, work: Path, *, flood: bool, limit: str) -> str:
    port = free_port()
    env = {**os.environ, "DISTANCE_CLIENT_HEADER": "X-Forwarded-For", "DISTANCE_ACCESS_LOG": "false"}
    if limit:
        env["DISTANCE_RATE_LIMIT"] = limit
    else:
        env.pop("DISTANCE_RATE_LIMIT", None)  # the default
    others, flooder = work / "others.lua", work / "flood.lua"
    others.write_text(_OTHERS, encoding="utf-8")
    flooder.write_text(_FLOOD, encoding="utf-8")
    argv = [str(DISTANCE), "serve", "--port", str(port)]
    with started(argv, port, env=env, cwd=ROOT, ready="/v1/meta") as server:
        counts: dict[str, int] = {}
        thread = None
        if flood:
            thread = threading.Thread(target=_flood, args=(server.base + "/", seconds + 1, flooder, counts))
            thread.start()
        result: Result = run_wrk(f"{server.base}/v1/meta", seconds=seconds, connections=8, script=others)
        if thread is not None:
            thread.join()
    total = counts.get("limited", 0) + counts.get("other", 0)
    share = f"{100 * counts['limited'] / total:.1f} % of {total}" if total else "-"
    load = os.getloadavg()[0]
    return (
        f"| {name} | {result.rps:.0f} | {result.p50:.2f} | {result.p99:.2f} | {result.errors} | {share} | {load:.2f} |"
    )


def main() -> None:
    """The others alone, then beside the flood with the limit on and off; one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = [
            _run("others alone", args.seconds, work, flood=False, limit=""),
            _run("others + flood, limit on (default 100/s, burst 1000)", args.seconds, work, flood=True, limit=""),
            _run("others + flood, limit off", args.seconds, work, flood=True, limit="0"),
        ]
    print(f"distance serve; others: wrk -t1 -c8 -d{args.seconds:.0f}s on /v1/meta from 1,000 addresses; "
          "flood: wrk -t1 -c16, one address, a new unknown id per request")  # fmt: skip
    print()
    print("| run | others req/s | others p50 ms | others p99 ms | others failed | flood answered 429 | load avg |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
