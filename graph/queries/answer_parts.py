"""The parts of an answer to a reader's message: its shape (`Answer`, its `Item`s, the `Sides` of a
disagreement) and how an item reads: the quotes it cites (`cite`), how it was found (`how_found`),
what a response is for (`purpose_of`), and the order a reader reads the sections in
(`reading_order`). `graph.queries.answer` puts an answer together from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from graph.build import KnowledgeGraph
from graph.hubs import is_hub
from graph.models import Edge, Evidence, Node
from graph.reading import Intent, Term
from graph.registry import EDGE_KINDS
from graph.retrieval import ANCHOR_WEIGHT, Found, Retrieval
from graph.text_index import stem_set, stems

__all__ = [
    "CITED",
    "HEADING",
    "QUOTES",
    "Answer",
    "Item",
    "Section",
    "Sides",
    "attribution",
    "cite",
    "named",
    "distinct",
    "how_found",
    "overlaps",
    "purpose_of",
    "quoted",
    "reading_order",
]

Section = Literal["understood", "sides", "verdict", "reasons", "do", "dont", "statistics"]
CITED: Final = 10  # the citations read first (a bot's card; bench/answer.py scores the first 10)
HEADING: Final = 45  # a quote shorter than this is likely a heading
QUOTES: Final = 2  # a node's quotes cited: those sharing her words, at least one


@dataclass(frozen=True)
class Item:
    """One node of the answer, why it is there (`how`), what it is for, and its citations."""

    node: Node
    how: str
    citations: tuple[Evidence, ...]
    purpose: str | None = None
    verdict: tuple[str, str] | None = None  # (kind, what it means) when the item is a verdict


@dataclass(frozen=True)
class Sides:
    """A point the articles disagree on (`about`, our words) and each side, quoted."""

    about: str
    edge: Edge
    sides: tuple[Item, Item]


@dataclass(frozen=True)
class Answer:
    """The answer to one message; `order` is the reading order of its sections."""

    message: str
    answered: bool
    note: str | None
    words: tuple[Term, ...] = ()
    asks: frozenset[Intent] = frozenset()
    understood: tuple[Item, ...] = ()
    verdict: tuple[Item, ...] = ()
    reasons: tuple[Item, ...] = ()
    do: tuple[Item, ...] = ()
    dont: tuple[Item, ...] = ()
    statistics: tuple[Item, ...] = ()
    sides: tuple[Sides, ...] = ()
    order: tuple[Section, ...] = ()

    def items(self) -> list[Item]:
        """Every item in reading order (a disagreement's two sides one after the other)."""
        out: list[Item] = []
        for section in self.order:
            if section == "sides":
                out.extend(item for pair in self.sides for item in pair.sides)
            else:
                out.extend(getattr(self, section))
        return out

    def citations(self) -> list[Evidence]:
        """Every citation once, in reading order."""
        seen: dict[tuple[str, int, int], Evidence] = {}
        for item in self.items():
            for c in item.citations:
                seen.setdefault(c.span, c)
        return list(seen.values())


def cite(
    evidence: Sequence[Evidence], words: Sequence[Term], limit: int = QUOTES, *, sharing: bool = True
) -> tuple[Evidence, ...]:
    """The quotes that share most of her words first (then in content order), up to `limit`; only
    those sharing one of her words (at least one quote) unless `sharing` is False."""
    wanted = {t.stem for t in words}

    def shared(ev: Evidence) -> int:
        return len(wanted & stem_set(ev.quote))

    # A sentence reads better than a heading ("The Avoidant Attachment: The Distancer").
    ranked = sorted(enumerate(evidence), key=lambda pair: (-shared(pair[1]), len(pair[1].quote) < HEADING, pair[0]))
    if not sharing:
        return tuple(ev for _, ev in ranked[:limit])
    sharing_count = sum(1 for _, ev in ranked if shared(ev))
    return tuple(ev for _, ev in ranked[: max(1, min(limit, sharing_count))])


def quoted(words: Sequence[str]) -> str:
    return ", ".join(f"“{w}”" for w in words)


_FIELD_NAMES: Final = {
    "label": "name",
    "alias": "other names",
    "summary": "summary",
    "quote": "quotes",
    "duration": "figure",  # how long she says is within it (`graph.retrieval.durations`)
}


_WHO_SAYS_SO: Final = frozenset({"researcher", "study", "institution"})


def attribution(found: Found) -> bool:
    """Whether a node found says who says so (a researcher, a study, an institution quoted in an
    article) and her words do not name it: not what she lives, so never an item of its own
    ("he told me his ex cheated on him" is not about "Chrystal Dunkers", the therapist the
    article quotes on past hurts)."""
    node = found.node
    if node.type != "concept" or node.attributes.get("category") not in _WHO_SAYS_SO:
        return False
    # Named: every word of its label or of an alias is hers ("dunkers"; not "therapist" alone,
    # which "anxiety therapist" holds).
    said = {m.word for m in found.words if m.field in ("label", "alias")}
    hers = {s for w in said for s in stems(w)}
    return not any(set(stems(name)) <= hers for name in (node.label, *node.aliases) if stems(name))


def named(found: Found) -> bool:
    """Whether her words are in the node's label or one of its aliases (not only its summary or
    quotes), each counted at `ANCHOR_WEIGHT` or more."""
    return any(m.field in ("label", "alias") and m.weight >= ANCHOR_WEIGHT for m in found.words)


def how_found(kg: KnowledgeGraph, found: Found) -> str:
    """How a node was found, in plain words: her words and where, else the edge that brought it."""
    if found.words and found.lexical > 0:
        by_field: dict[str, list[str]] = {}
        for m in found.words:
            place = "a near spelling of its name" if m.how == "typo" else f"its {_FIELD_NAMES[m.field]}"
            if m.word not in by_field.setdefault(place, []):
                by_field[place].append(m.word)
        parts = [f"{quoted(ws)} in {place}" for place, ws in by_field.items()]
        return "your words " + "; ".join(parts)
    if found.via is not None:
        edge, other_id = found.via
        other = kg.nodes[other_id]
        spec = EDGE_KINDS[edge.kind]
        if edge.source == other_id or spec.symmetric:
            return f"through the graph: “{other.label}” {spec.label} it"
        return f"through the graph: it {spec.label} “{other.label}”"
    return "found in the graph"


def purpose_of(kg: KnowledgeGraph, response: Node, about: dict[str, int]) -> str | None:
    """What a response is for: the answer's own reason, sign or idea it helps with or makes worse,
    else the withdrawal itself (a hub); nothing when it is aimed only at something the answer
    does not mention (naming that would lead her away from what she asked)."""
    best: tuple[int, str] | None = None
    for eid in kg.out_edges.get(response.id, ()):
        edge = kg.edges[eid]
        if edge.kind not in ("addresses", "backfires"):
            continue
        if edge.target in about:
            rank = about[edge.target]
        elif is_hub(kg, edge.target):
            rank = len(about)
        else:
            continue
        label = kg.nodes[edge.target].label
        text = f"helps with “{label}”" if edge.kind == "addresses" else f"makes “{label}” worse"
        if best is None or rank < best[0]:
            best = (rank, text)
    return best[1] if best else None


def reading_order(r: Retrieval, disputed_early: bool) -> tuple[Section, ...]:
    rest: list[Section]
    if "advice" in r.intents and "why" not in r.intents:
        rest = ["verdict", "do", "dont", "reasons", "statistics"]
    elif "duration" in r.intents:
        rest = ["verdict", "statistics", "do", "dont", "reasons"]
    else:
        rest = ["verdict", "reasons", "do", "dont", "statistics"]
    if disputed_early:
        return ("understood", "sides", *rest)
    return ("understood", *rest, "sides")


def distinct(quotes: Sequence[Evidence]) -> tuple[Evidence, ...]:
    """The quotes in order, leaving out one that repeats an earlier one: the same words quoted
    again elsewhere in the article, or a passage that overlaps one already given."""
    out: list[Evidence] = []
    for ev in quotes:
        if not any(ev.quote == o.quote or overlaps(ev.span, {o.span}) for o in out):
            out.append(ev)
    return tuple(out)


def overlaps(key: tuple[str, int, int], cited: set[tuple[str, int, int]]) -> bool:
    """Whether the passage `key` shares characters with one already cited (the same sentence quoted
    whole and in part says nothing new)."""
    return any(key[0] == c[0] and key[1] < c[2] and c[1] < key[2] for c in cited)
