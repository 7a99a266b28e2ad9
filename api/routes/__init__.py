"""One router per resource; `ROUTERS` is the order they are mounted and documented in."""

from api.routes import meta, nodes

__all__ = ["ROUTERS"]

ROUTERS = (meta.router, nodes.router)
