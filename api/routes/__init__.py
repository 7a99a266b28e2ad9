"""One router per resource; `ROUTERS` is the order they are mounted and documented in."""

from api.routes import edges, explore, export, frontends, meta, nodes

__all__ = ["ROUTERS"]

ROUTERS = (meta.router, nodes.router, edges.router, explore.router, frontends.router, export.router)
