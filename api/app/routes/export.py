"""The whole graph in one response, in several formats, each carrying content_version."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.app import urls
from api.app.deps import GraphDep
from api.app.params import ExportQuery, query
from api.app.responses import bytes_response, negotiate
from api.contract.examples import EXAMPLES
from api.contract.openapi import declare
from api.contract.schemas import GraphExportOut
from graph.exports import FORMATS, export

__all__ = ["router"]

# Text first: a client generated with one body type per response reads every format as text.
_MEDIA_TYPES = sorted(
    {f.media_type for f in FORMATS.values()} - {"application/json"}, key=lambda m: (not m.startswith("text/"), m)
)

# Each media type stands for the first format of that type (JSON: node-link), so a client
# can ask for the graph by `Accept` alone; `?format=` names any format, and then wins.
_FORMAT_OF: dict[str, str] = {}
for _f in FORMATS.values():
    _FORMAT_OF.setdefault(_f.media_type.split(";")[0], _f.name)
_OFFERS = tuple(_FORMAT_OF)

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
    """The full graph for Gephi, Cytoscape, NetworkX, pandas or an RDF store; the body is cached per version.

    The body's media type follows `format`, or `Accept` without it (Turtle for `text/turtle`,
    N-Triples for `application/n-triples`, JSON-LD for `application/ld+json`). Every format is
    UTF-8 text, and text comes first in this contract, so a client generated with one body type
    per operation reads the body as text.
    """
    fmt = FORMATS[p.format or _FORMAT_OF[negotiate(request, _OFFERS)]]
    body = kg.derived(export, fmt.name, request.app.state.iris)  # a graph's export never changes: made once
    disposition = f'inline; filename="distance-{fmt.name}.{fmt.extension}"'  # a download gets a fitting name
    return bytes_response(request, kg, body, fmt.media_type, headers={"Content-Disposition": disposition})
