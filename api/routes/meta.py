"""What is served: `/v1` (an index of links), `/v1/meta` and `/v1/schema`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import GraphDep
from api.examples import EXAMPLES
from api.http import json_response
from api.openapi import declare
from api.schemas import IndexOut, MetaOut, SchemaOut
from graph.build import KnowledgeGraph
from graph.registry import EDGE_KINDS
from graph.types import NODE_TYPES

__all__ = ["API_VERSION", "INDEX_LINKS", "meta", "router", "schema"]

API_VERSION = "1"
router = APIRouter(prefix="/v1", tags=["meta"])

INDEX_LINKS = {
    "self": "/v1",
    "meta": "/v1/meta",
    "schema": "/v1/schema",
    "nodes": "/v1/nodes",
    "concepts": "/v1/concepts",
    "reasons": "/v1/reasons",
    "signs": "/v1/signs",
    "responses": "/v1/responses",
    "questions": "/v1/questions",
    "statistics": "/v1/statistics",
    "sources": "/v1/sources",
    "edges": "/v1/edges",
    "paths": "/v1/paths{?from,to,max_hops,kind,limit}",
    "search": "/v1/search{?q,type,limit,offset}",
    "graph": "/v1/graph{?format}",
    "docs": "/docs",
    "openapi": "/openapi.json",
}


def meta(kg: KnowledgeGraph) -> dict[str, Any]:
    """The body of /v1/meta."""
    return {
        "api_version": API_VERSION,
        "content_version": kg.content_version,
        "counts": {
            "nodes": len(kg.nodes),
            "edges": len(kg.edges),
            "node_types": dict(kg.node_counts),
            "edge_kinds": {kind: kg.edge_counts.get(kind, 0) for kind in EDGE_KINDS},
        },
        "links": {"self": "/v1/meta", "schema": "/v1/schema", "docs": "/docs", "openapi": "/openapi.json"},
    }


def schema(kg: KnowledgeGraph) -> dict[str, Any]:
    """The body of /v1/schema: node types and the edge-kind registry, with counts."""
    return {
        "node_types": [
            {"type": t, "count": kg.node_counts[t], "links": {"nodes": f"/v1/nodes?type={t}"}} for t in NODE_TYPES
        ],
        "edge_kinds": [
            {
                "kind": spec.kind,
                "label": spec.label,
                "inverse_label": spec.inverse_label,
                "description": spec.description,
                "from_types": list(spec.from_types),
                "to_types": list(spec.to_types),
                "symmetric": spec.symmetric,
                "same_type": spec.same_type,
                "derived": spec.derived,
                "count": kg.edge_counts.get(spec.kind, 0),
            }
            for spec in EDGE_KINDS.values()
        ],
        "links": {"self": "/v1/schema", "meta": "/v1/meta"},
    }


@router.get("/meta", operation_id="getMeta", responses=declare(MetaOut))
async def get_meta(request: Request, kg: GraphDep) -> Response:
    """API version, content version and counts of what is served."""
    return json_response(request, kg, meta(kg))


@router.get("/schema", operation_id="getSchema", responses=declare(SchemaOut, example=EXAMPLES["schema"]))
async def get_schema(request: Request, kg: GraphDep) -> Response:
    """Node types and the edge-kind registry: labels, allowed endpoint types, symmetry."""
    return json_response(request, kg, schema(kg))


@router.get("", operation_id="getIndex", responses=declare(IndexOut, example=EXAMPLES["index"]))
async def get_index(request: Request, kg: GraphDep) -> Response:
    """Where to start: links to every collection and tool."""
    return json_response(request, kg, {"api_version": API_VERSION, "links": INDEX_LINKS})
