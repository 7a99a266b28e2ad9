"""Helpers for tests that run a real `distance serve` process on a free loopback port."""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from deploy.cluster import port_is_free

__all__ = [
    "DISTANCE",
    "ROOT",
    "LiveServer",
    "allowed",
    "closed_by_server",
    "free_port",
    "port_is_open",
    "serve",
    "wait_for",
]

ROOT = Path(__file__).resolve().parent.parent
DISTANCE = str(Path(sys.executable).parent / "distance")


# Test servers listen below the kernel's ephemeral range, each pytest-xdist worker in a block of its
# own. A port the kernel hands out (another worker's supervisor binding to 0, an outgoing
# connection's local end) is never one of these, and no two workers pick the same one: a server
# never finds its port taken between the pick and its bind, nor a client another test's server.
_BLOCK = 500
_picked = itertools.count(random.randrange(_BLOCK))  # where in its block: two suites on one machine rarely meet


def _ephemeral_floor() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


_FLOOR = min(_ephemeral_floor(), 32768)  # read once: the range does not change under a test run


def free_port() -> int:
    """A port nobody listens on right now, from this test worker's own block (see above)."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    first = _FLOOR - (worker % 16 + 1) * _BLOCK
    if first >= 1024:
        for _ in range(_BLOCK):
            port = first + next(_picked) % _BLOCK
            if port_is_free(port):
                return port
    with socket.socket() as sock:  # no room below the ephemeral range: the kernel's pick
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_open(port: int) -> bool:
    """Whether something accepts TCP connections on the loopback port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server ended the connection without an answer (a reset or the end of the stream)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def wait_for(condition: object, timeout: float = 30, what: str = "condition") -> None:
    """Poll `condition()` every 50 ms until it is true, or fail after `timeout` seconds."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.05)


@dataclass
class LiveServer:
    """A running server: its process, base URL and the files its stdout and stderr go to."""

    process: subprocess.Popen[bytes]
    url: str
    stdout: Path
    stderr: Path

    def out(self) -> str:
        return self.stdout.read_text(encoding="utf-8", errors="replace")

    def err(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def serve(
    command: Sequence[str],
    port: int,
    logs: Path,
    *,
    ready_path: str = "/v1/meta",
    env: dict[str, str] | None = None,
) -> Iterator[LiveServer]:
    """Start `command` (which must listen on `port`; `env` added to ours), wait until it answers, stop it after."""
    logs.mkdir(parents=True, exist_ok=True)
    stdout, stderr = logs / "stdout.log", logs / "stderr.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(list(command), stdout=out, stderr=err, cwd=ROOT, env={**os.environ, **(env or {})})
    server = LiveServer(process, f"http://127.0.0.1:{port}", stdout, stderr)
    try:

        def answers() -> bool:
            assert process.poll() is None, f"server exited early:\n{server.err()}"
            try:
                return httpx.get(server.url + ready_path, timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(answers, what=f"{server.url}{ready_path}")
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def flood(url: str, seconds: float, *, threads: int = 4, path: str = "/v1/meta") -> tuple[list[httpx.Response], float]:
    """One client asking as fast as it can from `threads` threads for about `seconds`, a new
    connection every 20 requests (so that every worker of a server gets some): every answer, in
    order, and the seconds from the first request sent to the last answer read. A limiter's
    allowance is checked against that measured span, not against `seconds`: on a loaded machine
    the last answers come in well after the deadline, and the limiter counted them."""
    answers: list[httpx.Response] = []
    started = time.monotonic()
    end = started + seconds

    def run() -> None:
        while time.monotonic() < end:
            with httpx.Client(base_url=url, timeout=10) as client:
                for _ in range(20):
                    if time.monotonic() >= end:
                        return
                    answers.append(client.get(path))

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return answers, time.monotonic() - started


def allowed(rate: float, burst: int, flooded: float, seconds: float) -> tuple[float, float]:
    """The answers a limiter of `rate` a second and `burst` at once lets through to one client
    that sent for `flooded` seconds and read its last answer `seconds` after its first request,
    within 10 %: from the burst plus the rate over the sending (a request is counted when it
    arrives, and none is sent after `flooded`) to the same over the whole span (on a loaded
    machine a request sent before the end may arrive well after it)."""
    return 0.9 * (burst + rate * min(flooded, seconds)), 1.1 * (burst + rate * seconds)
