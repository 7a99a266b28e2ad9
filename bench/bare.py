"""The strict reference app: bare ASGI, a constant ~1 KB JSON body for every request.

Standard library only, so it runs in the reference venvs (`bench.reference`) that hold
nothing but a server. `python -c "import bare"` from this folder is all a server needs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["BODY", "app"]

# The shape of a small node, without any work behind it; or, with BENCH_BARE_BODY naming a file,
# that file's bytes (what a bigger answer costs the server alone: `bench.rows --bare-body`).
BODY = (
    Path(os.environ["BENCH_BARE_BODY"]).read_bytes()
    if os.environ.get("BENCH_BARE_BODY")
    else json.dumps(
        {"id": "baseline", "type": "concept", "label": "A constant body", "summary": "x" * 800, "links": {"self": "/"}},
        separators=(",", ":"),
    ).encode()
)
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer every HTTP request with BODY; accept the lifespan's startup and shutdown."""
    if scope["type"] != "http":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": BODY})
