"""`make cluster` for real: two `distance serve` replicas behind nginx's proxy_cache, on loopback.

Checked through the proxy: a HIT, a 304, keys that follow `Vary`, revalidation once s-maxage is
up, a 503 never stored, no failed request while a replica is killed or the replicas reload one
after another, old content gone within the stated bound, and no process left after a stop.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.settings import Settings
from deploy.cluster import spawn
from deploy.nginx import find_nginx, nginx_command, write_config
from tests.live import ROOT, allowed, flood, free_port, serve, wait_for
from tests.slow_server import IN_FLIGHT
from tests.test_serve import NEW_SUMMARY, OLD_SUMMARY
from tests.tiny import CONTENT_FAULTS, write_tiny_seeds

# s-maxage for these clusters; nginx counts whole seconds, so an entry may live up to 1 s more.
SHARED_MAX_AGE = 2
BOUND = SHARED_MAX_AGE + 1
HOT = ["/v1/meta", "/v1/nodes/oxytocin", "/v1/concepts", "/v1/edges"]


@dataclass
class Cluster:
    """A running `python -m deploy.cluster` (or `make cluster`) and what its cluster.json says."""

    process: subprocess.Popen[bytes]
    run_dir: Path
    seeds: Path
    stderr: Path
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return str(self.state["url"])

    def replica_pids(self) -> list[int]:
        self.state = json.loads((self.run_dir / "cluster.json").read_text(encoding="utf-8"))
        return [int(r["pid"]) for r in self.state["replicas"]]

    def log(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")


def _start(tmp: Path, *, via_make: bool = False, settings: dict[str, str] | None = None) -> Cluster:
    seeds, run_dir, stderr = write_tiny_seeds(tmp), tmp / "run", tmp / "cluster.log"
    port = free_port()
    if via_make:
        argv = ["make", "-s", "cluster", f"PORT={port}", "REPLICAS=2", f"CLUSTER_DIR={run_dir}"]
        env = {**os.environ, "DISTANCE_SEEDS_DIR": str(seeds)}
    else:
        argv = [sys.executable, "-m", "deploy.cluster", "--port", str(port), "--run-dir", str(run_dir)]
        argv += ["--seeds", str(seeds)]
        env = dict(os.environ)
    env["DISTANCE_CACHE_SHARED_MAX_AGE"] = str(SHARED_MAX_AGE)
    env.update(settings or {})
    with stderr.open("wb") as err:
        # Its own session, as a terminal's foreground job is: Ctrl-C is a SIGINT to the group.
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=err, stderr=err, start_new_session=True)
    cluster = Cluster(process, run_dir, seeds, stderr)

    def ready() -> bool:
        assert process.poll() is None, f"the cluster exited early:\n{cluster.log()}"
        return (run_dir / "cluster.json").exists()

    wait_for(ready, timeout=120, what="cluster.json")
    cluster.replica_pids()
    return cluster


def _family(pid: int) -> set[int]:
    """`pid` and every process below it (nginx's workers and cache processes included)."""
    found = {pid}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found |= _family(int(child))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def _stop(cluster: Cluster) -> None:
    if cluster.process.poll() is None:
        cluster.process.send_signal(signal.SIGTERM)
        cluster.process.wait(timeout=60)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    running = _start(tmp_path_factory.mktemp("cluster"))
    try:
        yield running
    finally:
        _stop(running)


class Load:
    """Client threads asking through the proxy for hot (cached) and fresh (uncached) URLs."""

    def __init__(self, url: str, threads: int = 3) -> None:
        self.url = url
        self.answers: list[tuple[float, str, str]] = []  # (when, ETag, X-Cache-Status)
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def _run(self, n: int) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            i = 0
            while not self._stop.is_set():
                i += 1
                path = HOT[i % len(HOT)] if i % 3 else f"/v1/search?q=space&offset={n}{i}"
                try:
                    response = client.get(path)
                except httpx.HTTPError as exc:
                    self.failures.append(f"{path}: {exc!r}")
                    continue
                if response.status_code != 200:
                    self.failures.append(f"{path}: {response.status_code} {response.text[:200]}")
                    continue
                self.answers.append((time.monotonic(), response.headers["etag"], response.headers["x-cache-status"]))

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        self.more(20)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def more(self, count: int) -> None:
        mark = len(self.answers)
        wait_for(lambda: len(self.answers) >= mark + count, what=f"{count} more answers")


def test_answers_carry_their_cache_status_and_repeats_are_hits(cluster: Cluster) -> None:
    with httpx.Client(base_url=cluster.url) as client:
        first, again = client.get("/v1/nodes/needs-space"), client.get("/v1/nodes/needs-space")
        head = client.head("/v1/nodes/needs-space")
        missing = [client.get("/v1/nodes/no-such-node") for _ in range(2)]
        preflight = client.options("/v1/meta", headers={"Origin": "http://a", "Access-Control-Request-Method": "GET"})
    assert (first.headers["x-cache-status"], again.headers["x-cache-status"]) == ("MISS", "HIT")
    assert (again.content, again.headers["etag"]) == (first.content, first.headers["etag"])
    assert (head.headers["x-cache-status"], head.content) == ("HIT", b"")
    # No error is kept by the proxy (the content can change under it); the replica's own cache answers it.
    assert [(r.status_code, r.headers["x-cache-status"]) for r in missing] == [(404, "MISS"), (404, "MISS")]
    assert missing[1].headers["cache-control"] == "no-store"
    assert missing[1].headers["content-type"] == "application/problem+json"
    assert (preflight.status_code, preflight.headers["x-cache-status"]) == (204, "BYPASS")
    # Neither the proxy nor the replicas' server software is named, on a hit, a miss or a refusal.
    assert [r for r in (first, again, head, *missing, preflight) if "server" in r.headers] == []


def test_a_conditional_request_gets_a_304_through_the_proxy(cluster: Cluster) -> None:
    with httpx.Client(base_url=cluster.url) as client:
        etag = client.get("/v1/concepts").headers["etag"]
        cached = client.get("/v1/concepts", headers={"If-None-Match": etag})
        other = client.get("/v1/concepts", headers={"If-None-Match": '"not-this-one"'})
        fresh = client.get("/v1/signs", headers={"If-None-Match": '"x"'})  # a miss: the replica must send 200
    assert (cached.status_code, cached.content, cached.headers["etag"]) == (304, b"", etag)
    assert cached.headers["x-cache-status"] == "HIT"
    assert (other.status_code, other.headers["etag"]) == (200, etag)
    assert (fresh.status_code, fresh.headers["x-cache-status"]) == (200, "MISS")


def test_the_proxy_keys_on_what_the_app_varies_on(cluster: Cluster) -> None:
    with httpx.Client(base_url=cluster.url) as client:
        # Each variant is asked for twice, after another variant has filled the cache.
        plain = [client.get("/v1/schema", headers={"Accept-Encoding": "identity"}) for _ in range(2)]
        gzip = [client.get("/v1/schema", headers={"Accept-Encoding": "gzip, br"}) for _ in range(2)]
        # The same coding from another page: CORS is on every answer, so Origin splits nothing.
        cors = [
            client.get("/v1/schema", headers={"Accept-Encoding": "identity", "Origin": origin})
            for origin in ("http://app.example", "http://other.example")
        ]
        # gzip named but refused: the app decides, and the proxy never hands it the gzip entry.
        refused = [client.get("/v1/schema", headers={"Accept-Encoding": "gzip;q=0"}) for _ in range(2)]
        # The media type too: a node as JSON, then as Turtle, each its own entry.
        json_node = [client.get("/v1/nodes/oxytocin") for _ in range(2)]
        turtle = [client.get("/v1/nodes/oxytocin", headers={"Accept": "text/turtle"}) for _ in range(2)]
    assert plain[0].headers["vary"] == "Accept, Accept-Encoding"
    assert [r.headers["x-cache-status"] for r in (*json_node, *turtle)] == ["MISS", "HIT"] * 2
    assert [r.headers["content-type"].split(";")[0] for r in (*json_node, *turtle)] == ["application/json"] * 2 + [
        "text/turtle"
    ] * 2
    # Behind the proxy, identifiers are under the proxy's address, not a replica's.
    assert f"<{cluster.url}/v1/nodes/oxytocin>" in turtle[1].text
    assert [r.headers["x-cache-status"] for r in (*plain, *gzip, *refused)] == ["MISS", "HIT"] * 3
    assert [r.headers["x-cache-status"] for r in cors] == ["HIT", "HIT"]
    assert all("content-encoding" not in r.headers for r in (*plain, *cors, *refused))
    assert all(r.headers["content-encoding"] == "gzip" for r in gzip)
    assert gzip[1].json() == plain[1].json()  # httpx decodes the gzip body
    assert all(r.headers["access-control-allow-origin"] == "*" for r in (*plain, *gzip, *cors))


def test_an_expired_entry_is_revalidated_with_its_etag(cluster: Cluster) -> None:
    with httpx.Client(base_url=cluster.url) as client:
        first = client.get("/v1/sources")
        time.sleep(BOUND + 0.2)
        later, then = client.get("/v1/sources"), client.get("/v1/sources")
    assert first.headers["cache-control"] == f"public, max-age=300, s-maxage={SHARED_MAX_AGE}"
    assert [r.headers["x-cache-status"] for r in (first, later, then)] == ["MISS", "REVALIDATED", "HIT"]
    assert later.headers["etag"] == first.headers["etag"]


def test_killing_a_replica_under_load_fails_no_request(cluster: Cluster) -> None:
    victim = cluster.replica_pids()[0]
    with Load(cluster.url) as load:
        os.kill(victim, signal.SIGKILL)
        load.more(300)
        # The supervisor starts it again on its port; the proxy uses it once it answers.
        wait_for(lambda: cluster.replica_pids()[0] != victim, timeout=20, what="the replica's restart")
        restarted = cluster.state["replicas"][0]["url"]
        wait_for(lambda: _answers(restarted + "/v1/meta"), timeout=60, what="the restart")
        load.more(100)
    assert load.failures == []
    assert "replica 1 (pid" in cluster.log()
    assert "exited with -9" in cluster.log()

    def retried() -> bool:  # the proof the kill was felt: a request nginx sent on to the other replica
        lines = (cluster.run_dir / "access.log").read_text(encoding="utf-8").splitlines()
        return any(", " in json.loads(line)["upstream"] for line in lines)

    wait_for(retried, timeout=5, what="a retried request in nginx's access log")


def test_a_rolling_reload_fails_no_request_and_old_content_ends_within_the_bound(cluster: Cluster) -> None:
    replicas = [r["url"] for r in cluster.state["replicas"]]
    old = httpx.get(cluster.url + "/v1/meta").json()["content_version"]
    concepts = cluster.seeds / "graph" / "concepts.yaml"
    with Load(cluster.url) as load:
        concepts.write_text(concepts.read_text(encoding="utf-8").replace(OLD_SUMMARY, NEW_SUMMARY), encoding="utf-8")
        os.kill(cluster.process.pid, signal.SIGHUP)  # the supervisor reloads one replica, then the next
        for url in replicas:
            wait_for(lambda u=url: httpx.get(u + "/v1/meta").json()["content_version"] != old, timeout=30)
        all_new = time.monotonic()
        time.sleep(BOUND + 1)
        load.more(50)
    assert load.failures == []
    old_answers = [when for when, etag, _ in load.answers if etag.startswith(f'"{old[:16]}')]
    assert old_answers, "the load saw no answer from before the reload"
    assert max(old_answers) - all_new <= BOUND, f"old content served {max(old_answers) - all_new:.2f} s after"
    assert not load.answers[-1][1].startswith(f'"{old[:16]}')
    reloads = [line for line in cluster.log().splitlines() if "reload (SIGUSR1): now serving content" in line]
    assert [line.split(":")[1].strip() for line in reloads] == ["replica 1", "replica 2"]


@pytest.mark.parametrize("spoil", CONTENT_FAULTS)
def test_a_content_fault_is_refused_by_the_first_replica_with_no_502(
    cluster: Cluster, spoil: Callable[[Path], str]
) -> None:
    """Nesting that kills libyaml, a FIFO, emptied files, no graph folder: the rolling reload
    stops at the first replica, which names the file and line, and nothing fails meanwhile."""
    graph = cluster.seeds / "graph"
    good = {path: path.read_bytes() for path in graph.iterdir()}
    pids = cluster.replica_pids()
    stopped = cluster.log().count("reload stopped at replica 1")
    try:
        with Load(cluster.url) as load:
            expected = spoil(cluster.seeds)
            os.kill(cluster.process.pid, signal.SIGHUP)
            wait_for(lambda: cluster.log().count("reload stopped at replica 1") > stopped, what="the refusal")
            time.sleep(2)  # the faulty content stays on disk while the load goes on
            load.more(50)
    finally:
        graph.mkdir(exist_ok=True)
        for path, data in good.items():
            if path.is_fifo():
                path.unlink()
            path.write_bytes(data)
    assert load.failures == []
    assert cluster.replica_pids() == pids  # no replica died or was restarted
    replica_log = Path(cluster.state["replicas"][0]["log"]).read_text(encoding="utf-8")
    assert expected.removeprefix("seeds/") in replica_log


def test_an_overload_503_is_never_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """nginx in front of one replica that takes one request at a time and holds it (X-Slow)."""
    seeds, port, proxy_port = write_tiny_seeds(tmp_path), free_port(), free_port()
    monkeypatch.setenv("DISTANCE_MAX_CONCURRENCY", "1")
    command = [sys.executable, "-m", "tests.slow_server", str(seeds), str(port)]
    with serve(command, port, tmp_path / "replica") as replica:
        run_dir = tmp_path / "proxy"
        write_config(run_dir, port=proxy_port, upstreams=[port])
        nginx = spawn(nginx_command(find_nginx(), run_dir), run_dir / "out.log", run_dir / "err.log")
        try:
            base = f"http://127.0.0.1:{proxy_port}"
            wait_for(lambda: _answers(base + "/v1/schema"), what="nginx")
            slow = threading.Thread(target=httpx.get, args=(base + "/v1/meta",), kwargs={"headers": {"X-Slow": "2"}})
            slow.start()
            wait_for(lambda: IN_FLIGHT in replica.out(), what="the slow request")
            refused = httpx.get(base + "/v1/nodes/oxytocin")
            slow.join()
            after = [httpx.get(base + "/v1/nodes/oxytocin") for _ in range(2)]
        finally:
            nginx.terminate()
            nginx.wait(timeout=30)
    assert (refused.status_code, refused.headers["cache-control"]) == (503, "no-store")
    assert refused.headers["x-cache-status"] == "MISS"
    assert [(r.status_code, r.headers["x-cache-status"]) for r in after] == [(200, "MISS"), (200, "HIT")]


@pytest.mark.parametrize(
    ("path", "headers", "status", "slug"),
    [
        ("/v1/nodes/" + "a" * 15000, {}, 414, "uri-too-long"),  # the app's own limit, passed through
        ("/v1/nodes/" + "a" * 20000, {}, 414, "uri-too-long"),  # past nginx's buffers: nginx answers
        ("/v1/meta", {"X-Big": "b" * 20000}, 431, "header-fields-too-large"),  # nginx's 494
        ("/.problems/502", {}, 404, "not-found"),
    ],
)
def test_refusals_are_problems_wherever_they_come_from(
    cluster: Cluster, path: str, headers: dict[str, str], status: int, slug: str
) -> None:
    response = httpx.get(cluster.url + path, headers=headers)
    assert (response.status_code, response.headers["content-type"]) == (status, "application/problem+json")
    assert response.json()["type"] == f"/problems/{slug}"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-cache-status"] in {"MISS", "BYPASS"}


def test_with_no_replica_to_answer_nginx_says_so_as_a_problem(tmp_path: Path) -> None:
    proxy_port = free_port()
    write_config(tmp_path, port=proxy_port, upstreams=[free_port()])  # nobody listens there
    nginx = spawn(nginx_command(find_nginx(), tmp_path), tmp_path / "out.log", tmp_path / "err.log")
    try:
        base = f"http://127.0.0.1:{proxy_port}/v1/meta"
        wait_for(lambda: _status(base) is not None, what="nginx")
        response = httpx.get(base)
    finally:
        nginx.terminate()
        nginx.wait(timeout=30)
    assert (response.status_code, response.headers["content-type"]) == (502, "application/problem+json")
    assert (response.headers["cache-control"], response.headers["x-cache-status"]) == ("no-store", "MISS")
    assert response.json()["title"] == "Bad gateway"
    assert "server" not in response.headers


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=1).status_code
    except httpx.HTTPError:
        return None


def _answers(url: str) -> bool:
    return _status(url) == 200


@pytest.mark.parametrize(
    ("via_make", "stop"),
    [(True, "ctrl-c"), (True, "sigterm"), (False, "sigkill")],
    ids=["make-ctrl-c", "make-sigterm", "supervisor-sigkill"],
)
def test_a_stop_leaves_no_process_behind(tmp_path: Path, via_make: bool, stop: str) -> None:
    cluster = _start(tmp_path, via_make=via_make)
    family = _family(cluster.process.pid)
    assert len(family) >= 1 + 2 + 2 + (2 if via_make else 1), family  # replicas, nginx master + worker(s)
    if stop == "ctrl-c":
        os.killpg(cluster.process.pid, signal.SIGINT)  # what a terminal sends its foreground job
    elif stop == "sigterm":
        cluster.process.send_signal(signal.SIGTERM)
    else:  # the supervisor dies without a word: the kernel still stops its children
        cluster.process.kill()
    cluster.process.wait(timeout=60)
    wait_for(lambda: not any(_alive(pid) for pid in family), timeout=30, what="every process to exit")
    if stop != "sigkill":  # make itself ends by the signal, as make does; the supervisor said goodbye
        assert "stopped: nginx and 2 replicas" in cluster.log()


def test_a_cluster_that_cannot_start_says_why_and_leaves_nothing(tmp_path: Path) -> None:
    seeds = write_tiny_seeds(tmp_path)
    concepts = seeds / "graph" / "concepts.yaml"
    concepts.write_text(concepts.read_text(encoding="utf-8").replace("  label: Oxytocin\n", ""), encoding="utf-8")
    argv = [sys.executable, "-m", "deploy.cluster", "--port", str(free_port()), "--run-dir", str(tmp_path / "run")]
    broken = subprocess.run([*argv, "--seeds", str(seeds)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1
    assert "replica 1 exited with 1 before answering" in broken.stderr
    assert "concepts.yaml:" in broken.stderr
    assert not any(str(seeds) in _cmdline(pid) for pid in _pids())
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        taken = subprocess.run(
            [sys.executable, "-m", "deploy.cluster", "--port", str(port), "--run-dir", str(tmp_path / "run")],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert taken.returncode == 1
    assert f"port {port} is in use" in taken.stderr


def test_a_port_taken_while_the_replicas_load_stops_the_cluster_never_serves_another_server(tmp_path: Path) -> None:
    """The port is free when the supervisor checks it, and another server listens there by the time
    nginx binds it: nginx cannot start, and the supervisor says so instead of taking the other
    server's 200 for its proxy's."""
    seeds, run_dir, port = write_tiny_seeds(tmp_path), tmp_path / "run", free_port()
    argv = [
        sys.executable,
        "-m",
        "deploy.cluster",
        "--port",
        str(port),
        "--run-dir",
        str(run_dir),
        "--seeds",
        str(seeds),
    ]
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: (run_dir / "replica-1.log").exists(), timeout=60, what="the replicas to start")
    other = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Answers200)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        _, stderr = process.communicate(timeout=120)
    finally:
        other.shutdown()
        other.server_close()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, stderr
    assert "nginx exited" in stderr
    assert "serving" not in stderr, stderr


class _Answers200(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.parametrize("spoil", CONTENT_FAULTS)
def test_a_content_fault_stops_the_cluster_at_start_naming_its_line(
    tmp_path: Path, spoil: Callable[[Path], str]
) -> None:
    """Nesting that kills libyaml, a FIFO, emptied files, no graph folder: the first replica
    exits 1 naming the file and line, and the cluster with it, never a crash loop or a hang."""
    seeds = write_tiny_seeds(tmp_path)
    expected = spoil(seeds)
    argv = [sys.executable, "-m", "deploy.cluster", "--port", str(free_port()), "--run-dir", str(tmp_path / "run")]
    broken = subprocess.run([*argv, "--seeds", str(seeds)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1
    assert "replica 1 exited with 1 before answering" in broken.stderr
    assert expected in broken.stderr
    assert "Traceback" not in broken.stderr
    assert not any(str(seeds) in _cmdline(pid) for pid in _pids())


def _pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _alive(int(p.name))]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


# A cluster whose limits are short enough to measure in seconds: what nginx enforces must be these.
STRICT = {
    "DISTANCE_HEADER_TIMEOUT": "2",
    "DISTANCE_SEND_TIMEOUT": "2",
    "DISTANCE_RATE_LIMIT": "50",
    "DISTANCE_RATE_BURST": "100",
}


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    running = _start(tmp_path_factory.mktemp("strict"), settings=STRICT)
    try:
        yield running
    finally:
        _stop(running)


def _raw(url: str, request: bytes, timeout: float = 30) -> tuple[bytes, float]:
    """Send `request` as it is; what comes back until the proxy closes, and after how long."""
    host, port = url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    return answer, time.monotonic() - started


@pytest.mark.parametrize(
    ("request_bytes", "status", "slug"),
    [
        (b"TRACE /v1/meta HTTP/1.1\r\nHost: x\r\n\r\n", 405, "method-not-allowed"),
        (b"CONNECT /v1/meta HTTP/1.1\r\nHost: x\r\n\r\n", 405, "method-not-allowed"),
        (b"CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-request"),  # nginx parses no authority
        (b"GET /v1/meta HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "not-implemented"),
        (b"GET /v1/meta HTTP/3.0\r\nHost: x\r\n\r\n", 505, "http-version-not-supported"),
        (b"POST /v1/meta HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "bad-request"),
        (b"GET /v1/meta HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413, "content-too-large"),
        (b"GET /v1/nodes/" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri-too-long"),
        (b"GET /v1/meta HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n", 431, "header-fields-too-large"),
    ],
)
def test_what_nginx_answers_itself_is_a_problem_with_a_request_id_and_a_log_line(
    cluster: Cluster, request_bytes: bytes, status: int, slug: str
) -> None:
    answer, _ = _raw(cluster.url, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    assert lines[0].split()[1] == str(status)
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["type"] == f"/problems/{slug}"
    assert headers["cache-control"] == "no-store"
    assert "server" not in headers
    if status == 405:
        assert headers["allow"] == "GET, HEAD, OPTIONS"
    request_id = headers["x-request-id"]
    wait_for(lambda: _logged(cluster, request_id) is not None, timeout=5, what="the access-log line")
    assert _logged(cluster, request_id)["status"] == status  # type: ignore[index]


def _logged(cluster: Cluster, request_id: str) -> dict[str, object] | None:
    """nginx's access-log record of the request with this id, or None."""
    for line in (cluster.run_dir / "access.log").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["request_id"] == request_id:
            return dict(record)
    return None


def test_a_request_cut_at_the_header_timeout_has_its_log_line(strict: Cluster) -> None:
    """A request whose headers stop coming is closed at DISTANCE_HEADER_TIMEOUT with no answer
    (the client is not reading one), and nginx logs it as a 408 under its request id."""
    _, waited = _raw(strict.url, b"GET /v1/meta HTTP/1.1\r\nHost: x\r\nX-Request-Id: cut-at-timeout\r\nX-Slow: ")
    assert waited < float(STRICT["DISTANCE_HEADER_TIMEOUT"]) + 1.5
    wait_for(lambda: _logged(strict, "cut-at-timeout") is not None, timeout=5, what="the access-log line")
    assert _logged(strict, "cut-at-timeout")["status"] == 408  # type: ignore[index]


def test_a_head_nginx_refuses_has_no_body(cluster: Cluster) -> None:
    answer, _ = _raw(cluster.url, b"HEAD /v1/meta HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 501")
    assert b"application/problem+json" in head
    assert body == b""


def test_a_range_through_the_proxy_is_the_whole_answer_never_a_416(cluster: Cluster) -> None:
    response = httpx.get(cluster.url + "/explorer/explorer.js", headers={"Range": "bytes=99999999-"})
    assert response.status_code == 200
    assert "accept-ranges" not in response.headers


def test_the_proxy_closes_slow_and_silent_clients_within_the_app_s_header_timeout(strict: Cluster) -> None:
    """500 connections that send half a header, and one request that declares a body and sends
    none: all are cut within DISTANCE_HEADER_TIMEOUT (2 s here), not nginx's default minute."""
    timeout = float(STRICT["DISTANCE_HEADER_TIMEOUT"])
    host, port = strict.url.removeprefix("http://").split(":")
    slow = [socket.create_connection((host, int(port)), timeout=30) for _ in range(500)]
    for sock in slow:
        sock.sendall(b"GET /v1/meta HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    started = time.monotonic()
    _, waited = _raw(strict.url, b"GET /v1/meta HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
    assert waited < timeout + 1.5
    closed = 0
    for sock in slow:
        sock.settimeout(max(0.1, started + timeout + 1.5 - time.monotonic()))
        try:
            closed += sock.recv(1) == b""
        except ConnectionResetError:
            closed += 1
        except TimeoutError:
            pass
        sock.close()
    assert closed == len(slow)


def test_the_rate_limit_through_the_cluster_is_the_stated_one(strict: Cluster) -> None:
    """One client flooding through nginx for 4 s gets the burst plus the rate over the time it
    flooded, whichever replica answers (the limit is nginx's, once for all): about
    100 + 50 x 4 = 300 (`tests.live.allowed`)."""
    rate, burst = float(STRICT["DISTANCE_RATE_LIMIT"]), int(STRICT["DISTANCE_RATE_BURST"])
    answers, seconds = flood(strict.url, 4.0)
    statuses = [a.status_code for a in answers]
    refused = [a for a in answers if a.status_code == 429][:1]
    served = statuses.count(200)
    low, high = allowed(rate, burst, 4.0, seconds)
    assert low <= served <= high, (served, low, high, len(statuses))
    [problem] = refused
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["type"] == "/problems/too-many-requests"
    assert problem.headers["ratelimit-policy"] == f'"per-client";q={burst};w=2'
    assert problem.headers["retry-after"] == "1"
    # Checked once: every 429 is nginx's, no replica refused anything for the rate.
    replica_lines = [
        line for log in strict.run_dir.glob("replica-*.access.log") for line in log.read_text().splitlines()
    ]
    assert replica_lines
    assert not [line for line in replica_lines if '"status":429' in line]


def test_the_proxy_config_is_derived_from_the_app_s_settings(tmp_path: Path) -> None:
    from deploy.nginx import TEMPLATE, render_config

    settings = Settings(header_timeout=3.5, send_timeout=7, keepalive_timeout=4, rate_limit=0.5, rate_burst=5,
                        max_url_bytes=20000)  # fmt: skip
    text = render_config(
        TEMPLATE.read_text(encoding="utf-8"), run_dir=tmp_path, port=1, upstreams=[2], settings=settings
    )
    for line in ("client_header_timeout 3500ms;", "client_body_timeout 3500ms;", "send_timeout 7s;",
                 "keepalive_timeout 4s;", "large_client_header_buffers 4 21k;", "rate=30r/m;",
                 "limit_req zone=clients burst=5 nodelay;", "add_header Retry-After 2 always;",
                 "add_header RateLimit-Policy '\"per-client\";q=5;w=10' always;"):  # fmt: skip
        assert line in text
    unlimited = render_config(TEMPLATE.read_text(encoding="utf-8"), run_dir=tmp_path, port=1, upstreams=[2],
                              settings=Settings(rate_limit=0))  # fmt: skip
    assert "limit_req" not in unlimited


@pytest.mark.parametrize(
    ("request_line", "headers", "status"),
    [
        (b"HEAD /v1/meta HTTP/1.1", b"Content-Length: 2000000\r\n", 413),
        (b"HEAD /v1/nodes/" + b"a" * 15000 + b" HTTP/1.1", b"", 414),  # the app's
        (b"HEAD /v1/nodes/" + b"a" * 20000 + b" HTTP/1.1", b"", 414),  # nginx's
        (b"HEAD /v1/meta HTTP/1.1", b"X-Big: " + b"b" * 20000 + b"\r\n", 431),
        (b"HEAD /v1/\x01meta HTTP/1.1", b"", 400),
    ],
)
def test_a_head_to_a_refusal_has_no_body_through_the_proxy(
    cluster: Cluster, request_line: bytes, headers: bytes, status: int
) -> None:
    answer, _ = _raw(cluster.url, request_line + b"\r\nHost: x\r\nConnection: close\r\n" + headers + b"\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 %d " % status), head[:80]
    assert b"application/problem+json" in head
    assert body == b""


def test_the_proxy_closes_a_connection_that_sends_nothing_within_the_header_timeout(strict: Cluster) -> None:
    """granian alone leaves a connection that never sends a byte open; nginx closes it."""
    _, waited = _raw(strict.url, b"")
    assert waited < float(STRICT["DISTANCE_HEADER_TIMEOUT"]) + 1.5


def test_the_proxy_cuts_off_a_client_that_stops_reading_at_the_send_timeout(strict: Cluster) -> None:
    """granian alone has no send timeout; nginx's is DISTANCE_SEND_TIMEOUT."""
    host, port = strict.url.removeprefix("http://").split(":")
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: a small window
        sock.settimeout(30)
        sock.connect((host, int(port)))
        sock.sendall(b"GET /v1/graph?format=graphml HTTP/1.1\r\nHost: x\r\n\r\n" * 40)
        time.sleep(float(STRICT["DISTANCE_SEND_TIMEOUT"]) + 3)  # read nothing for longer than the send timeout
        started = time.monotonic()
        received = 0
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += len(chunk)
    assert time.monotonic() - started < 10  # the proxy closed it: it did not send 40 exports
    assert received < 40 * 100_000


def test_a_reload_purges_exactly_the_changed_answers_and_an_invalid_one_purges_nothing(tmp_path: Path) -> None:
    """Answers are kept a day (s-maxage=86400); a reload that changes one node's summary purges
    that node's answers (and those tagged `graph`), while an untouched node stays a hit."""
    day = {"DISTANCE_CACHE_SHARED_MAX_AGE": "86400", "DISTANCE_CACHE_STALE_SECONDS": "86400"}  # make cluster's
    cluster = _start(tmp_path, settings=day)
    try:
        changed, untouched, listed = "/v1/nodes/oxytocin", "/v1/nodes/slower-replies", "/v1/concepts"
        for path in (changed, untouched, listed):
            first, again = httpx.get(cluster.url + path), httpx.get(cluster.url + path)
            assert [first.headers["x-cache-status"], again.headers["x-cache-status"]] == ["MISS", "HIT"]
            assert "s-maxage=86400" in again.headers["cache-control"]
            assert "stale-while-revalidate=86400" in again.headers["cache-control"]
        assert httpx.get(cluster.url + changed).headers["cache-tag"] == "distance node:000 node:oxytocin"
        untouched_body = httpx.get(cluster.url + untouched).content

        # An event stream through nginx: unbuffered, so each event arrives as it is sent.
        seen: list[tuple[float, str]] = []
        opened = threading.Event()

        reader = httpx.Client(timeout=70)

        def read_stream() -> None:  # nginx takes X-Accel-Buffering for itself: it is not passed on
            with (
                contextlib.suppress(httpx.HTTPError, RuntimeError),  # hung up at the end of the test
                reader.stream("GET", cluster.url + "/v1/events?timeout=60") as response,
            ):
                seen.append((time.monotonic(), response.headers["content-type"]))
                for line in response.iter_lines():
                    opened.set()
                    seen.append((time.monotonic(), line))

        threading.Thread(target=read_stream, daemon=True).start()
        assert opened.wait(5), "the stream's first line did not come through nginx"
        assert seen[0][1].startswith("text/event-stream")

        concepts = cluster.seeds / "graph" / "concepts.yaml"
        concepts.write_text(concepts.read_text(encoding="utf-8").replace(OLD_SUMMARY, NEW_SUMMARY), encoding="utf-8")
        os.kill(cluster.process.pid, signal.SIGHUP)
        wait_for(lambda: "purged" in cluster.log(), timeout=60, what="the purge")
        purged_at = time.monotonic()
        fresh = httpx.get(cluster.url + changed)
        assert time.monotonic() - purged_at < 1.0
        assert (fresh.json()["summary"], fresh.headers["x-cache-status"]) == (NEW_SUMMARY, "MISS")
        assert httpx.get(cluster.url + listed).headers["x-cache-status"] == "MISS"  # tagged `graph`
        kept = httpx.get(cluster.url + untouched)
        assert (kept.headers["x-cache-status"], kept.content) == ("HIT", untouched_body)
        # The node, the list, and /v1/meta (the supervisor's own readiness check stored it): all three.
        assert "purged 3 stored answer(s) tagged graph node:oxytocin" in cluster.log()
        wait_for(lambda: any(line == "event: content.changed" for _, line in seen), 5, "the event through nginx")
        reader.close()

        # Invalid content: refused by the first replica, and nothing is purged.
        assert httpx.get(cluster.url + changed).headers["x-cache-status"] == "HIT"
        concepts.write_text(concepts.read_text(encoding="utf-8").replace("  label: Oxytocin\n", ""), encoding="utf-8")
        os.kill(cluster.process.pid, signal.SIGHUP)
        wait_for(lambda: "reload stopped at replica 1" in cluster.log(), timeout=60, what="the refused reload")
        assert [httpx.get(cluster.url + p).headers["x-cache-status"] for p in (changed, untouched, listed)] == [
            "HIT",
            "HIT",
            "HIT",
        ]
        assert cluster.log().count("purged") == 1
    finally:
        _stop(cluster)
