"""The "I notice these signs" guide: reasons ranked by the evidence joining the signs to them.

Every given sign is joined to reasons over the typed graph along three kinds of link, each
with a strength a reader can check by hand (`SCORING` says it in words):

- **direct** (1): the sign `indicates` the reason;
- **through a concept or a reason** (1/2): the sign `indicates` a concept (not a hub) or a
  reason, and the reason is tied to that concept or reason (`involves`, `leads_to`,
  `related_to`, `is_a`, either way);
- **through a hub** (1/4): the sign `indicates` a hub (`graph.hubs`, "pulling away"), or a
  concept that `is_a` hub, and the reason `leads_to` the hub, quoted from the article that
  gives the sign: the sign shows the withdrawal, and that article explains it so.

Each sign contributes its strongest link to a reason; a reason's score is the sum over the
given signs. Reasons a sign indicates directly always come first. Indirect links are capped
per sign (`MAX_INDIRECT`, the nearest first), so one hub does not bring every reason along.
Each link says in plain words how the reason was reached (`via`).

Each sign also gets, first, the articles' verdict on it where they give one (002's healthy
processing, its pattern to address past two weeks, 004's point for professional support),
quoted; a sign the articles call healthy is not walked to the reasons for a withdrawal. Then
its advice: the responses aimed at the sign itself, and the advice written for the situation
it belongs to (a hub the sign points to, directly, through a kind of it, or through a reason
that leads to it), each situation with a note saying how the sign reaches it. When the
articles give no advice for a sign or a reason, `advice_note` says so. A `fallback` flag and a
note say when no article ties the sign to a reason directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from graph.build import KnowledgeGraph
from graph.errors import InvalidParameter, NotInContent
from graph.hubs import is_hub
from graph.models import Edge, Node, Verdict
from graph.queries.lookup import require_live, suggest

__all__ = [
    "MAX_INDIRECT",
    "MAX_SIGNS",
    "SCORING",
    "VERDICTS",
    "GuideResult",
    "RankedReason",
    "ReasonLink",
    "SignNote",
    "Situation",
    "advice_note",
    "guide",
    "situations",
]

MAX_SIGNS = 10
MAX_INDIRECT = 3
DIRECT, THROUGH_NODE, THROUGH_HUB = 1.0, 0.5, 0.25
SCORING = (
    "Reasons that a chosen sign indicates directly come first, the more such signs the higher. "
    "Then each reason is scored by how the chosen signs reach it through the graph: every sign adds "
    "its strongest link, 1 when the sign indicates the reason directly, 0.5 when the sign points to "
    "a concept or another reason tied to this one, and 0.25 when the sign points to a hub (the "
    "withdrawal the articles explain) that the reason leads to in the article that gives the sign; "
    "a sign tied to no reason in any other way gets all of those. "
    "A sign brings at most 3 reasons through a concept or another reason, the nearest first: those "
    "quoted in the same article as the sign, then those with more quotes. A sign the articles call "
    "healthy, or a pattern to address, is not walked through a hub: its verdict comes first. Ties "
    "go to more quotes on the links, then to the reason id in alphabetical order."
)
# What each verdict kind says, in plain words, before its quotes.
VERDICTS = {
    "healthy": "The articles call this healthy: part of normal processing time, not a warning sign.",
    "address": "The articles call this a pattern to address: a conversation needs to happen.",
    "seek_support": (
        "The articles call this a pattern to address: a conversation needs to happen, and past two "
        "weeks the articles point to deeper issues where professional support may be needed."
    ),
}
# How a reason may be tied to a concept or reason the sign points to (either direction).
_TIES = frozenset({"involves", "leads_to", "related_to", "is_a"})


@dataclass(frozen=True)
class ReasonLink:
    """How one given sign reaches a reason: strength, the edges walked, and `via` in words."""

    sign: str
    strength: float
    edges: tuple[Edge, ...]
    via: str
    through: str | None = None

    @property
    def quotes(self) -> int:
        """Quotes on the edges walked."""
        return sum(len(e.evidence) for e in self.edges)


@dataclass(frozen=True)
class RankedReason:
    """One reason, its score, the links that earned it, and what helps or backfires."""

    reason: Node
    score: float
    direct: int
    quotes: int
    links: list[ReasonLink]
    because: list[Edge]
    addressed_by: list[tuple[Node, Edge]]
    backfired_by: list[tuple[Node, Edge]]
    advice_note: str | None = None

    @property
    def via(self) -> str:
        """How the strongest link reached the reason, in plain words."""
        return self.links[0].via


@dataclass(frozen=True)
class Situation:
    """Advice written for a situation the sign belongs to (a hub or a kind of one), and how the sign reaches it."""

    hub: Node
    note: str
    addressed_by: list[tuple[Node, Edge]]
    backfired_by: list[tuple[Node, Edge]]


@dataclass(frozen=True)
class SignNote:
    """One given sign: the articles' verdict on it, its direct reasons, whether it fell back, and its advice.

    `addressed_by` and `backfired_by` are aimed at the sign itself; `situations` hold the advice
    written for the withdrawal it belongs to; `advice_note` says so when there is none at all.
    """

    sign: Node
    direct: int
    fallback: bool
    note: str | None
    addressed_by: list[tuple[Node, Edge]]
    backfired_by: list[tuple[Node, Edge]]
    verdict: Verdict | None = None
    situations: tuple[Situation, ...] = ()
    advice_note: str | None = None


@dataclass(frozen=True)
class GuideResult:
    """The signs as understood (deduplicated, in the order given), one note each, the ranked reasons."""

    signs: list[Node]
    notes: list[SignNote]
    reasons: list[RankedReason]


def _require_signs(kg: KnowledgeGraph, sign_ids: Sequence[str]) -> list[Node]:
    wanted = list(dict.fromkeys(sign_ids))
    if not 1 <= len(wanted) <= MAX_SIGNS:
        raise InvalidParameter("signs", f"must name 1 to {MAX_SIGNS} signs", ",".join(sign_ids))
    signs = []
    for sign_id in wanted:
        node = kg.nodes.get(sign_id)
        if node is None:
            require_live(kg, sign_id)
        if node is None or node.type != "sign":
            close = suggest(sign_id, kg.by_type["sign"])
            raise NotInContent("signs", f"{sign_id!r} is not a sign id", sign_id, suggestions=close)
        signs.append(node)
    return signs


def _incoming(kg: KnowledgeGraph, node_id: str, kind: str) -> list[tuple[Node, Edge]]:
    """Nodes joined to `node_id` by `kind` edges pointing at it, in edge-id order."""
    found = []
    for eid in kg.in_edges.get(node_id, ()):
        edge = kg.edges[eid]
        if edge.kind == kind:
            found.append((kg.nodes[edge.source], edge))
    return found


def _out(kg: KnowledgeGraph, node_id: str, kind: str) -> Iterable[Edge]:
    return (kg.edges[e] for e in kg.out_edges.get(node_id, ()) if kg.edges[e].kind == kind)


def _ties(kg: KnowledgeGraph, node_id: str) -> Iterable[tuple[str, Edge]]:
    """Every (other end, edge) tying `node_id` to a reason through `_TIES` kinds, either way."""
    for eid in kg.out_edges.get(node_id, ()):
        edge = kg.edges[eid]
        if edge.kind in _TIES and kg.nodes[edge.target].type == "reason":
            yield edge.target, edge
    for eid in kg.in_edges.get(node_id, ()):
        edge = kg.edges[eid]
        if edge.kind in _TIES and kg.nodes[edge.source].type == "reason":
            yield edge.source, edge


def _nearest(kg: KnowledgeGraph, sign: Node, found: dict[str, ReasonLink]) -> list[tuple[str, ReasonLink]]:
    """The indirect links of one sign, nearest first: same article as the sign, more quotes, id."""
    articles = set(sign.sources)

    def key(item: tuple[str, ReasonLink]) -> tuple[float, int, int, str]:
        reason_id, link = item
        shared = bool(articles & set(kg.nodes[reason_id].sources))
        return (-link.strength, -int(shared), -link.quotes, reason_id)

    return sorted(found.items(), key=key)[:MAX_INDIRECT]


def _better(old: ReasonLink | None, new: ReasonLink) -> bool:
    return old is None or (new.strength, new.quotes) > (old.strength, old.quotes)


def _through_hub(
    kg: KnowledgeGraph, sign: Node, hub: Node, walked: tuple[Edge, ...], found: dict[str, ReasonLink]
) -> None:
    """Add to `found` every reason that `leads_to` the hub in the article that gives the sign as a
    sign of it (the first edge's quotes; the sign's own for an editorial edge), along `walked`."""
    kind_of = "" if len(walked) == 1 else f" (through “{kg.nodes[walked[0].target].label}”, a kind of it)"
    via = (
        f"through “{hub.label}”: “{sign.label}” is a sign of it{kind_of}, and this reason is one the "
        "same article gives for it"
    )
    articles = set(walked[0].sources or sign.sources)
    for reason, last in _incoming(kg, hub.id, "leads_to"):
        if reason.type == "reason" and articles & set(last.sources):
            link = ReasonLink(sign.id, THROUGH_HUB, (*walked, last), via, hub.id)
            if _better(found.get(reason.id), link):
                found[reason.id] = link


def _links(kg: KnowledgeGraph, sign: Node) -> dict[str, ReasonLink]:
    """The strongest link from `sign` to every reason it reaches (indirect ones capped)."""
    direct: dict[str, ReasonLink] = {}
    indirect: dict[str, ReasonLink] = {}
    by_hub: dict[str, ReasonLink] = {}
    walk_hubs = sign.verdict is None  # a verdict is the answer: no reasons for a withdrawal borrowed
    for first in _out(kg, sign.id, "indicates"):
        mid = kg.nodes[first.target]
        if mid.type == "reason":
            direct[mid.id] = ReasonLink(sign.id, DIRECT, (first,), f"“{sign.label}” indicates it directly")
        if is_hub(kg, mid.id):
            if walk_hubs:
                _through_hub(kg, sign, mid, (first,), by_hub)
            continue
        # A concept that is a kind of a hub ("healthy processing" is a kind of pulling away).
        for kind_of in _out(kg, mid.id, "is_a"):
            if walk_hubs and is_hub(kg, kind_of.target):
                _through_hub(kg, sign, kg.nodes[kind_of.target], (first, kind_of), by_hub)
        for reason_id, second in _ties(kg, mid.id):
            what = "reason" if mid.type == "reason" else "concept"
            via = f"through the {what} “{mid.label}”, which “{sign.label}” indicates and this reason is tied to"
            link = ReasonLink(sign.id, THROUGH_NODE, (first, second), via, mid.id)
            if _better(indirect.get(reason_id), link):
                indirect[reason_id] = link
    nearest = dict(_nearest(kg, sign, {k: v for k, v in indirect.items() if k not in direct}))
    if direct or nearest:  # the hub's reasons are a fallback, for a sign tied to no reason
        return {**direct, **nearest}
    return by_hub


def _note(sign: Node, direct: int, links: dict[str, ReasonLink], kg: KnowledgeGraph) -> str | None:
    if direct:
        return None
    through = list(dict.fromkeys(kg.nodes[link.through].label for link in links.values() if link.through))
    if not through:
        if sign.verdict is not None:
            return (
                f"No article ties “{sign.label}” to a reason: the articles give it a verdict instead, "
                "shown first, and the advice for it."
            )
        return (
            f"No article ties “{sign.label}” to a reason, directly or through a concept or hub; "
            "the advice for the sign and its situation is all the guide can offer."
        )
    names = " and ".join(f"“{label}”" for label in through)
    return (
        f"No article ties “{sign.label}” to a reason directly; the reasons shown for it are those "
        f"reached through {names}, which it points to (for a withdrawal it is a sign of: the reasons its "
        "article gives for it)."
    )


def _hubs_of(kg: KnowledgeGraph, sign: Node) -> list[tuple[Node, str]]:
    """The situations a sign belongs to, the most specific first, each with how the sign reaches it.

    A situation is a hub, or a kind of a hub the sign points to ("healthy processing time" is a
    kind of pulling away). A sign with a verdict stays with the kind its article puts it in; any
    other sign also belongs to the hubs above (post-intimacy withdrawal is a kind of pulling away).
    """
    found: dict[str, str] = {}
    for first in _out(kg, sign.id, "indicates"):
        mid = kg.nodes[first.target]
        if is_hub(kg, mid.id):
            found.setdefault(mid.id, f"“{sign.label}” is a sign of it")
        elif mid.type == "reason":
            articles = set(first.sources or sign.sources)
            for last in _out(kg, mid.id, "leads_to"):  # the hub the same article ties the reason to
                if is_hub(kg, last.target) and articles & set(last.sources):
                    how = f"“{sign.label}” points to “{mid.label}”, a reason the articles give for it"
                    found.setdefault(last.target, how)
        kinds = [e.target for e in _out(kg, mid.id, "is_a") if is_hub(kg, e.target)]
        if kinds:
            found.setdefault(mid.id, f"“{sign.label}” is a sign of it")
            if sign.verdict is None:
                for hub_id in kinds:
                    found.setdefault(hub_id, f"“{sign.label}” points to “{mid.label}”, a kind of it")
    if sign.verdict is None:
        for hub_id in list(found):
            for up in _out(kg, hub_id, "is_a"):
                if is_hub(kg, up.target) and is_hub(kg, hub_id):
                    found.setdefault(up.target, f"{found[hub_id]}, and “{kg.nodes[hub_id].label}” is a kind of it")
    return [(kg.nodes[hub_id], how) for hub_id, how in found.items()]


def situations(kg: KnowledgeGraph, sign: Node) -> tuple[Situation, ...]:
    """The advice written for each hub the sign belongs to, with a note saying how it is reached."""
    out = []
    for hub, how in _hubs_of(kg, sign):
        helps, hurts = _incoming(kg, hub.id, "addresses"), _incoming(kg, hub.id, "backfires")
        if helps or hurts:
            note = f"Advice the articles write for “{hub.label}”, not for this sign alone: {how}."
            out.append(Situation(hub, note, helps, hurts))
    return tuple(out)


def advice_note(kg: KnowledgeGraph, node: Node) -> str | None:
    """For a reason or a sign that no response is aimed at: the content's own words, or a plain
    sentence saying that the articles give no advice for it. None when some advice is aimed at it.

    >>> advice_note(tiny_graph(), tiny_graph().nodes["needs-space"]) is None
    True
    >>> advice_note(tiny_graph(), tiny_graph().nodes["slower-replies"])
    'The articles give no advice aimed at “Slower replies” itself.'
    """
    if _incoming(kg, node.id, "addresses") or _incoming(kg, node.id, "backfires"):
        return None
    written = node.attributes.get("no_advice")
    return str(written) if written else f"The articles give no advice aimed at “{node.label}” itself."


def guide(kg: KnowledgeGraph, sign_ids: Sequence[str]) -> GuideResult:
    """Reasons the given signs point to, strongest first (see `SCORING`).

    Raises
    ------
    InvalidParameter
        On `signs` when none or more than `MAX_SIGNS` are given.
    NotInContent
        On `signs` when one is not a sign id of this graph.

    Examples
    --------
    >>> result = guide(tiny_graph(), ["slower-replies"])
    >>> [(r.reason.id, r.score, [n.id for n, _ in r.addressed_by], [n.id for n, _ in r.backfired_by])
    ...  for r in result.reasons]
    [('needs-space', 1.0, ['give-him-space'], ['chase-him'])]
    >>> result.notes[0].fallback
    False
    >>> guide(tiny_graph(), ["slow-replies"])
    Traceback (most recent call last):
    ...
    graph.errors.NotInContent: signs 'slow-replies' is not a sign id; did you mean slower-replies?
    """
    signs = _require_signs(kg, sign_ids)
    by_reason: dict[str, list[ReasonLink]] = {}
    notes = []
    for sign in signs:
        links = _links(kg, sign)
        for reason_id, link in links.items():
            by_reason.setdefault(reason_id, []).append(link)
        direct = sum(1 for link in links.values() if link.strength == DIRECT)
        belongs = situations(kg, sign)
        own = advice_note(kg, sign)
        notes.append(
            SignNote(
                sign=sign,
                direct=direct,
                fallback=not direct,
                note=_note(sign, direct, links, kg),
                addressed_by=_incoming(kg, sign.id, "addresses"),
                backfired_by=_incoming(kg, sign.id, "backfires"),
                verdict=sign.verdict,
                situations=belongs,
                advice_note=None if own is None or belongs else f"{own[:-1]}, nor for a situation it belongs to.",
            )
        )
    ranked = []
    for reason_id, found in by_reason.items():
        found.sort(key=lambda link: (-link.strength, -link.quotes))
        ranked.append(
            RankedReason(
                reason=kg.nodes[reason_id],
                score=sum(link.strength for link in found),
                direct=sum(1 for link in found if link.strength == DIRECT),
                quotes=sum(link.quotes for link in found),
                links=found,
                because=[link.edges[0] for link in found if link.strength == DIRECT],
                addressed_by=_incoming(kg, reason_id, "addresses"),
                backfired_by=_incoming(kg, reason_id, "backfires"),
                advice_note=advice_note(kg, kg.nodes[reason_id]),
            )
        )
    ranked.sort(key=lambda r: (-r.direct, -r.score, -r.quotes, r.reason.id))
    return GuideResult(signs, notes, ranked)
