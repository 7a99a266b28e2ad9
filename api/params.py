"""Query parameters declared once: their bounds, examples and descriptions live here."""

from __future__ import annotations

from functools import cache
from pathlib import Path as FilePath
from typing import Annotated, Literal

import yaml
from fastapi import Path, Query

from api import urls
from api.settings import DEFAULT_SEEDS_DIR
from graph.queries.guide import MAX_SIGNS
from graph.queries.listing import MAX_LIMIT, NodeSort
from graph.queries.search import MAX_QUERY, MAX_RESULTS
from graph.queries.traverse import MAX_DEPTH, MAX_HOPS, MAX_NEIGHBORS, MAX_PATHS
from graph.registry import EDGE_KINDS
from graph.types import NODE_TYPES, EdgeKind, NodeType

__all__ = [
    "Depth",
    "DirectionParam",
    "EdgeIdPath",
    "Fields",
    "FromFilter",
    "FromNode",
    "Include",
    "Kinds",
    "Limit",
    "MaxHops",
    "NeighborLimit",
    "NodeIdPath",
    "Offset",
    "PathLimit",
    "SearchLimit",
    "SearchQuery",
    "Signs",
    "Sort",
    "SourceFilter",
    "Substring",
    "ToFilter",
    "ToNode",
    "Types",
    "INCLUDES",
    "NODE_FIELDS",
    "parse_csv",
    "shipped_sign_ids",
]

_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"

INCLUDES = ("edges", "evidence", "neighbors")
NODE_FIELDS = (
    "label", "summary", "aliases", "evidence", "sources", "category", "group", "polarity", "value", "unit",
    "title", "author", "file", "characters", "body_end", "edges", "neighbors",
)  # fmt: skip


def _csv_pattern(names: tuple[str, ...]) -> str:
    """A regex for a comma list of `names`, so the contract itself says what is allowed."""
    one = "|".join(names)
    return f"^({one})(,({one}))*$"


NodeIdPath = Annotated[
    str, Path(description="A node's stable slug.", examples=["oxytocin"], max_length=200, pattern=_ID)
]
EdgeIdPath = Annotated[
    str,
    Path(
        description="An edge id, `from--kind--to`.",
        examples=["give-him-space--addresses--needs-space"],
        max_length=420,
        pattern=_ID,
    ),
]
FromNode = Annotated[str, Query(alias="from", max_length=200, description="Start node id.", examples=["oxytocin"])]
ToNode = Annotated[str, Query(max_length=200, description="End node id.", examples=["needs-space"])]
FromFilter = Annotated[str | None, Query(alias="from", max_length=200, description="Start node id.")]
ToFilter = Annotated[str | None, Query(max_length=200, description="End node id.")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1–{MAX_LIMIT}.")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="Items to skip.")]
# Repeatable parameters are bounded by the size of their closed set: naming a value twice adds nothing.
Types = Annotated[
    list[NodeType] | None,
    Query(alias="type", max_length=len(NODE_TYPES), description="Node types to keep (repeatable)."),
]
Kinds = Annotated[
    list[EdgeKind] | None,
    Query(alias="kind", max_length=len(EDGE_KINDS), description="Edge kinds to keep or walk (repeatable)."),
]
SourceFilter = Annotated[
    str | None,
    Query(
        pattern=r"^[0-9]{3}$",
        max_length=3,
        description="Keep what quotes this article; an unknown id matches nothing.",
        examples=["001"],
    ),
]
Substring = Annotated[
    str | None,
    Query(min_length=1, max_length=MAX_QUERY, description="Case-insensitive substring of label, aliases, summary."),
]
Sort = Annotated[NodeSort, Query(description="Sort key; `-` for descending.")]
Include = Annotated[
    str | None,
    Query(
        max_length=64,
        pattern=_csv_pattern(INCLUDES),
        description="Comma list of `edges`, `neighbors`, `evidence` to embed (default: evidence).",
        examples=["evidence,edges"],
    ),
]
Fields = Annotated[
    str | None,
    Query(
        max_length=256,
        pattern=_csv_pattern(NODE_FIELDS),
        description="Comma list of fields to return (sparse); id, type and links always come.",
        examples=["label,summary"],
    ),
]
Depth = Annotated[int, Query(ge=1, le=MAX_DEPTH, description=f"Hops to walk, 1–{MAX_DEPTH}.")]
DirectionParam = Annotated[Literal["out", "in", "both"], Query(description="Walk edges as written, against, or both.")]
NeighborLimit = Annotated[int, Query(ge=1, le=MAX_NEIGHBORS, description=f"Cap on returned nodes, 1–{MAX_NEIGHBORS}.")]
MaxHops = Annotated[int, Query(ge=1, le=MAX_HOPS, description=f"Longest path considered, 1–{MAX_HOPS} hops.")]
PathLimit = Annotated[int, Query(ge=1, le=MAX_PATHS, description=f"Paths to return, 1–{MAX_PATHS}.")]
SearchQuery = Annotated[
    str,
    Query(
        min_length=1, max_length=MAX_QUERY, description="What to look for; typos are tolerated.", examples=["oxytocin"]
    ),
]
SearchLimit = Annotated[int, Query(ge=1, le=MAX_RESULTS, description=f"Results per page, 1–{MAX_RESULTS}.")]


def parse_csv(value: str | None) -> tuple[str, ...] | None:
    """Split a comma list that its Query pattern has already checked."""
    return None if value is None else tuple(value.split(","))


@cache
def shipped_sign_ids(seeds_dir: FilePath = DEFAULT_SEEDS_DIR) -> tuple[str, ...]:
    """The sign ids of the embedded content, sorted: the closed set the contract admits for `signs`.

    Read straight from signs.yaml (no validation, no articles) so the contract costs no load.
    """
    entries = yaml.load((seeds_dir / "graph" / "signs.yaml").read_text(encoding="utf-8"), Loader=_Loader) or []
    return tuple(sorted(str(entry["id"]) for entry in entries))


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _signs_pattern() -> str:
    """A comma list of 1 to MAX_SIGNS shipped sign ids: a schema-valid value is always answered.

    Only the contract carries it; at run time the served graph decides (an unknown sign is a
    422 naming it), so reloaded content with new signs is not refused by a stale pattern.
    """
    one = "|".join(shipped_sign_ids())  # kebab-case slugs: nothing to escape
    return f"^({one})(,({one})){{0,{MAX_SIGNS - 1}}}$"


Signs = Annotated[
    str,
    Query(
        min_length=1,
        max_length=(MAX_SIGNS * 201),
        description=f"Comma list of 1–{MAX_SIGNS} sign ids (see {urls.api('/signs')}); repeats count once.",
        examples=["leaves-right-after-sex"],
        json_schema_extra={"pattern": _signs_pattern()},
    ),
]
