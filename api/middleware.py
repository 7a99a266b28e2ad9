"""OPTIONS for every route: `Allow`, and CORS preflights.

CORS is open to any origin without credentials and the same for every answer, so it adds
no variant (see `api.variant`): the front door puts its headers on every answer, and a
preflight is answered here with what is allowed; the browser enforces it.
"""

from __future__ import annotations

from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import ALLOWED_METHODS

__all__ = ["Options"]

# Request headers a page may send: the CORS-safelisted ones and the conditional one.
_ALLOWED_HEADERS: Final = ("Accept", "Accept-Encoding", "Accept-Language", "Content-Language", "Content-Type")
_PREFLIGHT: Final = [
    (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
    (b"access-control-allow-headers", ", ".join((*_ALLOWED_HEADERS, "If-None-Match")).encode()),
    (b"access-control-max-age", b"86400"),
]
_ALLOW: Final = [(b"allow", ALLOWED_METHODS.encode())]


class Options:
    """Answer OPTIONS with 204: `Allow` for a plain one, the allowed methods and headers for a
    CORS preflight (`Access-Control-Request-Method` sent). Every other method passes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await self.app(scope, receive, send)
            return
        preflight = any(name == b"access-control-request-method" for name, _ in scope["headers"])
        await send({"type": "http.response.start", "status": 204, "headers": _PREFLIGHT if preflight else _ALLOW})
        await send({"type": "http.response.body", "body": b""})
