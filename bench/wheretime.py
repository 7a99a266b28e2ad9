"""Where the time goes: py-spy over wrk load on the targeted rows, the samples put in layers.

Run: `.venv/bin/python -m bench.wheretime [--seconds 5]`. For each row of issue 16's targets
(cache hits and the node GET miss), Distance runs as `distance serve` runs it, wrk drives
it (`-t1 -c32`) and py-spy (from a venv of its own under build/bench/, like the reference
servers: it is a tool of the bench, not a dependency of Distance) samples the server at
500 Hz without stopping it. Each sample's innermost Python frame names the layer it was
spent in; C code (orjson, uvloop, a system call) counts to the Python frame that called it,
so a socket write is the cycle's `send`, and time in the event loop between callbacks
(epoll, reads, the loop's own scheduling) is "the event loop". `bench.run` puts the tables
in RESULTS.md after the HTTP rows, with what each missed target would need.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.reference import pinned_venv
from bench.throughput import CONNECTIONS, ENDPOINTS, MISS_TARGETS, Endpoint
from bench.wrk import require_wrk, server

__all__ = ["LAYERS", "Profile", "main", "profile", "run"]

PY_SPY = "py-spy==0.4.3"
# The layer of a frame, by the first pattern its file matches (order matters).
LAYERS: tuple[tuple[str, str], ...] = (
    ("granian/", "granian's Python side: the ASGI callback wrapper, futures, the worker's loop"),
    ("api/edge/frontdoor.py|api/edge/accesslog.py|api/edge/ratelimit.py", "front door: request id, bounds, access log"),
    (
        "api/edge/pipeline.py|api/edge/answer.py|api/edge/cache.py|api/edge/variant.py|api/edge/represent.py"
        "|api/edge/options.py",
        "the edge pipeline: variant, cache, represent, HEAD/304",
    ),
    ("api/edge/shortcut.py", "node shortcut (a miss past FastAPI)"),
    (
        "fastapi/|starlette/|pydantic|anyio/",
        "FastAPI and Starlette: the app's entry, routing, dependencies, validation",
    ),
    ("api/|graph/", "the handler and its shaping (api/app/routes, api/contract/shapes, graph/, orjson)"),
    (
        "asyncio/|uvloop/|multiprocessing/|runpy|bench/serve.py|api/process/serve.py",
        "the event loop: epoll, scheduling (granian's Rust I/O runs outside Python and is not sampled)",
    ),
)


# A frame of the prebuilt answers being made after the port opens (api.edge.pipeline).
_WARMING = "Pipeline.prebuild (api/edge/pipeline.py"


@dataclass(frozen=True)
class Profile:
    """One profiled row: samples by layer and by innermost function, and the wrk rate under py-spy."""

    label: str
    samples: int
    layers: dict[str, int]
    functions: dict[str, int]
    rps: float


def py_spy() -> Path:
    """py-spy in its own venv, created on first use."""
    return pinned_venv("py-spy", [PY_SPY]) / "bin" / "py-spy"


def _layer(frame: str) -> str:
    for pattern, name in LAYERS:
        if re.search(pattern, frame):
            return name
    return "other"


def profile(label: str, endpoint: Endpoint, *, cache: bool, seconds: int) -> Profile:
    """py-spy samples of Distance while wrk drives `endpoint` for `seconds`."""
    env = {} if cache else {"DISTANCE_CACHE_ENTRIES": "0"}
    with server([], env=env, ready="/v1/meta") as up, tempfile.TemporaryDirectory() as tmp:
        url = up.base + endpoint.path
        headers = [arg for header in endpoint.headers(url) for arg in ("-H", header)]
        wrk = [require_wrk(), "-t1", f"-c{CONNECTIONS}", *headers, url]
        subprocess.run([*wrk[:-1], "-d2s", url], check=True, capture_output=True)  # warm up
        out = Path(tmp) / "samples.txt"
        spy = subprocess.Popen(
            [str(py_spy()), "record", "--nonblocking", "-r", "500", "-d", str(seconds), "-p", str(up.pid),
             "--subprocesses", "--format", "raw", "-o", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        driven = subprocess.run([*wrk[:-1], f"-d{seconds}s", url], check=True, capture_output=True, text=True)
        spy.wait(timeout=seconds + 30)
        layers: collections.Counter[str] = collections.Counter()
        functions: collections.Counter[str] = collections.Counter()
        for line in out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if _WARMING in stack:  # the background prebuild of a fresh server, not this row's requests
                continue
            innermost = re.sub(r":\d+\)$", ")", stack.rsplit(";", 1)[-1])
            layers[_layer(innermost)] += int(count)
            functions[innermost] += int(count)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", driven.stdout).group(1))  # type: ignore[union-attr]
    return Profile(label, sum(layers.values()), dict(layers), dict(functions), rps)


def _rows() -> list[tuple[str, Endpoint, bool]]:
    hits = [(f"{e.name}, cache hit", e, True) for e in ENDPOINTS if e.target is not None]
    misses = [(f"{e.name}, cache off (miss path)", e, False) for e in ENDPOINTS if e.name in MISS_TARGETS]
    return hits + misses


def tables(profiles: Sequence[Profile]) -> list[str]:
    """The markdown: one table of layer shares (a column per row), then each row's top functions."""
    names = [name for _, name in LAYERS] + ["other"]
    lines = [
        "| layer | " + " | ".join(p.label for p in profiles) + " |",
        "|---|" + "---:|" * len(profiles),
    ]
    for name in names:
        if any(p.layers.get(name) for p in profiles):
            shares = " | ".join(f"{100 * p.layers.get(name, 0) / max(1, p.samples):.0f} %" for p in profiles)
            lines.append(f"| {name} | {shares} |")
    lines += ["", "The five innermost functions with the most samples, per row:", ""]
    for p in profiles:
        top = sorted(p.functions.items(), key=lambda kv: -kv[1])[:5]
        shown = "; ".join(f"`{fn}` {100 * n / max(1, p.samples):.0f} %" for fn, n in top)
        lines.append(f"- {p.label} ({p.samples} samples, {p.rps:.0f} req/s under py-spy): {shown}")
    return lines


def _top_layers(p: Profile, n: int = 3) -> str:
    ranked = sorted(p.layers.items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{name} {100 * count / max(1, p.samples):.0f} %" for name, count in ranked)


_CLOSING_A_HIT = (
    "What would close it: granian's Rust side (parsing, the socket) is not sampled here; what is "
    "Python is granian's ASGI callback wrapper and futures, the event loop, and the edge pipeline "
    "(request id, bounds, variant, cache lookup, send, the access log). The same steps run for "
    "every answer; a faster hit would come from doing less in them, not from a second path."
)
_CLOSING_A_MISS = (
    "What would close it: a plain GET of a node already skips routing (`api.edge.shortcut`); what is left is "
    "the same server and layers as a hit, plus shaping the node (api/contract/shapes: its quotes and their "
    "passages), serializing it (orjson), its ETag (SHA-256 over the body), its Cache-Tag and gzip when "
    "asked. Prebuilt answers make every node of a "
    "graph under `PER_ITEM_LIMIT` a hit anyway; past it, the LRU keeps the nodes in use."
)


def explain(profiles: Sequence[Profile], targeted: dict[str, tuple[float, float, float]]) -> list[str]:
    """For each targeted row `bench.throughput` measured under its target: the time it may take,
    the time it took, its largest layers, and what would close the gap."""
    lines = []
    for p in profiles:
        if p.label not in targeted:
            continue
        rps, strict, target = targeted[p.label]
        if rps / strict >= target:
            continue
        allowed, took = 1e6 / (target * strict), 1e6 / rps
        lines.append(
            f"- **{p.label}: {rps / strict:.2f}x, target {target}x.** The target allows {allowed:.1f} µs a "
            f"request; it took {took:.1f} µs ({took - allowed:.1f} µs, {100 * (took - allowed) / took:.0f} % "
            f"over). Largest layers: {_top_layers(p)}. " + (_CLOSING_A_MISS if "miss" in p.label else _CLOSING_A_HIT)
        )
    return lines or ["Every target in the HTTP rows above is met."]


def run(targeted: dict[str, tuple[float, float, float]] | None = None, seconds: int = 5) -> list[str]:
    """Profile every targeted row; the lines of the RESULTS.md section (with `targeted`, from
    `bench.throughput.measured`, what each missed target would need)."""
    profiles = []
    for label, endpoint, cache in _rows():
        profiles.append(profile(label, endpoint, cache=cache, seconds=seconds))
        print(f"  profiled {label}: {profiles[-1].samples} samples")
    intro = [
        f"py-spy (`{PY_SPY}`, 500 Hz, not stopping the server) over wrk -t1 -c{CONNECTIONS} -d{seconds}s on each "
        "targeted row (`bench/wheretime.py`); each sample counts to the layer of its innermost Python frame. C "
        "code counts to the frame that called it: the socket write is the cycle's send, epoll and the reads "
        "are the event loop. Samples of the background prebuild of a fresh server are left out. py-spy samples "
        "wall time: on a busy machine a process preempted in a system call is sampled there, so the write's "
        "share grows with the load average.",
        "",
    ]
    return intro + tables(profiles) + ([""] + explain(profiles, targeted) if targeted is not None else [])


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n".join(run(seconds=args.seconds)))


if __name__ == "__main__":
    main()
