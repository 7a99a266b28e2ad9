"""`/problems/{slug}`: the `type` of every problem answers what it means (api/app/errors.py's table)."""

from __future__ import annotations

import difflib
from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from api.app import urls
from api.app.errors import EXPLANATIONS, problem_type
from api.app.params import NoQuery, query
from api.app.responses import json_response
from api.contract.examples import EXAMPLES
from api.contract.openapi import declare
from api.contract.schemas import ProblemTypeOut
from graph.errors import NotFound, did_you_mean

__all__ = ["router"]

# Outside /v1 and out of the contract, like /docs: a problem's `type` is a page to read.
router = APIRouter(prefix=urls.PROBLEMS, tags=["meta"], include_in_schema=False)


@router.get(
    "/{slug}", operation_id="getProblemType", responses=declare(ProblemTypeOut, 404, example=EXAMPLES["problem_type"])
)
async def get_problem_type(
    request: Request,
    slug: Annotated[str, Path(description="A problem type's slug, as in a problem's `type`.", max_length=64)],
    _: Annotated[NoQuery, query(NoQuery)],
) -> Response:
    """What a problem type means and what to do about it."""
    body = problem_type(slug)
    if body is None:
        error = NotFound(f"no problem type {slug!r}{did_you_mean(difflib.get_close_matches(slug, EXPLANATIONS))}")
        error.suggestions = tuple(difflib.get_close_matches(slug, EXPLANATIONS))
        raise error
    return json_response(request, body)
