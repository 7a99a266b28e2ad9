"""The "I notice these signs" guide: reasons ranked by how strongly the given signs point to them.

Scoring is deliberately plain so a reader can check it by hand (`SCORING` says it in words):
a reason scores one point per given sign with an `indicates` edge to it; ties are broken by
the number of quotes on those edges, then by reason id. Each ranked reason carries the
edges that earned its points (with their quotes), the responses whose `addresses` edges
point at it, and the don'ts whose `backfires` edges do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from graph.build import KnowledgeGraph
from graph.errors import InvalidParameter
from graph.models import Edge, Node
from graph.queries.lookup import suggest

__all__ = ["MAX_SIGNS", "SCORING", "GuideResult", "RankedReason", "guide"]

MAX_SIGNS = 10
SCORING = (
    "score = the number of the given signs with an `indicates` edge to the reason; "
    "ties go to more quotes on those edges, then to the reason id (alphabetical)."
)


@dataclass(frozen=True)
class RankedReason:
    """One reason, its score, the `indicates` edges behind it, and what helps or backfires."""

    reason: Node
    score: int
    quotes: int
    because: list[Edge]
    addressed_by: list[tuple[Node, Edge]]
    backfired_by: list[tuple[Node, Edge]]


@dataclass(frozen=True)
class GuideResult:
    """The signs as understood (deduplicated, in the order given) and the ranked reasons."""

    signs: list[Node]
    reasons: list[RankedReason]


def _require_signs(kg: KnowledgeGraph, sign_ids: Sequence[str]) -> list[Node]:
    wanted = list(dict.fromkeys(sign_ids))
    if not 1 <= len(wanted) <= MAX_SIGNS:
        raise InvalidParameter("signs", f"must name 1 to {MAX_SIGNS} signs", ",".join(sign_ids))
    signs = []
    for sign_id in wanted:
        node = kg.nodes.get(sign_id)
        if node is None or node.type != "sign":
            close = suggest(sign_id, kg.by_type["sign"])
            raise InvalidParameter("signs", f"{sign_id!r} is not a sign id", sign_id, suggestions=close)
        signs.append(node)
    return signs


def _responses(kg: KnowledgeGraph, reason_id: str, kind: str) -> list[tuple[Node, Edge]]:
    """Responses joined to the reason by `kind` edges, in edge-id order."""
    found = []
    for eid in kg.in_edges.get(reason_id, ()):
        edge = kg.edges[eid]
        if edge.kind == kind:
            found.append((kg.nodes[edge.source], edge))
    return found


def guide(kg: KnowledgeGraph, sign_ids: Sequence[str]) -> GuideResult:
    """Reasons the given signs point to, strongest first (see `SCORING`).

    Raises
    ------
    InvalidParameter
        On `signs` when none or more than `MAX_SIGNS` are given, or one is not a sign id.

    Examples
    --------
    >>> result = guide(tiny_graph(), ["slower-replies"])
    >>> [(r.reason.id, r.score, [n.id for n, _ in r.addressed_by], [n.id for n, _ in r.backfired_by])
    ...  for r in result.reasons]
    [('needs-space', 1, ['give-him-space'], ['chase-him'])]
    >>> guide(tiny_graph(), ["slow-replies"])
    Traceback (most recent call last):
    ...
    graph.errors.InvalidParameter: signs 'slow-replies' is not a sign id; did you mean slower-replies?
    """
    signs = _require_signs(kg, sign_ids)
    because: dict[str, list[Edge]] = {}
    for sign in signs:
        for eid in kg.out_edges.get(sign.id, ()):
            edge = kg.edges[eid]
            # `indicates` also reaches concepts (the withdrawal patterns a sign belongs to);
            # only reasons are ranked here.
            if edge.kind == "indicates" and kg.nodes[edge.target].type == "reason":
                because.setdefault(edge.target, []).append(edge)
    ranked = [
        RankedReason(
            reason=kg.nodes[reason_id],
            score=len(edges),
            quotes=sum(len(e.evidence) for e in edges),
            because=edges,
            addressed_by=_responses(kg, reason_id, "addresses"),
            backfired_by=_responses(kg, reason_id, "backfires"),
        )
        for reason_id, edges in because.items()
    ]
    ranked.sort(key=lambda r: (-r.score, -r.quotes, r.reason.id))
    return GuideResult(signs, ranked)
