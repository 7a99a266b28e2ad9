"""Shared type aliases for the domain, so ids and kinds read as what they are."""

from __future__ import annotations

from typing import Literal

__all__ = ["EdgeId", "EdgeKind", "NodeId", "NodeType", "NODE_TYPES", "SourceId"]

NodeId = str
EdgeId = str
SourceId = str

NodeType = Literal["concept", "reason", "sign", "response", "question", "statistic", "source"]
EdgeKind = Literal[
    "involves",
    "indicates",
    "addresses",
    "backfires",
    "leads_to",
    "is_a",
    "answers",
    "measures",
    "contradicts",
    "related_to",
    "mentioned_in",
]

# Order matters: it is the order of /v1/schema and of `distance check` counts.
NODE_TYPES: tuple[NodeType, ...] = (
    "concept",
    "reason",
    "sign",
    "response",
    "question",
    "statistic",
    "source",
)
