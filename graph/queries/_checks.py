"""Input checks every query runs before any work: ranges and names, never clamped."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from graph.build import KnowledgeGraph
from graph.errors import InvalidParameter
from graph.queries.lookup import suggest

__all__ = ["require_known", "require_node_param", "require_range"]


def require_range(parameter: str, value: int, low: int, high: int) -> None:
    """Refuse `value` outside [low, high] with an InvalidParameter naming `parameter`."""
    if not low <= value <= high:
        raise InvalidParameter(parameter, f"must be between {low} and {high}", value)


def require_known(parameter: str, values: Iterable[str], known: Collection[str]) -> None:
    """Refuse any value not in `known`, suggesting the closest ones."""
    for value in values:
        if value not in known:
            close = suggest(value, known, limit=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise InvalidParameter(parameter, f"names nothing that exists: {value!r}{hint}", value)


def require_node_param(kg: KnowledgeGraph, parameter: str, node_id: str | None) -> None:
    """A node id given as a filter or endpoint must exist; otherwise a 422 naming it."""
    if node_id is not None:
        require_known(parameter, [node_id], kg.nodes)
