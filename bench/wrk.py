"""Drive a server with wrk and read its numbers; start and stop benchmark servers.

wrk (from Debian) is the load generator: one thread and a fixed number of connections on
this 2-core machine leave one core to the server, and it is written in C, so it is not the
bottleneck for a Python server (the bare baseline shows its ceiling in the same run).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Result",
    "Server",
    "free_port",
    "memory_mib",
    "process_tree",
    "require_wrk",
    "run_wrk",
    "server",
    "settled",
    "started",
]

ROOT = Path(__file__).resolve().parent.parent
_QUANTILES = Path(__file__).resolve().parent / "quantiles.lua"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass(frozen=True)
class Result:
    """One wrk run: requests per second and latency percentiles in milliseconds."""

    rps: float
    p50: float
    p99: float
    errors: int
    requests: int = 0
    # Latency at every 0.1 % step, ms (with `quantiles=True`): runs merge by weighting each by `requests`.
    quantiles: tuple[float, ...] = ()


def require_wrk() -> str:
    """The path of wrk, or exit with how to get it (`make bench` installs it)."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: `apt-get install -y wrk` (make bench does this)")
    return found


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it: `distance serve` is granian's main process and its workers."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += process_tree(int(child))
    return found


def memory_mib(pid: int) -> tuple[float, float]:
    """Memory of a server and its workers, MiB: the sum of their proportional set sizes (a page
    shared copy-on-write by the main process and a forked worker counts once), and the sum of
    each process's peak resident size (an upper bound of the peak: shared pages count in each)."""
    pss = peak = 0.0
    for each in process_tree(pid):
        try:
            rollup = Path(f"/proc/{each}/smaps_rollup").read_text()
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        pss += int(re.search(r"^Pss:\s+(\d+)", rollup, re.M).group(1)) / 1024  # type: ignore[union-attr]
        peak += int(re.search(r"^VmHWM:\s+(\d+)", status, re.M).group(1)) / 1024  # type: ignore[union-attr]
    return pss, peak


def settled(pid: int, *, quiet: float = 0.1, over: float = 2.0, limit: float = 300.0) -> float:
    """Wait until a server and its workers use under `quiet` of one core over `over` seconds (a
    starting worker makes its indexes and prebuilt answers after its first 200, in the
    background); the seconds waited. Raises TimeoutError after `limit` seconds."""
    tick = os.sysconf("SC_CLK_TCK")

    def used() -> float:
        total = 0
        for each in process_tree(pid):
            try:
                fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        return total / tick

    began = time.monotonic()
    before, at = used(), began
    while time.monotonic() - began < limit:
        time.sleep(over)
        now, when = used(), time.monotonic()
        if (now - before) / (when - at) < quiet:
            return when - began
        before, at = now, when
    raise TimeoutError(f"the server (pid {pid}) was still busy after {limit:.0f} s")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * _UNITS[unit]


def run_wrk(
    url: str,
    *,
    seconds: float,
    connections: int,
    threads: int = 1,
    headers: Sequence[str] = (),
    script: Path | None = None,
    until: threading.Event | None = None,
    quantiles: bool = False,
    pace: float = 0.0,
) -> Result:
    """Run wrk against `url` and parse req/s, p50, p99 and non-2xx/3xx answers.

    With `until`, wrk runs until that event is set (at most `seconds`), then stops with
    SIGINT, on which it prints its figures as at the end of a run. With `quantiles` (no
    `script` then), the whole latency distribution too (`Result.quantiles`), and with `pace`
    each connection waits that many milliseconds before each request (a load that leaves
    the machine headroom, where wrk alone keeps every core busy)."""
    env = {**os.environ, "WRK_PACE_MS": str(pace)} if pace else None
    if quantiles:
        script = _QUANTILES
    argv = [
        require_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    for header in headers:
        argv += ["-H", header]
    if script is not None:
        argv += ["-s", str(script)]
    if until is None:
        out = subprocess.run([*argv, url], capture_output=True, text=True, check=True, env=env).stdout
    else:
        with subprocess.Popen([*argv, url], stdout=subprocess.PIPE, text=True, env=env) as proc:
            until.wait(seconds)
            proc.send_signal(signal.SIGINT)
            out = proc.communicate()[0]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    steps = tuple(int(us) / 1e3 for us in re.findall(r"^quantile \d+ (\d+)$", out, re.M))
    return Result(rps, p50, p99, errors, requests, steps)


@dataclass(frozen=True)
class Server:
    """A running benchmark server: its base URL and process id."""

    base: str
    pid: int


@contextmanager
def server(argv_tail: Sequence[str], *, env: dict[str, str] | None = None, ready: str = "/") -> Iterator[Server]:
    """Start `python -m bench.serve ARGS --port P`, wait until `ready` answers, yield it; stop it after."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.serve", *argv_tail, "--port", str(port)]
    with started(argv, port, env={**os.environ, **(env or {})}, cwd=ROOT, ready=ready) as up:
        yield up


@contextmanager
def started(
    argv: Sequence[str], port: int, *, env: dict[str, str], cwd: Path, ready: str = "/", stderr: Any = None
) -> Iterator[Server]:
    """Run `argv` (which listens on `port`), wait until `ready` answers, yield it; stop it after.

    Its stdout (the access log) is dropped; its stderr goes to `stderr` (a file), else to a pipe
    read only if it fails to start."""
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE if stderr is None else stderr
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(base + ready, timeout=5) as response:
                    response.read()
                break
            except OSError:
                if proc.poll() is not None:
                    said = proc.stderr.read().decode()[-2000:] if proc.stderr else "(see its log)"
                    raise SystemExit(f"{' '.join(argv)} exited: {said}") from None
                if time.monotonic() > deadline:
                    raise SystemExit(f"{' '.join(argv)} did not answer {ready}") from None
                time.sleep(0.1)
        yield Server(base, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
