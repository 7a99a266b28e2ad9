"""What a GraphQL query may ask, checked on its syntax tree before anything runs.

Four bounds, published in the schema's description (`Limits.describe`): tokens (the parser
stops at `max_tokens`, so a huge document is never built), depth, aliases and cost. Cost is
what the answer would hold at most: each field resolved counts 1 for every time it can be
resolved, and a list field multiplies what is under it by its `first` (its default when not
given), so `nodes(first: 50) { neighbors(first: 10) { nodes { label } } }` costs
1 + 50 × (1 + 10 × (1 + 1)). Fragments count where they are spread. A query past a bound is
refused with one GraphQL error naming the bound (`extensions.limit`), before validation
and before any resolver. Counting stops at `COUNTED` (2**53, the largest integer every JSON
reader keeps exactly), so a `first` of any size, literal or variable, is refused as over the
budget with a number a client can read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

__all__ = ["COUNTED", "LIMITS", "Limits", "check_limits", "cost_reads_variables", "refusal"]

COUNTED: Final = 1 << 53  # where the cost stops counting: past every budget, exact in any JSON reader
_DIGITS: Final = 16  # a `first` written with this many digits or more counts as COUNTED


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds every GraphQL query is held to."""

    max_tokens: int = 2_000
    max_depth: int = 15
    max_aliases: int = 50
    max_cost: int = 10_000

    def describe(self) -> str:
        """The bounds in words, for the schema's description."""
        return (
            f"Limits, checked before a query runs (a query past one is refused with an error naming it in "
            f"`extensions.limit`): at most {self.max_tokens} tokens (`max_tokens`), fields nested "
            f"{self.max_depth} deep (`max_depth`), {self.max_aliases} aliases (`max_aliases`), and a cost of "
            f"{self.max_cost} (`max_cost`: every field counts once for each time it can be resolved, a list "
            f"multiplies what is under it by its `first`)."
        )


LIMITS: Final = Limits()


def refusal(limit: str, found: int | None, bound: int) -> GraphQLError:
    """The error that refuses a query past `limit`; `found` is None when the parser stopped counting."""
    words = {
        "max_tokens": "the query has more than {bound} tokens",
        "max_depth": "the query nests fields {found} deep; at most {bound} are taken"
        if found is not None
        else "the query nests fields deeper than the parser takes; at most {bound} are taken",
        "max_aliases": "the query has {found} aliases; at most {bound} are taken",
        "max_cost": "the query could resolve {found} fields; its cost is over the budget of {bound}"
        if found is not None
        else "the query could resolve more fields than can be counted; its cost is over the budget of {bound}",
    }[limit]
    message = words.format(found=found, bound=bound) + f" ({limit})"
    extensions = {
        "code": "QUERY_LIMIT",
        "limit": limit,
        "max": bound,
        **({"found": found} if found is not None else {}),
    }
    return GraphQLError(message, extensions=extensions)


@dataclass(slots=True)
class _Walk:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    max_depth: int
    depth: int = 0
    cost: int = 0

    def selections(
        self, node: SelectionSetNode | None, parent: Any, depth: int, times: int, seen: frozenset[str]
    ) -> None:
        if node is None:
            return
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                self.field(selection, parent, depth + 1, times, seen)
            elif isinstance(selection, InlineFragmentNode):
                cond = selection.type_condition
                inner = self.schema.get_type(cond.name.value) if cond is not None else parent
                self.selections(selection.selection_set, inner, depth, times, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # unknown or cyclic: validation refuses it next
                    continue
                inner = self.schema.get_type(fragment.type_condition.name.value)
                self.selections(fragment.selection_set, inner, depth, times, seen | {name})

    def field(self, node: FieldNode, parent: Any, depth: int, times: int, seen: frozenset[str]) -> None:
        self.depth = max(self.depth, depth)
        self.cost = min(self.cost + times, COUNTED)
        if depth > self.max_depth:  # refused already: no need to walk (or recurse) deeper
            return
        fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        definition = fields.get(node.name.value)
        if definition is None:  # a meta field or an unknown one: its own fields still count
            self.selections(node.selection_set, None, depth, times, seen)
            return
        first = self._first(node, definition.args.get("first"))
        self.selections(node.selection_set, get_named_type(definition.type), depth, min(times * first, COUNTED), seen)

    def _first(self, node: FieldNode, argument: Any) -> int:
        if argument is None:
            return 1
        for given in node.arguments or ():
            if given.name.value == "first":
                value = given.value
                if isinstance(value, IntValueNode):  # read only as far as it counts (int() refuses 4,300 digits)
                    return max(int(value.value), 1) if len(value.value) < _DIGITS else COUNTED
                if isinstance(value, VariableNode) and isinstance(self.variables.get(value.name.value), int):
                    return min(max(int(self.variables[value.name.value]), 1), COUNTED)
        default = argument.default_value
        return default if isinstance(default, int) else 1


def check_limits(
    document: DocumentNode,
    schema: GraphQLSchema,
    variables: Mapping[str, Any] | None,
    limits: Limits = LIMITS,
    *,
    cost: bool = True,
) -> GraphQLError | None:
    """The refusal of the first bound `document` passes (aliases, depth, then cost unless
    `cost` is false: a `first` given by a variable needs the variables), or None.

    >>> from graphql import build_schema, parse
    >>> schema = build_schema("type Query { a(first: Int = 10): [Query!]! b: Int }")
    >>> check_limits(parse("{ a { a { b } } }"), schema, None) is None
    True
    >>> check_limits(parse("{ a(first: 100) { a(first: 100) { b } } }"), schema, None).extensions["limit"]
    'max_cost'
    """
    aliases = sum(
        1
        for definition in document.definitions
        for node in _fields(getattr(definition, "selection_set", None))
        if node.alias is not None
    )
    if aliases > limits.max_aliases:
        return refusal("max_aliases", aliases, limits.max_aliases)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    walk = _Walk(schema, fragments, variables or {}, limits.max_depth)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = schema.get_root_type(definition.operation)
            walk.selections(definition.selection_set, root, 0, 1, frozenset())
            if walk.depth > limits.max_depth:
                return refusal("max_depth", walk.depth, limits.max_depth)
            if cost and walk.cost > limits.max_cost:
                return refusal("max_cost", walk.cost if walk.cost < COUNTED else None, limits.max_cost)
    return None


def cost_reads_variables(document: DocumentNode) -> bool:
    """Whether some `first` in `document` is a variable: only then does its cost, and so the
    verdict of `check_limits`, depend on the variables sent with it.

    >>> from graphql import parse
    >>> cost_reads_variables(parse("query($n: Int) { a(first: $n) { b } }")), cost_reads_variables(parse("{ a { b } }"))
    (True, False)
    """
    return any(
        argument.name.value == "first" and isinstance(argument.value, VariableNode)
        for definition in document.definitions
        for node in _fields(getattr(definition, "selection_set", None))
        for argument in node.arguments or ()
    )


def _fields(node: SelectionSetNode | None) -> list[FieldNode]:
    """Every field written in a selection set, nested ones included (iteratively: no recursion limit)."""
    out: list[FieldNode] = []
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        for selection in current.selections:
            if isinstance(selection, FieldNode):
                out.append(selection)
            inner = getattr(selection, "selection_set", None)
            if inner is not None:
                stack.append(inner)
    return out
