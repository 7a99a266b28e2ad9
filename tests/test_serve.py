"""`distance serve` as a real process: refusing bad content, reloading, shutting down gracefully."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
import pytest

from tests.live import DISTANCE, LiveServer, allowed, flood, free_port, port_is_open, serve, wait_for
from tests.slow_server import IN_FLIGHT
from tests.tiny import CONTENT_FAULTS, restore_tiny_seeds, shrink_tiny_seeds

OLD_SUMMARY = "A hormone tied to touch and bonding."
NEW_SUMMARY = "A hormone of touch and closeness."


def _edit_summary(seeds: Path) -> None:
    concepts = seeds / "graph" / "concepts.yaml"
    concepts.write_text(concepts.read_text(encoding="utf-8").replace(OLD_SUMMARY, NEW_SUMMARY), encoding="utf-8")


def _break(seeds: Path) -> dict[Path, bytes]:
    """Break two files (a quote not in its article, a node without a label); return the good bytes."""
    good = {path: path.read_bytes() for path in (seeds / "graph").iterdir()}
    signs = seeds / "graph" / "signs.yaml"
    signs.write_text(signs.read_text(encoding="utf-8").replace("more slowly", "more slowlyy"), encoding="utf-8")
    concepts = seeds / "graph" / "concepts.yaml"
    concepts.write_text(concepts.read_text(encoding="utf-8").replace("  label: Oxytocin\n", ""), encoding="utf-8")
    return good


class RequestLoop:
    """A client thread asking for two routes over and over, recording every answer."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answers: list[tuple[int, str]] = []  # (status, content_version)
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self._stop.is_set():
                try:
                    meta = client.get("/v1/meta")
                    node = client.get("/v1/nodes/oxytocin")
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                    continue
                if meta.status_code != 200 or node.status_code != 200:
                    self.failures.append(f"{meta.status_code} {node.status_code}")
                    continue
                self.answers.append((200, meta.json()["content_version"]))

    def version(self) -> str:
        return self.answers[-1][1] if self.answers else ""

    def __enter__(self) -> RequestLoop:
        self._thread.start()
        wait_for(lambda: len(self.answers) > 3, what="the first answers")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def settle(self, more: int = 5) -> None:
        """Wait until a few more answers came in."""
        mark = len(self.answers)
        wait_for(lambda: len(self.answers) >= mark + more, what="more answers")


def test_serve_refuses_invalid_content_and_never_opens_the_port(seeds: Path, tmp_path: Path) -> None:
    _break(seeds)
    port = free_port()
    process = subprocess.Popen(
        [DISTANCE, "serve", "--seeds", str(seeds), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    opened = False
    while process.poll() is None:  # probe the port for as long as the process lives
        opened = opened or port_is_open(port)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert not opened
    assert not port_is_open(port)
    text = err.decode()
    assert "seeds/graph/signs.yaml:7: quote not found in 000" in text
    assert "seeds/graph/concepts.yaml:1:" in text
    assert "2 content problems" in text
    assert b"Listening at" not in out + err


def test_serve_refuses_a_corrupt_release_snapshot_naming_its_file(seeds: Path) -> None:
    assert subprocess.run([DISTANCE, "release", "--seeds", str(seeds)], capture_output=True).returncode == 0
    [path] = (seeds / "releases").iterdir()
    path.write_bytes(path.read_bytes()[:-100])  # cut short mid-record
    process = subprocess.run(
        [DISTANCE, "serve", "--seeds", str(seeds), "--port", str(free_port())], capture_output=True, timeout=60
    )
    assert process.returncode == 1
    text = process.stderr.decode()
    assert f"seeds/releases/{path.name}:" in text
    assert "Traceback" not in text
    assert b"Listening at" not in process.stdout + process.stderr


def _headers_and_log_agree(server: LiveServer) -> None:
    response = httpx.get(server.url + "/v1/meta")
    assert not any(c.isdigit() for c in response.headers.get("server", ""))  # no version named
    assert response.headers["x-content-type-options"] == "nosniff"
    request_id = response.headers["x-request-id"]
    wait_for(lambda: request_id in server.out(), what="the access-log line")
    [line] = [orjson.loads(x) for x in server.out().splitlines() if request_id in x]
    assert (line["path"], line["status"], line["bytes"]) == ("/v1/meta", 200, len(response.content))
    long = httpx.get(server.url + "/v1/search?q=" + "a" * 14200)  # through the real HTTP parser
    assert (long.status_code, long.headers["content-type"]) == (414, "application/problem+json")


def test_serve_watch_reloads_under_a_request_loop_and_refuses_bad_content(seeds: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [DISTANCE, "serve", "--seeds", str(seeds), "--port", str(port), "--watch"]
    with serve(command, port, tmp_path / "logs") as server, RequestLoop(server.url) as loop:
        _headers_and_log_agree(server)
        first = loop.version()
        time.sleep(0.5)  # the watcher starts with the server; give it a moment to subscribe
        _edit_summary(seeds)
        wait_for(lambda: loop.version() != first, what="the edit to be served")
        second = loop.version()
        good = _break(seeds)
        wait_for(lambda: "refused" in server.err(), what="the refusal to be logged")
        loop.settle()
        assert "seeds/graph/signs.yaml:7: quote not found in 000" in server.err()
        for path, data in good.items():
            path.write_bytes(data)
        wait_for(lambda: "unchanged" in server.err(), what="the fixed content to be checked")
        loop.settle()
    assert loop.failures == []
    versions = [v for _, v in loop.answers]
    assert set(versions) == {first, second}
    assert versions.index(second) == len(versions) - versions[::-1].index(first)  # one switch, never back


def _reload(server: LiveServer, *, confirm: bool = False) -> None:
    """`distance reload [--confirm] PID`, the documented command, against the server's main process."""
    extra = ["--confirm"] if confirm else []
    subprocess.run([DISTANCE, "reload", *extra, str(server.process.pid)], check=True, timeout=30)


def test_serve_reloads_on_the_reload_command_only(seeds: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [DISTANCE, "serve", "--seeds", str(seeds), "--port", str(port)]
    with serve(command, port, tmp_path / "logs") as server, RequestLoop(server.url) as loop:
        first = loop.version()
        _edit_summary(seeds)
        time.sleep(1.0)
        loop.settle()
        assert loop.version() == first  # without --watch, an edit alone changes nothing
        workers = _workers(server)
        _reload(server)
        wait_for(lambda: loop.version() != first, what="the reload")
        loop.settle()
        assert server.process.poll() is None
        assert _workers(server) == workers  # in place: the same worker, the same connection
    assert loop.failures == []
    export = subprocess.run([DISTANCE, "export", "--seeds", str(seeds)], capture_output=True, check=True).stdout
    assert orjson.loads(export)["graph"]["content_version"] == loop.version()  # it serves what is on disk


def test_sigterm_lets_a_request_in_flight_finish(seeds: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "tests.slow_server", str(seeds), str(port)]
    with serve(command, port, tmp_path / "logs") as server:
        result: dict[str, object] = {}

        def slow_request() -> None:
            started = time.monotonic()
            try:
                response = httpx.get(server.url + "/v1/meta", headers={"X-Slow": "2"}, timeout=30)
                result.update(status=response.status_code, text=response.text, seconds=time.monotonic() - started)
            except httpx.HTTPError as exc:
                result["error"] = repr(exc)

        client = threading.Thread(target=slow_request)
        client.start()
        wait_for(lambda: IN_FLIGHT in server.out(), what="the slow request to arrive")
        server.process.send_signal(signal.SIGTERM)
        wait_for(lambda: not port_is_open(port), timeout=5, what="the listening socket to close")
        assert client.is_alive()  # the port closed while the request was still being served
        client.join(timeout=30)
        server.process.wait(timeout=30)
    assert "error" not in result, result
    assert result["status"] == 200
    assert "content_version" in orjson.loads(str(result["text"]))  # the whole body came
    assert result["seconds"] >= 2  # type: ignore[operator]
    assert server.process.returncode in (0, -signal.SIGTERM)


def _workers(server: LiveServer) -> list[int]:
    """The pids of the supervisor's worker processes."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return sorted(int(child) for child in children)


def _versions_on_new_connections(server: LiveServer, count: int = 12) -> set[str]:
    """content_version as answered on `count` fresh connections (the kernel spreads them over workers)."""
    versions = set()
    for _ in range(count):
        with httpx.Client(base_url=server.url, timeout=10) as client:
            versions.add(client.get("/v1/meta").json()["content_version"])
    return versions


def test_workers_reload_in_place_and_refuse_bad_content_together(seeds: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [DISTANCE, "serve", "--seeds", str(seeds), "--port", str(port), "--workers", "2"]
    with serve(command, port, tmp_path / "logs") as server, RequestLoop(server.url) as loop:
        _headers_and_log_agree(server)
        first = loop.version()
        workers = _workers(server)
        assert len(workers) == 2
        _edit_summary(seeds)
        _reload(server)
        wait_for(lambda: loop.version() != first, what="the reload")
        second = loop.version()
        assert _versions_on_new_connections(server) == {second}  # every worker swapped
        wait_for(lambda: server.err().count(f": serves content {second[:16]} (was {first[:16]})") == 2)  # and said so
        _break(seeds)
        _reload(server)
        wait_for(lambda: "refused" in server.err(), what="the refusal to be logged")
        loop.settle()
        assert "seeds/graph/signs.yaml:7: quote not found in 000" in server.err()
        assert _versions_on_new_connections(server) == {second}  # every worker kept the good content
        assert _workers(server) == workers  # reloads replace no process
    assert loop.failures == []  # one keep-alive connection through both reloads, nothing dropped
    versions = [v for _, v in loop.answers]
    assert versions.index(second) == len(versions) - versions[::-1].index(first)


def test_a_killed_worker_is_replaced_on_the_last_good_content_while_the_seeds_are_bad(
    seeds: Path, tmp_path: Path
) -> None:
    port = free_port()
    command = [DISTANCE, "serve", "--seeds", str(seeds), "--port", str(port), "--workers", "2"]
    with serve(command, port, tmp_path / "logs") as server:
        [first] = _versions_on_new_connections(server, 2)
        _edit_summary(seeds)
        _reload(server)  # the last good content is now the edited one
        wait_for(lambda: _versions_on_new_connections(server, 4) != {first}, what="the reload")
        [good] = _versions_on_new_connections(server)
        _break(seeds)
        for victim in _workers(server):  # one crash after another: each would stop the service before
            os.kill(victim, signal.SIGKILL)
            wait_for(lambda v=victim: v not in _workers(server) and len(_workers(server)) == 2, what="a replacement")
            assert _versions_on_new_connections(server) == {good}
        assert server.err().count("Unexpected exit from worker") == 2
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=30)
    assert server.process.returncode == 0


def test_sighup_reloads_the_content_then_restarts_the_workers_on_it(seeds: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [DISTANCE, "serve", "--seeds", str(seeds), "--port", str(port)]
    with serve(command, port, tmp_path / "logs") as server:
        [first] = _versions_on_new_connections(server, 2)
        workers = _workers(server)
        _edit_summary(seeds)
        server.process.send_signal(signal.SIGHUP)
        wait_for(lambda: _versions_on_new_connections(server, 2) != {first}, what="the SIGHUP reload")
        wait_for(lambda: len(_workers(server)) == 1 and _workers(server) != workers, what="the restarted worker")
        assert "reload (SIGHUP): now serving content" in server.err()


@pytest.mark.parametrize("workers", [1, 2])
def test_content_faults_on_reload_are_refused_and_a_large_removal_needs_confirming(
    seeds: Path, tmp_path: Path, workers: int
) -> None:
    """Nesting that kills libyaml, a FIFO where a file should be, emptied files, no graph folder,
    then most nodes removed: each refused at its file and line while the same processes serve
    on; `distance reload --confirm` takes the removal."""
    port = free_port()
    command = [DISTANCE, "serve", "--seeds", str(seeds), "--port", str(port), "--workers", str(workers)]
    with serve(command, port, tmp_path / "logs") as server, RequestLoop(server.url) as loop:
        first = loop.version()
        processes = _workers(server)
        for refusals, spoil in enumerate(CONTENT_FAULTS, start=1):
            expected = spoil(seeds)
            _reload(server)
            wait_for(lambda n=refusals: server.err().count("refused") == n, what=f"the refusal ({spoil.__name__})")
            assert expected in server.err()
            restore_tiny_seeds(seeds)
        shrink_tiny_seeds(seeds)
        _reload(server)
        wait_for(
            lambda: server.err().count("refused") == len(CONTENT_FAULTS) + 1, what="the refusal of a large removal"
        )
        assert "the new content keeps 4 of the 9 nodes served" in server.err()
        loop.settle()
        assert {v for _, v in loop.answers} == {first}
        assert _workers(server) == processes
        assert server.process.poll() is None
        _reload(server, confirm=True)
        wait_for(lambda: httpx.get(server.url + "/v1/nodes/oxytocin").status_code == 404, what="the confirmed reload")
    assert loop.failures[:1] in ([], ["200 404"])  # the loop asks for oxytocin, which the confirmed reload removed


def test_with_two_workers_the_rate_limit_is_per_client_for_the_whole_server(seeds: Path, tmp_path: Path) -> None:
    """One client flooding two workers for 4 s gets what `RateLimit-Policy` states, once:
    the burst plus the rate over the time it flooded, about 100 + 50 x 4 = 300
    (`tests.live.allowed`; each worker alone would allow as much)."""
    port = free_port()
    command = [DISTANCE, "serve", "--seeds", str(seeds), "--port", str(port), "--workers", "2"]
    env = {"DISTANCE_RATE_LIMIT": "50", "DISTANCE_RATE_BURST": "100", "DISTANCE_ACCESS_LOG": "false"}
    with serve(command, port, tmp_path / "logs", env=env) as server:
        time.sleep(1.5)  # the ready check took a few tokens; let the bucket fill again (2 s from empty)
        answers, seconds = flood(server.url, 4.0)
    served, (low, high) = sum(a.status_code == 200 for a in answers), allowed(50, 100, 4.0, seconds)
    assert low <= served <= high, (served, low, high, len(answers))
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.headers["ratelimit-policy"] == '"per-client";q=100;w=2'


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("spoil", CONTENT_FAULTS)
def test_a_content_fault_at_start_is_a_problem_at_its_line_and_exit_1_never_a_crash_or_a_hang(
    seeds: Path, spoil: Callable[[Path], str], workers: int
) -> None:
    expected = spoil(seeds)
    port = free_port()
    command = [DISTANCE, "serve", "--seeds", str(seeds), "--port", str(port), "--workers", str(workers)]
    done = subprocess.run(command, capture_output=True, timeout=60, check=False)
    assert done.returncode == 1  # not 139 (SIGSEGV), not a wait on the FIFO
    assert expected in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()
    assert not port_is_open(port)
    check = subprocess.run([DISTANCE, "check", "--seeds", str(seeds)], capture_output=True, timeout=60, check=False)
    assert (check.returncode, expected in check.stderr.decode()) == (1, True)


def _rss_mb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) // 1024


def test_clients_that_never_read_an_export_pin_no_copies_of_it_and_others_are_served(
    seeds: Path, tmp_path: Path
) -> None:
    """100 connections ask for the N-Triples export and never read: the worker sends a large
    body in awaited chunks, two at a time per client, so its memory barely moves (it grew by
    ~500 MB when each body went to the server's buffer at once) and /v1/meta answers meanwhile."""
    port = free_port()
    command = [DISTANCE, "serve", "--port", str(port)]  # the shipped content: a ~5 MB export
    env = {"DISTANCE_RATE_LIMIT": "0", "DISTANCE_ACCESS_LOG": "false"}
    with serve(command, port, tmp_path / "logs", env=env) as server:
        [worker] = _workers(server)
        assert httpx.get(server.url + "/v1/graph?format=ntriples", timeout=30).status_code == 200
        before = _rss_mb(worker)
        sockets = []
        try:
            for _ in range(100):
                sock = socket.create_connection(("127.0.0.1", port))
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                sock.sendall(b"GET /v1/graph?format=ntriples HTTP/1.1\r\nHost: x\r\n\r\n")
                sockets.append(sock)
            time.sleep(2)
            started = time.monotonic()
            assert httpx.get(server.url + "/v1/meta", timeout=10).status_code == 200
            assert time.monotonic() - started < 1.0
            assert _rss_mb(worker) - before < 50
        finally:
            for sock in sockets:
                sock.close()
