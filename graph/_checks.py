"""What the loader says about an entry it refuses: sentences at the line of the key, quotes
located with the nearest passage as a hint, and the ids of a file too broken to read.

`graph.load` walks the files and decides what is wrong; this module words it, so every
message an editor reads is written in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from rapidfuzz import fuzz

from graph._yaml import LineDict, LineList
from graph.models import Evidence, EvidenceSeed

__all__ = [
    "Declared",
    "Reporter",
    "declare",
    "display_name",
    "error_line",
    "error_message",
    "evidence_of",
    "ids_in_text",
    "locate",
    "nearest_passage",
    "validate",
]

M = TypeVar("M", bound=BaseModel)

_HINT_CHARS = 90
# An `id:` written where an entry starts (`- id: x`) or as its own key (`  id: x`), quoted or not.
_ID_LINE = re.compile(r"""^[ \t]*(?:-[ \t]+)?id:[ \t]*["']?([^"'\s#,\]}]+)""", re.MULTILINE)


class Reporter(Protocol):
    """Where problems go (the loader's collector)."""

    def add(self, path: Path, line: int, message: str) -> None: ...

    def name(self, path: Path) -> str: ...


@dataclass(slots=True)
class Declared:
    """Where an id was declared, its node type, and whether any edge entry names it."""

    id: str
    path: Path
    line: int
    type: str
    linked: bool = False
    recovered: bool = False  # read by `ids_in_text` from a file that is not valid YAML


def declare(
    declared: dict[str, Declared], node_id: object, node_type: str, path: Path, line: int, out: Reporter
) -> bool:
    """Record an id; report a duplicate (at the second entry). False when it is a duplicate."""
    if not isinstance(node_id, str):
        return True
    first = declared.get(node_id)
    if first is not None:
        out.add(path, line, f"duplicate id {node_id!r} (first at {out.name(first.path)}:{first.line})")
        return False
    declared[node_id] = Declared(node_id, path, line, node_type)
    return True


def evidence_of(item: LineDict, seeds: tuple[EvidenceSeed, ...] | None = None) -> list[tuple[EvidenceSeed, int]]:
    """An entry's evidence with the line of each quote: `seeds` as validated, or when the entry
    was refused, each of its evidence items that is valid by itself."""
    raw = item.get("evidence")
    entries = raw if isinstance(raw, list) else []
    lines = [e.line_of("quote") if isinstance(e, LineDict) else item.line for e in entries]
    if seeds is not None:
        return [(seed, lines[i] if i < len(lines) else item.line) for i, seed in enumerate(seeds)]
    found = []
    for entry, line in zip(entries, lines, strict=True):
        try:
            found.append((EvidenceSeed.model_validate(entry), line))
        except ValidationError:
            continue  # reported with its entry
    return found


def validate(model: type[M], item: LineDict, path: Path, out: Reporter) -> M | None:
    """Validate one entry, reporting each pydantic error at the line of its key."""
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        # In the order of their lines (pydantic's is the model's field order), made small at once.
        for line, message in sorted((error_line(item, e["loc"]), error_message(e)) for e in exc.errors()):
            out.add(path, line, message)
        return None


def display_name(path: Path, root: Path) -> str:
    """How a problem names its file: relative to `root` (the seeds folder's parent) when under it."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def error_line(item: LineDict, loc: tuple[int | str, ...]) -> int:
    """The line of the key (or list item) that `loc` names, as deep as the entry has lines."""
    node: Any = item
    line = item.line
    for part in loc:
        if isinstance(node, LineDict):
            line = node.line_of(part)
            node = node.get(str(part))
        elif isinstance(node, LineList) and isinstance(part, int) and part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def error_message(error: Any) -> str:
    """A pydantic error as a sentence that names the key, e.g. "label must be text"."""
    loc = ".".join(str(p) for p in error["loc"])
    kind, ctx = error["type"], error.get("ctx") or {}
    last = error["loc"][-1] if error["loc"] else ""
    if kind == "extra_forbidden":
        return f"unknown key {loc!r}"
    if kind == "missing":
        return f"missing required key {loc!r}"
    if kind == "string_too_short" and last in ("summary", "label", "quote"):
        return f"empty {last}"
    if kind == "too_short" and error["loc"] == ("evidence",):
        return "no evidence: a node needs at least one verbatim quote"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])).replace("is not a kebab-case slug", "must be a kebab-case slug")
    words = {
        "string_type": "must be text",
        "int_type": "must be a whole number",
        "int_parsing": "must be a whole number",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "tuple_type": "must be a list",
        "list_type": "must be a list",
        "model_type": "must be a mapping of keys",
        "model_attributes_type": "must be a mapping of keys",
        "dict_type": "must be a mapping of keys",
        "literal_error": f"must be one of {ctx.get('expected', '')}",
        "string_pattern_mismatch": f"must match {ctx.get('pattern', '')}",
        "string_too_long": f"must be at most {ctx.get('max_length', '')} characters",
        "greater_than_equal": f"must be at least {ctx.get('ge', '')}",
    }
    said = words.get(kind)
    return f"{loc} {said}" if said else f"{loc}: {error['msg']}"


def ids_in_text(text: str) -> list[tuple[str, int]]:
    """The `id:` values a file's text declares and their lines, read without parsing: for a
    file that is not valid YAML, so that edges naming its ids are not reported as dangling.

    >>> ids_in_text("- id: a\\n  label: x\\n- id: 'b'\\n  bad: [\\n")
    [('a', 1), ('b', 3)]
    """
    found = []
    line, at = 1, 0
    for match in _ID_LINE.finditer(text):  # lines counted from the last match: linear, not quadratic
        line += text.count("\n", at, match.start())
        at = match.start()
        found.append((match.group(1), line))
    return found


def locate(
    seed: EvidenceSeed, text: str | None, body_end: int, broken: bool, report: Callable[[str], None]
) -> Evidence | None:
    """Find a quote verbatim inside its article's body (`text[:body_end]`); report why when it
    is not there, with the nearest passage of the article as a hint."""
    if text is None:
        if not broken:  # a source whose own entry failed is reported there
            report(f"unknown source {seed.source!r}")
        return None
    start = text.find(seed.quote, 0, body_end)
    if start >= 0:
        return Evidence(source=seed.source, quote=seed.quote, start=start, end=start + len(seed.quote))
    if text.find(seed.quote, body_end - len(seed.quote) + 1) >= 0:
        report(f"quote taken from the reader comments of {seed.source}, which are not evidence: {seed.quote[:60]!r}")
        return None
    hint = nearest_passage(seed.quote, text[:body_end])
    nearest = f"; the nearest passage is {hint!r}" if hint else ""
    report(f"quote not found in {seed.source}: {seed.quote[:60]!r}{nearest}")
    return None


def nearest_passage(quote: str, body: str) -> str | None:
    """The stretch of `body` that best matches `quote` (rapidfuzz's partial alignment), widened
    to whole words and cut to a readable length; None when nothing is alike.

    >>> nearest_passage("he needs spase after", "Men say he simply needs space after closeness.")
    'simply needs space after'
    """
    if not quote.strip() or not body:
        return None
    found = fuzz.partial_ratio_alignment(quote, body, score_cutoff=50)
    if found is None:
        return None
    start, end = found.dest_start, found.dest_end
    while start > 0 and not body[start - 1].isspace():
        start -= 1
    while end < len(body) and body[end - 1 : end].isalnum() and body[end : end + 1].isalnum():
        end += 1
    passage = " ".join(body[start:end].split())
    return passage if len(passage) <= _HINT_CHARS else passage[: _HINT_CHARS - 1].rstrip() + "…"
