"""Nodes: the collection, typed shortcuts, one node, and its neighbourhood."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from api.app import urls
from api.app.deps import GraphDep
from api.app.params import (
    NeighborQuery,
    NodeIdPath,
    NodeListQuery,
    NodeQuery,
    ResponseListQuery,
    SourceIdPath,
    SourceTextQuery,
    TypedListQuery,
    query,
)
from api.app.responses import (
    JSON,
    LINKED_DATA,
    bytes_response,
    json_response,
    linked_data_response,
    linked_media,
    list_response,
)
from api.contract.examples import EXAMPLES
from api.contract.openapi import declare
from api.contract.schemas import NeighborhoodOut, NodeListOut, NodeOut
from api.contract.shapes import neighborhood_body, node_body, node_item, node_out
from graph import queries
from graph.build import KnowledgeGraph
from graph.models import Node
from graph.passages import passage
from graph.rdf import node_jsonld
from graph.types import NodeType

__all__ = ["node_json", "per_item", "prebuilt", "router"]

router = APIRouter(prefix=urls.API, tags=["nodes"])


def _node_page(request: Request, kg: KnowledgeGraph, include: Sequence[str] = (), **filters: Any) -> Response:
    """The one body of every node list route: query, wrap in the envelope (items with their quotes when
    `include` says `evidence`), add `Link`."""
    convert = (lambda node: node_out(kg, node)) if "evidence" in include else node_item
    return list_response(request, queries.list_nodes(kg, **filters), convert)


@router.get("/nodes", operation_id="listNodes", responses=declare(NodeListOut, 404, 410, example=EXAMPLES["nodes"]))
async def list_nodes(request: Request, kg: GraphDep, p: Annotated[NodeListQuery, query(NodeListQuery)]) -> Response:
    """Nodes of any type, filtered by type, article and substring; paginated; or a batch by `ids`, in order."""
    return _node_page(request, kg, **p.model_dump())


def _typed_list(node_type: NodeType) -> Callable[..., Awaitable[Response]]:
    """A list route fixed to one node type (the typed shortcuts share one body)."""

    async def handler(request: Request, kg: GraphDep, p: Annotated[TypedListQuery, query(TypedListQuery)]) -> Response:
        return _node_page(request, kg, types=[node_type], **p.model_dump())

    return handler


def prebuilt(kg: KnowledgeGraph) -> tuple[str, ...]:
    """The first page of every node list, as a client asks for it (no parameters)."""
    return (urls.api("/nodes"), *(urls.api(f"/{path}") for _, path, _ in _SHORTCUTS), urls.api("/responses"))


def per_item(kg: KnowledgeGraph) -> list[str]:
    """Every node, sources included, as `/v1/nodes/{id}` serves it."""
    return [urls.api(f"/nodes/{node_id}") for node_id in kg.nodes]


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
    request: Request, kg: GraphDep, p: Annotated[ResponseListQuery, query(ResponseListQuery)]
) -> Response:
    """The actions the articles recommend or warn against, filtered by `advice`.

    `polarity` is deprecated (its meaning was how a label is worded): a request that uses it is
    answered as before, with a `Deprecation` header (RFC 9745) dated when it was deprecated.
    """
    filters = p.model_dump()  # not `p.polarity`: reading a deprecated field warns
    response = _node_page(request, kg, types=["response"], **filters)
    if filters["polarity"] is not None:
        response.headers["Deprecation"] = POLARITY_DEPRECATED
    return response


# When `polarity` gave way to `advice` (2026-12-07T00:00:00Z), as an RFC 9745 date.
POLARITY_DEPRECATED = "@1796601600"


@router.get(
    "/nodes/{node_id}",
    operation_id="getNode",
    responses=declare(NodeOut, 404, 410, example=EXAMPLES["node"], alternatives=LINKED_DATA[1:]),
)
async def get_node(
    request: Request, kg: GraphDep, node_id: NodeIdPath, p: Annotated[NodeQuery, query(NodeQuery)]
) -> Response:
    """One node: summary, aliases, type-specific fields, evidence; `include` embeds edges or neighbours.

    With `Accept: application/ld+json`, `text/turtle` or `application/n-triples` the node is
    linked data instead: its SKOS description, its outgoing links and each quote as a Web
    Annotation (`include` and `fields` shape the JSON only); `format` names one in a link.
    Its `@id` is this URL.
    """
    media = linked_media(request, p.format)
    node = queries.get_node(kg, node_id)
    if media != JSON:
        return linked_data_response(request, media, node_jsonld(kg, node.id, request.app.state.iris))
    return bytes_response(node_json(kg, node, p.include, p.fields), JSON)


def node_json(
    kg: KnowledgeGraph,
    node: Node,
    include: Sequence[str] | None = None,
    fields: Sequence[str] | None = None,
) -> bytes:
    """The JSON body `getNode` answers (the linked data is the route's); `api.edge.shortcut` answers a
    plain request with it too."""
    return orjson.dumps(node_body(kg, node, include, fields))


@router.get(
    "/nodes/{node_id}/neighbors",
    operation_id="getNodeNeighbors",
    responses=declare(NeighborhoodOut, 404, 410, example=EXAMPLES["neighbors"]),
)
async def get_neighbors(
    request: Request, kg: GraphDep, node_id: NodeIdPath, p: Annotated[NeighborQuery, query(NeighborQuery)]
) -> Response:
    """Nodes within `depth` hops, by edge kind, direction and node type; capped, with `truncated`."""
    hood = queries.neighbors(kg, node_id, **p.model_dump())
    return json_response(request, neighborhood_body(kg, hood, urls.request_url(request)))


_TEXT_RESPONSES = declare(NodeOut, 404)
_TEXT_RESPONSES[200] = {
    "description": "The article body, or its slice `[start:end]`, as plain UTF-8 text.",
    "content": {"text/plain": {"schema": {"type": "string"}, "example": "Why do men pull away after intimacy?"}},
}


@router.get(
    "/sources/{source_id}/text",
    operation_id="getSourceText",
    response_class=PlainTextResponse,
    responses=_TEXT_RESPONSES,
)
async def get_source_text(
    request: Request, kg: GraphDep, source_id: SourceIdPath, p: Annotated[SourceTextQuery, query(SourceTextQuery)]
) -> Response:
    """An article's body as plain text (never what follows it: comments, bylines); `start`/`end` slice it."""
    text = passage(kg, source_id, p.start, p.end)
    link = f'<{urls.node(source_id)}>; rel="describedby"'
    return bytes_response(text.encode(), "text/plain; charset=utf-8", headers={"Link": link})
