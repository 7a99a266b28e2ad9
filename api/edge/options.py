"""OPTIONS for every route: `Allow`, and CORS preflights.

CORS is open to any origin without credentials and the same for every answer, so it adds
no variant (see `api.edge.variant`): the edge pipeline puts its headers on every answer, and a
preflight is answered here with what is allowed; the browser enforces it.
"""

from __future__ import annotations

from typing import Final

from starlette.types import Scope

from api.app.errors import ALLOWED_METHODS, QUERY_METHODS, QUERY_ROUTES, problem_answer
from api.edge.answer import Answer

__all__ = ["options_answer"]

# Request headers a page may send: the CORS-safelisted ones, the conditional one, and a
# caller's own request id (the README invites it).
_ALLOWED_HEADERS: Final = (
    "Accept", "Accept-Encoding", "Accept-Language", "Content-Language", "Content-Type", "If-None-Match", "X-Request-Id"
)  # fmt: skip
_ALLOWED_LOWER: Final = frozenset(h.lower().encode() for h in _ALLOWED_HEADERS)
_CORS_METHODS: Final = frozenset({b"GET", b"HEAD"})
# A query-language route also takes a query by POST, from any origin like every GET.
_QUERY_CORS_METHODS: Final = _CORS_METHODS | {b"POST"}


def _preflight(methods: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-methods", methods.encode()),
        (b"access-control-allow-headers", ", ".join(_ALLOWED_HEADERS).encode()),
        (b"access-control-max-age", b"86400"),
    ]


_PREFLIGHT: Final = _preflight(ALLOWED_METHODS)
_QUERY_PREFLIGHT: Final = _preflight(QUERY_METHODS)
_ALLOW: Final = [(b"allow", ALLOWED_METHODS.encode())]
_QUERY_ALLOW: Final = [(b"allow", QUERY_METHODS.encode())]


def options_answer(scope: Scope) -> Answer:
    """The answer to an OPTIONS request: 204 with `Allow` for a plain one, the allowed methods and
    headers for a CORS preflight (`Access-Control-Request-Method` sent). A preflight for another
    method (405) or for headers not allowed (400) is refused as a problem naming what is allowed."""
    method: bytes | None = None
    asked: list[bytes] = []
    for name, value in scope["headers"]:
        if name == b"access-control-request-method":
            method = value.strip()
        elif name == b"access-control-request-headers":
            asked.extend(h.strip().lower() for h in value.split(b",") if h.strip())
    query = scope["path"] in QUERY_ROUTES
    preflight, allow = (_QUERY_PREFLIGHT, _QUERY_ALLOW) if query else (_PREFLIGHT, _ALLOW)
    if method is not None:
        refused = _refusal(method, asked, _QUERY_CORS_METHODS if query else _CORS_METHODS)
        if refused is not None:
            status, detail = refused
            return problem_answer(status, detail, scope["path"][:256], allow if status == 405 else [])
    return Answer(204, list(preflight if method else allow), b"")


def _refusal(method: bytes, asked: list[bytes], allowed: frozenset[bytes]) -> tuple[int, str] | None:
    """Why a preflight is refused (status, sentence), or None when it is allowed."""
    if method not in allowed:
        shown = method[:32].decode("latin-1")
        names = QUERY_METHODS if allowed is _QUERY_CORS_METHODS else ALLOWED_METHODS
        return 405, f"a cross-origin {shown} is not allowed; use {names}"
    extra = [h.decode("latin-1")[:64] for h in asked if h not in _ALLOWED_LOWER]
    if extra:
        return 400, f"cross-origin requests may not send {', '.join(extra[:5])}; allowed: {', '.join(_ALLOWED_HEADERS)}"
    return None
