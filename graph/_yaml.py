"""YAML loading that remembers where each mapping and key came from.

Content errors must point at `file:line`, so mappings load as `LineDict`: a dict that
also knows the line of its opening and of each of its keys. Lines are 1-based.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["LineDict", "LineList", "YamlProblem", "load_yaml"]


class LineDict(dict[str, Any]):
    """A mapping from YAML with `line` (where it starts) and `key_lines` (per key)."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: object) -> int:
        """The line of `key`, or of the mapping itself when the key is absent."""
        return self.key_lines.get(str(key), self.line)


class LineList(list[Any]):
    """A sequence from YAML with `item_lines`: the line where each item starts."""

    item_lines: list[int]


class YamlProblem(Exception):
    """The file is not well-formed YAML; carries the 1-based line of the fault."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


# libyaml's parser (CSafeLoader, shipped in PyYAML's wheels) is ~4x faster than the
# pure-Python one and gives the same nodes and marks; start-up parses every seed file.
class _LineLoader(yaml.CSafeLoader):
    """SafeLoader whose mappings are LineDicts; duplicate keys are refused."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:  # type: ignore[override]
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise YamlProblem(line, f"mapping key {key!r} is not a string")
            if key in mapping:
                raise YamlProblem(line, f"duplicate key {key!r}")
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = line
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        sequence = LineList(self.construct_object(child, deep=True) for child in node.value)
        sequence.item_lines = [child.start_mark.line + 1 for child in node.value]
        return sequence


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
    _LineLoader.construct_sequence,
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _LineLoader.construct_mapping,
)


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; mappings come back as LineDicts.

    Raises
    ------
    YamlProblem
        When the file is not valid YAML, with the line of the fault.
    """
    text = path.read_text(encoding="utf-8")
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlProblem(line, f"invalid YAML: {exc.problem or exc}") from exc
