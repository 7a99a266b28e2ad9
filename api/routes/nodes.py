"""Nodes: `/v1/nodes/{node_id}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from api.deps import GraphDep
from api.http import json_response
from api.openapi import declare
from api.schemas import NodeOut
from api.wire import node_out
from graph import queries

__all__ = ["NodeId", "router"]

router = APIRouter(prefix="/v1", tags=["nodes"])

NodeId = Annotated[
    str,
    Path(description="A node's stable slug", examples=["oxytocin"], max_length=200),
]


@router.get("/nodes/{node_id}", operation_id="getNode", responses=declare(NodeOut, 404))
async def get_node(request: Request, kg: GraphDep, node_id: NodeId) -> Response:
    """One node with its summary, aliases, type-specific fields and located evidence."""
    return json_response(request, kg, node_out(queries.get_node(kg, node_id)))
