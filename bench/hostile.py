"""Soak: `distance serve` under slow and non-reading clients, with normal traffic beside them.

Run: `.venv/bin/python -m bench.hostile [--seconds 20]`. Three runs, each on a fresh server
on a loopback port, each with wrk (`-t1 -c8`) asking for `/v1/meta` meanwhile:

- slowloris: 500 connections sending a header byte a second, re-opened as soon as the
  server closes one;
- the same with the server under `ulimit -n 1024` and 1,100 such connections;
- non-readers: 20 clients pipelining 40 GraphML exports each and never reading, held 36 s
  (past the 30 s send timeout).

Each prints what wrk saw (req/s, p99, failed requests), what the server held (open
descriptors at the end, from /proc), how often it closed a hostile connection, and how
many log lines the run cost. A quiet run of wrk alone comes first, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shlex
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.wrk import ROOT, Result, free_port, run_wrk, started

__all__ = ["main"]

DISTANCE = Path(sys.executable).parent / "distance"
EXPORT = b"GET /v1/graph?format=graphml HTTP/1.1\r\nHost: bench\r\n\r\n"


@dataclass
class Hostile:
    """What the hostile clients saw: connections opened, and closed by the server."""

    opened: int = 0
    closed_by_server: int = 0


async def _slowloris(port: int, count: int, seconds: float, tally: Hostile) -> None:
    async def one() -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.5)
                continue
            tally.opened += 1
            try:
                writer.write(b"GET /v1/meta HTTP/1.1\r\nHost: bench\r\n")
                while time.monotonic() < deadline:
                    await asyncio.sleep(1)
                    writer.write(b"X")
                    await writer.drain()
                    if reader.at_eof():
                        raise ConnectionResetError
            except OSError:
                tally.closed_by_server += 1
            finally:
                writer.close()

    await asyncio.gather(*(one() for _ in range(count)))


async def _non_readers(port: int, count: int, seconds: float, tally: Hostile) -> None:
    async def one() -> None:
        import socket

        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        tally.opened += 1
        await asyncio.get_running_loop().sock_sendall(sock, EXPORT * 40)
        await asyncio.sleep(seconds)
        try:
            sock.send(b"")  # a reset from the server shows up here
            if sock.recv(1, socket.MSG_PEEK) == b"":
                tally.closed_by_server += 1
        except BlockingIOError:
            pass  # still open, data waiting unread
        except OSError:
            tally.closed_by_server += 1
        sock.close()

    await asyncio.gather(*(one() for _ in range(count)))


def _run(name: str, seconds: float, *, ulimit: int | None, attack: str | None, count: int) -> str:
    port = free_port()
    command = f"exec {shlex.quote(str(DISTANCE))} serve --port {port}"
    if ulimit:
        command = f"ulimit -n {ulimit} && {command}"
    with tempfile.TemporaryFile() as log, started(["sh", "-c", command], port, env=dict(os.environ), cwd=ROOT,
                                                  ready="/v1/meta", stderr=log) as server:  # fmt: skip
        tally = Hostile()
        thread = None
        if attack is not None:
            hostile = _slowloris if attack == "slowloris" else _non_readers
            # Non-readers are held past the send timeout (30 s), to see the server cut them off.
            length = seconds + 2 if attack == "slowloris" else max(seconds + 2, 36)
            thread = threading.Thread(target=lambda: asyncio.run(hostile(port, count, length, tally)))
            thread.start()
            time.sleep(2)  # let the attack take hold before measuring
        result: Result = run_wrk(f"{server.base}/v1/meta", seconds=seconds, connections=8)
        fds = len(os.listdir(f"/proc/{server.pid}/fd"))
        if thread is not None:
            thread.join()
        log.seek(0)
        lines = log.read().decode(errors="replace").splitlines()
    warnings = [line for line in lines if "WARNING" in line or "ERROR" in line or "Traceback" in line]
    load = os.getloadavg()[0]
    return (
        f"| {name} | {result.rps:.0f} | {result.p99:.2f} | {result.errors} | {tally.opened} "
        f"| {tally.closed_by_server} | {fds} | {len(warnings)} | {load:.2f} |"
    )


def main() -> None:
    """Run the quiet run and the three hostile ones; print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))  # our side needs 1,100+
    rows = [
        _run("quiet (wrk alone)", args.seconds, ulimit=None, attack=None, count=0),
        _run("500 slowloris", args.seconds, ulimit=None, attack="slowloris", count=500),
        _run("1,100 slowloris, server ulimit -n 1024", args.seconds, ulimit=1024, attack="slowloris", count=1100),
        _run("20 non-readers pipelining 40 exports", args.seconds, ulimit=None, attack="non-readers", count=20),
    ]
    print(f"distance serve with default settings; wrk -t1 -c8 -d{args.seconds:.0f}s on /v1/meta beside the attack")
    print()
    print("| run | req/s | p99 ms | failed | hostile connections | closed by server | server fds at end "
          "| log lines (warnings) | load avg |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
