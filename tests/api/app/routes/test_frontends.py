"""Guide, cards and disagreements: one request per front-end screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import DEFAULT_SEEDS_DIR, Settings
from graph.build import KnowledgeGraph, load_graph
from graph.queries import guide


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    return load_graph(DEFAULT_SEEDS_DIR)


@pytest.fixture(scope="module")
def real(shipped: KnowledgeGraph) -> Iterator[TestClient]:
    """A client on the embedded content (the tiny one has no disagreements)."""
    with TestClient(create_app(Settings(access_log=False), shipped)) as test_client:
        yield test_client


def test_guide_ranks_reasons_with_why_and_what_helps(client: TestClient) -> None:
    body = client.get("/v1/guide?signs=slower-replies").json()
    assert [s["id"] for s in body["signs"]] == ["slower-replies"]
    assert "indicates" in body["scoring"]
    (reason,) = body["reasons"]
    assert (reason["reason"]["id"], reason["score"], reason["quotes"]) == ("needs-space", 1, 0)
    assert reason["via"] == "“Slower replies” indicates it directly"
    assert body["per_sign"] == [
        {
            "sign": "slower-replies",
            "verdict": None,
            "direct": 1,
            "fallback": False,
            "note": None,
            "addressed_by": [],
            "backfired_by": [],
            "situations": [],
            "advice_note": (
                "The articles give no advice aimed at “Slower replies” itself, nor for a situation it belongs to."
            ),
        }
    ]
    assert reason["advice_note"] is None
    assert "`" not in body["scoring"]
    assert reason["because"][0]["edge"] == "slower-replies--indicates--needs-space"
    assert reason["because"][0]["note"] == "Slower replies are the visible side of wanting space."
    helps = reason["addressed_by"][0]
    assert (helps["node"]["id"], helps["citations"][0]["title"]) == ("give-him-space", "Tiny article")
    assert helps["citations"][0]["quote"] == "Give him space and he comes back on his own."
    assert [b["node"]["id"] for b in reason["backfired_by"]] == ["chase-him"]


def test_guide_ranks_direct_first_then_score_then_quotes_then_id(shipped: KnowledgeGraph) -> None:
    """The order follows SCORING; each reason's direct count is recomputed from the edges themselves."""
    signs = sorted(shipped.by_type["sign"])[:6]
    result = guide(shipped, signs)
    for ranked in result.reasons:
        edges = [
            shipped.edges[e]
            for s in signs
            for e in shipped.out_edges.get(s, ())
            if shipped.edges[e].kind == "indicates" and shipped.edges[e].target == ranked.reason.id
        ]
        assert ranked.direct == len(edges) == len(ranked.because)
        assert ranked.score == sum(link.strength for link in ranked.links)
        assert ranked.quotes == sum(link.quotes for link in ranked.links)
    keys = [(-r.direct, -r.score, -r.quotes, r.reason.id) for r in result.reasons]
    assert keys == sorted(keys)
    assert len(result.reasons) > 1


def test_guide_repeats_count_once(client: TestClient) -> None:
    body = client.get("/v1/guide?signs=slower-replies,slower-replies").json()
    assert (len(body["signs"]), body["reasons"][0]["score"]) == (1, 1)


@pytest.mark.parametrize(
    ("query", "value"),
    [("signs=slower-replies,no-such-sign", "no-such-sign"), ("signs=needs-space", "needs-space")],
)
def test_guide_answers_a_sign_it_does_not_have_with_a_404_naming_it(client: TestClient, query: str, value: str) -> None:
    # Well formed (the contract cannot know which signs the content has), so not a 422.
    response = client.get(f"/v1/guide?{query}")
    assert (response.status_code, response.json()["type"]) == (404, "/problems/not-in-content")
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert (error["parameter"], error["value"]) == ("signs", value)
    assert error["message"].startswith(f"'{value}' is not a sign id")


def test_guide_needs_one_to_ten_signs(client: TestClient) -> None:
    too_many = ",".join(["slower-replies"] + [f"s{i}" for i in range(10)])
    for query in ("signs=", f"signs={too_many}", ""):
        response = client.get(f"/v1/guide?{query}")
        assert response.status_code == 422
        assert response.json()["errors"][0]["parameter"] == "signs"


def test_guide_takes_signs_repeated_or_comma_separated(client: TestClient) -> None:
    repeated = client.get("/v1/guide?signs=slower-replies&signs=slower-replies").json()
    commas = client.get("/v1/guide?signs=slower-replies,slower-replies").json()
    assert repeated["signs"] == commas["signs"]
    assert repeated["reasons"] == commas["reasons"]


def test_the_contract_names_no_sign(real: TestClient, shipped: KnowledgeGraph) -> None:
    """It says what a sign id looks like, never which exist: the served graph judges that."""
    params = real.get("/openapi.json").json()["paths"]["/v1/guide"]["get"]["parameters"]
    signs = next(p for p in params if p["name"] == "signs")["schema"]
    assert signs["items"]["format"] == "sign-id"
    assert signs["items"]["pattern"] == "^[A-Za-z0-9][A-Za-z0-9_-]*$"  # any slug; no list of today's ids
    every = "&".join(f"signs={s}" for s in sorted(shipped.by_type["sign"])[:10])
    assert real.get(f"/v1/guide?{every}").status_code == 200


def test_card_groups_relations_under_registry_labels(client: TestClient) -> None:
    body = client.get("/v1/cards/needs-space").json()
    assert body["node"]["id"] == "needs-space"
    groups = {g["label"]: [i["node"]["id"] for i in g["items"]] for g in body["relations"]}
    assert groups == {
        "involves": ["oxytocin"],
        "indicated by": ["slower-replies"],
        "addressed by": ["give-him-space"],
        "worsened by": ["chase-him"],
        "measured by": ["a-few-days"],
    }
    assert [(c["source"], c["title"], c["quote"]) for c in body["citations"]] == [
        ("000", "Tiny article", "they need space after closeness"),
        ("001", "Second tiny article", "he simply needs space"),
    ]
    assert body["citations"][1]["author"] == "A. Writer"
    assert body["links"]["node"] == "/v1/nodes/needs-space"


def test_card_unknown_node_is_a_404_with_suggestions(client: TestClient) -> None:
    response = client.get("/v1/cards/needs-spac")
    assert response.status_code == 404
    assert response.json()["suggestions"][0] == "needs-space"


def test_card_symmetric_relations_read_both_ways(real: TestClient) -> None:
    body = real.get("/v1/cards/all-men-pull-away").json()
    contradicts = next(g for g in body["relations"] if g["kind"] == "contradicts")
    assert (contradicts["label"], contradicts["direction"]) == ("contradicts", "both")
    assert "secure-men-dont-pull-away" in [i["node"]["id"] for i in contradicts["items"]]


def test_disagreements_list_both_sides_with_quotes(real: TestClient, shipped: KnowledgeGraph) -> None:
    body = real.get("/v1/disagreements").json()
    expected = sorted(e.id for e in shipped.edges.values() if e.kind == "contradicts")
    assert [d["id"] for d in body["items"]] == expected
    assert body["total"] == len(expected) > 0
    for item in body["items"]:
        one, other = (side["node"]["id"] for side in item["sides"])
        assert item["id"] == f"{one}--contradicts--{other}"
        edge = shipped.edges[item["id"]]
        assert item["about"] == edge.about
        assert item["note"] == edge.note
        assert all(side["citations"] for side in item["sides"])
        assert [c["quote"] for c in item["citations"]] == [ev.quote for ev in edge.evidence]
        assert all(c["title"] for c in item["citations"])


def test_disagreements_empty_when_nothing_contradicts(client: TestClient) -> None:
    assert client.get("/v1/disagreements").json() == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
        "links": {"self": "/v1/disagreements", "next": None, "prev": None},
    }


def test_disagreements_page_like_every_list(real: TestClient) -> None:
    every = real.get("/v1/disagreements").json()["items"]
    first = real.get("/v1/disagreements?limit=2")
    body = first.json()
    assert ([d["id"] for d in body["items"]], body["total"]) == ([d["id"] for d in every[:2]], len(every))
    assert body["links"]["next"] == "/v1/disagreements?limit=2&offset=2"
    assert 'rel="next"' in first.headers["Link"]
    second = real.get(body["links"]["next"]).json()
    assert [d["id"] for d in second["items"]] == [d["id"] for d in every[2:4]]
    for bad in ("limit=0", "offset=-1", f"limit={10**6}"):
        refused = real.get(f"/v1/disagreements?{bad}")
        assert (refused.status_code, refused.json()["errors"][0]["parameter"]) == (422, bad.split("=")[0])


def test_answer_gives_sections_in_reading_order_each_item_cited(real: TestClient, shipped: KnowledgeGraph) -> None:
    q = "he hasn't texted me in 4 days since we slept together, should I text him?"
    response = real.get("/v1/answer", params={"q": q})
    body = response.json()
    assert (response.status_code, body["answered"], body["note"], body["q"]) == (200, True, None, q)
    assert "advice" in body["asks"]
    assert "t" not in [w["word"] for w in body["words"]]
    names = [s["name"] for s in body["sections"]]
    assert names[0] == "understood"
    assert "dont" in names  # she asks whether to text him: the advice against over-communicating
    assert "reasons" not in names or names.index("dont") < names.index("reasons")  # advice first
    for section in body["sections"]:
        assert section["heading"]
        for item in section["items"]:
            assert item["how"]
            assert item["citations"]
            for c in item["citations"]:
                assert c["title"] == shipped.nodes[c["source"]].attributes["title"]
                assert real.get(c["links"]["passage"]).text == c["quote"]
    cited = [c["quote"] for s in body["sections"] for i in s["items"] for c in i["citations"]]
    assert [c["quote"] for c in body["citations"]] == list(dict.fromkeys(cited))
    assert body["links"]["search"].startswith("/v1/search?q=")


def test_answer_declines_in_one_sentence_what_the_articles_do_not_cover(real: TestClient) -> None:
    body = real.get("/v1/answer", params={"q": "what should I get him for his birthday"}).json()
    assert (body["answered"], body["sections"], body["citations"]) == (False, [], [])
    assert body["note"].startswith("The articles do not cover this")
    assert body["note"].count(".") == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "required"),
        ("q=", "at least 1"),
        ("q=%20%20", "not blank"),
        ("q=" + "a" * 1001, "at most 1000"),
        ("q=a&q=b", "give it once"),
        ("q=a&limit=3", None),
    ],
)
def test_answer_refuses_a_bad_q_naming_it(client: TestClient, query: str, message: str | None) -> None:
    response = client.get(f"/v1/answer?{query}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    error = response.json()["errors"][0]
    assert error["parameter"] == ("limit" if message is None else "q")
    assert message is None or message in error["message"]


def test_answer_takes_a_message_of_a_thousand_characters(real: TestClient) -> None:
    q = ("He says he needs space and I do not know what to do. " * 20)[:1000]
    assert real.get("/v1/answer", params={"q": q}).json()["answered"]


def test_answer_is_cached_and_answers_head_like_every_get(real: TestClient) -> None:
    url = "/v1/answer?q=will+he+come+back"
    first = real.get(url)
    assert real.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    head = real.head(url)
    assert (head.status_code, head.content, head.headers["etag"]) == (200, b"", first.headers["etag"])
    assert real.get("/v1").json()["templates"]["answer"] == "/v1/answer{?q}"
