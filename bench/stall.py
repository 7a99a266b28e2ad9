"""Stalls: other clients' p99 while the content reloads, and while many clients ask for a big export.

Run: `flock /work/bench.lock .venv/bin/python -m bench.stall [--reloads 5] [--bursts 3]`
(`--reloads 0`: the export rows alone).
On a copy of the shipped seeds, `distance serve` (1 worker, then `--workers 2`; `--workers`
names others) with the rate limit off (wrk is one client); wrk `-t1 -c16` asks for a node
the whole time:

- settling: wrk runs unmeasured for 6 s after start, while each worker makes its prebuilt
  answers on its loop (between requests), so that neither window counts them;
- reloads, each paired with a baseline: the content is edited and the server told to
  reload (`--signal`, SIGUSR1 by default: `distance reload`), a real change each time; wrk
  runs from the signal until every worker has logged that it serves the new content, then
  at once the same wrk for as long again with nothing else happening. `--reloads` pairs,
  back to back;
- control: the same pairs with a plain busy loop in place of each reload, at the loading
  child's priority and as long as the reloads' mean window: what any CPU work of that length
  costs the other clients on this machine, reload or not;
- export bursts, each paired with a baseline: 100 clients at once each ask once for
  `/v1/graph?format=ntriples` (~5 MB) and read it in 64 KB steps 1 ms apart; wrk runs
  from the first request until the last export is read, then the same wrk for as long again
  with nothing else happening. `--bursts` pairs. Each client connects from its own loopback
  address (127.0.0.2 on), so the server sees 100 clients and its per-process bound on large
  answers applies, not its per-client one (`--one-client`: all from 127.0.0.1, two at a time).
  The kernel's socket buffers take most of an export at once (loopback autotunes the
  receive buffer to megabytes), so the 1 ms steps hardly slow a client: what the burst
  costs is the server's sending and both sides' copying, on the cores the others share.

`--pace MS`: each wrk connection waits MS before each request, so the load leaves the machine
headroom (`--pace 5`: ~3,000 requests a second, about a sixth of what one worker serves);
without it, wrk keeps both cores busy, and a reload's CPU (the loading child's ~1 s) must come
out of the serving processes' share.

Why pairs: the machine is shared, and what other processes do changes within seconds (a
baseline taken apart from the reloads was 2.3 ms in one run and 95 ms in the next), so each
reload window has its baseline right after it, as long and with the same connections; the
p99 of each side is over all its windows (wrk's whole latency distribution, merged). A reload
window lasts as long as that reload takes (the loading child, below the serving processes'
priority, takes 1-5 s on this machine) and ends when the last worker has swapped: every cost
of a reload falls in it, none in a baseline. An export window likewise holds the whole burst
and nothing after it (the row measured 8 s with and 8 s without, taken one after the other,
before: a burst of about a second then weighed an eighth of its window, and the machine's
noise between the two windows decided the ratio).

Each row prints p99 and its ratio to the baseline of the same server in the same run (the
target: within 2x). The machine is shared: compare ratios, not milliseconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from bench.wrk import ROOT, Result, free_port, run_wrk, started
from graph.intake import BELOW_SERVING

__all__ = ["main"]

DISTANCE = Path(sys.executable).parent / "distance"
NODE = "/v1/nodes/oxytocin"
_SETTLE = 6.0  # seconds of wrk after start, before any window
_LONGEST = 120.0  # seconds: a reload window never lasts longer, served or not
EXPORT = "/v1/graph?format=ntriples"
_SWAPPED = ": serves content "  # what a worker logs once it has swapped in new content (api.process.reload)


def _export_burst(port: int, clients: int, done: threading.Event, one_client: bool = False) -> float:
    """`clients` connections ask for the export at once, each from its own loopback address
    (127.0.0.2 on: as many clients, not one client's many connections) unless `one_client`;
    each reads it in 64 KB steps, 1 ms apart. Sets `done` once every export is read; the
    seconds from the first request to then."""

    def one(i: int) -> None:
        source = ("127.0.0.1" if one_client else f"127.0.{(i + 2) // 256}.{(i + 2) % 256}", 0)
        with socket.create_connection(("127.0.0.1", port), timeout=60, source_address=source) as sock:
            sock.sendall(f"GET {EXPORT} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            while sock.recv(65536):
                time.sleep(0.001)

    started_at = time.monotonic()
    try:
        threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started_at
    finally:
        done.set()


def main() -> None:
    """Reloads, their control and export bursts, on each server; one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reloads", type=int, default=5, help="0: the export rows only")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="the servers' worker counts")
    parser.add_argument("--bursts", type=int, default=3, help="export bursts, each paired with a baseline")
    parser.add_argument("--clients", type=int, default=100, help="exports asked for at once in a burst (0: none)")
    parser.add_argument("--one-client", action="store_true", help="every export from 127.0.0.1, one client")
    parser.add_argument("--signal", default="SIGUSR1", help="what tells the server to reload in place")
    parser.add_argument("--pace", type=float, default=0.0, help="ms each wrk connection waits before each request")
    args = parser.parse_args()
    reload_signal = signal.Signals[args.signal]
    for line in run(
        args.reloads,
        args.clients,
        reload_signal,
        args.pace,
        bursts=args.bursts,
        one_client=args.one_client,
        workers_each=tuple(args.workers),
    ):
        print(line)


def run(
    reloads: int = 5,
    clients: int = 100,
    reload_signal: int = signal.SIGUSR1,
    pace: float = 0.0,
    *,
    bursts: int = 3,
    one_client: bool = False,
    workers_each: tuple[int, ...] = (1, 2),
) -> list[str]:
    """The table's lines (`bench.run` puts them in RESULTS.md)."""
    rows: list[str] = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        shutil.copytree(ROOT / "seeds", seeds)
        concepts = seeds / "graph" / "concepts.yaml"
        good = concepts.read_text(encoding="utf-8")
        for workers in workers_each:
            port = free_port()
            argv = [str(DISTANCE), "serve", "--seeds", str(seeds), "--port", str(port), "--workers", str(workers)]
            env = {**os.environ, "DISTANCE_RATE_LIMIT": "0", "DISTANCE_ACCESS_LOG": "false"}
            with (
                (Path(tmp) / f"err-{workers}.log").open("wb") as log,
                started(argv, port, env=env, cwd=ROOT, ready="/v1/meta", stderr=log) as server,
            ):
                # A worker makes its prebuilt answers on its loop once the port is open, between
                # requests: unmeasured wrk until they are made, so that neither window counts them.
                run_wrk(server.base + NODE, seconds=_SETTLE, connections=16)
                log_path = Path(tmp) / f"err-{workers}.log"
                during: list[Result] = []
                base: list[Result] = []
                window = 0.0
                for i in range(reloads):
                    served = threading.Event()
                    with ThreadPoolExecutor(1) as pool:
                        edit = pool.submit(
                            _reload, server.pid, concepts, good, i, workers, log_path, reload_signal, served
                        )
                        during.append(_wrk(server.base, served, pace))
                        seconds_taken = edit.result()
                    window += seconds_taken
                    base.append(_wrk(server.base, _after(seconds_taken), pace))
                concepts.write_text(good, encoding="utf-8")
                if reloads:
                    name = f"{reloads} reloads, {workers} worker(s)"
                    rows.append(_row(name, _merged(base), _merged(during), window, _served(log_path)))
                    busy, calm = [], []
                    for _ in range(reloads):
                        with _busy_loop(window / reloads) as done:
                            busy.append(_wrk(server.base, done, pace))
                        calm.append(_wrk(server.base, _after(window / reloads), pace))
                    name = f"control: {reloads} busy loops as long, {workers} worker(s)"
                    rows.append(_row(name, _merged(calm), _merged(busy), window))
                if bursts and clients:  # `--clients 0`: no export row
                    during, base = [], []
                    window = 0.0
                    for _ in range(bursts):
                        exported = threading.Event()
                        with ThreadPoolExecutor(1) as pool:
                            burst = pool.submit(_export_burst, port, clients, exported, one_client)
                            during.append(_wrk(server.base, exported, pace))
                            seconds_taken = burst.result()
                        window += seconds_taken
                        base.append(_wrk(server.base, _after(seconds_taken), pace))
                    who = "1 client's" if one_client else "clients'"
                    name = f"{bursts} x {clients} {who} N-Triples exports at once, {workers} worker(s)"
                    rows.append(_row(name, _merged(base), _merged(during), window))
    paced = f", each connection pausing {pace:g} ms before each request" if pace else ""
    return [
        f"distance serve on a copy of the shipped seeds; wrk -t1 -c16 on {NODE}{paced}; each reload's or "
        f"burst's window paired with a baseline as long; load average {load_before:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end",
        "",
        "| run | window s | reloads served | baseline p99 ms | p99 ms during | ratio | requests | failed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
    ]


def _wrk(base: str, until: threading.Event, pace: float = 0.0) -> Result:
    """wrk on NODE until `until` is set, with its whole latency distribution."""
    return run_wrk(base + NODE, seconds=_LONGEST, connections=16, until=until, quantiles=True, pace=pace)


@contextmanager
def _busy_loop(seconds: float) -> Iterator[threading.Event]:
    """A process spinning for `seconds` at the priority of a reload's loading child
    (`graph.intake.BELOW_SERVING`); the event is set when it has ended."""
    spin = (
        f"import os, time\nos.nice({BELOW_SERVING})\nend = time.monotonic() + {seconds}\n"
        "while time.monotonic() < end: pass"
    )
    ended = threading.Event()
    with subprocess.Popen([sys.executable, "-c", spin]) as process:

        def wait() -> None:
            process.wait()
            ended.set()

        threading.Thread(target=wait, daemon=True).start()
        yield ended


def _after(seconds: float) -> threading.Event:
    """An event set `seconds` from now."""
    event = threading.Event()
    timer = threading.Timer(seconds, event.set)
    timer.daemon = True
    timer.start()
    return event


def _reload(
    pid: int,
    concepts: Path,
    good: str,
    i: int,
    workers: int,
    log_path: Path,
    reload_signal: int,
    done: threading.Event,
) -> float:
    """Make edit `i` of the content and have server `pid` reload it; set `done` once its log
    says every one of its `workers` serves it. The seconds that took."""
    started_at = time.monotonic()
    try:
        concepts.write_text(good.replace("summary: >-", f"summary: >-\n    Edit {i}.", 1), "utf-8")
        os.kill(pid, reload_signal)
        while _swapped(log_path) < workers * (i + 1) and time.monotonic() - started_at < _LONGEST:
            time.sleep(0.02)
        return time.monotonic() - started_at
    finally:
        done.set()


def _swapped(log_path: Path) -> int:
    """How many times a worker of the server has logged that it serves new content."""
    return log_path.read_text(encoding="utf-8", errors="replace").count(_SWAPPED)


def _merged(results: list[Result]) -> Result:
    """The runs as one: p50 and p99 of all their requests (each run's distribution weighted by
    its count), their requests and failures summed."""
    points = sorted((ms, r.requests / len(r.quantiles)) for r in results for ms in r.quantiles)
    total = sum(weight for _, weight in points)

    def at(share: float) -> float:
        seen = 0.0
        for ms, weight in points:
            seen += weight
            if seen >= share * total:
                return ms
        return points[-1][0]

    requests = sum(r.requests for r in results)
    return Result(0.0, at(0.5), at(0.99), sum(r.errors for r in results), requests)  # rps: not used


def _served(log_path: Path) -> int:
    """How many reloads the server has logged as served so far (its main process's log)."""
    return log_path.read_text(encoding="utf-8", errors="replace").count(": now serving content ")


def _row(name: str, base: Result, during: Result, window: float, served: int | None = None) -> str:
    ratio = during.p99 / base.p99 if base.p99 else float("inf")
    return (
        f"| {name} | {window:.1f} | {'' if served is None else served} | {base.p99:.1f} | {during.p99:.1f} "
        f"| {ratio:.1f}x | {during.requests} | {during.errors} |"
    )


if __name__ == "__main__":
    main()
