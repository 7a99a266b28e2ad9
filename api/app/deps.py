"""Dependencies declared once and reused by every router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from graph.build import KnowledgeGraph

__all__ = ["GraphDep", "get_graph"]


async def get_graph(request: Request) -> KnowledgeGraph:
    """The graph this request was pinned to when it entered (`api.edge.pipeline`): a reload
    swapping `app.state.graph` mid-request cannot give it half of each.
    `async`, so FastAPI calls it inline rather than in its thread pool."""
    graph: KnowledgeGraph = request.state.graph
    return graph


GraphDep = Annotated[KnowledgeGraph, Depends(get_graph)]
