"""Start-up time: from `distance serve` process start to its first 200 on /v1/meta.

Run: `.venv/bin/python -m bench.startup [--runs 5]`. The project's own modules are
byte-compiled first (an installed package ships compiled, and PYTHONDONTWRITEBYTECODE may
forbid writing them), then the server is started `--runs` times on a free loopback port and
polled every 2 ms. Prints each run, the median, and the phases of one in-process start,
then the latency of the first request for each kind of answer on a fresh server
(`first_requests`): prebuilt ones are hits from the first request.
"""

from __future__ import annotations

import argparse
import compileall
import http.client
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["FIRST", "first_requests", "main", "measure", "phases", "time_to_first_200"]

ROOT = Path(__file__).resolve().parent.parent
DISTANCE = Path(sys.executable).with_name("distance")


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


# One of each kind of answer, each asked once on a fresh server: prebuilt (just after the
# port opens, in the background) and, last, one made on first use.
FIRST = (
    ("/v1/nodes/oxytocin", "node"),
    ("/v1/cards/oxytocin", "card"),
    ("/v1/edges/dont-demand-explanation--backfires--defensive-reactions", "edge"),
    ("/v1/nodes/000", "source"),
    ("/v1/signs", "first list page"),
    ("/v1/schema", "schema"),
    ("/v1/nodes/oxytocin/neighbors?depth=2", "2-hop neighbours (not prebuilt)"),
)


def first_requests(port: int, settle: float = 1.0) -> list[float]:
    """Milliseconds of the first request for each of `FIRST`, `settle` s after the first 200."""
    time.sleep(settle)
    out = []
    for path, _ in FIRST:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.connect()
            began = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            ms = (time.perf_counter() - began) * 1000
        finally:
            conn.close()
        assert response.status == 200, (path, response.status)
        out.append(ms)
    _FIRST_MS[:] = out
    return out


_FIRST_MS: list[float] = []


def first_request_run() -> list[tuple[str, str, float]]:
    """On a fresh `distance serve`: (what, hit or miss from its access log, ms) for each of `FIRST`."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        time_to_first_200([str(DISTANCE), "serve", "--port", str(port)], port=port, log=log)
        log.seek(0)
        cache: dict[str, str | None] = {}
        for line in log.read().splitlines():
            if line.startswith(b"{"):
                record = json.loads(line)
                target = record["path"] + ("?" + record["query"] if record["query"] else "")
                cache.setdefault(target, record["cache"])
    return [(what, str(cache.get(path)), ms) for (path, what), ms in zip(FIRST, _FIRST_MS, strict=True)]


def time_to_first_200(
    argv: list[str], *, port: int, path: str = "/v1/meta", timeout: float = 30.0, log: Any = subprocess.DEVNULL
) -> float:
    """Seconds from spawning `argv` until `path` answers 200; the process is stopped after."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        while time.perf_counter() - start < timeout:
            try:
                if _get(port, path) == 200:
                    took = time.perf_counter() - start
                    if log is not subprocess.DEVNULL:
                        first_requests(port)
                    return took
            except OSError:
                pass
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode} before answering")
            time.sleep(0.002)
        raise SystemExit(f"no 200 from {path} within {timeout} s")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def phases() -> dict[str, float]:
    """Seconds per phase of one start in a fresh interpreter: imports, load, app, lifespan, first request."""
    code = """
import time; t0 = time.perf_counter()
import granian, api.cli, api.app.factory
from api.settings import Settings
t1 = time.perf_counter()
from graph.build import load_graph
kg = load_graph(Settings().seeds_dir)
t2 = time.perf_counter()
app = api.app.factory.create_app(Settings(), kg)
t3 = time.perf_counter()
from fastapi.testclient import TestClient
with TestClient(app) as c:
    t4 = time.perf_counter()
    assert c.get("/v1/meta").status_code == 200
    t5 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)
"""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    total = time.perf_counter() - started
    imports, load, app, lifespan, first = map(float, out.stdout.splitlines()[-1].split())  # after the access log
    return {
        "interpreter + imports": imports,
        "load + validate + build": load,
        "create_app": app,
        "lifespan (answers made after)": lifespan,
        "first request (in process)": first,
        "whole subprocess": total,
    }


def measure(runs: int) -> tuple[list[float], dict[str, float]]:
    """Byte-compile the project, then time `runs` starts and one start's phases."""
    compileall.compile_dir(ROOT / "api", quiet=1)
    compileall.compile_dir(ROOT / "graph", quiet=1)
    seconds = []
    for i in range(runs):
        port = free_port()
        seconds.append(time_to_first_200([str(DISTANCE), "serve", "--port", str(port)], port=port))
        print(f"run {i + 1}: {seconds[-1]:.3f} s from process start to first 200")
    return seconds, phases()


def main() -> None:
    """Print time to first 200 per run and its median, then one start's phases."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs, by_phase = measure(args.runs)
    print(f"median: {statistics.median(runs):.3f} s (target < 1 s)")
    for name, seconds in by_phase.items():
        print(f"  {name:<28} {seconds:.3f} s")
    print("first request of each kind on a fresh server, 1 s after its first 200:")
    for what, cache, ms in first_request_run():
        print(f"  {what:<32} {cache:<5} {ms:.2f} ms")


if __name__ == "__main__":
    main()
