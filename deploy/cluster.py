"""`make cluster`: `distance serve` replicas behind nginx's proxy_cache, on loopback, stopped together.

Run: `.venv/bin/python -m deploy.cluster [--replicas 2] [--port 8080] [--run-dir build/cluster]
[--seeds DIR]`. The supervisor starts the replicas on free loopback ports, waits until each
answers, writes deploy/nginx.conf with the ports filled in to the run directory, starts nginx
on `--port` and writes `cluster.json` (every process id, port and log). Everything the cluster
writes (config, cache, temp files, logs, pid files) stays in the run directory.

- Ctrl-C or SIGTERM stops nginx first (it finishes the requests it holds), then the replicas
  (each finishes its own), and exits 0. Every child also gets SIGTERM from the kernel when the
  supervisor itself dies (PR_SET_PDEATHSIG), so no process outlives it.
- SIGHUP reloads the content replica by replica, each in place (`distance reload`: SIGUSR1,
  so no connection is closed), and the next only once the previous one has logged the
  outcome, so at most one replica builds a graph at a time. A replica that refuses the
  content (invalid, or removing most of what is served) stops the round: the content on disk
  is the same for all, and every replica keeps serving its own. SIGUSR2 does the same with
  SIGUSR2 (`distance reload --confirm`), which accepts content that removes most nodes.
- A replica that exits on its own is started again on its port (after 1 s, doubling while it
  keeps dying young); meanwhile nginx sends its requests to the others.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Final

from deploy.nginx import NginxError, find_nginx, nginx_command, write_config
from deploy.purge import ChangeWatch, TagIndex, purge

__all__ = ["RELOAD_LOGGED", "ClusterError", "Replica", "Supervisor", "main", "port_is_free", "spawn"]

log = logging.getLogger("distance.cluster")

ROOT: Final = Path(__file__).resolve().parent.parent
DISTANCE: Final = Path(sys.executable).parent / "distance"
# What `distance serve` logs once a reload is done, whatever its outcome (api/process/reload.py):
# `reload (SIGHUP)` or `reload (SIGUSR2, removal confirmed)`, then `refused` or another outcome.
RELOAD_LOGGED: Final = "reload (SIG"
_PR_SET_PDEATHSIG: Final = 1
# SIGHUP to a replica would restart its workers (granian's), closing connections; SIGUSR1 is
# `distance reload`, in place.
_REPLICA_RELOAD: Final = {signal.SIGHUP: signal.SIGUSR1}
_START_TIMEOUT: Final = 300.0  # a 100,000-node content folder takes minutes to load
_RELOAD_TIMEOUT: Final = 600.0
_YOUNG: Final = 10.0  # a replica that dies sooner than this after its start backs off longer


class ClusterError(Exception):
    """The cluster cannot start or go on; the message says why and what to do."""


class _Interrupted(Exception):
    """A stop was asked for while the cluster was still starting."""


def _die_with_parent() -> None:
    """Run in the child before exec: the kernel sends it SIGTERM when the supervisor dies."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(
    argv: Sequence[str], stdout: Path, stderr: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a child in its own session (a Ctrl-C reaches only the supervisor, which stops
    children in order) that dies with the supervisor, its output appended to two files;
    `env` is added to ours."""
    with stdout.open("ab") as out, stderr.open("ab") as err:
        return subprocess.Popen(
            list(argv),
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=ROOT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # safe: the supervisor starts no threads
        )


# Every request reaches a replica through nginx, which sets X-Forwarded-For to the client's
# address (deploy/nginx.conf): a replica names each client by it (its access log, its bounds on
# large answers and event streams per client). The rate is checked once, by nginx for all
# replicas (`limit_req`, from the same DISTANCE_RATE_* settings): a replica checks none.
REPLICA_ENV: Final = {"DISTANCE_CLIENT_HEADER": "X-Forwarded-For", "DISTANCE_RATE_LIMIT": "0"}
# A proxy may keep an answer for a day, and serve it stale while it fetches it anew or while the
# replicas fail: a reload purges exactly what changed (deploy/purge.py). The environment wins.
CACHE_ENV: Final = {"DISTANCE_CACHE_SHARED_MAX_AGE": "86400", "DISTANCE_CACHE_STALE_SECONDS": "86400"}
# How long a replica's workers may take to swap a reloaded graph in and say so on /v1/events.
_SWAP_TIMEOUT: Final = 30.0


def _answers(url: str, *, mark: str | None = None) -> bool:
    """Whether `url` answers 200 (and, given `mark`, with that header: proof of who answered)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            response.read()
            return bool(response.status == 200 and (mark is None or mark in response.headers))
    except OSError:
        return False


def _tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(line[:300] for line in text.splitlines()[-lines:])
    except OSError:
        return ""


def port_is_free(port: int) -> bool:
    """Whether a server could listen on `port` on loopback now (bound as nginx and granian bind)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx binds it
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Replica:
    """One `distance serve` process on a fixed loopback port (kept across restarts)."""

    index: int
    port: int
    command: list[str]
    log: Path  # stderr: granian's and Distance's log lines (reloads, faults)
    access_log: Path  # stdout: the JSON access log
    base_url: str  # where clients reach it (the proxy): linked data's identifiers are under it
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    early_deaths: int = 0
    restart_at: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        # An operator who sets the shared lifetime has chosen the policy: no stale directives added.
        defaults = CACHE_ENV if "DISTANCE_CACHE_SHARED_MAX_AGE" not in os.environ else {}
        env = {**defaults, **REPLICA_ENV, "DISTANCE_BASE_URL": self.base_url}
        self.process = spawn(self.command, self.access_log, self.log, env)
        self.started = time.monotonic()
        self.restart_at = None


class Supervisor:
    """Starts, watches and stops the replicas and nginx; see the module docstring."""

    def __init__(self, *, replicas: int, port: int, run_dir: Path, seeds: Path | None, nginx: str) -> None:
        self.port = port
        self.run_dir = run_dir
        self.nginx_binary = nginx
        self.nginx: subprocess.Popen[bytes] | None = None
        self.purge_port = _free_port()  # nginx's purge server: loopback, this supervisor only
        self.tags = TagIndex(run_dir / "tags.log")
        self.stopping = False
        self.reload_asked: signal.Signals | None = None
        extra = ["--seeds", str(seeds)] if seeds is not None else []
        base_url = os.environ.get("DISTANCE_BASE_URL") or f"http://127.0.0.1:{port}"
        self.replicas = []
        for index in range(1, replicas + 1):
            port_i = _free_port()
            command = [str(DISTANCE), "serve", "--host", "127.0.0.1", "--port", str(port_i), *extra]
            replica_log, access = run_dir / f"replica-{index}.log", run_dir / f"replica-{index}.access.log"
            self.replicas.append(Replica(index, port_i, command, replica_log, access, base_url))

    # Signals only set flags; the loops below act on them between steps.
    def _on_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _on_reload(self, signum: int, frame: FrameType | None) -> None:
        self.reload_asked = signal.Signals(signum)

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_reload)
        signal.signal(signal.SIGUSR2, self._on_reload)

    def _await(
        self, url: str, process: subprocess.Popen[bytes], what: str, logfile: Path, *, mark: str | None = None
    ) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        while not _answers(url, mark=mark):
            if self.stopping:
                raise _Interrupted
            if process.poll() is not None:
                raise ClusterError(f"{what} exited with {process.returncode} before answering:\n{_tail(logfile)}")
            if time.monotonic() > deadline:
                raise ClusterError(f"{what} did not answer {url} within {_START_TIMEOUT:.0f} s; see {logfile}")
            time.sleep(0.1)

    def start(self) -> None:
        """Replicas (loading in parallel), then nginx in front of them once all answer."""
        if not port_is_free(self.port):
            raise ClusterError(f"port {self.port} is in use on 127.0.0.1; choose another: `PORT=8081 make cluster`")
        shutil.rmtree(self.run_dir / "cache", ignore_errors=True)  # never serve a previous run's answers
        for old_log in self.run_dir.glob("*.log"):  # each run starts its logs afresh
            old_log.unlink()
        for replica in self.replicas:
            replica.start()
        for replica in self.replicas:
            assert replica.process is not None
            self._await(replica.url + "/v1/meta", replica.process, f"replica {replica.index}", replica.log)
        write_config(
            self.run_dir, port=self.port, upstreams=[r.port for r in self.replicas], purge_port=self.purge_port
        )
        nginx_log = self.run_dir / "nginx.log"
        self.nginx = spawn(nginx_command(self.nginx_binary, self.run_dir), nginx_log, nginx_log)
        # Only nginx's answer carries X-Cache-Status: whatever else took the port first (nginx
        # then exits, unable to bind) is never taken for the proxy.
        self._await(self.url + "/v1/meta", self.nginx, "nginx", self.run_dir / "error.log", mark="X-Cache-Status")
        self._write_state()
        log.info(
            "serving %s: nginx proxy_cache in front of %s; logs, cache and cluster.json in %s. "
            "Ctrl-C stops everything; `kill -HUP %d` reloads the content replica by replica.",
            self.url, ", ".join(r.url for r in self.replicas), self.run_dir, os.getpid(),
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _write_state(self) -> None:
        """cluster.json: what runs where, for operators and tests (rewritten on a restart)."""
        state = {
            "url": self.url,
            "supervisor": os.getpid(),
            "nginx": self.nginx.pid if self.nginx else None,
            "replicas": [
                {"url": r.url, "pid": r.process.pid if r.process else None, "log": str(r.log)} for r in self.replicas
            ],
        }
        path = self.run_dir / "cluster.json"
        path.with_suffix(".tmp").write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
        path.with_suffix(".tmp").replace(path)

    def supervise(self) -> None:
        """Until asked to stop: act on SIGHUP, restart replicas that died, fail if nginx did."""
        assert self.nginx is not None
        while not self.stopping:
            if self.reload_asked is not None:
                signo, self.reload_asked = self.reload_asked, None
                self._rolling_reload(signo)
            if self.nginx.poll() is not None:
                raise ClusterError(f"nginx exited with {self.nginx.returncode}:\n{_tail(self.run_dir / 'error.log')}")
            for replica in self.replicas:
                self._tend(replica)
            time.sleep(0.2)

    def _tend(self, replica: Replica) -> None:
        if replica.running() or replica.process is None:
            return
        now = time.monotonic()
        if replica.restart_at is None:
            lived = now - replica.started
            replica.early_deaths = replica.early_deaths + 1 if lived < _YOUNG else 1
            delay = min(30.0, 2.0 ** (replica.early_deaths - 1))
            log.warning(
                "replica %d (pid %d) exited with %s after %.1f s; starting it again on port %d in %.0f s",
                replica.index, replica.process.pid, replica.process.returncode, lived, replica.port, delay,
            )  # fmt: skip
            replica.restart_at = now + delay
        elif now >= replica.restart_at:
            replica.start()
            self._write_state()

    def _rolling_reload(self, signo: signal.Signals = signal.SIGHUP) -> None:
        """The reload `signo` asks for to each replica in turn; the next only once this one logged
        the outcome (and, for a change, once its workers serve it), none after one that refused;
        then nginx's entries whose tags the change made stale are purged."""
        signo = _REPLICA_RELOAD.get(signo, signo)
        stale: set[str] = set()
        for replica in self.replicas:
            if not replica.running():
                continue
            assert replica.process is not None
            watch = ChangeWatch(replica.url)
            try:
                watch.opened.wait(5)
                outcome = self._reload_one(replica, signo)
                if outcome is None:
                    return
                if " now serving" in outcome:
                    change = watch.next_change(_SWAP_TIMEOUT)
                    if change is None:
                        log.warning("replica %d said no content.changed within %.0f s", replica.index, _SWAP_TIMEOUT)
                    else:
                        stale |= set(change.get("tags", ()))
            finally:
                watch.close()
        if stale:
            started = time.monotonic()
            removed = purge(self.purge_port, self.tags.take(stale))
            log.info(
                "purged %d stored answer(s) tagged %s in %.0f ms",
                removed, " ".join(sorted(stale)[:8]) + (" …" if len(stale) > 8 else ""),
                (time.monotonic() - started) * 1000,
            )  # fmt: skip

    def _reload_one(self, replica: Replica, signo: signal.Signals) -> str | None:
        """Reload one replica and wait for its outcome: the logged line, "" if none came, None if refused."""
        assert replica.process is not None
        mark = replica.log.stat().st_size
        replica.process.send_signal(signo)
        deadline = time.monotonic() + _RELOAD_TIMEOUT
        while not self.stopping:
            with replica.log.open("rb") as stream:
                stream.seek(mark)
                lines = stream.read().decode("utf-8", errors="replace").splitlines()
            done = [line for line in lines if RELOAD_LOGGED in line]
            if done:
                outcome = done[0][done[0].index(RELOAD_LOGGED) :]
                log.info("replica %d: %s", replica.index, outcome)
                if " refused" in outcome:
                    log.error("reload stopped at replica %d: each replica keeps its content", replica.index)
                    return None
                return outcome
            if not replica.running() or time.monotonic() > deadline:
                log.warning("replica %d did not log its reload; going on with the next", replica.index)
                return ""
                time.sleep(0.1)
        return ""

    def stop(self) -> None:
        """nginx first (it finishes the requests it holds), then every replica; nothing left."""
        if self.nginx is not None:
            _stop(self.nginx, signal.SIGQUIT, 15)  # SIGQUIT: nginx's graceful shutdown
        for replica in self.replicas:
            if replica.running():
                assert replica.process is not None
                replica.process.send_signal(signal.SIGTERM)
        for replica in self.replicas:
            if replica.process is not None:
                _stop(replica.process, signal.SIGTERM, 40)  # DISTANCE_SHUTDOWN_TIMEOUT is 30 s
        with contextlib.suppress(FileNotFoundError):
            (self.run_dir / "cluster.json").unlink()


def _stop(process: subprocess.Popen[bytes], sig: signal.Signals, grace: float) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the cluster until Ctrl-C or SIGTERM; 1 (with the reason) if it cannot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--replicas", type=int, default=2, help="`distance serve` processes (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="the proxy's port on 127.0.0.1 (default 8080)")
    parser.add_argument("--run-dir", type=Path, default=ROOT / "build" / "cluster", help="default build/cluster")
    parser.add_argument("--seeds", type=Path, default=None, help="content folder (default: the embedded seeds)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="cluster: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per event stream opened
    if not 1 <= args.replicas <= 64:
        parser.error("--replicas must be between 1 and 64")
    run_dir: Path = args.run_dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    with (run_dir / "cluster.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.error("another cluster runs from %s; stop it first (its cluster.json names it)", run_dir)
            return 1
        try:
            supervisor = Supervisor(
                replicas=args.replicas, port=args.port, run_dir=run_dir, seeds=args.seeds, nginx=find_nginx()
            )
        except NginxError as exc:
            log.error("%s", exc)
            return 1
        supervisor.install_signal_handlers()
        try:
            supervisor.start()
            supervisor.supervise()
        except _Interrupted:
            pass
        except ClusterError as exc:
            log.error("%s", exc)
            return 1
        finally:
            supervisor.stop()
        log.info("stopped: nginx and %d replicas", len(supervisor.replicas))
    return 0


if __name__ == "__main__":
    sys.exit(main())
