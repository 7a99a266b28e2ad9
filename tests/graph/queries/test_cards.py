"""Cards over the shipped content: relations read as true sentences, and advice is reached or its
absence said (graph/queries/cards.py)."""

from __future__ import annotations

import pytest

from api.settings import DEFAULT_SEEDS_DIR
from graph.build import load_graph
from graph.queries import card

SHIPPED = load_graph(DEFAULT_SEEDS_DIR)


def test_a_warned_against_action_backfires_and_reads_as_the_action() -> None:
    c = card(SHIPPED, "dont-demand-explanation")
    assert (c.node.label, c.node.attributes["advice"], c.node.attributes["polarity"]) == (
        "Demand an explanation",
        "warned_against",
        "dont",
    )
    labels = {g.label for g in c.relations}
    assert "backfires on" in labels
    assert "addresses" not in labels
    # read from the reason's side: "worsened by: Demand an explanation", a true sentence
    worsened = next(g for g in card(SHIPPED, "defensive-reactions").relations if g.label == "worsened by")
    assert [n.label for n, _ in worsened.items] == ["Demand an explanation"]


@pytest.mark.parametrize("node_id", [*SHIPPED.by_type["reason"], *SHIPPED.by_type["sign"]])
def test_every_reason_and_sign_reaches_advice_or_says_there_is_none(node_id: str) -> None:
    c = card(SHIPPED, node_id)
    aimed = [g for g in c.relations if g.kind in ("addresses", "backfires") and g.direction == "in"]
    assert bool(aimed) is (c.advice_note is None)
    if c.advice_note is not None and SHIPPED.nodes[node_id].type == "reason":
        assert c.advice_note == SHIPPED.nodes[node_id].attributes["no_advice"]


def test_a_sign_without_its_own_advice_names_the_situation_whose_advice_applies() -> None:
    note = card(SHIPPED, "leaves-right-after-sex").advice_note
    assert note is not None
    assert "“Post-intimacy withdrawal”" in note
    assert "applies" in note


def test_every_response_says_whether_the_articles_recommend_it() -> None:
    for response_id in SHIPPED.by_type["response"]:
        node = SHIPPED.nodes[response_id]
        assert node.attributes["advice"] in ("recommended", "warned_against")
        assert not node.label.lower().startswith(("don't", "do not")), node.label
