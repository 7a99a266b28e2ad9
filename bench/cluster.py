"""The cluster under load: nginx cache hits against one replica direct, and uncached search on 1 and 2 replicas.

Run: `.venv/bin/python -m bench.cluster [--seconds 3] [--rounds 2] [--varnish]`. Starts two
clusters exactly as `make cluster` does (`deploy.cluster`, shipped content, access logs on):
one with 1 replica, one with 2, each in a scratch run directory. In the same run, the strict
reference (`bench.reference`: the bare app on granian and on uvicorn + httptools + uvloop, each
from its own venv, measured before and after; the faster is the baseline of every ratio).
Measured with the same wrk settings, interleaved and rotated per round:

- a node GET answered from nginx's cache (X-Cache-Status HIT), and the same GET sent straight
  to one replica (its own response cache answers);
- search that no cache can answer: each request a URL never asked before (a new `offset`),
  through nginx to 1 replica and to 2 (the scaling of the miss path);
- with `--varnish` (needs Debian's varnish), the node GET from Varnish 7's cache in front of
  the same two replicas: the measurement behind choosing nginx.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.reference import REFERENCES, reference_server
from bench.wrk import ROOT, Result, Server, free_port, run_wrk

__all__ = ["main", "run"]

CONNECTIONS = 32
NODE = "/v1/nodes/oxytocin"
# Each request asks for a new offset (the whole search runs before the page is cut), so no cache has it.
_FRESH_SEARCH = """\
counter = {start}
request = function()
  counter = counter + 1
  return wrk.format("GET", "/v1/search?q=space&offset=" .. counter)
end
"""
_VCL = """\
vcl 4.1;
import directors;
{backends}
sub vcl_init {{
    new replicas = directors.round_robin();
{adds}
}}
sub vcl_recv {{ set req.backend_hint = replicas.backend(); }}
sub vcl_deliver {{
    if (obj.hits > 0) {{ set resp.http.X-Cache-Status = "HIT"; }} else {{ set resp.http.X-Cache-Status = "MISS"; }}
}}
"""


def _get(url: str) -> tuple[int, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
        return response.status, {k.lower(): v for k, v in response.headers.items()}


@contextmanager
def _cluster(replicas: int, work: Path) -> Iterator[tuple[str, list[str]]]:
    """`python -m deploy.cluster` on a free port; yields its URL and its replicas'; SIGTERM after."""
    run_dir = work / f"cluster-{replicas}"
    argv = [sys.executable, "-m", "deploy.cluster", "--replicas", str(replicas)]
    argv += ["--port", str(free_port()), "--run-dir", str(run_dir)]
    with (work / f"cluster-{replicas}.log").open("wb") as log:
        process = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 300
        while not (run_dir / "cluster.json").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{' '.join(argv)} did not start; see {work}/cluster-{replicas}.log")
            time.sleep(0.1)
        state = json.loads((run_dir / "cluster.json").read_text(encoding="utf-8"))
        yield state["url"], [r["url"] for r in state["replicas"]]
    finally:
        process.terminate()
        process.wait(timeout=90)


@contextmanager
def _varnish(replica_urls: Sequence[str], work: Path) -> Iterator[Server]:
    """varnishd (malloc storage, 2 thread pools by default) round-robin over the replicas."""
    backends = "\n".join(
        f'backend r{i} {{ .host = "127.0.0.1"; .port = "{url.rsplit(":", 1)[1]}"; }}'
        for i, url in enumerate(replica_urls)
    )
    adds = "\n".join(f"    replicas.add_backend(r{i});" for i in range(len(replica_urls)))
    vcl = work / "bench.vcl"
    vcl.write_text(_VCL.format(backends=backends, adds=adds), encoding="utf-8")
    port = free_port()
    argv = ["varnishd", "-F", "-j", "none", "-n", str(work / "varnish"), "-a", f"127.0.0.1:{port}"]
    with (work / "varnish.log").open("wb") as log:
        process = subprocess.Popen([*argv, "-f", str(vcl), "-s", "malloc,256m"], stdout=log, stderr=log)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                _get(base + "/v1/meta")
                break
            except OSError:
                if process.poll() is not None:
                    raise SystemExit(f"varnishd exited: {(work / 'varnish.log').read_text()[-2000:]}") from None
                time.sleep(0.1)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _measure(targets: dict[str, tuple[str, bool]], work: Path, *, seconds: float, rounds: int) -> dict[str, Result]:
    """wrk each (url, fresh) target, interleaved, order rotated per round; the means.

    A `fresh` target gets a wrk script counting from a range no earlier run used, so none of
    its URLs was ever asked before, in this run or a warm-up.
    """
    names = list(targets)
    results: dict[str, list[Result]] = {name: [] for name in names}
    runs = 0

    def once(name: str, duration: float) -> Result:
        nonlocal runs
        runs += 1
        url, fresh = targets[name]
        script = None
        if fresh:
            script = work / f"fresh-{runs}.lua"
            script.write_text(_FRESH_SEARCH.format(start=runs * 1_000_000), encoding="utf-8")
        return run_wrk(url, seconds=duration, connections=CONNECTIONS, script=script)

    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            if r == 0:
                once(name, 1)
            result = once(name, seconds)
            if result.errors:
                raise SystemExit(f"{name}: {result.errors} failed requests")
            results[name].append(result)
            print(f"  round {r + 1} {name:<36} {result.rps:9.0f} req/s  (load {os.getloadavg()[0]:.2f})")
    return {name: _mean(got) for name, got in results.items()}


def _mean(results: Sequence[Result]) -> Result:
    return Result(
        statistics.fmean(x.rps for x in results),
        statistics.fmean(x.p50 for x in results),
        statistics.fmean(x.p99 for x in results),
        0,
    )


def _bare(refs: dict[str, Server], seconds: float) -> dict[str, Result]:
    """The bare app on each reference server: a warm-up, then one measured run."""
    measured = {}
    for name, up in refs.items():
        run_wrk(up.base + "/", seconds=1, connections=CONNECTIONS)
        measured[name] = run_wrk(up.base + "/", seconds=seconds, connections=CONNECTIONS)
        print(f"  bare app on {name:<9} {measured[name].rps:9.0f} req/s  (load {os.getloadavg()[0]:.2f})")
    return measured


def run(seconds: float, rounds: int, *, varnish: bool = False) -> list[str]:
    """Every measurement of this module; returns the lines of the RESULTS.md section."""
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        raise SystemExit("nginx is not installed: `make nginx`")
    work = Path(tempfile.mkdtemp(prefix="distance-bench-cluster-"))
    with ExitStack() as stack:
        refs = {ref.name: stack.enter_context(reference_server(ref)) for ref in REFERENCES}
        one, _ = stack.enter_context(_cluster(1, work))
        two, replicas = stack.enter_context(_cluster(2, work))
        for _ in range(2):
            status, headers = _get(two + NODE)
        assert (status, headers.get("x-cache-status")) == (200, "HIT"), headers
        targets = {
            "node GET (cache hit), through the cluster: nginx HIT, 2 replicas": (two + NODE, False),
            "node GET (cache hit), one replica direct": (replicas[0] + NODE, False),
            "search, uncached, cluster of 1 replica": (one + "/v1/search", True),
            "search, uncached, cluster of 2 replicas": (two + "/v1/search", True),
        }
        if varnish:
            cache = stack.enter_context(_varnish(replicas, work))
            targets["node GET (cache hit), Varnish 7 in front of 2 replicas"] = (cache.base + NODE, False)
        print(f"cluster: wrk -t1 -c{CONNECTIONS} -d{seconds}s, {rounds} rounds; load {os.getloadavg()[0]:.2f}")
        before = _bare(refs, seconds)
        got = _measure(targets, work, seconds=seconds, rounds=rounds)
        after = _bare(refs, seconds)
    shutil.rmtree(work, ignore_errors=True)
    bare = {name: _mean([before[name], after[name]]) for name in refs}
    strict_name = max(bare, key=lambda name: bare[name].rps)
    strict, granian = bare[strict_name], bare["granian"]
    lines = [
        f"wrk -t1 -c{CONNECTIONS} -d{seconds}s per run, {rounds} rounds interleaved (means); each cluster is "
        "`deploy.cluster` as `make cluster` runs it (nginx-light proxy_cache, access logs on, shipped content). "
        f"The strict reference is the bare app on {strict_name} ({strict.rps:.0f} req/s, mean of "
        f"{before[strict_name].rps:.0f} before and {after[strict_name].rps:.0f} after); "
        f"× same server is against the bare app on granian ({granian.rps:.0f} req/s), what each replica runs.",
        "",
        "| request, set-up | req/s | p50 ms | p99 ms | × strict | × same server |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, result in got.items():
        lines.append(
            f"| {name} | {result.rps:.0f} | {result.p50:.2f} | {result.p99:.2f} "
            f"| **{result.rps / strict.rps:.2f}** | {result.rps / granian.rps:.2f} |"
        )
    names = list(got)
    hits = got[names[0]].rps / got[names[1]].rps
    scaling = got[names[3]].rps / got[names[2]].rps
    lines += [
        "",
        f"Cache hits through the cluster: **{hits:.1f}x** one replica direct. Uncached search: 2 replicas "
        f"answer **{scaling:.2f}x** what 1 does (2 cores here, shared with nginx and wrk).",
    ]
    return lines


def main() -> None:
    """Print the table (RESULTS.md is written by `bench.run`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--varnish", action="store_true", help="also measure Varnish 7 (apt-get install varnish)")
    args = parser.parse_args()
    print("\n".join(run(args.seconds, args.rounds, varnish=args.varnish)))


if __name__ == "__main__":
    main()
