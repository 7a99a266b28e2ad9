"""A reader's message in, a cited answer out: what the articles say about her situation.

Deterministic and offline: the message is read and matched by `graph.retrieval` (words, the
tantivy index, two steps of push over the typed graph), and the answer is put together from the
nodes found, in the order a reader should read it:

- **understood**: the signs, questions and ideas her words matched, each saying which words
  matched where;
- **verdict**: where the articles draw the line between healthy space and a pattern to address
  (the kinds of pulling away the content marks, with the durations that measure them), quoted;
- **reasons** that fit, best first, each saying how it was reached (her words, or the edge
  from a matched sign or idea);
- **what to do** and **what not to do**, each with what it is for (the reason or sign it
  addresses or backfires on);
- the **statistics** that bear on it;
- **both sides**, each quoted, wherever the articles disagree on a point the answer touches.

Sections come in the order her message asks for (advice first when she asks what to do, reasons
first when she asks why); a disagreement on the very point matched comes right after what was
understood. Every item carries its citations (quote, offsets, article title). What is cited is
chosen passage by passage (`graph.passage_rank`: her words in the passage and in the names of the
nodes quoting it, and how those nodes rank), at most ten, each under one node that quotes it; the
best match of what she describes is read first, and a section she asks for that no passage chosen
falls in gets its best item with one quote. When nothing in
the articles is about her message (`graph.retrieval.Retrieval.covered`), the answer says so in one
sentence and offers nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Final, Literal

from graph.build import KnowledgeGraph
from graph.errors import InvalidParameter
from graph.hubs import is_hub
from graph.models import Edge, Evidence, Node
from graph.passage_rank import Passage, passages
from graph.queries.guide import VERDICTS
from graph.reading import Intent, Term
from graph.registry import EDGE_KINDS
from graph.retrieval import ANCHOR_WEIGHT, Found, Retrieval, retrieve
from graph.text_index import stems

__all__ = [
    "CITED",
    "MAX_MESSAGE",
    "NOT_COVERED",
    "Answer",
    "Item",
    "Section",
    "Sides",
    "answer",
]

MAX_MESSAGE: Final = 1000
NOT_COVERED: Final = (
    "The articles do not cover this: they are about why men pull away in relationships and what "
    "you can do when he does, and nothing in them speaks to your message."
)
Section = Literal["understood", "sides", "verdict", "reasons", "do", "dont", "statistics"]
_LIMITS: Final[dict[str, int]] = {"understood": 3, "verdict": 1, "reasons": 3, "do": 3, "dont": 2, "statistics": 1}
_RELATIVE: Final = 0.3  # an item's score must reach this share of the best node's
_ASKED_RELATIVE: Final = 0.1  # or this share, for the types she asks for
_SIGNS: Final = 5  # signs listed when she asks for signs
TOP: Final = 12  # items come from the best this many nodes
_ASKED: Final[dict[str, tuple[str, ...]]] = {
    "advice": ("response",),
    "why": ("reason",),
    "signs": ("sign",),
    "duration": ("statistic",),
}
CITED: Final = 10  # the citations read first (a bot's card; bench/answer.py scores the first 10)
_ROUNDS: Final = 2  # at most this many further quotes per item
_FILL_RELATIVE: Final = 0.7  # an item gets further quotes when its node ranks this share of the best
_HEADING: Final = 45  # a quote shorter than this is likely a heading
_QUOTES: Final = 2  # a node's quotes cited: those sharing her words, at least one
_PER_ITEM: Final = 3  # the passages one item cites at most


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
                seen.setdefault((c.source, c.start, c.end), c)
        return list(seen.values())


@lru_cache(maxsize=65536)
def _stems_of(quote: str) -> frozenset[str]:
    return frozenset(stems(quote))


def _cite(
    evidence: Sequence[Evidence], words: Sequence[Term], limit: int = _QUOTES, *, sharing: bool = True
) -> tuple[Evidence, ...]:
    """The quotes that share most of her words first (then in content order), up to `limit`; only
    those sharing one of her words (at least one quote) unless `sharing` is False."""
    wanted = {t.stem for t in words}

    def shared(ev: Evidence) -> int:
        return len(wanted & _stems_of(ev.quote))

    # A sentence reads better than a heading ("The Avoidant Attachment: The Distancer").
    ranked = sorted(enumerate(evidence), key=lambda pair: (-shared(pair[1]), len(pair[1].quote) < _HEADING, pair[0]))
    if not sharing:
        return tuple(ev for _, ev in ranked[:limit])
    sharing_count = sum(1 for _, ev in ranked if shared(ev))
    return tuple(ev for _, ev in ranked[: max(1, min(limit, sharing_count))])


def _quoted(words: Sequence[str]) -> str:
    return ", ".join(f"“{w}”" for w in words)


_FIELD_NAMES: Final = {"label": "name", "alias": "other names", "summary": "summary", "quote": "quotes"}


def _how(kg: KnowledgeGraph, found: Found) -> str:
    """How a node was found, in plain words: her words and where, else the edge that brought it."""
    if found.words and found.lexical > 0:
        by_field: dict[str, list[str]] = {}
        for m in found.words:
            place = "a near spelling of its name" if m.how == "typo" else f"its {_FIELD_NAMES[m.field]}"
            if m.word not in by_field.setdefault(place, []):
                by_field[place].append(m.word)
        parts = [f"{_quoted(ws)} in {place}" for place, ws in by_field.items()]
        return "your words " + "; ".join(parts)
    if found.via is not None:
        edge, other_id = found.via
        other = kg.nodes[other_id]
        spec = EDGE_KINDS[edge.kind]
        if edge.source == other_id or spec.symmetric:
            return f"through the graph: “{other.label}” {spec.label} it"
        return f"through the graph: it {spec.label} “{other.label}”"
    return "found in the graph"


def _purpose(kg: KnowledgeGraph, response: Node, about: dict[str, int]) -> str | None:
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


def _verdict_kinds(kg: KnowledgeGraph) -> frozenset[str]:
    """The kinds of pulling away the content marks (a concept that `is_a` hub, not a hub itself):
    where the articles draw the line between healthy space and a pattern to address."""
    out = set()
    for edge in kg.edges.values():
        hub_kind = edge.kind == "is_a" and is_hub(kg, edge.target) and not is_hub(kg, edge.source)
        if hub_kind and kg.nodes[edge.source].type == "concept":
            out.add(edge.source)
    return frozenset(out)


def _order(r: Retrieval, disputed_early: bool) -> tuple[Section, ...]:
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


def answer(kg: KnowledgeGraph, message: str) -> Answer:
    """The cited answer to a reader's `message` (1 to `MAX_MESSAGE` characters).

    Raises
    ------
    InvalidParameter
        On `q` when the message is blank or longer than `MAX_MESSAGE`.

    Examples
    --------
    >>> a = answer(tiny_graph(), "he replies slower, what should I do?")
    >>> a.answered, [i.node.id for i in a.understood], [i.node.id for i in a.do], [i.node.id for i in a.dont]
    (True, ['slower-replies'], ['give-him-space'], ['chase-him'])
    >>> answer(tiny_graph(), "what should I get him for his birthday").note.startswith("The articles do not cover")
    True
    """
    if not message.strip() or len(message) > MAX_MESSAGE:
        raise InvalidParameter("q", f"must be 1 to {MAX_MESSAGE} characters and not blank", message[:40])
    r = retrieve(kg, message)
    if not r.covered:
        return Answer(message, False, NOT_COVERED, r.terms, r.intents)
    words = r.terms
    verdicts = kg.derived(_verdict_kinds)  # made once per graph: it reads every edge
    pool = [f for f in r.ranked if not is_hub(kg, f.node.id)]
    best = pool[0].score if pool else 0.0
    top = {f.node.id for f in pool[:TOP]}
    # What she asks for is given even when only the graph reaches it (a lower bar).
    asked = {t for intent in r.intents for t in _ASKED[intent]}

    def of(*types: str, bar: float | None = None) -> list[Found]:
        if bar is None:
            bar = (_ASKED_RELATIVE if asked & set(types) else _RELATIVE) * best
        return [
            f
            for f in pool
            if f.node.type in types and f.node.id not in verdicts and f.score >= bar and f.node.id in top
        ]

    # What she describes: the signs, ideas and questions her own words match best (whatever she
    # asks for, so "he says he needs space, should I…" is first understood as the sign).
    described = [
        f
        for f in pool
        if f.node.type in ("sign", "concept", "question") and f.anchored and f.lexical > 0 and f.node.id not in verdicts
    ]
    described.sort(key=lambda f: (f.node.type == "question", -f.lexical))
    strongest = max((f.lexical for f in described), default=0.0)
    understood = [f for f in described if f.lexical >= _RELATIVE * strongest][: _LIMITS["understood"]]
    if "signs" in r.intents:  # she asks for signs: those the articles give for what she names
        signs = list(r.signs[:_SIGNS])
        understood = [*signs, *(f for f in understood if f.node.id not in {s.node.id for s in signs})]
        understood = understood[: _SIGNS + 1]
    # The articles' verdict: on a sign she describes (the content's own, quoted), else the kind of
    # pulling away her words or signs point to (healthy processing or problematic avoidance).
    judged = {f.node.id: f.node for f in (*understood, *of("sign")) if f.node.verdict is not None}
    verdict_items = [_verdict_item(sign, words) for sign in judged.values()][: _LIMITS["verdict"]]
    verdict: list[Found] = []
    if not verdict_items:
        verdict = [f for f in pool if f.node.id in verdicts and f.score >= _RELATIVE * best][: _LIMITS["verdict"]]
        verdict = verdict or _sign_verdict(kg, understood, r.ranked, verdicts)
    reasons = of("reason")[: _LIMITS["reasons"]]
    if not reasons:  # else the best reason a sign she describes indicates, at the lower bar
        indicated = {
            kg.edges[eid].target
            for f in understood
            for eid in kg.out_edges.get(f.node.id, ())
            if kg.edges[eid].kind == "indicates"
        }
        bar = _ASKED_RELATIVE * best
        reasons = [f for f in of("reason", bar=bar) if f.node.id in indicated][:1]
    responses = of("response")
    do = [f for f in responses if f.node.attributes.get("advice") != "warned_against"][: _LIMITS["do"]]
    dont = [f for f in responses if f.node.attributes.get("advice") == "warned_against"][: _LIMITS["dont"]]
    statistics = of("statistic")[: _LIMITS["statistics"]]

    about = {f.node.id: i for i, f in enumerate([*understood, *verdict, *reasons])}
    for f in understood:  # and what the signs she describes point to (a verdict's kind, a reason)
        for eid in kg.out_edges.get(f.node.id, ()):
            if kg.edges[eid].kind == "indicates":
                about.setdefault(kg.edges[eid].target, len(about))

    scores = {f.node.id: f.score for f in r.ranked}

    def item(found: Found, limit: int = _QUOTES, purpose: str | None = None) -> Item:
        if found.node.type == "question":  # the articles' answer to it, not the question as asked again
            told = _cite([ev for ev in found.node.evidence if not ev.quote.rstrip().endswith("?")], words, 1)
            quotes = (*told, *_answered(kg, found.node, words, scores)) or _cite(found.node.evidence, words, 1)
            return Item(found.node, _how(kg, found), _distinct(quotes), purpose)
        quotes = _cite(found.node.evidence, words, limit)
        if found.lexical == 0 and found.via is not None and found.via[0].evidence:
            quotes = (*_cite(found.via[0].evidence, words, 1), *quotes)[:limit]  # why the graph led here
        return Item(found.node, _how(kg, found), _distinct(quotes), purpose)

    sides, early = _sides(kg, r.ranked, words, {f.node.id for f in understood})
    answered = _once(
        Answer(
            message=message,
            answered=True,
            note=None,
            words=r.terms,
            asks=r.intents,
            understood=tuple(item(f) for f in understood),
            verdict=(*verdict_items, *(item(f) for f in verdict)),
            reasons=tuple(item(f) for f in reasons),
            do=tuple(item(f, purpose=_purpose(kg, f.node, about)) for f in do),
            dont=tuple(item(f, purpose=_purpose(kg, f.node, about)) for f in dont),
            statistics=tuple(item(f) for f in statistics),
            sides=tuple(sides),
            order=_order(r, early),
        )
    )
    situation = [i.node.id for i in answered.understood[: _SIGNS if "signs" in r.intents else 1]]
    chosen = passages(kg, r, situation)
    if not chosen:
        return _fill(answered, scores, words)
    return _by_passages(kg, answered, chosen, r, about)


def _once(a: Answer) -> Answer:
    """Each node once, where it is first read; a verdict and both sides of a disagreement are
    always shown (they say something of their own about the node)."""
    seen: set[str] = set()
    kept: dict[str, tuple[Item, ...]] = {}
    for section in a.order:
        if section == "sides":
            seen.update(side.node.id for pair in a.sides for side in pair.sides)
            continue
        items: tuple[Item, ...] = getattr(a, section)
        if section != "verdict":
            items = tuple(i for i in items if i.node.id not in seen)
        seen.update(i.node.id for i in items)
        kept[section] = items
    return replace(
        a,
        understood=kept.get("understood", ()),
        verdict=kept.get("verdict", ()),
        reasons=kept.get("reasons", ()),
        do=kept.get("do", ()),
        dont=kept.get("dont", ()),
        statistics=kept.get("statistics", ()),
        order=tuple(s for s in a.order if s == "sides" or kept.get(s)),
    )


def _key(ev: Evidence) -> tuple[str, int, int]:
    return (ev.source, ev.start, ev.end)


def _distinct(quotes: Sequence[Evidence]) -> tuple[Evidence, ...]:
    """The quotes in order, leaving out one that repeats an earlier one: the same words quoted
    again elsewhere in the article, or a passage that overlaps one already given."""
    out: list[Evidence] = []
    for ev in quotes:
        if not any(ev.quote == o.quote or _overlaps(_key(ev), {_key(o)}) for o in out):
            out.append(ev)
    return tuple(out)


def _overlaps(key: tuple[str, int, int], cited: set[tuple[str, int, int]]) -> bool:
    """Whether the passage `key` shares characters with one already cited (the same sentence quoted
    whole and in part says nothing new)."""
    return any(key[0] == c[0] and key[1] < c[2] and c[1] < key[2] for c in cited)


def _fill(a: Answer, scores: dict[str, float], words: Sequence[Term]) -> Answer:
    """Further quotes for the best-ranked items while the answer has fewer than `CITED` citations:
    one more each per round (at most `_ROUNDS`), best-ranked first, for the items whose node ranks
    at least `_FILL_RELATIVE` of the answer's best (not a question, whose reply is chosen, nor a
    verdict). A node's passages beyond the one sharing her words are often where the articles
    explain it (a heading, then what it means), and a short answer has room for them."""
    items = a.items()
    cited = {_key(c) for item in items for c in item.citations}
    said = {c.quote for item in items for c in item.citations}
    best = max((scores.get(i.node.id, 0.0) for i in items), default=0.0)
    ranked = sorted(
        (
            i
            for i in items
            if i.node.type != "question" and i.verdict is None and scores.get(i.node.id, 0.0) >= _FILL_RELATIVE * best
        ),
        key=lambda i: -scores.get(i.node.id, 0.0),
    )
    more: dict[int, list[Evidence]] = {}
    added, rounds = True, 0
    while added and len(cited) < CITED and rounds < _ROUNDS:
        added, rounds = False, rounds + 1
        for item in ranked:
            rest = [
                ev
                for ev in _cite(item.node.evidence, words, CITED, sharing=False)
                if not _overlaps(_key(ev), cited) and ev.quote not in said
            ]
            if rest and len(cited) < CITED:
                cited.add(_key(rest[0]))
                said.add(rest[0].quote)
                more.setdefault(id(item), []).append(rest[0])
                added = True
    if not more:
        return a

    def grown(item: Item) -> Item:
        return replace(item, citations=(*item.citations, *more[id(item)])) if id(item) in more else item

    def section(items: tuple[Item, ...]) -> tuple[Item, ...]:
        return tuple(grown(i) for i in items)

    return replace(
        a,
        understood=section(a.understood),
        verdict=section(a.verdict),
        reasons=section(a.reasons),
        do=section(a.do),
        dont=section(a.dont),
        statistics=section(a.statistics),
        sides=tuple(replace(pair, sides=(grown(pair.sides[0]), grown(pair.sides[1]))) for pair in a.sides),
    )


def _answered(
    kg: KnowledgeGraph, question: Node, words: Sequence[Term], scores: dict[str, float]
) -> tuple[Evidence, ...]:
    """The articles' answer to a question as her message ranks it: the quote on the `answers` edge
    (an FAQ's reply) from the best-ranked node that answers it, the one sharing most of her words."""
    edges = [kg.edges[eid] for eid in kg.in_edges.get(question.id, ())]
    answering = sorted(
        (e for e in edges if e.kind == "answers" and e.evidence), key=lambda e: -scores.get(e.source, 0.0)
    )
    return _cite(answering[0].evidence, words, 1) if answering else ()


def _verdict_item(sign: Node, words: Sequence[Term]) -> Item:
    """A sign's verdict as the articles give it: what it means, and the quotes that say so."""
    assert sign.verdict is not None
    kind = sign.verdict.kind
    quotes = _distinct(_cite(sign.verdict.evidence, words, 1))
    return Item(sign, f"the articles' verdict on “{sign.label}”", quotes, verdict=(kind, VERDICTS[kind]))


def _sign_verdict(
    kg: KnowledgeGraph, understood: Sequence[Found], ranked: Sequence[Found], verdicts: frozenset[str]
) -> list[Found]:
    """The verdict a matched sign carries: the kind of pulling away it `indicates`, if the content marks one."""
    found = {f.node.id: f for f in ranked}
    for f in understood:
        for eid in kg.out_edges.get(f.node.id, ()):
            edge = kg.edges[eid]
            if edge.kind == "indicates" and edge.target in verdicts:
                entry = found.get(edge.target) or Found(kg.nodes[edge.target])
                if entry.via is None or entry.lexical == 0:
                    entry.via = (edge, f.node.id)
                return [entry]
    return []


def _sides(
    kg: KnowledgeGraph, ranked: Sequence[Found], words: Sequence[Term], understood: set[str]
) -> tuple[list[Sides], bool]:
    """The disagreements on what her words are about, and whether one is on the point matched.

    A disagreement is on her point when one of its sides is among the best-ranked nodes and her own
    words match it (or it is among the first three), not merely reached through the graph."""
    top = ranked[0].score
    strongest = max((f.lexical for f in ranked), default=0.0)
    rank = {
        f.node.id: i
        for i, f in enumerate(ranked)
        if f.score >= 0.25 * top and (i < 3 or (f.anchored and f.lexical >= _RELATIVE * strongest))
    }
    found = {f.node.id: f for f in ranked}
    pairs: list[tuple[int, Edge]] = []
    for node_id, i in rank.items():
        for eid in (*kg.out_edges.get(node_id, ()), *kg.in_edges.get(node_id, ())):
            edge = kg.edges[eid]
            if edge.kind == "contradicts" and all(end in found for end in (edge.source, edge.target)):
                pairs.append((i, edge))
    chosen: dict[str, tuple[int, Edge]] = {}
    for i, edge in sorted(pairs, key=lambda p: p[0]):
        chosen.setdefault(edge.id, (i, edge))
    out = []
    early = False
    for i, edge in list(chosen.values())[:2]:
        one, other = (found[edge.source], found[edge.target])
        early = early or i < 3 or edge.source in understood or edge.target in understood
        about = edge.about or f"“{one.node.label}” against “{other.node.label}”"
        out.append(
            Sides(
                about,
                edge,
                (
                    Item(one.node, _how(kg, one), _cite(one.node.evidence, words, 1)),
                    Item(other.node, _how(kg, other), _cite(other.node.evidence, words, 1)),
                ),
            )
        )
    return out, early


_CITING: Final[tuple[Section, ...]] = ("understood", "reasons", "do", "dont", "statistics")
_SECTIONS_ASKED: Final[dict[str, tuple[Section, ...]]] = {
    "advice": ("do", "dont"),
    "why": ("reasons",),
    "signs": ("understood",),
    "duration": ("statistics",),
}
_SECTION_OF: Final[dict[str, Section]] = {
    "sign": "understood",
    "concept": "understood",
    "question": "understood",
    "reason": "reasons",
    "statistic": "statistics",
}


def _by_passages(
    kg: KnowledgeGraph, a: Answer, chosen: Sequence[Passage], r: Retrieval, about: dict[str, int]
) -> Answer:
    """The answer citing the passages her message is about (`graph.passage_rank`), each under one
    node that quotes it: the question it replies to, else a node whose own quote it is before an
    edge's end, an item the answer already has before a new one (in reading order), then the
    best-ranked; at most `_PER_ITEM` each. A new item goes to its type's section. A verdict and
    both sides of a disagreement on the very point she asks about keep their own quotes (a
    disagreement on another point is left out); an item none of the passages is quoted by is
    left out. At most `CITED` citations in all."""
    ranked = r.ranked
    early = "sides" in a.order and a.order.index("sides") <= 1  # on the very point she asks about
    sides = [side for pair in a.sides for side in pair.sides] if early else []
    kept = {_key(c) for item in (*a.verdict, *sides) for c in item.citations}
    budget = CITED - len(kept)
    chosen = [p for p in chosen if not _overlaps(_key(p.evidence), kept)][: max(0, budget)]
    listed = [i.node.id for section in a.order if section not in ("sides", "verdict") for i in getattr(a, section)]
    rank = {f.node.id: n for n, f in enumerate(ranked)}
    found = {f.node.id: f for f in ranked}

    def misread(node_id: str) -> bool:  # only her words about herself match it, and it is his state
        f = found.get(node_id)
        return f is not None and bool(f.words) and not any(m.weight >= ANCHOR_WEIGHT for m in f.words)

    def owner(p: Passage) -> str | None:
        asking = p.evidence.quote.rstrip().endswith("?")
        holders = [
            h
            for h in p.nodes
            if kg.nodes[h].type != "source" and not (asking and kg.nodes[h].type == "question") and not misread(h)
        ]
        if not holders:
            return None
        holders = [h for h in holders if len(given.get(h, ())) < _PER_ITEM]
        span = _key(p.evidence)

        def preference(h: str) -> tuple[bool, bool, int, bool, bool, int, str]:
            node = kg.nodes[h]
            reply = node.type == "question" and span in _replies(kg, h)  # read under the question it answers
            own = span in {_key(ev) for ev in node.evidence}  # its own quote before an edge's
            at = listed.index(h) if h in listed else len(listed)
            return (not reply, not own, at, node.hub, node.type == "question", rank.get(h, len(rank)), h)

        return min(holders, key=preference) if holders else None

    def assign(chosen: Sequence[Passage]) -> dict[str, list[Item]]:
        given.clear()
        with_.clear()
        for p in chosen:
            node_id = owner(p)
            if node_id is not None:
                given.setdefault(node_id, []).append(p.evidence)
                with_.setdefault(node_id, []).extend(h for h in p.nodes if h != node_id)
        sections: dict[str, list[Item]] = {}
        for section in _CITING:
            items: tuple[Item, ...] = getattr(a, section)
            sections[section] = [replace(i, citations=tuple(given[i.node.id])) for i in items if i.node.id in given]
        for node_id, quotes in given.items():
            if node_id in listed:
                continue
            node = kg.nodes[node_id]
            if node_id in found and found[node_id].lexical > 0:
                how = _how(kg, found[node_id])
            else:
                others = [found[h] for h in with_.get(node_id, ()) if h in found]
                how = _how_quoted(kg, found.get(node_id), quotes, r.terms, others)
            if node.type == "response":
                section = "dont" if node.attributes.get("advice") == "warned_against" else "do"
                sections[section].append(Item(node, how, tuple(quotes), _purpose(kg, node, about)))
            else:
                sections[_SECTION_OF.get(node.type, "understood")].append(Item(node, how, tuple(quotes)))
        return sections

    given: dict[str, list[Evidence]] = {}
    with_: dict[str, list[str]] = {}  # the other nodes quoting the passages an item cites
    sections = assign(chosen)
    # A section she asks for, when no passage chosen is in it, gets the answer's own first item
    # there (reached over the typed graph), with one quote.
    wanted = [s for intent in r.intents for s in _SECTIONS_ASKED[intent]]
    fills = [s for s in dict.fromkeys(wanted) if not sections[s] and getattr(a, s)]
    over = len(kept) + sum(len(i.citations) for items in sections.values() for i in items) + len(fills) - CITED
    if fills and over > 0:
        sections = assign(chosen[: max(0, len(chosen) - over)])
    listed_now = {i.node.id for items in sections.values() for i in items}
    for described in a.understood[:1]:  # what she describes, when a verdict already quotes it
        own = {_key(ev) for ev in described.node.evidence}
        free = [c for item in (*a.verdict, *sides) for c in item.citations if _overlaps(_key(c), own)]
        if described.node.id not in listed_now and free:
            sections["understood"].insert(0, replace(described, citations=(free[0],)))
    for section in fills:
        first: Item = getattr(a, section)[0]
        if not any(i.node.id == first.node.id for items in sections.values() for i in items):
            sections[section].append(replace(first, citations=first.citations[:1]))
    if not early:
        a = replace(a, sides=())
    order = tuple(
        s for s in _order(r, early) if (s == "sides" and a.sides) or (s == "verdict" and a.verdict) or sections.get(s)
    )
    return replace(
        a,
        understood=tuple(sections["understood"]),
        reasons=tuple(sections["reasons"]),
        do=tuple(sections["do"]),
        dont=tuple(sections["dont"]),
        statistics=tuple(sections["statistics"]),
        order=order,
    )


def _replies(kg: KnowledgeGraph, question: str) -> frozenset[tuple[str, int, int]]:
    """The passages quoted on the `answers` edges into `question` (the articles' replies to it)."""
    edges = (kg.edges[eid] for eid in kg.in_edges.get(question, ()))
    return frozenset(_key(ev) for edge in edges if edge.kind == "answers" for ev in edge.evidence)


def _how_quoted(
    kg: KnowledgeGraph, node: Found | None, quotes: Sequence[Evidence], words: Sequence[Term], others: Sequence[Found]
) -> str:
    """How a node no word of hers names was found: her words in the passages it is cited for, else
    the node her words match that quotes the same passage (an edge's other end), else the edge
    that brought it."""
    stems_in = set().union(*(_stems_of(ev.quote) for ev in quotes))
    shared = [t.word for t in words if t.stem in stems_in]
    if shared:
        return f"your words {_quoted(shared)} in its quotes"
    matched = sorted((f for f in others if f.lexical > 0), key=lambda f: -f.lexical)
    if matched:
        return f"through the graph: its passage is quoted for “{matched[0].node.label}”, which your words match"
    return _how(kg, node) if node is not None else "found in the graph"
