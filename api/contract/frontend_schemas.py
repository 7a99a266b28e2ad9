"""What the wire carries for the front-end routes: cards, the guide and the disagreements.

The same conventions as `api.contract.schemas` (whose `_Out` base these share): plain dicts built by
`api.contract.shapes` and `graph.queries`, described here for the contract and checked by the
schemathesis tests. Kept apart so each module stays one screenful of related shapes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.contract.schemas import EvidenceLinks, NodeOut, PageLinks, SelfLink, _Out
from graph.types import EdgeKind

__all__ = ["AnswerOut", "CardOut", "CitationOut", "DisagreementsOut", "GuideOut"]


class CitationOut(_Out):
    """A verbatim quote with the title of the article it comes from."""

    source: str = Field(examples=["001"])
    title: str = Field(description="The article's title")
    author: str | None = Field(description="The article's author, when it names one")
    quote: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    context: str = Field(description="The sentence the quote sits in, from the article body.")
    links: EvidenceLinks


class RelatedOut(_Out):
    """A neighbour and the edge that joins it, with that edge's quotes."""

    node: NodeOut
    edge: str = Field(description="The edge id; `/v1/edges/{edge}` has it in full.")
    basis: Literal["quoted", "editorial", "derived"]
    note: str | None
    citations: list[CitationOut]


class RelationGroupOut(_Out):
    """Neighbours through one edge kind, under the registry's label read from this node."""

    label: str = Field(description="How the relation reads from this node, e.g. `indicated by`.")
    kind: EdgeKind
    direction: Literal["out", "in", "both"] = Field(description="`both` for symmetric kinds.")
    items: list[RelatedOut]


class CardLinks(_Out):
    self: str
    node: str
    neighbors: str


class CardOut(_Out):
    """One node ready to render: the node, its citations with article titles, its relations."""

    node: NodeOut
    citations: list[CitationOut]
    relations: list[RelationGroupOut]
    advice_note: str | None = Field(
        description="reason, sign: says that the articles give no advice aimed at it; null when some is."
    )
    links: CardLinks


class GuideEvidenceOut(_Out):
    """One given sign's `indicates` edge to the reason, with its quotes."""

    sign: str
    edge: str
    basis: Literal["quoted", "editorial", "derived"]
    note: str | None
    citations: list[CitationOut]


class GuideLinkOut(_Out):
    """How one given sign reaches the reason: the strength it adds and the edges walked."""

    sign: str
    strength: float = Field(gt=0, le=1, description="1 direct, 0.5 through a concept or reason, 0.25 through a hub.")
    via: str = Field(description="How the reason was reached, in plain words.")
    through: str | None = Field(description="The concept, reason or hub walked through; null when direct.")
    edges: list[str] = Field(min_length=1, description="The edge ids walked, from the sign.")


class GuideVerdictOut(_Out):
    """The articles' verdict on a sign, in plain words, with the quotes that give it."""

    kind: Literal["healthy", "address", "seek_support"]
    says: str = Field(description="What the verdict means, in plain words.")
    citations: list[CitationOut] = Field(min_length=1)


class GuideSituationOut(_Out):
    """Advice written for the withdrawal a sign belongs to (a hub), and how the sign reaches it."""

    hub: NodeOut
    note: str = Field(description="That this advice is written for the hub, and how the sign reaches it.")
    addressed_by: list[RelatedOut] = Field(description="Actions the articles recommend for the hub.")
    backfired_by: list[RelatedOut] = Field(description="Actions the articles warn against for the hub.")


class GuideSignOut(_Out):
    """One given sign: the articles' verdict first, its direct reasons, whether it fell back and why, its advice."""

    sign: str
    verdict: GuideVerdictOut | None = Field(
        description="What the articles say the sign means (healthy, to address, a case for support); else null."
    )
    direct: int = Field(ge=0, description="Reasons the sign indicates directly.")
    fallback: bool = Field(description="True when no article ties the sign to a reason directly.")
    note: str | None = Field(description="Why the sign fell back and what its reasons are instead; null if not.")
    addressed_by: list[RelatedOut] = Field(description="Responses with an `addresses` edge to the sign itself.")
    backfired_by: list[RelatedOut] = Field(description="Responses with a `backfires` edge to the sign itself.")
    situations: list[GuideSituationOut] = Field(
        description="Advice written for the withdrawal the sign belongs to, the most specific first."
    )
    advice_note: str | None = Field(
        description="Says that the articles give no advice for the sign or its situation; null when they do."
    )


class GuideReasonOut(_Out):
    """A reason, how strongly the signs point to it and why, and what helps or backfires."""

    reason: NodeOut
    score: float = Field(gt=0, description="Each given sign's strongest link to the reason, summed (see scoring).")
    direct: int = Field(ge=0, description="Given signs that indicate the reason directly; ranked on first.")
    quotes: int = Field(ge=0, description="Quotes on the links; the tie-breaker.")
    via: str = Field(description="How the strongest link reached the reason, in plain words.")
    reached: list[GuideLinkOut] = Field(
        min_length=1, description="Each given sign's link to the reason, strongest first."
    )
    because: list[GuideEvidenceOut] = Field(description="The direct `indicates` edges, with their quotes.")
    addressed_by: list[RelatedOut] = Field(description="Responses with an `addresses` edge to the reason.")
    backfired_by: list[RelatedOut] = Field(description="Responses with a `backfires` edge to the reason.")
    advice_note: str | None = Field(
        description="Says that the articles give no advice aimed at this reason; null when they do."
    )


class GuideOut(_Out):
    """Reasons ranked by how strongly the given signs point to them."""

    signs: list[NodeOut]
    per_sign: list[GuideSignOut] = Field(description="One entry per given sign, in the order given.")
    scoring: str = Field(description="How the score is computed and ties are broken, in words.")
    reasons: list[GuideReasonOut]
    links: SelfLink


class SideOut(_Out):
    """One side of a disagreement: the claim and the node's own quotes."""

    node: NodeOut
    citations: list[CitationOut]


class DisagreementOut(_Out):
    """Two claims the articles disagree on: both sides, the edge's quotes, and what is at stake."""

    id: str = Field(description="The `contradicts` edge id.")
    about: str = Field(description="What the two sides disagree on, one sentence in our own words (curated).")
    note: str | None
    sides: list[SideOut] = Field(min_length=2, max_length=2)
    citations: list[CitationOut] = Field(description="The quotes on the `contradicts` edge itself.")
    links: SelfLink


class DisagreementsOut(_Out):
    """A page of the `contradicts` pairs."""

    items: list[DisagreementOut]
    total: int
    limit: int
    offset: int
    links: PageLinks


class AnswerVerdictOut(_Out):
    """The articles' verdict on a sign: healthy space, a pattern to address, or one to seek support for."""

    kind: Literal["healthy", "address", "seek_support"]
    says: str = Field(description="What the verdict means, in plain words.")


class AnswerItemOut(_Out):
    """One node of an answer: why it is there, what it is for, and the passages that say so."""

    node: NodeOut
    how: str = Field(description="How it was found: her words and where they matched, or the edge that led to it.")
    purpose: str | None = Field(
        description="For what to do and not to do: the reason or sign it helps with or worsens."
    )
    about: str | None = Field(description="In a disagreement: the point the two sides disagree on.")
    edge: str | None = Field(description="In a disagreement: the `contradicts` edge joining the two sides.")
    verdict: AnswerVerdictOut | None = Field(description="In the verdict section: the articles' verdict on a sign.")
    citations: list[CitationOut]


class AnswerSectionOut(_Out):
    """One part of the answer under a plain heading; sections come in the order to read them."""

    name: Literal["understood", "sides", "verdict", "reasons", "do", "dont", "statistics"]
    heading: str
    items: list[AnswerItemOut]


class AnswerWordOut(_Out):
    """A word of the message as it was read: whose clause it came from."""

    word: str
    whose: Literal["her", "him", "both"]


class AnswerLinks(_Out):
    self: str
    search: str = Field(description="The same message as a ranked search.")


class AnswerOut(_Out):
    """A reader's message answered from the articles, every item cited, or declined in one sentence."""

    q: str
    answered: bool = Field(description="False when the articles do not cover the message; `note` says so.")
    note: str | None
    words: list[AnswerWordOut] = Field(description="The message's meaningful words, as read.")
    asks: list[Literal["advice", "why", "signs", "duration", "verdict"]] = Field(
        description="What the message asks for."
    )
    sections: list[AnswerSectionOut]
    citations: list[CitationOut] = Field(description="Every passage the answer cites, once, in reading order.")
    links: AnswerLinks


NodeOut.model_rebuild()
