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
from graph.build import KnowledgeGraph
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
    """The whole graph, or a part of it, for Gephi, Cytoscape, NetworkX, pandas or an RDF store.

    `type` keeps nodes of those types and the edges between them; `kind` keeps edges of those
    kinds and only the nodes they join; `derived=false` leaves out the `mentioned_in` edges.
    A part carries the whole content's `content_version`. The Cytoscape export carries a
    stylesheet (`style`), a `layout` and each node's `short_label`, so
    `cytoscape({container, ...body})` draws it as it is.

    The body's media type follows `format`, or `Accept` without it (Turtle for `text/turtle`,
    N-Triples for `application/n-triples`, JSON-LD for `application/ld+json`). Every format is
    UTF-8 text, and text comes first in this contract, so a client generated with one body type
    per operation reads the body as text.
    """
    fmt = FORMATS[p.format or _FORMAT_OF[negotiate(request, _OFFERS)]]
    iris = request.app.state.iris
    if p.types or p.kinds or not p.derived:  # a part: made per request, kept by the response cache
        body = export(kg, fmt.name, iris, types=p.types, kinds=p.kinds, derived=p.derived)
    else:
        body = kg.derived(export, fmt.name, iris)  # a graph's export never changes: made once
    disposition = f'inline; filename="distance-{fmt.name}.{fmt.extension}"'  # a download gets a fitting name
    return bytes_response(body, fmt.media_type, headers={"Content-Disposition": disposition})


def per_item(kg: KnowledgeGraph) -> list[str]:
    """The whole graph in every format, as `/v1/graph?format=…` serves it: made once per graph,
    so that many clients asking for an export share one body (sent in chunks, api.edge.answer)."""
    return [urls.api(f"/graph?format={name}") for name in FORMATS]
