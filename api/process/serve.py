"""How `distance serve` runs: granian, through its public settings, serving the app in worker processes.

This process validates the content before anything listens (bad content: every `file:line`
and a non-zero exit), then hands granian the app factory and becomes granian's main process:
it binds the socket and forks `settings.workers` workers (one by default), each of which
builds the app around the graph this process holds and serves it. Granian gives:

- the header-read timeout (`header_timeout`: a connection that starts a request and does not
  finish its headers in time, or sits idle after an answer that long, is closed);
- its own 400, 414 and 431 for requests it cannot parse or whose head passes its buffer
  (empty bodies; nginx in front makes them problems, see deploy/nginx.conf);
- the bound on open connections per worker (`max_connections`, granian's backpressure: past it
  new connections wait in the kernel's backlog);
- worker respawn (a worker that dies, kill -9 included, is forked again from this process,
  so it starts at once on the last good content whatever is on disk now);
- graceful shutdown on SIGTERM or SIGINT (workers finish requests in flight, then stop,
  killed after `shutdown_timeout`).

Reloading the content is `api.process.reload`: `distance reload PID` (SIGUSR1 to this
process; `--confirm`, SIGUSR2, accepts content that removes most nodes) or `--watch` reloads
in place, with no connection closed; SIGHUP is granian's
graceful worker restart, and reloads the content first (its `on_reload` hook), so the new
workers start on it.

Workers are forked (multiprocessing's "fork" start method, set here): they share the built
graph with this process copy-on-write, so starting one takes milliseconds and nothing is
imported or validated again.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import resource
import signal
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from granian import Granian
from granian.constants import HTTPModes, Interfaces, Loops
from granian.http import HTTP1Settings
from starlette.types import ASGIApp

from api.edge.ratelimit import BucketTable
from api.process.reload import Content
from api.process.webhooks import send_events, webhook_deliveries
from api.settings import Settings
from graph.build import KnowledgeGraph

if TYPE_CHECKING:
    from granian.server import MPServer, MTServer

__all__ = ["AppFactory", "connection_cap", "log_config", "serve"]

log = logging.getLogger("distance.serve")

AppFactory = Callable[[Settings, KnowledgeGraph], ASGIApp]
# Granian's HTTP/1 buffer holds a request's head (request line and header fields); a head
# past it is granian's 431. Granian refuses a buffer under 8 KiB.
_MIN_HEAD_BUFFER: Final = 8192
_RESERVED_FDS: Final = 64  # descriptors a worker keeps for files, logs and the like
_PR_SET_PDEATHSIG: Final = 1


def log_config() -> dict[str, Any]:
    """Granian's and Distance's log lines on stderr (stdout is the access log's alone)."""
    stderr = {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "[%(levelname)s] %(name)s: %(message)s"}},
        "handlers": {"stderr": stderr},
        "loggers": {
            "_granian": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
            "distance": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
    }


def connection_cap(max_connections: int) -> int:
    """Open connections per worker: `max_connections`, or with 0 the descriptor limit less a reserve."""
    if max_connections:
        return max_connections
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(1, soft - _RESERVED_FDS)


def granian_server(settings: Settings) -> MPServer | MTServer:
    """Granian configured from `settings`; every limit it enforces is one of its public settings."""
    return Granian(
        "api.app:create_app",  # a name for logs and process titles; `serve` hands granian the app itself
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=settings.workers,
        loop=Loops.uvloop,
        http=HTTPModes.http1,
        websockets=False,
        backlog=2048,
        backpressure=connection_cap(settings.max_connections),
        http1_settings=HTTP1Settings(
            header_read_timeout=round(settings.header_timeout * 1000),
            keep_alive=True,
            max_buffer_size=max(_MIN_HEAD_BUFFER, settings.max_url_bytes + settings.max_header_bytes),
        ),
        log_dictconfig=log_config(),
        log_access=False,  # the app writes its own JSON access log (api.edge.accesslog)
        respawn_failed_workers=True,
        respawn_interval=1.0,  # between a new worker and stopping its old one on SIGHUP
        workers_kill_timeout=round(settings.shutdown_timeout),
    )


def _stop_with(main_pid: int) -> None:
    """Have the kernel send this worker SIGTERM (a graceful stop) when the main process dies,
    even by kill -9: no worker outlives its server, holding the port with nobody to reload it."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != main_pid:  # it died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _prebuilt_answers(app: ASGIApp, graph: KnowledgeGraph) -> object:
    """The prebuilt answers of a Distance app on `graph`; None for another app (a test's)."""
    from fastapi import FastAPI

    from api.app.factory import prebuilt_answers

    return prebuilt_answers(app, graph) if isinstance(app, FastAPI) else None


def _prune_sparql_stores(root: Path, old: KnowledgeGraph, new: KnowledgeGraph) -> None:
    """After a reload, the SPARQL stores of versions other than the new one and the one before."""
    from api.process.sparql import prune_stores  # pyoxigraph: not imported before the port opens

    prune_stores(root, [new.content_version, old.content_version])


def serve(settings: Settings, graph: KnowledgeGraph, app_factory: AppFactory | None = None) -> None:
    """`distance serve`: `graph` (already validated) served by granian until SIGTERM or SIGINT."""
    if app_factory is None:
        from api.app import create_app

        app_factory = create_app
    make_app = app_factory
    multiprocessing.set_start_method("fork", force=True)  # workers share the built graph copy-on-write
    # A reload's prebuilt answers are made in the child process that loads the content, on an
    # app of the same kind as the workers' (quiet: the access log is the workers'), so that no
    # serving loop stops to make them (`api.process.reload`).
    quiet = settings.model_copy(update={"access_log": False})
    content = Content(settings, graph, prebuild=lambda new: _prebuilt_answers(make_app(quiet, new), new))
    if settings.workers > 1 and settings.rate_limit > 0:
        # One table of rate-limit buckets for every worker: the limit is per client, not per worker.
        rate_table = content.directory / "rate-limit"
        BucketTable.create(rate_table)
        settings = settings.model_copy(update={"rate_table": rate_table})
    if settings.sparql_dir is None:
        # One SPARQL store per content version for all the workers, pruned here after a reload.
        sparql_dir = content.directory / "sparql"
        settings = settings.model_copy(update={"sparql_dir": sparql_dir})
        content.listeners.append(partial(_prune_sparql_stores, sparql_dir))
    server = granian_server(settings)
    server.on_reload(lambda: content.reload("SIGHUP"))
    server.on_shutdown(content.close)
    # Webhooks leave from this process, once per content change (the workers stream events).
    deliveries = webhook_deliveries(settings)
    if deliveries is not None:
        content.listeners.append(partial(send_events, deliveries))
        server.on_shutdown(deliveries.close)

    main_pid = os.getpid()

    def worker_app() -> ASGIApp:
        """Run in each worker, after the fork: the app around the last good graph."""
        _stop_with(main_pid)
        app = make_app(settings, content.graph)
        content.follow(app)
        return app

    content.start()
    # Workers fork from here: what exists now (the graph above all) is frozen out of the collector
    # first, so that no collection in a worker writes to every object's header and copies the
    # pages the two processes would otherwise share (the `gc.freeze` documentation's advice).
    gc.freeze()
    signal.signal(signal.SIGUSR1, lambda *_: content.request("SIGUSR1"))
    signal.signal(signal.SIGUSR2, lambda *_: content.request("SIGUSR2, removal confirmed", confirmed=True))
    log.info("serving content %s on %s:%d, process %d", graph.content_version[:16], settings.host, settings.port,
             os.getpid())  # fmt: skip
    server.serve(target_loader=worker_app, wrap_loader=False)
