"""The mechanism every route's query model shares: unknown and repeated parameters refused, plain digits.

A route's model (in `api.app.params`) subclasses `QueryModel`, and the route reads it with
`query(Model)`. FastAPI parses and documents the fields; what it would let through silently
is refused here, each refusal a 422 naming the parameter (the error table is `api.app.errors`'s).
"""

from __future__ import annotations

import inspect
import re
from collections import Counter
from typing import Annotated, Any, Final, TypeVar, get_origin

from fastapi import Depends, Query, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from graph.errors import InvalidParameter

__all__ = ["ID_PATTERN", "LIST_HINT", "MAX_ID", "Digits", "QueryModel", "query", "split_commas"]

Q = TypeVar("Q", bound="QueryModel")

ID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
MAX_ID: Final = 200  # characters in an id, a bound well above any real slug
_DIGITS: Final = re.compile(r"-?[0-9]{1,20}")


def _digits(value: object) -> object:
    """A number as the query string gives it: plain decimal digits, an optional minus, nothing else."""
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise PydanticCustomError("digits", "must be a whole number written in plain digits")
    return value


def split_commas(value: object) -> object:
    """Every value of a repeated parameter, each split on commas: `a&b,c` is `[a, b, c]`."""
    if isinstance(value, list):
        return [part for item in value for part in (item.split(",") if isinstance(item, str) else [item])]
    return value


# Put last in an Annotated int, after its bounds, so the bounds stay in the contract's schema.
Digits: Final = BeforeValidator(_digits)
# Every list parameter says it, so a reader of /docs knows both forms work.
LIST_HINT: Final = " Repeat it or separate with commas."


class QueryModel(BaseModel):
    """Base of every route's query model: unknown parameters refused, naming the ones it takes."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    @model_validator(mode="before")
    @classmethod
    def _known_names(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = sorted(f.alias or name for name, f in cls.model_fields.items())
            for name in data:
                if name not in known:
                    raise PydanticCustomError(
                        "unknown_parameter",
                        "is not a parameter of this route (allowed: {allowed})",
                        {"parameter": name, "allowed": ", ".join(known) or "none", "value": data[name]},
                    )
        return data

    @classmethod
    def single_valued(cls) -> frozenset[str]:
        """The query-string names that take one value."""
        return frozenset(
            f.alias or name for name, f in cls.model_fields.items() if get_origin(_bare(f.annotation)) is not list
        )


def _bare(annotation: Any) -> Any:
    """`list[X] | None` as `list[X]`: what a field holds when it is given."""
    args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    return args[0] if get_origin(annotation) is not list and len(args) == 1 else annotation


def query(model: type[Q]) -> Any:
    """The dependency that reads `model` from the query string.

    FastAPI parses and documents the model's fields; this then refuses a single-valued
    parameter given more than once, which FastAPI would otherwise read as its last value.
    """
    single = model.single_valued()

    async def read(request: Request, params: Any) -> Any:  # async: inline, not a thread-pool hop
        counts = Counter(name for name, _ in request.query_params.multi_items())
        for name in sorted(n for n, c in counts.items() if c > 1 and n in single):
            values = ",".join(request.query_params.getlist(name))
            raise InvalidParameter(name, f"is given {counts[name]} times; give it once", values)
        return params

    read.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
            inspect.Parameter("params", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Annotated[model, Query()]),
        ]
    )
    return Depends(read)
