"""One router per resource; `ROUTERS` is the order they are mounted and documented in.

`PREBUILT` lists, per graph, the paths whose answers are made before the graph serves, so
their first request is a cache hit (`api.representation.Representation.warm`). A route that
wants the same adds a function here that lists its paths.
"""

from collections.abc import Callable, Iterable

from api.routes import edges, explore, export, frontends, meta, nodes
from graph.build import KnowledgeGraph

__all__ = ["PREBUILT", "ROUTERS"]

ROUTERS = (meta.router, nodes.router, edges.router, explore.router, frontends.router, export.router)
PREBUILT: tuple[Callable[[KnowledgeGraph], Iterable[str]], ...] = (meta.prebuilt,)
