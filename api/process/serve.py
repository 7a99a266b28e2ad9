"""How `distance serve` runs: uvicorn on httptools and uvloop, one process or a supervisor.

One worker: uvicorn serves the app in this process; SIGHUP reloads the content in place
(`api.process.reload`), SIGTERM drains.

`--workers N`: this process becomes a supervisor that never serves. It binds the socket,
holds the last good graph, writes it to a snapshot (`api.process.graphfile`) and forks N workers,
each serving the already-built app on the shared socket. Then:

- SIGHUP (or, with `--watch`, a change under the seeds) loads and validates the seeds
  here. Valid new content is written to the snapshot and each worker is sent SIGHUP: it
  swaps the snapshot's graph in, in place, like the single process does, so no connection
  is closed and no request fails. Invalid content is logged as `file:line` and no worker
  is touched: all keep serving the old content.
- The seeds are loaded in a child process (`graph.intake`): content that crashes a parser
  is refused like invalid content, and this process lives on. New content that removes most
  of the nodes served is refused too, unless the reload came by SIGUSR2 (the operator's word).
- A worker that dies (kill -9, a crash) is replaced by a fork of this process, which holds
  the last good graph: the replacement serves at once, whatever is on disk now.
- SIGTERM (or SIGINT) is passed to every worker, which drains its requests in flight (up
  to `shutdown_timeout`), and then this process exits.

Forked workers share the built app and graph copy-on-write: starting one takes
milliseconds, and nothing is imported or validated again.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import logging.config
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Final

import uvicorn
import uvloop
from fastapi import FastAPI
from starlette.types import ASGIApp
from uvicorn.config import LOGGING_CONFIG

from api.app import create_app
from api.edge.httpproto import FdWatch, Limits, connection_cap, protocol_class
from api.edge.ratelimit import BucketTable
from api.process.graphfile import write_snapshot
from api.settings import Settings
from graph.build import KnowledgeGraph
from graph.errors import ContentError
from graph.intake import load_apart, removal

__all__ = ["bind_socket", "log_config", "serve", "serve_app", "uvicorn_config"]

log = logging.getLogger("distance.serve")
_SUPERVISOR_SIGNALS: Final = {
    signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGCHLD, signal.SIGUSR1, signal.SIGUSR2,
}  # fmt: skip
_RESTART_PAUSE: Final = 1.0  # seconds before replacing a worker that died within a second of starting


def log_config() -> dict[str, Any]:
    """uvicorn's logging set-up, plus our `distance.*` loggers (reload, faults) on stderr."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["distance"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def uvicorn_config(app: ASGIApp, settings: Settings) -> uvicorn.Config:
    """No Server header, our JSON access log instead of uvicorn's, the hardened protocol."""
    limits = Limits(
        header_timeout=settings.header_timeout,
        send_timeout=settings.send_timeout,
        max_headers=settings.max_headers,
        max_header_bytes=settings.max_header_bytes,
        max_url_bytes=max(65_536, settings.max_url_bytes),  # the front door answers 414 below this
        max_connections=connection_cap(settings.max_connections),
    )
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=protocol_class(limits),
        loop="none",  # uvloop.run below
        ws="none",
        lifespan="on",
        server_header=False,
        proxy_headers=False,  # the peer is the client; behind a proxy, settings.client_header says who is
        access_log=False,
        log_config=log_config(),
        log_level="info",
        timeout_keep_alive=settings.keepalive_timeout,  # type: ignore[arg-type]
        timeout_graceful_shutdown=settings.shutdown_timeout,  # type: ignore[arg-type]
        backlog=2048,
    )


def serve_app(app: FastAPI, settings: Settings, sockets: list[socket.socket] | None = None) -> None:
    """Serve `app` in this process until SIGTERM or SIGINT (uvicorn's handlers drain)."""
    server = uvicorn.Server(uvicorn_config(app, settings))

    async def main() -> None:
        fds = FdWatch()
        fds.start()
        try:
            await server.serve(sockets=sockets)
        finally:
            fds.stop()

    uvloop.run(main())
    if not server.started:
        raise SystemExit(3)  # the lifespan or the bind failed; uvicorn logged why


def serve(settings: Settings, graph: KnowledgeGraph) -> None:
    """`distance serve`: the app on already validated content, in one process or N workers."""
    if settings.workers == 1:
        serve_app(create_app(settings, graph), settings)
        return
    logging.config.dictConfig(log_config())
    _Supervisor(settings, graph).run()


class _Supervisor:
    """Forks the workers, replaces any that die, and validates every reload for them."""

    def __init__(self, settings: Settings, graph: KnowledgeGraph) -> None:
        self.settings = settings
        self.workers: dict[int, float] = {}  # pid -> when it started
        self.stopping = False
        self._dir = Path(tempfile.mkdtemp(prefix="distance-serve-"))
        self.snapshot = self._dir / "graph.pickle"
        # One table of rate-limit buckets for every worker: the limit is per client, not per worker.
        rate_table = self._dir / "rate-limit"
        BucketTable.create(rate_table)
        self.settings = settings.model_copy(update={"rate_table": rate_table})
        self._adopt(graph)

    def _adopt(self, graph: KnowledgeGraph) -> None:
        """Make `graph` the last good content: what a replacement worker starts on.

        The app is built anew around it (a few ms: routes are analysed, the rest is lazy),
        since the lifespan serves the graph the app was made with.
        """
        self.graph = graph
        self.app: FastAPI = create_app(self.settings, graph)
        self.app.state.snapshot = self.snapshot

    def run(self) -> None:
        sock = bind_socket(self.settings)
        signal.pthread_sigmask(signal.SIG_BLOCK, _SUPERVISOR_SIGNALS)
        try:
            write_snapshot(self.graph, self.snapshot)
            for _ in range(self.settings.workers):
                self._fork(sock)
            log.info("supervisor %d: %d workers on content %s", os.getpid(), len(self.workers), self._version())
            if self.settings.watch:
                threading.Thread(target=self._watch, daemon=True).start()
            self._loop(sock)
        finally:
            sock.close()
            shutil.rmtree(self._dir, ignore_errors=True)

    def _loop(self, sock: socket.socket) -> None:
        while self.workers or not self.stopping:
            info = signal.sigtimedwait(_SUPERVISOR_SIGNALS, 1.0)
            self._reap(sock)
            if info is None:
                continue
            if info.si_signo in (signal.SIGTERM, signal.SIGINT) and not self.stopping:
                self._stop(info.si_signo)
            elif info.si_signo == signal.SIGUSR2 and not self.stopping:
                self._reload("SIGUSR2, removal confirmed", confirmed=True)
            elif info.si_signo in (signal.SIGHUP, signal.SIGUSR1) and not self.stopping:
                self._reload("SIGHUP" if info.si_signo == signal.SIGHUP else "files changed")

    def _fork(self, sock: socket.socket) -> None:
        pid = os.fork()
        if pid:
            self.workers[pid] = time.monotonic()
            return
        code = 0
        try:  # the worker: default signal handling, then serve until told to stop
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _SUPERVISOR_SIGNALS)
            serve_app(self.app, self.settings, sockets=[sock])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            log.exception("worker %d failed", os.getpid())
            code = 1
        finally:
            logging.shutdown()
            os._exit(code)

    def _reap(self, sock: socket.socket) -> None:
        while self.workers:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.workers.clear()
                return
            if pid == 0:
                return
            started = self.workers.pop(pid, None)
            if started is None or self.stopping:
                continue
            code = os.waitstatus_to_exitcode(status)
            how = f"signal {-code}" if code < 0 else f"code {code}"
            log.error("worker %d exited (%s); starting a replacement on content %s", pid, how, self._version())
            if time.monotonic() - started < 1.0:
                time.sleep(_RESTART_PAUSE)  # a worker that dies at once would otherwise spin
            self._fork(sock)

    def _reload(self, trigger: str, *, confirmed: bool = False) -> None:
        try:  # in a child process: content that crashes a parser cannot end the supervisor
            new = load_apart(self.settings.seeds_dir)
        except ContentError as exc:
            for problem in exc.problems:
                log.error("%s", problem)
            log.error(
                "reload (%s) refused: %d content problem(s); every worker still serves content %s",
                trigger, len(exc.problems), self._version(),
            )  # fmt: skip
            return
        except Exception as exc:  # noqa: BLE001 - a fault in one load never stops the service or its watching
            log.error(
                "reload (%s) refused: %s: %s; every worker still serves content %s",
                trigger, type(exc).__name__, exc, self._version(),
            )  # fmt: skip
            return
        if new.serves_same(self.graph):
            log.info("reload (%s): content %s unchanged", trigger, self._version())
            return
        removed = None if confirmed else removal(self.graph, new)
        if removed is not None:
            log.error(
                "reload (%s) refused: %s; every worker still serves content %s (send SIGUSR2 to reload anyway)",
                trigger, removed, self._version(),
            )  # fmt: skip
            return
        write_snapshot(new, self.snapshot)
        old = self._version()
        self._adopt(new)
        for pid in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGHUP)
        log.info(
            "reload (%s): workers now serve content %s (was %s), %d release(s) recorded",
            trigger, self._version(), old, len(new.releases),
        )  # fmt: skip

    def _stop(self, signo: int) -> None:
        self.stopping = True
        for pid in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.settings.shutdown_timeout + 5
        while self.workers and time.monotonic() < deadline:
            signal.sigtimedwait({signal.SIGCHLD}, 0.2)
            self._reap_quietly()
        for pid in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        log.info("supervisor %d: stopped on %s", os.getpid(), signal.Signals(signo).name)

    def _reap_quietly(self) -> None:
        for pid in list(self.workers):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    del self.workers[pid]

    def _watch(self) -> None:
        """Turn each burst of changes under the seeds into a reload (SIGUSR1 to this process)."""
        from watchfiles import watch

        while not self.stopping:
            try:
                for _changes in watch(self.settings.seeds_dir, debounce=300, step=50):
                    os.kill(os.getpid(), signal.SIGUSR1)
            except Exception as exc:  # noqa: BLE001 - e.g. the seeds folder moved away: watch it again
                log.error(
                    "watching %s failed: %s: %s; watching again", self.settings.seeds_dir, type(exc).__name__, exc
                )
                time.sleep(_RESTART_PAUSE)

    def _version(self) -> str:
        return self.graph.content_version[:16]


def bind_socket(settings: Settings) -> socket.socket:
    """The listening socket the workers share, labelled TCP so accepted connections get TCP_NODELAY.

    (A socket made with protocol 0 reads back as 0, and asyncio only turns Nagle's algorithm
    off when it sees IPPROTO_TCP: every keep-alive answer then waited ~40 ms for a delayed ACK.)
    """
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock
