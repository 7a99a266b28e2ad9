"""The whole graph in one response, in several formats, each carrying content_version."""

from __future__ import annotations

import weakref
from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from api import urls
from api.deps import GraphDep
from api.examples import EXAMPLES
from api.http import bytes_response
from api.openapi import declare
from api.params import ExportQuery, query
from api.schemas import GraphExportOut
from graph.build import KnowledgeGraph
from graph.exports import MEDIA_TYPES, export

__all__ = ["router"]

router = APIRouter(prefix=urls.API, tags=["export"])

# A graph's exports never change, so each is serialized once per graph and format.
_BODIES: weakref.WeakKeyDictionary[KnowledgeGraph, dict[str, bytes]] = weakref.WeakKeyDictionary()


def _body(kg: KnowledgeGraph, fmt: str) -> bytes:
    bodies = _BODIES.setdefault(kg, {})
    if fmt not in bodies:
        bodies[fmt] = export(kg, fmt)
    return bodies[fmt]


@router.get(
    "/graph",
    operation_id="exportGraph",
    responses=declare(
        GraphExportOut,
        example=EXAMPLES["graph"],
        extra_media_types=sorted(set(MEDIA_TYPES.values()) - {"application/json"}),
    ),
)
async def export_graph(request: Request, kg: GraphDep, p: Annotated[ExportQuery, query(ExportQuery)]) -> Response:
    """The full graph for Gephi, Cytoscape, NetworkX or a JSON-LD store; the body is cached per version."""
    return bytes_response(request, kg, _body(kg, p.format), MEDIA_TYPES[p.format])
