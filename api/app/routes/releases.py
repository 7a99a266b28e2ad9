"""Releases and changes: what was released, and what changed since a release."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.app import urls
from api.app.deps import GraphDep
from api.app.params import ChangesQuery, ReleaseListQuery, query
from api.app.responses import list_response
from api.contract.examples import EXAMPLES
from api.contract.openapi import declare
from api.contract.release_schemas import ChangeListOut, ReleaseListOut
from api.contract.shapes import change_item, release_item, served
from graph import releases
from graph.build import KnowledgeGraph

__all__ = ["prebuilt", "router"]

router = APIRouter(prefix=urls.API, tags=["releases"])


def prebuilt(kg: KnowledgeGraph) -> tuple[str, ...]:
    """The first page of the releases."""
    return (urls.releases(),)


@router.get("/releases", operation_id="listReleases", responses=declare(ReleaseListOut, example=EXAMPLES["releases"]))
async def list_releases(
    request: Request, kg: GraphDep, p: Annotated[ReleaseListQuery, query(ReleaseListQuery)]
) -> Response:
    """Recorded releases, newest first, and whether the content served is one of them; paginated."""
    page = releases.list_releases(kg, **p.model_dump())
    return list_response(request, page, partial(release_item, kg), extra={"served": served(kg)})


@router.get("/changes", operation_id="listChanges", responses=declare(ChangeListOut, 404, example=EXAMPLES["changes"]))
async def list_changes(request: Request, kg: GraphDep, p: Annotated[ChangesQuery, query(ChangesQuery)]) -> Response:
    """Nodes and edges added, removed and changed (naming the fields) since a release; paginated."""
    found = releases.changes(kg, **p.model_dump())
    extra = {"since": release_item(kg, found.since), "served": served(kg)}
    return list_response(request, found.page, change_item, extra=extra)
