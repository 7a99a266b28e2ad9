"""YAML loading that remembers where each mapping and key came from, and a fast reader.

Content errors must point at `file:line`, so mappings load as `LineDict`: a dict that
also knows the line of its opening and of each of its keys. Lines are 1-based.

Knowing every line costs: PyYAML builds a Python node and mark for each scalar, ~1 MB/s
here, so a 130 MB content folder took minutes. `read_plain` reads a file with yaml-rs
(Rust, ~15x faster) and no lines, for the common case where nothing is wrong: the loader
validates on it and, at its first problem, starts again on `load_yaml` to name every
`file:line`. yaml-rs reads YAML 1.2 and PyYAML 1.1, so `read_plain` answers only where the
two mean the same (see `_typed_strings`) and returns None otherwise, and the caller takes PyYAML.
"""

from __future__ import annotations

import os
import re
import stat
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
import yaml_rs

__all__ = [
    "FileProblem",
    "LineDict",
    "LineList",
    "NotAList",
    "Unplaced",
    "YamlProblem",
    "load_yaml",
    "read_entries",
    "read_plain",
    "read_text",
]


class LineDict(dict[str, Any]):
    """A mapping from YAML with `line` (where it starts) and `key_lines` (per key)."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: object) -> int:
        """The line of `key`, or of the mapping itself when the key is absent."""
        return self.key_lines.get(str(key), self.line)


class Unplaced(LineDict):
    """A mapping read without lines (`read_plain`): every line is 0, and nothing reports one."""

    line = 0
    key_lines: dict[str, int] = {}  # noqa: RUF012 - read only, shared by every instance


class LineList(list[Any]):
    """A sequence from YAML with `item_lines`: the line where each item starts."""

    item_lines: list[int]


class FileProblem(Exception):
    """The file cannot be read as content; carries the 1-based line of the fault and a sentence."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


class YamlProblem(FileProblem):
    """The file is UTF-8 text but not well-formed YAML; `syntax` when the parser said so.

    `unread_from` is the first line of what `read_entries` had not handed out: the entries
    before it were read (and already checked), the rest of the file cannot be."""

    def __init__(self, line: int, message: str, syntax: bool = False) -> None:
        super().__init__(line, message)
        self.syntax = syntax
        self.unread_from = 1


class NotAList(FileProblem):
    """The file is YAML, but not a list of entries."""


# Deeper than this, nested collections are refused with the line where they pass it (content
# nests a few levels; PyYAML's constructor recurses once per level and would overflow).
MAX_DEPTH = 100
_SNIFF = 8192


def read_text(path: Path) -> str:
    """The UTF-8 text of a content file.

    Raises
    ------
    FileNotFoundError
        When there is nothing at `path`.
    FileProblem
        For anything else that keeps it from being text: a directory, an unreadable file,
        a binary file, bytes that are not UTF-8 (a file cut in the middle of a character
        among them), each at the line where it shows.
    """
    try:
        # Only a regular file is read: opening a FIFO (or a device) would wait for a writer forever.
        with open(path, "rb", opener=_no_wait) as file:  # noqa: PTH123 - Path.open takes no opener
            kind = os.fstat(file.fileno()).st_mode
            if stat.S_ISDIR(kind):
                raise FileProblem(1, "a directory where a file should be")
            if not stat.S_ISREG(kind):
                raise FileProblem(1, f"{_KINDS.get(stat.S_IFMT(kind), 'a special file')} where a file should be")
            raw = file.read()
    except IsADirectoryError:
        raise FileProblem(1, "a directory where a file should be") from None
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise FileProblem(1, f"the file cannot be read: {exc.strerror or exc}") from None
    nul = raw.find(b"\0", 0, _SNIFF)
    if nul >= 0:
        raise FileProblem(_line_at(raw, nul), "a binary file, not UTF-8 text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_at(raw, exc.start)
        if exc.end == len(raw) and exc.reason == "unexpected end of data":
            raise FileProblem(line, "the file is cut short in the middle of a UTF-8 character") from None
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        raise FileProblem(line, f"byte 0x{raw[exc.start]:02x} at column {column} is not UTF-8 text") from None


_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}


def _no_wait(name: str, flags: int) -> int:
    """Open without blocking (a FIFO with no writer opens at once), then block again for reads."""
    fd = os.open(name, flags | os.O_NONBLOCK)
    os.set_blocking(fd, True)
    return fd


def _line_at(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


# libyaml's parser (CSafeLoader, shipped in PyYAML's wheels) is ~4x faster than the
# pure-Python one and gives the same nodes and marks; start-up parses every seed file.
class _LineLoader(yaml.CSafeLoader):
    """SafeLoader whose mappings are LineDicts; duplicate keys are refused.

    `offset` is added to every line: a file read one entry at a time gives the file's lines.
    """

    offset = 0

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:  # type: ignore[override]
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1 + self.offset
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1 + self.offset
            if not isinstance(key, str):
                raise YamlProblem(line, f"mapping key {key!r} is not a string")
            if key in mapping:
                raise YamlProblem(line, f"duplicate key {key!r}")
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = line
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        sequence = LineList(self.construct_object(child, deep=True) for child in node.value)
        sequence.item_lines = [child.start_mark.line + 1 + self.offset for child in node.value]
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

    A file that is a plain top-level list (each entry starting with `- ` at the first column,
    as every content file is) is parsed one entry at a time (`read_entries`).

    Raises
    ------
    YamlProblem
        When the file is not valid YAML, with the line of the fault.
    """
    text = read_text(path)
    entries = _entries(text)
    if entries is None:
        return _parse(text)
    if not entries:
        return None
    data = LineList()
    data.item_lines = []
    try:
        for item, line in _each(text, entries):
            data.append(item)
            data.item_lines.append(line)
    except YamlProblem as exc:
        exc.unread_from = 1  # the whole file is refused
        raise
    return data


def read_entries(path: Path) -> Iterator[tuple[Any, int]]:
    """Each entry of a YAML list file with the line where it starts, parsed when it is asked
    for and then the caller's: memory stays that of one entry, not of every entry of the
    file (1.4 million small entries held took gigabytes).

    Raises
    ------
    YamlProblem
        When the YAML of an entry is broken: at the line of the fault, with `unread_from`,
        where the entries not handed out begin.
    NotAList
        When the file is YAML but not a list.
    FileProblem
        When the file is not text (see `read_text`).
    """
    text = read_text(path)
    entries = _entries(text)
    if entries is not None:
        yield from _each(text, entries)
        return
    data = _parse(text)
    if data is None:
        return
    if not isinstance(data, LineList):
        raise NotAList(getattr(data, "line", 1), "expected a list of entries")
    yield from zip(data, data.item_lines, strict=True)


def _each(text: str, entries: _Cuts) -> Iterator[tuple[Any, int]]:
    """The entries of `text`, cut at `entries`, parsed in turn with their lines."""
    for done, (first, chunk) in enumerate(entries):
        try:
            part = _parse(chunk, offset=first - 1)
        except YamlProblem as exc:
            exc.unread_from = first
            if not exc.syntax:
                raise
            try:
                _syntax_check(text)  # a syntax error is the whole file's, at its own line
            except YamlProblem as syntax:
                syntax.unread_from = first
                raise syntax from None
            part = None  # none in the whole file: an entry's text went on at the first column
        if not isinstance(part, LineList) or len(part) != 1:
            # Cut in the wrong place: the whole file read at once, from this entry on (the
            # entries before parsed whole, each alone, so they are the file's first ones).
            try:
                whole = _parse(text)
            except YamlProblem as exc:
                exc.unread_from = first
                raise
            if not isinstance(whole, LineList):
                raise NotAList(getattr(whole, "line", 1), "expected a list of entries")
            yield from zip(whole[done:], whole.item_lines[done:], strict=True)
            return
        yield part[0], part.item_lines[0]


class _Cuts:
    """Where each top-level entry of a text starts (offset and line), two machine words per
    entry; the text of each is cut out only when it is iterated to."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = array("q")
        self.lines = array("q")

    def add(self, start: int, line: int) -> None:
        self.starts.append(start)
        self.lines.append(line)

    def __len__(self) -> int:
        return len(self.starts)

    def __iter__(self) -> Iterator[tuple[int, str]]:
        last = len(self.starts) - 1
        for index, (start, line) in enumerate(zip(self.starts, self.lines, strict=True)):
            yield line, self.text[start : self.starts[index + 1] if index < last else len(self.text)]


# A line that starts an entry (`-` then a space or the line's end), and one that is neither
# that nor indented, blank or a comment: a file holding one is not a plain list of entries.
_ENTRY = re.compile(r"^-(?=[ \n]|\Z)", re.MULTILINE)
_NOT_PLAIN = re.compile(r"^(?:[^ \n#-]|-[^ \n])", re.MULTILINE)
# Line breaks other than `\n` (Python's `splitlines` and YAML know them): such a text is cut line by line.
_OTHER_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _entries(text: str) -> _Cuts | None:
    """Where each top-level entry starts with its first line, or None when the file is not a
    plain list of entries (anything at the first column but `-`, a comment or a blank line).
    Found by two scans of the text in C, not a string per line (a 40 MB file has 2.8 million)."""
    if any(brk in text for brk in _OTHER_BREAKS):
        return _entries_by_lines(text)
    if _NOT_PLAIN.search(text):
        return None
    cuts = _Cuts(text)
    line, at = 1, 0
    for match in _ENTRY.finditer(text):
        line += text.count("\n", at, match.start())
        at = match.start()
        cuts.add(at, line)
    return cuts


def _entries_by_lines(text: str) -> _Cuts | None:
    """`_entries`, line by line: for a text with line breaks other than `\n`."""
    lines = text.splitlines(keepends=True)
    cuts = _Cuts(text)
    offset = 0
    for number, line in enumerate(lines):
        first = line[:1]
        if first == "-" and line[1:2] in (" ", "\n", "\r", ""):
            cuts.add(offset, number + 1)
        elif first not in ("", " ", "\n", "\r", "#"):
            return None
        offset += len(line)
    return cuts


# Which mark names the cause of a syntax error: for a key, a quoted scalar or a flow
# collection that never ends, where it starts; otherwise where the parser stopped.
_CAUSE_IN_CONTEXT = (
    "while scanning a simple key",
    "while scanning a quoted scalar",
    "while parsing a flow sequence",
    "while parsing a flow mapping",
)


def _parse(text: str, offset: int = 0) -> Any:
    """`text` read by `_LineLoader`, every line shifted by `offset`; nesting bounded first."""
    deep = _too_deep(text)
    if deep is not None:
        raise YamlProblem(deep + offset, f"collections are nested more than {MAX_DEPTH} deep")
    loader = _LineLoader(text)
    loader.offset = offset
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        raise YamlProblem(*_syntax_error(exc, offset), syntax=True) from None
    except yaml.reader.ReaderError as exc:  # a control character: no mark, a position
        line = text.count("\n", 0, exc.position) + 1 + offset
        character = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
        raise YamlProblem(line, f"invalid YAML: the character {character!r} is not allowed") from None
    except RecursionError:
        raise YamlProblem(1 + offset, f"collections are nested more than {MAX_DEPTH} deep") from None
    finally:
        loader.dispose()


def _syntax_check(text: str) -> None:
    """Raise the first syntax error of `text`, read as a flat stream of events (no tree, no recursion)."""
    try:
        for _event in yaml.parse(text, Loader=yaml.CSafeLoader):
            pass
    except yaml.MarkedYAMLError as exc:
        raise YamlProblem(*_syntax_error(exc, 0), syntax=True) from None
    except yaml.reader.ReaderError:
        return  # the entry's own parse names the character


def _syntax_error(exc: yaml.MarkedYAMLError, offset: int) -> tuple[int, str]:
    """The line of a syntax error's cause and a sentence; where the parser noticed it, if elsewhere."""
    problem = exc.problem or str(exc)
    noticed = exc.problem_mark.line + 1 + offset if exc.problem_mark is not None else None
    if exc.context in _CAUSE_IN_CONTEXT and exc.context_mark is not None:
        line = exc.context_mark.line + 1 + offset
        said = f"invalid YAML: {problem} {exc.context} that starts here"
        return line, said + (f" (noticed at line {noticed})" if noticed not in (None, line) else "")
    return noticed or 1 + offset, f"invalid YAML: {problem}"


def _too_deep(text: str) -> int | None:
    """The line where collections first nest deeper than MAX_DEPTH, or None.

    libyaml's composer recurses in C once per level, and ~30,000 nested `[` overflow the
    stack (SIGSEGV, no exception): the depth is bounded before it runs. A cheap bound
    first (`_depth_bound`); only text that might pass it is read as a flat stream of
    events, which does not recurse, to find the exact line.
    """
    if _depth_bound(text) <= MAX_DEPTH:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1 if event.start_mark is not None else 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except (yaml.YAMLError, yaml.reader.ReaderError):
        return None  # a syntax error: the parse that follows reports it
    return None


_OPENS = re.compile(r"[\[{]")
_CLOSES = re.compile(r"[\]}]")
# The widest a line's leading run of indentation and block indicators can be while nesting
# stays within MAX_DEPTH: every block level takes at least one column.
_DEEP_BLOCK = re.compile(rf"^[ \t?:-]{{{MAX_DEPTH},}}", re.MULTILINE)


def _depth_bound(text: str) -> int:
    """An upper bound on how deep `text` nests: flow brackets opened beyond those closed,
    plus the widest indentation (quoted brackets only make the bound looser)."""
    opened = len(_OPENS.findall(text))
    if opened <= MAX_DEPTH // 2 and not _DEEP_BLOCK.search(text):
        return opened + MAX_DEPTH // 2
    flow = 0
    deepest = 0
    for match in re.finditer(r"[\[{\]}]", text):
        flow = flow + 1 if match.group() in "[{" else max(flow - 1, 0)
        deepest = max(deepest, flow)
    block = max((m.end() - m.start() for m in _DEEP_BLOCK.finditer(text)), default=0)
    return deepest + max(block, MAX_DEPTH // 2)


# Where YAML 1.1 (PyYAML) and 1.2 (yaml-rs) could read the same text differently, or where
# only PyYAML refuses it: a byte-order mark, directives and document markers, tags (`!x`),
# and a last line without its newline (block scalars chomp it differently at the very end).
# Searched for as plain substrings: Python's regular expressions take seconds to try a
# pattern at every position of a 100 MB file.
_MARKERS = ("\n%", "\n---", "\n...")
_BEFORE_TAG = frozenset(" \t\r\n,[]{}")
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers
_TYPED_START = frozenset(_IMPLICIT)  # first characters PyYAML may read as a non-string


def read_plain(path: Path) -> Any | None:
    """The data of one YAML file without lines, or None when only PyYAML can say what it means.

    None for text PyYAML reads differently or refuses (yaml-rs errors included: duplicate
    keys too, and files that are not UTF-8 text): the caller then reads the file with
    `load_yaml`, which reports the problem.
    """
    try:
        text = read_text(path)
    except (OSError, FileProblem):
        return None
    if text and _only_pyyaml(text):
        return None
    try:
        data = yaml_rs.loads(text, duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error)
    except (yaml_rs.YAMLDecodeError, ValueError, RecursionError):
        return None
    typed = _typed_strings([data])
    if typed is None or (typed and _written_plain(typed, text)):
        return None
    return data


# Past this many distinct strings that YAML 1.1 could read as something else, the file is
# left to PyYAML rather than searched for each of them.
_MAX_TYPED = 1000


def _typed_strings(data: Any) -> set[str] | None:
    """Strings and keys of `data` that YAML 1.1 would read as a bool, number, date or null if
    written plain, such as `"001"`; None when `data` holds numbers or dates, or keys that are
    not strings (YAML 1.1 and 1.2 read some of them differently), or too many such strings.
    Booleans and nulls are fine: what YAML 1.2 reads as one, YAML 1.1 does too."""
    typed: set[str] = set()
    seen: set[str] = set()  # strings already looked at: keys, ids and sources repeat a lot
    stack = [data]
    while stack:
        value = stack.pop()
        if type(value) is dict:
            for key in value:
                if type(key) is not str:
                    return None
                if key not in seen:
                    seen.add(key)
                    if key[:1] in _TYPED_START and _yaml11_typed(key):
                        typed.add(key)
            value = value.values()
        for item in value:
            kind = type(item)
            if kind is str:
                if item[:1] in _TYPED_START and item not in seen:
                    seen.add(item)
                    if _yaml11_typed(item):
                        typed.add(item)
            elif kind is dict or kind is list:
                stack.append(item)
            elif item is not None and kind is not bool:
                return None
    return typed if len(typed) <= _MAX_TYPED else None


def _only_pyyaml(text: str) -> bool:
    """Whether `text` uses YAML that only PyYAML reads as PyYAML does (see `_MARKERS`)."""
    if not text.endswith("\n") or text.startswith(("\ufeff", "%", "---", "...", "!")):
        return True
    if any(marker in text for marker in _MARKERS):
        return True
    at = text.find("!")
    while at >= 0:
        if text[at - 1] in _BEFORE_TAG:
            return True
        at = text.find("!", at + 1)
    return False


# Where a plain scalar may start: the line's start, or after `: `, `- `, `? `, `[`, `{`, `,`
# or an anchor; checked on the text before a candidate, on its line.
_PLAIN_BEFORE = re.compile(r"(?:^[ \t]*|[:?-][ \t]+|[\[{,][ \t]*|&\S+[ \t]+)\Z")


def _written_plain(typed: set[str], text: str) -> bool:
    """Whether any of `typed` may stand in `text` as a whole plain scalar: where a plain
    scalar may start (`_PLAIN_BEFORE`), and before the end of the line, a comment, `,`, `]`,
    `}` or `: `. A string found only inside quotes or sentences means the same in both
    readings; a false match only sends the file to PyYAML.
    """
    words = "|".join(map(re.escape, sorted(typed, key=len, reverse=True)))
    candidates = re.compile(rf"(?:{words})(?=[ \t]*(?:[\r\n#,\]}}]|:[ \t\r\n]|\Z))")
    for found in candidates.finditer(text):
        start = found.start()
        if _PLAIN_BEFORE.search(text[text.rfind("\n", 0, start) + 1 : start]):
            return True
    return False


def _yaml11_typed(text: str) -> bool:
    """Whether a plain scalar with this text is something other than a string in YAML 1.1."""
    return any(regexp.match(text) for _, regexp in (*_IMPLICIT.get(text[:1], ()), *_IMPLICIT.get(None, ())))
