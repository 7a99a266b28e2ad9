"""For front ends: what they would otherwise assemble from many calls, in one request each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.app import urls
from api.app.deps import GraphDep
from api.app.params import AnswerQuery, DisagreementsQuery, GuideQuery, NodeIdPath, NoQuery, query
from api.app.responses import json_response, list_response
from api.contract.examples import EXAMPLES
from api.contract.frontend_schemas import AnswerOut, CardOut, DisagreementsOut, GuideOut
from api.contract.openapi import declare
from api.contract.shapes import answer_body, card_body, disagreement_item, guide_body
from graph import queries
from graph.build import KnowledgeGraph
from graph.queries.answer import answer

__all__ = ["per_item", "router"]

router = APIRouter(prefix=urls.API, tags=["front ends"])


def per_item(kg: KnowledgeGraph) -> list[str]:
    """Every node's card."""
    return [urls.api(f"/cards/{node_id}") for node_id in kg.nodes]


@router.get("/answer", operation_id="getAnswer", responses=declare(AnswerOut, example=EXAMPLES["answer"]))
async def get_answer(request: Request, kg: GraphDep, p: Annotated[AnswerQuery, query(AnswerQuery)]) -> Response:
    """A reader's message answered from the articles: what was understood, the line they draw, reasons,
    what to do and not to do, numbers and disagreements, every item cited; or a one-sentence decline."""
    result = answer(kg, p.q)
    return json_response(request, answer_body(kg, result, urls.request_url(request)))


@router.get("/guide", operation_id="getGuide", responses=declare(GuideOut, 404, 410, example=EXAMPLES["guide"]))
async def get_guide(request: Request, kg: GraphDep, p: Annotated[GuideQuery, query(GuideQuery)]) -> Response:
    """Reasons ranked by how strongly the given signs point to them, why, and what helps or backfires."""
    result = queries.guide(kg, **p.model_dump())
    return json_response(request, guide_body(kg, result, urls.request_url(request)))


@router.get("/cards/{node_id}", operation_id="getCard", responses=declare(CardOut, 404, 410, example=EXAMPLES["card"]))
async def get_card(
    request: Request, kg: GraphDep, node_id: NodeIdPath, _: Annotated[NoQuery, query(NoQuery)]
) -> Response:
    """One node ready to render: citations with article titles, relations grouped by human label."""
    result = queries.card(kg, node_id)
    return json_response(request, card_body(kg, result, urls.request_url(request)))


@router.get(
    "/disagreements",
    operation_id="listDisagreements",
    responses=declare(DisagreementsOut, example=EXAMPLES["disagreements"]),
)
async def list_disagreements(
    request: Request, kg: GraphDep, p: Annotated[DisagreementsQuery, query(DisagreementsQuery)]
) -> Response:
    """Every pair of claims the articles disagree on, both sides quoted, and what is at stake; paginated."""
    page = queries.list_disagreements(kg, **p.model_dump())
    return list_response(request, page, lambda d: disagreement_item(kg, d))
