"""The closed registry of edge kinds, as data: labels, allowed endpoint types, symmetry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from graph.types import NODE_TYPES, EdgeKind, NodeType

__all__ = ["EDGE_KINDS", "CONTENT_TYPES", "EdgeKindSpec", "allowed"]

# Every node type a curator writes; `source` nodes come from sources.yaml.
CONTENT_TYPES: Final[tuple[NodeType, ...]] = tuple(t for t in NODE_TYPES if t != "source")


@dataclass(frozen=True)
class EdgeKindSpec:
    """One edge kind: how it reads in each direction and which node types it may join.

    `same_type` means both ends must have the same type (subtypes); `derived` kinds are
    computed at build time and never written in the seeds.
    """

    kind: EdgeKind
    label: str
    inverse_label: str
    description: str
    from_types: tuple[NodeType, ...]
    to_types: tuple[NodeType, ...]
    symmetric: bool = False
    same_type: bool = False
    derived: bool = False


_CAUSAL: Final[tuple[NodeType, ...]] = ("concept", "reason", "sign")
# What a response is aimed at: a reason, a sign, or a pattern such as pulling away itself
# (the articles' advice is mostly "when he pulls away, do this"; typing that pattern as a
# reason to make the edge fit would misstate what the article says).
_AIMED: Final[tuple[NodeType, ...]] = ("reason", "sign", "concept")

EDGE_KINDS: Final[dict[EdgeKind, EdgeKindSpec]] = {
    spec.kind: spec
    for spec in (
        EdgeKindSpec(
            "involves",
            "involves",
            "involved in",
            "The reason, response or sign rests on this idea.",
            ("reason", "response", "sign"),
            ("concept",),
        ),
        EdgeKindSpec(
            "indicates",
            "indicates",
            "indicated by",
            "This sign points to that reason, or to the withdrawal pattern it belongs to.",
            ("sign",),
            ("reason", "concept"),
        ),
        EdgeKindSpec(
            "addresses",
            "addresses",
            "addressed by",
            "This response helps with the reason, sign or pattern.",
            ("response",),
            _AIMED,
        ),
        EdgeKindSpec(
            "backfires",
            "backfires on",
            "worsened by",
            "This response makes the reason, sign or pattern worse.",
            ("response",),
            _AIMED,
        ),
        EdgeKindSpec(
            "leads_to",
            "leads to",
            "results from",
            "A causal link claimed by a source (a response may lead to an outcome).",
            (*_CAUSAL, "response"),
            _CAUSAL,
        ),
        EdgeKindSpec(
            "is_a",
            "is a kind of",
            "has kind",
            "Subtype: both ends have the same type.",
            CONTENT_TYPES,
            CONTENT_TYPES,
            same_type=True,
        ),
        EdgeKindSpec(
            "answers",
            "answers",
            "answered by",
            "The node answers the FAQ question.",
            CONTENT_TYPES,
            ("question",),
        ),
        EdgeKindSpec(
            "measures",
            "measures",
            "measured by",
            "The number quantifies the concept, reason, sign or response.",
            ("statistic",),
            ("concept", "reason", "sign", "response"),
        ),
        EdgeKindSpec(
            "contradicts",
            "contradicts",
            "contradicts",
            "Two sources disagree; both sides are quoted.",
            CONTENT_TYPES,
            CONTENT_TYPES,
            symmetric=True,
        ),
        EdgeKindSpec(
            "related_to",
            "related to",
            "related to",
            "A weaker association.",
            CONTENT_TYPES,
            CONTENT_TYPES,
            symmetric=True,
        ),
        EdgeKindSpec(
            "mentioned_in",
            "mentioned in",
            "mentions",
            "The node is quoted from this article (derived from evidence).",
            CONTENT_TYPES,
            ("source",),
            derived=True,
        ),
    )
}


def allowed(kind: EdgeKind, from_type: NodeType, to_type: NodeType) -> bool:
    """Whether an edge of `kind` may join a `from_type` node to a `to_type` node.

    >>> allowed("indicates", "sign", "reason"), allowed("indicates", "reason", "sign")
    (True, False)
    >>> allowed("indicates", "sign", "concept"), allowed("addresses", "response", "concept")
    (True, True)
    >>> allowed("is_a", "concept", "reason")
    False
    """
    spec = EDGE_KINDS[kind]
    if spec.same_type and from_type != to_type:
        return False
    return from_type in spec.from_types and to_type in spec.to_types
