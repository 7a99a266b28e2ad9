"""The domain's error hierarchy; it knows nothing about HTTP.

    DistanceError
    ├── NotFound
    │   ├── NodeNotFound
    │   ├── EdgeNotFound
    │   └── ReleaseNotFound
    ├── InvalidParameter
    ├── QueryRefused          (a query in a query language the graph will not answer)
    │   ├── QuerySyntaxError
    │   ├── ReadOnlyQuery
    │   └── QueryLimit        (`limit` names the bound it passed)
    └── ContentError          (ContentProblems, each `file:line: message`, and their count)

The API maps these to problem+json in one table (`api/app/errors.py`); the CLI prints each
content problem as the loader finds it, then the count, and exits 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

__all__ = [
    "ContentError",
    "KEPT_PROBLEMS",
    "ContentProblem",
    "DistanceError",
    "EdgeNotFound",
    "InvalidParameter",
    "NodeNotFound",
    "NotFound",
    "QueryLimit",
    "QueryRefused",
    "QuerySyntaxError",
    "ReadOnlyQuery",
    "NotInContent",
    "OnProblem",
    "ParameterError",
    "Problems",
    "ReleaseNotFound",
    "Retired",
    "did_you_mean",
    "suggest",
]

_SUGGESTIONS = 5
_MIN_SCORE = 60.0


def suggest(wanted: str, candidates: Iterable[str], *, limit: int = _SUGGESTIONS) -> list[str]:
    """The ids closest to `wanted`, best first, for "did you mean" answers (the API's and the loader's).

    >>> suggest("oxytocn", ["oxytocin", "dopamine", "prolactin"])
    ['oxytocin']
    """
    matches = process.extract(wanted, list(candidates), scorer=fuzz.WRatio, limit=limit)
    return [match for match, score, _ in matches if score >= _MIN_SCORE]


def did_you_mean(suggestions: Sequence[str]) -> str:
    """The one way a message offers close matches: `; did you mean a, b?`, or nothing.

    >>> did_you_mean(["oxytocin"]), did_you_mean([])
    ('; did you mean oxytocin?', '')
    """
    return f"; did you mean {', '.join(suggestions)}?" if suggestions else ""


class DistanceError(Exception):
    """Base of every error the domain raises on purpose; `suggestions` are close matches, if any."""

    suggestions: tuple[str, ...] = ()


class NotFound(DistanceError):
    """A requested resource does not exist."""


class NodeNotFound(NotFound):
    """No node has this id; `suggestions` holds the closest existing ids."""

    def __init__(self, node_id: str, suggestions: Sequence[str] = ()) -> None:
        self.node_id, self.suggestions = node_id, tuple(suggestions)
        super().__init__(f"no node with id {node_id!r}{did_you_mean(self.suggestions)}")


class EdgeNotFound(NotFound):
    """No edge has this id; `suggestions` holds the closest existing ids."""

    def __init__(self, edge_id: str, suggestions: Sequence[str] = ()) -> None:
        self.edge_id, self.suggestions = edge_id, tuple(suggestions)
        super().__init__(f"no edge with id {edge_id!r}{did_you_mean(self.suggestions)}")


class Retired(NotFound):
    """The id names a node that was retired (merged into another, or dropped): `replaced_by`
    is the id that answers for it now (an edge id for an edge), None when nothing does."""

    def __init__(self, what: str, old_id: str, replaced_by: str | None, note: str) -> None:
        self.old_id, self.replaced_by, self.note = old_id, replaced_by, note
        self.suggestions = (replaced_by,) if replaced_by else ()
        successor = f"; {what} {replaced_by!r} replaces it" if replaced_by else ""
        super().__init__(f"{what} {old_id!r} was retired{successor}: {note}")


class ReleaseNotFound(NotFound):
    """No recorded release has this content_version (or starts with it); `suggestions` lists
    every known content_version, newest first."""

    def __init__(self, content_version: str, known: Sequence[str] = ()) -> None:
        self.content_version, self.suggestions = content_version, tuple(known)
        listed = f"known releases: {', '.join(k[:12] for k in known)}" if known else "no release is recorded yet"
        super().__init__(f"no release has content_version {content_version!r}; {listed}")


class ParameterError(DistanceError):
    """An error about one query parameter: `parameter` names it, `message` says what is wrong."""

    def __init__(self, parameter: str, message: str, value: object = None, suggestions: Sequence[str] = ()) -> None:
        self.suggestions = tuple(suggestions)
        self.parameter, self.message, self.value = parameter, message + did_you_mean(self.suggestions), value
        super().__init__(f"{parameter} {self.message}")


class NotInContent(ParameterError, NotFound):
    """A well-formed query parameter names what the content does not have: a sign id that is
    no sign, a slice that is not a passage of its article. No schema can know the content, so
    this is a 404 that names the parameter, not a 422; `suggestions` are close matches."""


class InvalidParameter(ParameterError):
    """A query option is malformed or out of range: what a schema could have said."""


class QueryRefused(DistanceError):
    """A query written in a query language (SPARQL) that the graph will not answer."""


class QuerySyntaxError(QueryRefused):
    """The query does not parse; the message is the parser's, with where it stopped."""


class ReadOnlyQuery(QueryRefused):
    """The query would change the graph (a SPARQL Update); the graph is read-only."""


class QueryLimit(QueryRefused):
    """The query passed a bound: `limit` is its name (`time`, `size`), `bound` its value if it has one."""

    def __init__(self, limit: str, bound: int | None, message: str) -> None:
        self.limit, self.bound = limit, bound
        super().__init__(message)


@dataclass(frozen=True, order=True)
class ContentProblem:
    """One problem in the seed content, located to a file and a 1-based line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


# Where a loader hands each content problem as it finds it (`distance check` writes it to stderr).
OnProblem = Callable[[ContentProblem], None]

# How many problems a ContentError holds (the first found); the rest are counted, and each went
# to the loader's `report` when found. Five million problems held took `distance check` 4.8 GB.
KEPT_PROBLEMS = 1000


@dataclass
class Problems:
    """The problems of one load as they are found: each handed to `report`, the first
    KEPT_PROBLEMS kept for the ContentError, all counted."""

    report: OnProblem | None = None
    kept: list[ContentProblem] = field(default_factory=list)
    count: int = 0

    def add(self, problem: ContentProblem) -> None:
        self.count += 1
        if self.report is not None:
            self.report(problem)
        if len(self.kept) < KEPT_PROBLEMS:
            self.kept.append(problem)

    def check(self) -> None:
        """Raise a ContentError if any problem was found."""
        if self.count:
            raise ContentError(self.kept, self.count)


class ContentError(DistanceError):
    """The seed content is invalid: `count` problems in all, `problems` lists them sorted, or,
    past the loader's bound (`graph.load.KEPT_PROBLEMS`), the first ones found: every problem
    went to the loader's `report` as it was found, and a folder of a million bad entries is
    not held in memory twice over to be raised."""

    def __init__(self, problems: Sequence[ContentProblem], count: int | None = None) -> None:
        # Sorted as the dataclass orders them, by a key of plain tuples: compared in C, not by
        # the dataclass's __lt__ (100,000 problems took seconds per sort).
        self.problems = tuple(sorted(problems, key=lambda p: (p.file, p.line, p.message)))
        self.count = len(self.problems) if count is None else max(count, len(self.problems))
        noun = "problem" if self.count == 1 else "problems"
        more = self.count - len(self.problems)
        rest = f"\n… and {more} more" if more else ""
        super().__init__(f"{self.count} content {noun}:\n" + "\n".join(map(str, self.problems)) + rest)

    def __reduce__(self) -> tuple[type[ContentError], tuple[tuple[ContentProblem, ...], int]]:
        """Pickled as its problems (it crosses from the process that loads content), not its message."""
        return ContentError, (self.problems, self.count)
