"""What is served: `/v1` (an index of links), `/v1/meta` and `/v1/schema`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.app import urls
from api.app.deps import GraphDep
from api.app.params import LinkedQuery, NoQuery, query
from api.app.responses import JSON, LINKED_DATA, json_response, linked_data_response, linked_media
from api.contract.examples import EXAMPLES
from api.contract.openapi import declare
from api.contract.schemas import IndexOut, MetaOut, SchemaOut
from graph.build import KnowledgeGraph
from graph.rdf import vocabulary_jsonld
from graph.registry import EDGE_KINDS
from graph.types import NODE_TYPES

__all__ = ["API_VERSION", "INDEX_LINKS", "INDEX_TEMPLATES", "meta", "prebuilt", "router", "schema"]

API_VERSION = "1"
router = APIRouter(prefix=urls.API, tags=["meta"])

_COLLECTIONS = (
    "nodes", "concepts", "reasons", "signs", "responses", "questions", "statistics", "sources", "edges",
)  # fmt: skip
_NODES = urls.api("/nodes")
# The index: one entry per route family. A route a client can GET as it is has a link; a
# route that takes an id or needs parameters has an RFC 6570 template instead, kept apart
# (`templates`) so that nothing in `links` has to be expanded before it is followed.
INDEX_LINKS = {
    "self": urls.api(),
    "meta": urls.api("/meta"),
    "schema": urls.api("/schema"),
    **{name: urls.api(f"/{name}") for name in _COLLECTIONS},
    "disagreements": urls.api("/disagreements"),
    "releases": urls.releases(),
    "docs": urls.DOCS,
    "openapi": urls.OPENAPI,
}
INDEX_TEMPLATES = {
    "node": urls.id_template(urls.node),
    "nodes_batch": urls.template(_NODES, ["ids"]),
    "neighbors": urls.id_template(urls.neighbors),
    "edge": urls.id_template(urls.edge),
    "source_text": urls.template(urls.id_template(urls.source_text), ["start", "end"]),
    "card": urls.id_template(urls.card),
    "guide": urls.template(urls.api("/guide"), ["signs"]),
    "answer": urls.template(urls.api("/answer"), ["q"]),
    "paths": urls.template(urls.api("/paths"), ["from", "to", "max_hops", "kind", "limit"]),
    "search": urls.template(urls.api("/search"), ["q", "type", "limit", "offset"]),
    "suggest": urls.template(urls.api("/suggest"), ["q"]),
    "graph": urls.template(urls.api("/graph"), ["format"]),
    "changes": urls.template(urls.api("/changes"), ["since", "limit", "offset"]),
}


def prebuilt(kg: KnowledgeGraph) -> tuple[str, ...]:
    """The answers made before a graph serves: what every client asks first."""
    return (urls.api(), urls.api("/meta"), urls.api("/schema"))


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
        "links": {"self": urls.api("/meta"), "schema": urls.api("/schema"), "docs": urls.DOCS, "openapi": urls.OPENAPI},
    }


def schema(kg: KnowledgeGraph) -> dict[str, Any]:
    """The body of /v1/schema: node types and the edge-kind registry, with counts."""
    return {
        "node_types": [
            {
                "type": t,
                "count": kg.node_counts[t],
                "links": {"nodes": urls.with_query(urls.api("/nodes"), [("type", t)])},
            }
            for t in NODE_TYPES
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
        "links": {"self": urls.api("/schema"), "meta": urls.api("/meta")},
    }


@router.get("/meta", operation_id="getMeta", responses=declare(MetaOut, example=EXAMPLES["meta"]))
async def get_meta(request: Request, kg: GraphDep, _: Annotated[NoQuery, query(NoQuery)]) -> Response:
    """API version, content version and counts of what is served."""
    return json_response(request, meta(kg))


@router.get(
    "/schema",
    operation_id="getSchema",
    responses=declare(SchemaOut, example=EXAMPLES["schema"], alternatives=LINKED_DATA[1:]),
)
async def get_schema(request: Request, kg: GraphDep, p: Annotated[LinkedQuery, query(LinkedQuery)]) -> Response:
    """Node types and the edge-kind registry: labels, allowed endpoint types, symmetry.

    As linked data (`Accept` or `format`), the vocabulary whose IRIs are `/v1/schema#{term}`:
    a class per node type, a property per edge kind, node attribute and edge field (RDFS).
    """
    media = linked_media(request, p.format)
    if media != JSON:
        return linked_data_response(request, media, kg.derived(vocabulary_jsonld, request.app.state.iris))
    return json_response(request, schema(kg), negotiated=True)


@router.get("", operation_id="getIndex", responses=declare(IndexOut, example=EXAMPLES["index"]))
async def get_index(request: Request, kg: GraphDep, _: Annotated[NoQuery, query(NoQuery)]) -> Response:
    """Where to start: links to every collection, and URI templates for the routes that take an id or parameters."""
    return json_response(request, {"api_version": API_VERSION, "links": INDEX_LINKS, "templates": INDEX_TEMPLATES})
