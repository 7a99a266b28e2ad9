"""Pure-ASGI middleware: HEAD and OPTIONS for every route."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ALLOWED_METHODS

__all__ = ["MethodGate"]


class MethodGate:
    """Serve HEAD as GET without a body, and answer plain OPTIONS with `Allow`.

    FastAPI's `@router.get` does not answer HEAD; doing it here gives every route HEAD with
    the same headers (ETag, Content-Length) as its GET. CORS preflights (OPTIONS with
    `Access-Control-Request-Method`) are answered by CORSMiddleware before they get here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await send(
                {"type": "http.response.start", "status": 204, "headers": [(b"allow", ALLOWED_METHODS.encode())]}
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
