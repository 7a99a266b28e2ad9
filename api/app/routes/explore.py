"""Exploring: how two ideas connect (paths), ranked search and autocomplete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.app import urls
from api.app.deps import GraphDep
from api.app.params import PathQuery, SearchQuery, SuggestQuery, query
from api.app.responses import json_response, list_response
from api.contract.examples import EXAMPLES
from api.contract.openapi import declare
from api.contract.schemas import PathsOut, SearchOut, SuggestOut
from api.contract.shapes import paths_body, search_hit, suggestion
from graph import queries

__all__ = ["router"]

router = APIRouter(prefix=urls.API, tags=["explore"])


@router.get("/paths", operation_id="findPaths", responses=declare(PathsOut, 404, 410, example=EXAMPLES["paths"]))
async def find_paths(request: Request, kg: GraphDep, p: Annotated[PathQuery, query(PathQuery)]) -> Response:
    """Shortest paths between two nodes, each hop with its edge's evidence."""
    result = queries.paths(kg, **p.model_dump())
    return json_response(request, paths_body(kg, result, urls.request_url(request)))


@router.get("/search", operation_id="search", responses=declare(SearchOut, example=EXAMPLES["search"]))
async def search(request: Request, kg: GraphDep, p: Annotated[SearchQuery, query(SearchQuery)]) -> Response:
    """Ranked search (BM25, stemmed, typo-tolerant) with marked snippets, explained scores and facets."""
    return list_response(request, queries.search(kg, **p.model_dump()), search_hit)


@router.get("/suggest", operation_id="suggest", responses=declare(SuggestOut, example=EXAMPLES["suggest"]))
async def suggest(request: Request, kg: GraphDep, p: Annotated[SuggestQuery, query(SuggestQuery)]) -> Response:
    """Autocomplete for a search box: up to 10 nodes (id, label, type), prefix- and typo-tolerant."""
    return json_response(request, {"items": [suggestion(n) for n in queries.autocomplete(kg, p.q)]})
