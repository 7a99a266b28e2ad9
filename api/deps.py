"""Dependencies declared once and reused by every router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from graph.build import KnowledgeGraph
from graph.errors import InvalidParameter

__all__ = ["GraphDep", "get_graph", "reject_unknown_parameters"]


def get_graph(request: Request) -> KnowledgeGraph:
    """The graph this request was pinned to when it entered (`api.representation`): a reload
    swapping `app.state.graph` mid-request cannot give it half of each."""
    graph: KnowledgeGraph = request.state.graph
    return graph


GraphDep = Annotated[KnowledgeGraph, Depends(get_graph)]


def reject_unknown_parameters(request: Request) -> None:
    """A query parameter the route does not declare is a 422, never silently ignored."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = {p.alias for p in dependant.query_params}
    for dep in dependant.dependencies:
        known.update(p.alias for p in dep.query_params)
    for name in request.query_params:
        if name not in known:
            allowed = ", ".join(sorted(known)) or "none"
            raise InvalidParameter(
                name, f"is not a parameter of this route (allowed: {allowed})", request.query_params[name]
            )
