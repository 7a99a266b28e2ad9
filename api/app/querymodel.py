"""The mechanism every route's query model shares: unknown and repeated parameters refused, plain digits.

A route's model (in `api.app.params`) subclasses `QueryModel`, and the route reads it with
`query(Model)`. FastAPI parses and documents the fields; what it would let through silently
is refused here, each refusal a 422 naming the parameter (the error table is `api.app.errors`'s).

A route whose misses are measured against REST's (`/v1/graphql`'s GET) reads its model with
`read_query(Model, request)` instead: the same validation, the same refusals, without FastAPI's
per-request work on each field of a parameter model (~0.1 ms of a GraphQL GET); its endpoint
names the model with `documents_query(Model)`, and the contract documents it as FastAPI would.
"""

from __future__ import annotations

import inspect
import re
from collections import Counter
from collections.abc import Callable
from typing import Annotated, Any, Final, TypeVar, get_origin

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from api.contract.openapi import QUERY_MODEL
from graph.errors import InvalidParameter

__all__ = [
    "ID_PATTERN",
    "LIST_HINT",
    "MAX_ID",
    "Digits",
    "QueryModel",
    "documents_query",
    "query",
    "read_query",
    "split_commas",
]

Q = TypeVar("Q", bound="QueryModel")
F = TypeVar("F", bound=Callable[..., Any])

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
        _refuse_repeats(request, single)
        return params

    read.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
            inspect.Parameter("params", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Annotated[model, Query()]),
        ]
    )
    return Depends(read)


def _refuse_repeats(request: Request, single: frozenset[str]) -> None:
    counts = Counter(name for name, _ in request.query_params.multi_items())
    for name in sorted(n for n, c in counts.items() if c > 1 and n in single):
        values = ",".join(request.query_params.getlist(name))
        raise InvalidParameter(name, f"is given {counts[name]} times; give it once", values)


def read_query(model: type[Q], request: Request) -> Q:
    """`model` read from the request's query string by the rules of `query(model)`: a repeated
    single-valued parameter, an unknown one or a bad value is the same 422 (a validation
    error is raised as FastAPI raises it, located in the query)."""
    single = model.single_valued()
    _refuse_repeats(request, single)
    given: dict[str, Any] = {}
    for name, value in request.query_params.multi_items():
        if name in single:
            given[name] = value
        else:  # a list parameter, or an unknown one (refused with every value it was given)
            given.setdefault(name, []).append(value)
    try:
        return model.model_validate(given)
    except ValidationError as error:
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in error.errors()]) from None


def documents_query(model: type[QueryModel]) -> Callable[[F], F]:
    """Mark an endpoint that reads `model` with `read_query`, so the contract documents its parameters."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, QUERY_MODEL, model)
        return endpoint

    return mark
