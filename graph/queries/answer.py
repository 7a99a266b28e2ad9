"""A reader's message in, a cited answer out: what the articles say about her situation.

Deterministic and offline: the message is read and matched by `graph.retrieval` (words, the
tantivy index, two steps of push over the typed graph), and the answer is put together from the
nodes found, in the order a reader should read it:

- **understood**: the signs, questions and ideas her words matched, each saying which words
  matched where;
- **verdict**: where the articles draw the line between healthy space and a pattern to address
  (the kinds of pulling away the content marks, with the durations that measure them), quoted,
  given (but for the sign she describes first) only when its quote is among the passages her
  message is about;
- **reasons** that fit, best first, each saying how it was reached (her words, or the edge
  from a matched sign or idea);
- **what to do** and **what not to do**, each with what it is for (the reason or sign it
  addresses or backfires on);
- the **statistics** that bear on it;
- **both sides**, each quoted, wherever the articles disagree on a point the answer touches (one
  disagreement, and only when a side's quote is among the passages her message is about).

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
from dataclasses import replace
from typing import Final

from graph.build import KnowledgeGraph
from graph.errors import InvalidParameter
from graph.hubs import is_hub
from graph.models import Edge, Evidence, Node
from graph.passage_rank import is_heading_quote, passages, scored
from graph.queries.answer_citing import by_passages
from graph.queries.answer_parts import (
    CITED,
    QUOTES,
    Answer,
    Item,
    Section,
    Sides,
    attribution,
    cite,
    distinct,
    how_found,
    named,
    overlaps,
    purpose_of,
    reading_order,
)
from graph.queries.guide import VERDICTS
from graph.reading import Term
from graph.retrieval import Found, retrieve

__all__ = [
    "CITED",
    "MAX_MESSAGE",
    "NOT_COVERED",
    "Answer",
    "Item",
    "Section",
    "Sides",
    "answer",
    "verdict_kinds",
]

MAX_MESSAGE: Final = 1000
NOT_COVERED: Final = (
    "The articles do not cover this: they are about why men pull away in relationships and what "
    "you can do when he does, and nothing in them speaks to your message."
)

# One disagreement: the one whose side ranks best (a second was rarely on the point she asks about).
_LIMITS: Final[dict[str, int]] = {
    "understood": 3,
    "verdict": 1,
    "reasons": 3,
    "do": 3,
    "dont": 2,
    "statistics": 1,
    "sides": 1,
}
_RELATIVE: Final = 0.3  # an item's score must reach this share of the best node's
_ASKED_RELATIVE: Final = 0.1  # or this share, for the types she asks for
_VERDICT_RELATIVE: Final = 0.5  # a verdict's quote must score this share of her message's best passage
_SIDES_RELATIVE: Final = 0.7  # and one side's quote of a disagreement this share
_CANDIDATES: Final = 4  # the disagreements on her point looked at for one whose side meets that
_SIGNS: Final = 5  # signs listed when she asks for signs
TOP: Final = 12  # items come from the best this many nodes
_ASKED: Final[dict[str, tuple[str, ...]]] = {
    "advice": ("response",),
    "why": ("reason",),
    "signs": ("sign",),
    "duration": ("statistic",),
    "verdict": (),
}
_LINE: Final = 3  # the verdicts given when she asks where the line is: her sign's, and each kind's
_ROUNDS: Final = 2  # at most this many further quotes per item
_FILL_RELATIVE: Final = 0.7  # an item gets further quotes when its node ranks this share of the best


def verdict_kinds(kg: KnowledgeGraph) -> frozenset[str]:
    """The kinds of pulling away the content marks (a concept that `is_a` hub, not a hub itself):
    where the articles draw the line between healthy space and a pattern to address."""
    out = set()
    for edge in kg.edges.values():
        hub_kind = edge.kind == "is_a" and is_hub(kg, edge.target) and not is_hub(kg, edge.source)
        if hub_kind and kg.nodes[edge.source].type == "concept":
            out.add(edge.source)
    return frozenset(out)


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
    ranked_passages = scored(kg, r)
    worth = {p.evidence.span: p.score for p in ranked_passages}
    verdicts = kg.derived(verdict_kinds)  # made once per graph: it reads every edge
    pool = [f for f in r.ranked if not is_hub(kg, f.node.id)]
    best = pool[0].score if pool else 0.0
    top = {f.node.id for f in pool[:TOP]}
    # What she asks for may rank further down ("should I be worried?" about a sign and a reason
    # that fill the best twelve): its items come from twice as many.
    asked_top = {f.node.id for f in pool[: 2 * TOP]}
    # What she asks for is given even when only the graph reaches it (a lower bar).
    asked = {t for intent in r.intents for t in _ASKED[intent]}

    def of(*types: str, bar: float | None = None) -> list[Found]:
        wanted = asked & set(types)
        if bar is None:
            bar = (_ASKED_RELATIVE if wanted else _RELATIVE) * best
        among = asked_top if wanted else top
        return [
            f
            for f in pool
            if f.node.type in types and f.node.id not in verdicts and f.score >= bar and f.node.id in among
        ]

    # What she describes: the signs, ideas and questions her own words match best (whatever she
    # asks for, so "he says he needs space, should I…" is first understood as the sign).
    described = [
        f
        for f in pool
        if f.node.type in ("sign", "concept", "question")
        and f.anchored
        and f.lexical > 0
        and f.node.id not in verdicts
        and not attribution(f)
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
    # Either is given only where it is quoted by a passage her message is about (`_VERDICT_RELATIVE`),
    # but for the verdict on the sign she describes first.
    top_passage = ranked_passages[0].score if ranked_passages else 0.0
    floor = _VERDICT_RELATIVE * top_passage

    def meets(item: Item) -> bool:
        return any(worth.get(c.span, 0.0) >= floor for c in item.citations)

    judged = {f.node.id: f.node for f in (*understood, *of("sign")) if f.node.verdict is not None}
    first = understood[0].node.id if understood else None  # what she describes first: its verdict always
    verdict_items = [
        v for v in (_verdict_item(sign, words, worth) for sign in judged.values()) if v.node.id == first or meets(v)
    ]
    verdict: list[Found] = []
    if not verdict_items:
        kinds = [f for f in pool if f.node.id in verdicts and f.score >= _RELATIVE * best]
        for f in kinds or _sign_verdict(kg, understood, r.ranked, verdicts):
            v = _verdict_of(kg, f, words, worth)
            if meets(v):
                verdict.append(f)
                verdict_items.append(v)
    if "verdict" in r.intents:  # she asks where the line is: the articles' line, each side of it quoted
        verdict_items = verdict_items[:1]
        verdict = verdict[: len(verdict_items)]
        given = {v.node.id for v in verdict_items}
        said = {c.span for v in verdict_items for c in v.citations}
        found = {f.node.id: f for f in r.ranked}
        for kind in sorted(verdicts, key=lambda k: (-(found[k].score if k in found else 0.0), k)):
            f = found.get(kind) or Found(kg.nodes[kind])
            # Each side in a sentence of its own: not a heading, not what a verdict already quotes.
            telling = [ev for ev in f.node.evidence if not overlaps(ev.span, said) and not is_heading_quote(kg, ev)]
            if kind not in given and telling:
                verdict.append(f)
                verdict_items.append(Item(f.node, how_found(kg, f), _telling(telling, words, worth, 1)))
                said.update(ev.span for ev in verdict_items[-1].citations)
        verdict_items = verdict_items[:_LINE]
        verdict = verdict[:_LINE]
    else:
        verdict_items = verdict_items[: _LIMITS["verdict"]]
        verdict = verdict[: _LIMITS["verdict"]]
    # What the signs she describes point to (a verdict's kind, a reason), in their order.
    indicated = dict.fromkeys(
        kg.edges[eid].target
        for f in understood
        for eid in kg.out_edges.get(f.node.id, ())
        if kg.edges[eid].kind == "indicates"
    )
    reasons = of("reason")[: _LIMITS["reasons"]]
    if not reasons:  # else the best reason a sign she describes indicates, at the lower bar
        reasons = [f for f in of("reason", bar=_ASKED_RELATIVE * best) if f.node.id in indicated][:1]
    responses = of("response")
    do = [f for f in responses if f.node.attributes.get("advice") != "warned_against"][: _LIMITS["do"]]
    dont = [f for f in responses if f.node.attributes.get("advice") == "warned_against"][: _LIMITS["dont"]]
    statistics = of("statistic")[: _LIMITS["statistics"]]

    about = {f.node.id: i for i, f in enumerate([*understood, *verdict, *reasons])}
    for target in indicated:
        about.setdefault(target, len(about))

    scores = {f.node.id: f.score for f in r.ranked}

    def item(found: Found, limit: int = QUOTES, purpose: str | None = None) -> Item:
        if found.node.type == "question":  # the articles' answer to it, not the question as asked again
            told = cite([ev for ev in found.node.evidence if not ev.quote.rstrip().endswith("?")], words, 1)
            quotes = (*told, *_answered(kg, found.node, words, scores)) or cite(found.node.evidence, words, 1)
            return Item(found.node, how_found(kg, found), distinct(quotes), purpose)
        quotes = cite(found.node.evidence, words, limit)
        if found.lexical == 0 and found.via is not None and found.via[0].evidence:
            quotes = (*cite(found.via[0].evidence, words, 1), *quotes)[:limit]  # why the graph led here
        return Item(found.node, how_found(kg, found), distinct(quotes), purpose)

    # A disagreement is given where one of its sides is quoted by a passage her message is about:
    # the first of those on her point (best-ranked side first) that is.
    candidates = [
        (pair, on_point)
        for pair, on_point in _sides(kg, r.ranked, words, {f.node.id for f in understood}, worth)
        if max((worth.get(c.span, 0.0) for side in pair.sides for c in side.citations), default=0.0)
        >= _SIDES_RELATIVE * top_passage
    ][: _LIMITS["sides"]]
    sides = [pair for pair, _ in candidates]
    early = any(on_point for _, on_point in candidates)
    answered = _once(
        Answer(
            message=message,
            answered=True,
            note=None,
            words=r.terms,
            asks=r.intents,
            understood=tuple(item(f) for f in understood),
            verdict=tuple(verdict_items),
            reasons=tuple(item(f) for f in reasons),
            do=tuple(item(f, purpose=purpose_of(kg, f.node, about)) for f in do),
            dont=tuple(item(f, purpose=purpose_of(kg, f.node, about)) for f in dont),
            statistics=tuple(item(f) for f in statistics),
            sides=tuple(sides),
            order=reading_order(r, early),
        )
    )
    situation = [i.node.id for i in answered.understood[: _SIGNS if "signs" in r.intents else 1]]
    chosen = passages(kg, r, situation, ranked_passages)
    if not chosen:
        return _fill(answered, scores, words)
    return by_passages(kg, answered, chosen, r, about)


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


def _fill(a: Answer, scores: dict[str, float], words: Sequence[Term]) -> Answer:
    """Further quotes for the best-ranked items while the answer has fewer than `CITED` citations:
    one more each per round (at most `_ROUNDS`), best-ranked first, for the items whose node ranks
    at least `_FILL_RELATIVE` of the answer's best (not a question, whose reply is chosen, nor a
    verdict). A node's passages beyond the one sharing her words are often where the articles
    explain it (a heading, then what it means), and a short answer has room for them."""
    items = a.items()
    cited = {c.span for item in items for c in item.citations}
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
                for ev in cite(item.node.evidence, words, CITED, sharing=False)
                if not overlaps(ev.span, cited) and ev.quote not in said
            ]
            if rest and len(cited) < CITED:
                cited.add(rest[0].span)
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
    return cite(answering[0].evidence, words, 1) if answering else ()


def _telling(
    evidence: Sequence[Evidence], words: Sequence[Term], worth: dict[tuple[str, int, int], float], limit: int
) -> tuple[Evidence, ...]:
    """The `limit` quotes of `evidence` her message's passages score best (`graph.passage_rank`),
    else those sharing most of her words: a verdict quoted where it meets her situation, not by its
    first quote (often the articles' general line between healthy space and avoidance)."""
    order = {ev.span: i for i, ev in enumerate(cite(evidence, words, len(evidence), sharing=False))}
    best = sorted(evidence, key=lambda ev: (-worth.get(ev.span, 0.0), order[ev.span]))
    return distinct(best[:limit])


def _verdict_of(
    kg: KnowledgeGraph, found: Found, words: Sequence[Term], worth: dict[tuple[str, int, int], float]
) -> Item:
    """A kind of pulling away as the verdict: its quotes that meet her message best (after the
    quote of the edge that led to it, when the graph did)."""
    limit = len(cite(found.node.evidence, words, QUOTES))
    quotes = _telling(found.node.evidence, words, worth, limit)
    if found.lexical == 0 and found.via is not None and found.via[0].evidence:
        quotes = distinct((*cite(found.via[0].evidence, words, 1), *quotes)[:limit])
    return Item(found.node, how_found(kg, found), quotes)


def _verdict_item(sign: Node, words: Sequence[Term], worth: dict[tuple[str, int, int], float]) -> Item:
    """A sign's verdict as the articles give it: what it means, and the quote that says so best."""
    assert sign.verdict is not None
    kind = sign.verdict.kind
    quotes = _telling(sign.verdict.evidence, words, worth, 1)
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
    kg: KnowledgeGraph,
    ranked: Sequence[Found],
    words: Sequence[Term],
    understood: set[str],
    worth: dict[tuple[str, int, int], float],
) -> list[tuple[Sides, bool]]:
    """The disagreements on what her words are about (at most `_CANDIDATES`, best-ranked side
    first), each with whether it is on the point matched; each side quoted by its passage her
    message scores best (`_telling`).

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
    for i, edge in list(chosen.values())[:_CANDIDATES]:
        one, other = (found[edge.source], found[edge.target])
        # On her point: a side among the best three, or what she describes, or named by her words.
        on_point = i < 3 or bool({edge.source, edge.target} & understood) or named(one) or named(other)
        about = edge.about or f"“{one.node.label}” against “{other.node.label}”"
        out.append(
            (
                Sides(
                    about,
                    edge,
                    (
                        Item(one.node, how_found(kg, one), _telling(one.node.evidence, words, worth, 1)),
                        Item(other.node, how_found(kg, other), _telling(other.node.evidence, words, worth, 1)),
                    ),
                ),
                on_point,
            )
        )
    return out
