"""What the edge pipeline costs per request around a bare ASGI app: a miss with the cache off.

Run: `.venv/bin/python -m bench.frontdoor`

Calls the apps directly (no server, no sockets) so the figure is the pipeline's own cost:
request id, the bounds, the variant, header tagging, sending and, in the last row, one JSON
access-log line to /dev/null. Best of three runs of 50,000 requests each.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from api.edge.accesslog import JsonLines
from api.edge.cache import AnswerCache
from api.edge.frontdoor import Bounds, FrontDoor
from api.edge.pipeline import Pipeline

N = 50_000
SCOPE: dict[str, Any] = {
    "type": "http",
    "method": "GET",
    "path": "/v1/meta",
    "raw_path": b"/v1/meta",
    "query_string": b"",
    "headers": [(b"host", b"127.0.0.1"), (b"accept", b"*/*")],
    "client": ("127.0.0.1", 50000),
    "app": SimpleNamespace(state=SimpleNamespace(graph=None)),  # what Starlette puts in the scope
}


async def bare(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b"{}"})


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def discard(message: Any) -> None:
    return None


async def per_request_us(app: Any) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(N):
            await app(dict(SCOPE), receive, discard)
        best = min(best, (time.perf_counter() - started) / N * 1e6)
    return best


def pipeline(access_log: JsonLines | None) -> Pipeline:
    """The edge pipeline around `bare`, the cache off: every request a miss through every step."""
    return Pipeline(
        bare,
        door=FrontDoor(access_log=access_log),
        bounds=Bounds(max_url_bytes=8000, max_concurrency=256),
        cache=AnswerCache(max_entries=0, max_bytes=0),
        gzip_min_bytes=1024,
        lifetime=b"public, max-age=300",
    )


async def main() -> None:
    with Path("/dev/null").open("wb") as devnull:
        rows = {
            "bare ASGI app": bare,
            "behind the pipeline, no access log": pipeline(None),
            "behind the pipeline, access log": pipeline(JsonLines(devnull)),
        }
        base = None
        for name, app in rows.items():
            us = await per_request_us(app)
            base = base or us
            print(f"{name:34} {us:6.2f} µs/request  (+{us - base:.2f} µs over bare)")


if __name__ == "__main__":
    asyncio.run(main())
