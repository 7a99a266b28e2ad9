"""`distance serve`'s app and server (`api.process.serve.serve`), with one injected delay, for the shutdown test.

Run as `python -m tests.slow_server SEEDS PORT`. A request carrying `X-Slow: <seconds>`
waits that long inside FastAPI's dependency resolution (an override of `get_graph`, the
dependency every route uses) and prints a line to stdout once it is in flight, so a test
can send SIGTERM while the request is being served.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from fastapi import FastAPI, Request

from api.app import create_app
from api.app.deps import get_graph
from api.process.serve import serve
from api.settings import Settings
from graph.build import KnowledgeGraph, load_graph

__all__ = ["IN_FLIGHT", "main", "slow_app"]

IN_FLIGHT = "slow request in flight"


def main(seeds: Path, port: int) -> None:
    """Serve the seeds on `port` exactly as `distance serve` does, plus the delay."""
    # No response cache: a repeated GET would be answered before the delayed dependency runs.
    settings = Settings(seeds_dir=seeds, port=port, cache_entries=0)
    serve(settings, load_graph(seeds), slow_app)


def slow_app(settings: Settings, graph: KnowledgeGraph) -> FastAPI:
    """The app `distance serve` builds, with `get_graph` delayed by `X-Slow` seconds."""
    app = create_app(settings, graph)

    async def slow_graph(request: Request) -> KnowledgeGraph:
        delay = float(request.headers.get("x-slow", "0"))
        if delay:
            sys.stdout.write(IN_FLIGHT + "\n")
            sys.stdout.flush()
            await asyncio.sleep(delay)
        graph: KnowledgeGraph = request.app.state.graph
        return graph

    app.dependency_overrides[get_graph] = slow_graph
    return app


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
