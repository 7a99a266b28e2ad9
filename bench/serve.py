"""Start one benchmark server: Distance or the bare baseline, on uvicorn or granian.

Run: `.venv/bin/python -m bench.serve --app distance --port 8123 [--server granian]
[--workers 2] [--synthetic 100000]`. Both apps go through the same launcher with the same
server settings (`distance serve`'s uvicorn options), so a ratio compares apps, not set-ups.
Workers are separate processes, so each builds its app from the environment this sets.
"""

from __future__ import annotations

import argparse
import gc
import os
from typing import Any

import orjson
from starlette.types import Receive, Scope, Send

from api.settings import Settings

__all__ = ["BASELINE_BODY", "baseline_app", "main", "make_app"]

# A constant ~1 KB JSON body: the shape of a small node, without any work behind it.
BASELINE_BODY = orjson.dumps(
    {
        "id": "baseline",
        "type": "concept",
        "label": "A constant body",
        "summary": "x" * 800,
        "links": {"self": "/baseline"},
    }
)
_BASELINE_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BASELINE_BODY)).encode())]


async def baseline_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The bare ASGI baseline: the same ~1 KB JSON for every HTTP request."""
    if scope["type"] != "http":  # lifespan: accept startup and shutdown
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": _BASELINE_HEADERS})
    await send({"type": "http.response.body", "body": BASELINE_BODY})


def make_app() -> Any:
    """The app named by BENCH_APP (`distance` or `baseline`); a factory, so each worker builds its own."""
    if os.environ.get("BENCH_APP") == "baseline":
        return baseline_app
    from api.app import create_app

    nodes = int(os.environ.get("BENCH_SYNTHETIC_NODES", "0"))
    if nodes:
        from bench.synthetic import synthetic_graph

        kg = synthetic_graph(nodes=nodes, edges=int(os.environ["BENCH_SYNTHETIC_EDGES"]))
        gc.freeze()  # a big, immortal graph: keep the collector from walking it again
        return create_app(Settings(), kg)
    return create_app(Settings())


def main() -> None:
    """Parse arguments, set the environment the factory reads, and serve until stopped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", choices=["distance", "baseline"], required=True)
    parser.add_argument("--server", choices=["uvicorn", "granian"], default="uvicorn")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--synthetic", type=int, default=0, help="Serve a synthetic graph of this many nodes.")
    parser.add_argument("--edges", type=int, default=0, help="Edges of the synthetic graph (default 10 per node).")
    args = parser.parse_args()
    os.environ["BENCH_APP"] = args.app
    if args.synthetic:
        os.environ["BENCH_SYNTHETIC_NODES"] = str(args.synthetic)
        os.environ["BENCH_SYNTHETIC_EDGES"] = str(args.edges or 10 * args.synthetic)
    target = "bench.serve:make_app"
    if args.server == "granian":
        from granian import Granian
        from granian.constants import Interfaces

        Granian(
            target,
            address="127.0.0.1",
            port=args.port,
            interface=Interfaces.ASGI,
            workers=args.workers,
            factory=True,
            log_level="warning",  # type: ignore[arg-type]
        ).serve()
        return
    import uvicorn

    from api.cli import run_workers, uvicorn_options

    # Exactly how `distance serve` runs uvicorn (its JSON access log included), for both apps.
    options = uvicorn_options(Settings(port=args.port))
    if args.workers > 1:
        run_workers(target, args.workers, options)
    else:
        uvicorn.run(target, factory=True, **options)


if __name__ == "__main__":
    main()
