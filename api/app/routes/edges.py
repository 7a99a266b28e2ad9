"""Edges: the collection and one edge, each with evidence and registry labels."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.app import urls
from api.app.deps import GraphDep
from api.app.params import EdgeIdPath, EdgeListQuery, LinkedQuery, query
from api.app.responses import JSON, LINKED_DATA, json_response, linked_data_response, linked_media, list_response
from api.contract.examples import EXAMPLES
from api.contract.openapi import declare
from api.contract.schemas import EdgeListOut, EdgeOut
from api.contract.shapes import edge_out
from graph import queries
from graph.build import KnowledgeGraph
from graph.rdf import edge_jsonld

__all__ = ["per_item", "prebuilt", "router"]

router = APIRouter(prefix=urls.API, tags=["edges"])


def prebuilt(kg: KnowledgeGraph) -> tuple[str, ...]:
    """The first page of the edge list."""
    return (urls.api("/edges"),)


def per_item(kg: KnowledgeGraph) -> list[str]:
    """Every edge, derived ones included, as `/v1/edges/{id}` serves it."""
    return [urls.api(f"/edges/{edge_id}") for edge_id in kg.edges]


@router.get("/edges", operation_id="listEdges", responses=declare(EdgeListOut, example=EXAMPLES["edges"]))
async def list_edges(request: Request, kg: GraphDep, p: Annotated[EdgeListQuery, query(EdgeListQuery)]) -> Response:
    """Edges filtered by kind, ends and quoted article; paginated."""
    return list_response(request, queries.list_edges(kg, **p.model_dump()), partial(edge_out, kg))


@router.get(
    "/edges/{edge_id}",
    operation_id="getEdge",
    responses=declare(EdgeOut, 404, 410, example=EXAMPLES["edge"], alternatives=LINKED_DATA[1:]),
)
async def get_edge(
    request: Request, kg: GraphDep, edge_id: EdgeIdPath, p: Annotated[LinkedQuery, query(LinkedQuery)]
) -> Response:
    """One edge, its evidence (quote, article, offsets) and its labels in both directions.

    With `Accept: application/ld+json`, `text/turtle` or `application/n-triples` the edge is
    linked data instead: its kind, ends, basis and note, and each quote as a Web Annotation;
    `format` names one in a link.
    """
    media = linked_media(request, p.format)
    edge = queries.get_edge(kg, edge_id)
    if media != JSON:
        return linked_data_response(request, media, edge_jsonld(kg, edge.id, request.app.state.iris))
    return json_response(request, edge_out(kg, edge), negotiated=True)
