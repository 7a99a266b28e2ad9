"""Start Distance for a benchmark: exactly as `distance serve` runs it, or on stock uvicorn to compare.

Run: `.venv/bin/python -m bench.serve --port 8123 [--server uvicorn] [--workers 2]
[--synthetic 100000]`. With the default server this is `api.process.serve.serve`, the code behind
`distance serve` (granian, its worker processes, the content reloads). `--server uvicorn` runs
the same app on stock uvicorn[standard] (httptools + uvloop) instead: the measured alternative,
not what ships. The bare reference apps run elsewhere (`bench.reference`).
"""

from __future__ import annotations

import argparse
import gc
import os
from typing import Any

from api.settings import Settings
from graph.build import KnowledgeGraph, load_graph

__all__ = ["main", "make_app"]


def _graph() -> KnowledgeGraph:
    """The graph to serve: the synthetic one BENCH_SYNTHETIC_NODES asks for, or the seeds."""
    nodes = int(os.environ.get("BENCH_SYNTHETIC_NODES", "0"))
    if not nodes:
        return load_graph(Settings().seeds_dir)
    from bench.synthetic import synthetic_graph

    kg = synthetic_graph(nodes=nodes, edges=int(os.environ["BENCH_SYNTHETIC_EDGES"]))
    gc.freeze()  # a big, immortal graph: keep the collector from walking it again
    return kg


def make_app() -> Any:
    """Distance's app on `_graph()`: a factory, so each uvicorn worker builds its own."""
    from api.app import create_app

    return create_app(Settings(), _graph())


def main() -> None:
    """Parse arguments, set the environment the factory reads, and serve until stopped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=["distance", "uvicorn"], default="distance")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--synthetic", type=int, default=0, help="Serve a synthetic graph of this many nodes.")
    parser.add_argument("--edges", type=int, default=0, help="Edges of the synthetic graph (default 10 per node).")
    args = parser.parse_args()
    if args.synthetic:
        os.environ["BENCH_SYNTHETIC_NODES"] = str(args.synthetic)
        os.environ["BENCH_SYNTHETIC_EDGES"] = str(args.edges or 10 * args.synthetic)
    if args.server == "uvicorn":
        import uvicorn

        uvicorn.run(
            "bench.serve:make_app",
            host="127.0.0.1",
            port=args.port,
            workers=args.workers,
            factory=True,
            http="httptools",
            loop="uvloop",
            ws="none",
            access_log=False,
            server_header=False,
            log_level="warning",
        )
        return
    from api.process.serve import serve

    settings = Settings(port=args.port, workers=args.workers)
    serve(settings, _graph())


if __name__ == "__main__":
    main()
