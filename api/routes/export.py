"""The whole graph in one response, in several formats, each carrying content_version."""

from __future__ import annotations

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
from graph.exports import FORMATS, export

__all__ = ["router"]

# Text first: a client generated with one body type per response reads every format as text.
_MEDIA_TYPES = sorted(
    {f.media_type for f in FORMATS.values()} - {"application/json"}, key=lambda m: (not m.startswith("text/"), m)
)

router = APIRouter(prefix=urls.API, tags=["export"])


@router.get(
    "/graph",
    operation_id="exportGraph",
    responses=declare(
        GraphExportOut,
        example=EXAMPLES["graph"],
        extra_media_types=_MEDIA_TYPES,
    ),
)
async def export_graph(request: Request, kg: GraphDep, p: Annotated[ExportQuery, query(ExportQuery)]) -> Response:
    """The full graph for Gephi, Cytoscape, NetworkX or a JSON-LD store; the body is cached per version.

    The body's media type follows `format`. Every format is UTF-8 text, and text comes first in
    this contract, so a client generated with one body type per operation reads the body as text.
    """
    body = kg.derived(export, p.format)  # a graph's export never changes: made once per graph
    fmt = FORMATS[p.format]
    disposition = f'inline; filename="distance-{fmt.name}.{fmt.extension}"'  # a download gets a fitting name
    return bytes_response(request, kg, body, fmt.media_type, headers={"Content-Disposition": disposition})
