"""Input checks every query runs before any work: ranges are refused, never clamped."""

from __future__ import annotations

from graph.errors import InvalidParameter

__all__ = ["require_range"]


def require_range(parameter: str, value: int, low: int, high: int) -> None:
    """Refuse `value` outside [low, high] with an InvalidParameter naming `parameter`."""
    if not low <= value <= high:
        raise InvalidParameter(parameter, f"must be between {low} and {high}", value)
