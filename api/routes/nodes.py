"""Nodes: the collection, typed shortcuts, one node, and its neighbourhood."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api import urls
from api.deps import GraphDep
from api.examples import EXAMPLES
from api.http import json_response, list_response
from api.openapi import declare
from api.params import (
    Depth,
    DirectionParam,
    Fields,
    Include,
    Kinds,
    Limit,
    NeighborLimit,
    NodeIdPath,
    Offset,
    Sort,
    SourceFilter,
    Substring,
    Types,
    parse_csv,
)
from api.schemas import NeighborhoodOut, NodeListOut, NodeOut
from api.shapes import neighborhood_body, node_body, node_item
from graph import queries
from graph.build import KnowledgeGraph
from graph.types import NodeType

__all__ = ["router"]

router = APIRouter(prefix=urls.API, tags=["nodes"])


def _node_page(request: Request, kg: KnowledgeGraph, **filters: Any) -> Response:
    """The one body of every node list route: query, wrap in the envelope, add `Link`."""
    return list_response(request, kg, queries.list_nodes(kg, **filters), node_item)


@router.get("/nodes", operation_id="listNodes", responses=declare(NodeListOut, example=EXAMPLES["nodes"]))
async def list_nodes(
    request: Request,
    kg: GraphDep,
    type: Types = None,
    source: SourceFilter = None,
    q: Substring = None,
    sort: Sort = "id",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    """Nodes of any type, filtered by type, article and substring; paginated."""
    return _node_page(request, kg, types=type or (), source=source, q=q, sort=sort, limit=limit, offset=offset)


def _typed_list(node_type: NodeType) -> Callable[..., Awaitable[Response]]:
    """A list route fixed to one node type (the typed shortcuts share one body)."""

    async def handler(
        request: Request,
        kg: GraphDep,
        source: SourceFilter = None,
        q: Substring = None,
        sort: Sort = "id",
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Response:
        return _node_page(request, kg, types=[node_type], source=source, q=q, sort=sort, limit=limit, offset=offset)

    return handler


_SHORTCUTS: tuple[tuple[NodeType, str, str], ...] = (
    ("concept", "concepts", "Ideas, hormones, attachment styles, patterns, therapies, researchers, studies."),
    ("reason", "reasons", "Answers to “why does he pull away?”."),
    ("sign", "signs", "Observable signs, with the article's grouping."),
    ("question", "questions", "FAQ questions a reader asks; see what answers them via neighbours."),
    ("statistic", "statistics", "Numbers with units: durations, percentages, study figures."),
    ("source", "sources", "The five source articles."),
)
for _type, _path, _doc in _SHORTCUTS:
    router.add_api_route(
        f"/{_path}",
        _typed_list(_type),
        methods=["GET"],
        operation_id=f"list{_path.capitalize()}",
        summary=f"List {_path}",
        description=_doc,
        responses=declare(NodeListOut, example=EXAMPLES["nodes"]),
    )


@router.get("/responses", operation_id="listResponses", responses=declare(NodeListOut, example=EXAMPLES["nodes"]))
async def list_responses(
    request: Request,
    kg: GraphDep,
    polarity: Annotated[Literal["do", "dont"] | None, Query(description="`do` or `dont`.")] = None,
    source: SourceFilter = None,
    q: Substring = None,
    sort: Sort = "id",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    """What a reader can do, and the don'ts, filtered by `polarity`."""
    filters = {"source": source, "q": q, "sort": sort, "limit": limit, "offset": offset}
    return _node_page(request, kg, types=["response"], polarity=polarity, **filters)


@router.get("/nodes/{node_id}", operation_id="getNode", responses=declare(NodeOut, 404))
async def get_node(
    request: Request, kg: GraphDep, node_id: NodeIdPath, include: Include = None, fields: Fields = None
) -> Response:
    """One node: summary, aliases, type-specific fields, evidence; `include` embeds edges or neighbours."""
    node = queries.get_node(kg, node_id)
    return json_response(request, kg, node_body(kg, node, parse_csv(include), parse_csv(fields)))


@router.get(
    "/nodes/{node_id}/neighbors",
    operation_id="getNodeNeighbors",
    responses=declare(NeighborhoodOut, 404, example=EXAMPLES["neighbors"]),
)
async def get_neighbors(
    request: Request,
    kg: GraphDep,
    node_id: NodeIdPath,
    depth: Depth = 1,
    kind: Kinds = None,
    direction: DirectionParam = "both",
    type: Types = None,
    limit: NeighborLimit = 100,
) -> Response:
    """Nodes within `depth` hops, by edge kind, direction and node type; capped, with `truncated`."""
    hood = queries.neighbors(
        kg, node_id, depth=depth, kinds=kind or (), direction=direction, types=type or (), limit=limit
    )
    return json_response(request, kg, neighborhood_body(hood, urls.request_url(request)))
