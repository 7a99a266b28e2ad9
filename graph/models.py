"""What the content is: seed input models (strict) and the built, located domain objects.

Seed models (`*Seed`) mirror what a curator writes in seeds/graph/*.yaml: unknown keys are
errors. Built models carry what the loader adds: quote offsets, source nodes, derived edges.
All of them are frozen; after `graph.build` nothing changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from graph.types import EdgeKind, NodeType

__all__ = [
    "CONCEPT_CATEGORIES",
    "ConceptSeed",
    "Edge",
    "EdgeSeed",
    "Evidence",
    "EvidenceSeed",
    "MAX_QUOTE_CHARS",
    "Node",
    "NodeSeed",
    "QuestionSeed",
    "ReasonSeed",
    "ADVICE",
    "ResponseSeed",
    "Retirement",
    "RetirementSeed",
    "SEED_MODELS",
    "SLUG",
    "SignSeed",
    "SourceSeed",
    "StatisticSeed",
    "VERDICT_KINDS",
    "Verdict",
    "VerdictSeed",
]

T = TypeVar("T")

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_QUOTE_CHARS = 300
CONCEPT_CATEGORIES = (
    "hormone",
    "neuroscience",
    "attachment",
    "pattern",
    "psychology",
    "therapy",
    "researcher",
    "study",
    "institution",
    "relationship",
    "other",
)

# Whether the articles recommend a response or warn against it (a response's label names the
# action itself, so "X addresses Y" and "X backfires on Y" read as true sentences).
ADVICE = ("recommended", "warned_against")
# The line the articles draw for a sign: healthy space (002's healthy processing), a pattern
# to address (002's "that conversation needs to happen"), or one where the articles point to
# professional support (004, and 002's "when professional help might be needed").
VERDICT_KINDS = ("healthy", "address", "seek_support")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


# Seed models build their validators on first use (`defer_build`): only the process that
# loads the content uses them, and `distance serve` imports them before it forks that process.
class _Seed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False, defer_build=True)


class EvidenceSeed(_Seed):
    """One `{source, quote}` as written; the quote must be verbatim from that article."""

    source: str
    quote: Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUOTE_CHARS)]


class _NodeSeed(_Seed):
    id: str
    label: Text
    summary: Text
    aliases: tuple[Text, ...] = ()
    evidence: tuple[EvidenceSeed, ...] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"id {value!r} is not a kebab-case slug")
        return value


class ConceptSeed(_NodeSeed):
    """An idea, theory, hormone, attachment style, researcher, study or institution.

    `hub: true` marks the phenomenon the articles explain (pulling away, and its
    post-intimacy case): reasons are expected to reach a hub, and `Node.hub` carries the
    flag so graph code reads one definition (`graph.hubs`).
    """

    type: Literal["concept"] = "concept"
    category: Literal[CONCEPT_CATEGORIES] = "other"  # type: ignore[valid-type]
    hub: bool = False


class ReasonSeed(_NodeSeed):
    """An answer to "why does he pull away?".

    `no_advice` says, in our words, that the articles give no advice aimed at this reason
    (the linter asks every other reason for an `addresses` or `backfires` edge).
    """

    type: Literal["reason"] = "reason"
    no_advice: Text | None = None


class VerdictSeed(_Seed):
    """What an article says a sign means: healthy, to address, or a case for support, quoted."""

    kind: Literal[VERDICT_KINDS]  # type: ignore[valid-type]
    evidence: tuple[EvidenceSeed, ...] = Field(min_length=1)


class SignSeed(_NodeSeed):
    """Something observable, optionally in the article's grouping, with the articles' verdict on it."""

    type: Literal["sign"] = "sign"
    group: Text | None = None
    verdict: VerdictSeed | None = None


class ResponseSeed(_NodeSeed):
    """An action the reader may take; `advice` says whether the articles recommend it or warn against it.

    The label names the action ("Demand an explanation"), never its negation, so that an
    `addresses` or `backfires` edge reads as a true sentence. The served `polarity` (`do`,
    `dont`) is derived from `advice` and kept for older clients.
    """

    type: Literal["response"] = "response"
    advice: Literal[ADVICE]  # type: ignore[valid-type]
    group: Text | None = None


class QuestionSeed(_NodeSeed):
    """An FAQ a reader asks; other nodes answer it."""

    type: Literal["question"] = "question"


class StatisticSeed(_NodeSeed):
    """A number, or a range `low`–`high`, with its unit and the quantity it measures (in our words).

    The served `value` is derived: the figure as text ("3–7", "88"), for older clients.
    """

    type: Literal["statistic"] = "statistic"
    low: float
    high: float | None = None
    unit: Text
    quantity: Text

    @model_validator(mode="after")
    def _range(self) -> StatisticSeed:
        if self.high is not None and self.high <= self.low:
            raise ValueError(
                f"high ({self.high:g}) must be greater than low ({self.low:g}); a single number has no high"
            )
        return self


class SourceSeed(_Seed):
    """One article as listed in seeds/sources/sources.yaml."""

    id: str
    file: Text
    title: Text
    author: Text | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$")] | None = None
    body_end_line: int | None = Field(default=None, ge=1)

    @field_validator("id")
    @classmethod
    def _three_digits(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9]{3}", value):
            raise ValueError(f'source id {value!r} must be three digits, quoted in YAML: "001"')
        return value


NodeSeed = ConceptSeed | ReasonSeed | SignSeed | ResponseSeed | QuestionSeed | StatisticSeed

# The seed file that holds each type: seeds/graph/<type>s.yaml
SEED_MODELS: dict[str, type[_NodeSeed]] = {
    "concepts.yaml": ConceptSeed,
    "reasons.yaml": ReasonSeed,
    "signs.yaml": SignSeed,
    "responses.yaml": ResponseSeed,
    "questions.yaml": QuestionSeed,
    "statistics.yaml": StatisticSeed,
}


class EdgeSeed(_Seed):
    """One edge as written: quoted evidence, or `basis: editorial` with a note.

    `about` belongs to `contradicts` edges only, and they need it: one sentence in our own
    words on what the two sides disagree on (the loader enforces both).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    from_: str = Field(alias="from")
    kind: str
    to: str
    evidence: tuple[EvidenceSeed, ...] = ()
    basis: Literal["quoted", "editorial"] = "quoted"
    note: Text | None = None
    about: Text | None = None


class RetirementSeed(_Seed):
    """A node id that no longer names a node (seeds/graph/retired.yaml): an id is never reused,
    and a retired one keeps answering with its successor (`replaced_by`), when it has one."""

    id: str
    replaced_by: str | None = None
    note: Text

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"id {value!r} is not a kebab-case slug")
        return value


def _pickled_as_arguments(cls: type[T]) -> type[T]:
    """Pickle `cls`'s instances as the class and its field values, so unpickling calls the class.

    The dataclasses module pickles a frozen, slotted instance through `__getstate__` and
    `__setstate__` that each call `fields()`, a few µs an object: with this and the collector
    paused (`graph.intake`), handing a 100,000-node graph from the process that loads it to the
    one that serves it (pickled, then unpickled) went from ~22 s to ~5 s.
    """
    values = attrgetter(*(f.name for f in fields(cls)))  # type: ignore[arg-type]

    def __reduce__(self: T) -> tuple[type[T], tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


# Built objects are frozen, slotted dataclasses rather than pydantic models: they are made
# only from validated seeds, and a slotted instance is ~6x smaller (an edge ~170 bytes
# against ~1.1 KB), which is what lets a 1M-edge graph fit in memory. orjson serializes
# them as they are (content_version hashes them that way).
@_pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Evidence:
    """A verbatim quote located in its article: `text[start:end] == quote`."""

    source: str
    quote: str
    start: int
    end: int

    @property
    def span(self) -> tuple[str, int, int]:
        """Where the quote stands, `(source, start, end)`: one passage however many quote it."""
        return (self.source, self.start, self.end)


@_pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Retirement:
    """A retired node id, the node that replaces it (None when nothing does), and why, in our words."""

    id: str
    replaced_by: str | None
    note: str


@_pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Verdict:
    """A sign's verdict (`VERDICT_KINDS`) and the located quotes that give it."""

    kind: str
    evidence: tuple[Evidence, ...]


@_pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Node:
    """A built node of any type; type-specific fields live in `attributes`.

    One class for every type keeps queries and indexes uniform; `attributes` holds
    `category`, `group`, `advice`, `polarity`, `value`, `unit`, or a source's `title`, `author`, …
    A sign's `verdict` has quotes of its own, located like the node's evidence.
    `hub` is kept out of `attributes` (which reach the wire as they are): it is a property
    of the content's structure, read through `graph.hubs`.
    """

    id: str
    type: NodeType
    label: str
    summary: str
    aliases: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    attributes: dict[str, str | int | float | None] = field(default_factory=dict)
    hub: bool = False
    verdict: Verdict | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        """Ids of the articles this node is quoted from, in order of first citation."""
        return tuple(dict.fromkeys(ev.source for ev in self.evidence))


@_pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Edge:
    """A built edge; its id `from--kind--to` is stable as long as its ends are.

    `about` is set on `contradicts` edges only: what the two sides disagree on, in our words.
    """

    id: str
    kind: EdgeKind
    source: str
    target: str
    evidence: tuple[Evidence, ...] = ()
    basis: Literal["quoted", "editorial", "derived"] = "quoted"
    note: str | None = None
    about: str | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        """Ids of the articles quoted as evidence for this edge."""
        return tuple(dict.fromkeys(ev.source for ev in self.evidence))
