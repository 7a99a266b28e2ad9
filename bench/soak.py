"""Soak: mixed traffic against a real `distance serve` on loopback, for a bounded time.

Run: `.venv/bin/python -m bench.soak [--warmup 60] [--seconds 60] [--clients 8]`

Starts `distance serve` on a free 127.0.0.1 port (nothing leaves the machine), sends every
kind of request a few times, then random mixed traffic from `--clients` concurrent clients:
a warm-up, then `--seconds` measured (default 60). The warm-up lasts `--warmup` seconds
(default 60), then goes on in 10 s slices until RSS grew less than 1 % in a slice (at most
4 times `--warmup` in all). The mix reads every route, revalidates (304), uses HEAD, and
asks for the error answers (404, 405, 414, 422). Every answer must have the status its
request expects; anything else, or a transport error, is an error, in any phase. The
server's resident memory (VmRSS) is sampled about every 10 s.

The warm-up exists because the server holds bounded caches (the response cache keeps up to
DISTANCE_CACHE_ENTRIES finished responses) that fill under varied traffic: that growth is
by design and is shown in the trend; a leak is growth that goes on once they are full (it
never settles, so it runs out the warm-up cap and then shows in the measured phase). How
long the caches take to fill depends on the request rate, hence a warm-up that watches RSS.

Prints requests, statuses, errors and RSS (at start, after warm-up, at the end, the trend),
and exits 1 unless there were 0 errors and RSS grew at most 10 % over the measured phase.
The access log goes to a temporary file; its line count (the soak's requests plus a few
set-up calls) is printed as a cross-check.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DISTANCE = Path(sys.executable).parent / "distance"
MAX_GROWTH = 0.10
SETTLED = 0.01
MAX_WARMUP_FACTOR = 4
WORDS = ["space", "oxytocin", "commitment", "texting", "avoidant", "pressure", "dopamine", "fear", "withdraw", "chase"]


@dataclass(frozen=True)
class Call:
    """One request and the status it must get."""

    method: str
    url: str
    expect: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Tally:
    """What the clients saw."""

    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    requests: int = 0

    def record(self, call: Call, status: int | None, problem: str | None = None) -> None:
        self.requests += 1
        if status is not None:
            self.statuses[status] += 1
        if problem is None and status == call.expect:
            return
        key = problem or f"{call.method} expected {call.expect}, got {status}"
        self.errors[key] += 1
        if len(self.samples) < 10:
            self.samples.append(f"{call.method} {call.url[:120]}: {key}")


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def mix(nodes: list[str], edges: list[str], etags: dict[str, str]) -> list[tuple[int, Callable[[], Call]]]:
    """Weighted request makers; each draws fresh random parameters."""
    pick = random.choice
    kinds = ["indicates", "addresses", "backfires", "involves", "leads_to", "contradicts", "mentioned_in"]

    def word() -> str:
        w = pick(WORDS)
        if random.random() < 0.3 and len(w) > 3:  # a typo
            i = random.randrange(len(w) - 1)
            w = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        return w

    return [
        (10, lambda: Call("GET", pick(["/v1", "/v1/meta", "/v1/schema"]), 200)),
        (10, lambda: Call("GET", f"/v1/nodes?limit={random.randint(1, 200)}&offset={random.randint(0, 150)}", 200)),
        (
            6,
            lambda: Call(
                "GET",
                pick(
                    [
                        "/v1/concepts",
                        "/v1/reasons",
                        "/v1/signs",
                        "/v1/responses?polarity=dont",
                        "/v1/questions",
                        "/v1/statistics",
                        "/v1/sources",
                    ]
                ),
                200,
            ),
        ),  # fmt: skip
        (6, lambda: Call("GET", f"/v1/nodes?q={word()}&sort=-label", 200)),
        (14, lambda: Call("GET", f"/v1/nodes/{pick(nodes)}", 200)),
        (6, lambda: Call("GET", f"/v1/nodes/{pick(nodes)}?include=edges,neighbors,evidence", 200)),
        (10, lambda: Call("GET", f"/v1/nodes/{pick(nodes)}/neighbors?depth={random.randint(1, 3)}", 200)),
        (4, lambda: Call("GET", f"/v1/nodes/{pick(nodes)}/neighbors?kind={pick(kinds)}&direction=in", 200)),
        (6, lambda: Call("GET", f"/v1/edges?kind={pick(kinds)}&limit={random.randint(1, 200)}", 200)),
        (8, lambda: Call("GET", f"/v1/edges/{pick(edges)}", 200)),
        (6, lambda: Call("GET", f"/v1/paths?from={pick(nodes)}&to={pick(nodes)}&max_hops=4", 200)),
        (8, lambda: Call("GET", f"/v1/search?q={word()}&limit={random.randint(1, 100)}", 200)),
        (
            2,
            lambda: Call(
                "GET",
                f"/v1/graph?format={pick(['node-link', 'cytoscape', 'graphml', 'jsonld', 'jsonl'])}",
                200,
                {"Accept-Encoding": "gzip"},
            ),
        ),  # fmt: skip
        (6, lambda: Call("GET", (u := pick(list(etags))), 304, {"If-None-Match": etags[u]})),
        (4, lambda: Call("HEAD", f"/v1/nodes/{pick(nodes)}", 200)),
        (3, lambda: Call("GET", f"/v1/nodes/{pick(nodes)}x", 404)),
        (3, lambda: Call("GET", f"/v1/nodes?limit={pick([0, 201, -1])}", 422)),
        (2, lambda: Call("GET", "/v1/meta?colour=red", 422)),
        (2, lambda: Call(pick(["POST", "PUT", "DELETE"]), "/v1/meta", 405)),
        (1, lambda: Call("GET", "/v1/search?q=" + "a" * 8200, 414)),
    ]


async def send(client: httpx.AsyncClient, call: Call, tally: Tally) -> None:
    try:
        response = await client.request(call.method, call.url, headers=call.headers)
    except httpx.HTTPError as exc:
        tally.record(call, None, type(exc).__name__)
        return
    tally.record(call, response.status_code)


async def soak(url: str, pid: int, seconds: float, warmup: float, clients: int) -> tuple[Tally, dict[str, int], float]:
    """Touch every kind of request, run the mix `warmup` seconds, then `seconds` measured.

    Errors count in every phase; RSS growth is judged over the measured phase, once bounded
    caches (the response cache, search indexes, export bodies) have had time to fill.
    """
    rss = {"start": rss_kib(pid)}
    tally = Tally()
    trend: list[int] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        nodes = [n["id"] for n in (await client.get("/v1/nodes?limit=200")).json()["items"]]
        edges = [e["id"] for e in (await client.get("/v1/edges?limit=200")).json()["items"]]
        etags = {u: (await client.get(u)).headers["etag"] for u in ("/v1/meta", "/v1/schema", f"/v1/nodes/{nodes[0]}")}
        makers = mix(nodes, edges, etags)
        weights = [w for w, _ in makers]
        for _, make in makers:  # every kind of request a few times, whatever the random draw
            for _ in range(5):
                await send(client, make(), tally)

        async def phase(length: float) -> float:
            deadline = time.monotonic() + length

            async def worker() -> None:
                while time.monotonic() < deadline:
                    await send(client, random.choices(makers, weights)[0][1](), tally)

            async def sampler() -> None:
                while time.monotonic() < deadline:
                    await asyncio.sleep(min(10.0, max(0.0, deadline - time.monotonic())))
                    trend.append(rss_kib(pid))

            started = time.monotonic()
            await asyncio.gather(sampler(), *(worker() for _ in range(clients)))
            return time.monotonic() - started

        # Warm up for `warmup` seconds, then on in 10 s slices until RSS settles (grew under
        # SETTLED in the last slice), at most MAX_WARMUP_FACTOR times as long: a leak never
        # settles, runs out the cap, and shows in the measured phase.
        warmed = await phase(warmup)
        last = rss_kib(pid)
        while warmed < warmup * MAX_WARMUP_FACTOR:
            warmed += await phase(10)
            now = rss_kib(pid)
            if (now - last) / last < SETTLED:
                break
            last = now
        print(f"warm-up: {warmed:.0f} s")
        rss["warm"] = rss_kib(pid)
        mark = len(trend)
        duration = await phase(seconds)
        rss["end"] = rss_kib(pid)
        rss["peak"] = max([rss["end"], *trend[mark:]])
        print(f"RSS KiB about every 10 s (warm-up | measured): {trend[:mark]} | {trend[mark:]}")
        return tally, rss, duration


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured mixed traffic (1-3600)")
    parser.add_argument("--warmup", type=float, default=60.0, help="mixed traffic before measuring (0-3600)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (1-64)")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds", help="content folder to serve")
    args = parser.parse_args()
    if not (1 <= args.seconds <= 3600 and 0 <= args.warmup <= 3600 and 1 <= args.clients <= 64):
        parser.error("--seconds must be 1-3600, --warmup 0-3600 and --clients 1-64")
    port = free_port()
    logs = Path(tempfile.mkdtemp(prefix="distance-soak-"))
    with (logs / "access.jsonl").open("wb") as out, (logs / "server.log").open("wb") as err:
        server = subprocess.Popen(
            [str(DISTANCE), "serve", "--seeds", str(args.seeds), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=err,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/v1/meta", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                print(f"server did not start; see {logs / 'server.log'}")
                return 1
            time.sleep(0.1)
        tally, rss, duration = asyncio.run(
            asyncio.wait_for(
                soak(url, server.pid, args.seconds, args.warmup, args.clients), args.seconds + args.warmup + 300
            )
        )
    finally:
        server.terminate()
        server.wait(timeout=60)
    logged = sum(1 for _ in (logs / "access.jsonl").open("rb"))
    growth = (rss["end"] - rss["warm"]) / rss["warm"]
    errors = sum(tally.errors.values())
    print(f"soak: warm-up then {duration:.1f} s measured mixed traffic, {args.clients} clients, loopback port {port}")
    print(f"requests: {tally.requests} (all phases); access-log lines: {logged}")
    print("statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses.items())))
    print(f"errors: {errors}")
    for sample in tally.samples:
        print(f"  {sample}")
    print(
        f"RSS KiB: start {rss['start']}, after warm-up {rss['warm']}, end {rss['end']}, measured peak {rss['peak']}; "
        f"growth over the measured phase {growth:+.1%} (limit {MAX_GROWTH:.0%}); "
        f"from start {(rss['end'] - rss['start']) / rss['start']:+.1%}"
    )
    ok = errors == 0 and growth <= MAX_GROWTH and duration >= min(args.seconds, 60) * 0.99
    print("verdict: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
