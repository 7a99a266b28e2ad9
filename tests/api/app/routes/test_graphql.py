"""/v1/graphql (api/app/routes/graphql.py, api/app/graphql.py): REST's answers in GraphQL, paginated,
batched, bounded before execution, cacheable by GET and persisted queries, GraphiQL offline."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.app.graphql import GraphQLRequest, GraphQLService, persisted_queries
from api.app.routes.graphql import GRAPHIQL_ASSETS
from api.contract.graphql import LIMITS, MAX_PAGE
from api.settings import Settings
from graph.build import KnowledgeGraph, load_graph

GQL = "application/graphql-response+json"
SHIPPED = load_graph(Settings().seeds_dir)
IDS = sorted(SHIPPED.nodes)
# GraphQL field -> the REST field it must equal (camelCase there, snake_case here).
SCALARS = {"id": "id", "type": "type", "label": "label", "summary": "summary", "aliases": "aliases"}
ATTRIBUTES = {
    "concept": {"category": "category"},
    "sign": {"group": "group"},
    "response": {"advice": "advice", "polarity": "polarity", "group": "group"},
    "statistic": {"value": "value", "unit": "unit"},
    "source": {"title": "title", "author": "author", "url": "url", "urlNote": "url_note"},
}


@pytest.fixture(scope="module")
def shipped() -> Iterator[TestClient]:
    """A client on the shipped content (module-wide: it is loaded once)."""
    with TestClient(create_app(Settings(access_log=False), SHIPPED)) as client:
        yield client


def _post(client: TestClient, query: str, accept: str = GQL, **extra: Any) -> Any:
    return client.post("/v1/graphql", json={"query": query, **extra}, headers={"Accept": accept})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(node_id=st.sampled_from(IDS), fields=st.sets(st.sampled_from(sorted(SCALARS)), min_size=1))
def test_graphql_node_equals_rest(shipped: TestClient, node_id: str, fields: set[str]) -> None:
    node_type = SHIPPED.nodes[node_id].type
    extra = ATTRIBUTES.get(node_type, {})
    typed = f"... on {node_type.capitalize()} {{ {' '.join(extra)} }}" if extra else ""
    evidence = "evidence(first: 100) { nodes { quote start end passage context source { id } } }"
    query = f'{{ node(id: "{node_id}") {{ {" ".join(sorted(fields))} {typed} {evidence} }} }}'
    got = _post(shipped, query).json()["data"]["node"]
    rest = shipped.get(f"/v1/nodes/{node_id}").json()
    for name in fields:
        assert got[name] == rest[SCALARS[name]], name
    for name, key in extra.items():
        assert got[name] == rest.get(key), name
    quotes = [
        {"quote": e["quote"], "start": e["start"], "end": e["end"], "passage": e["links"]["passage"],
         "context": e["context"], "source": {"id": e["source"]}}
        for e in rest.get("evidence", [])
    ]  # fmt: skip
    assert got["evidence"]["nodes"] == quotes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    node_id=st.sampled_from(IDS),
    direction=st.sampled_from(["out", "in", "both"]),
    kind=st.sampled_from([None, "indicates", "addresses", "leads_to", "involves", "mentioned_in"]),
)
def test_graphql_neighbors_equal_rest(shipped: TestClient, node_id: str, direction: str, kind: str | None) -> None:
    kinds = f"kind: [{kind}], " if kind else ""
    query = (
        f'{{ neighbors(id: "{node_id}", {kinds}direction: {direction}, first: 100) {{ totalCount nodes {{ id }} }} }}'
    )
    got = _post(shipped, query).json()["data"]["neighbors"]
    params = {"direction": direction, "limit": "500", **({"kind": kind} if kind else {})}
    rest = shipped.get(f"/v1/nodes/{node_id}/neighbors", params=params).json()
    assert {n["id"] for n in got["nodes"]} == {n["id"] for n in rest["nodes"]}


def test_nodes_pages_cover_the_list_once(shipped: TestClient) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = _post(
            shipped,
            "query($after: String) { nodes(type: [reason], first: 7, after: $after) "
            "{ totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }",
            variables={"after": after},
        ).json()["data"]["nodes"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(SHIPPED.by_type["reason"])
    assert page["totalCount"] == len(seen)


@pytest.mark.parametrize("node_id", ["oxytocin", "post-intimacy-withdrawal"])
def test_a_nested_list_pages_by_cursor_and_covers_it_once(shipped: TestClient, node_id: str) -> None:
    """A node's neighbours under `node`, walked 3 at a time by `after`: the whole list, in order."""
    nested = (
        "query($id: ID!, $after: String) { node(id: $id) { neighbors(first: 3, after: $after) "
        "{ totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } } }"
    )
    whole = _post(shipped, f'{{ node(id: "{node_id}") {{ neighbors(first: {MAX_PAGE}) {{ nodes {{ id }} }} }} }}')
    expected = [n["id"] for n in whole.json()["data"]["node"]["neighbors"]["nodes"]]
    seen: list[str] = []
    after = None
    for _ in range(len(expected)):
        page = _post(shipped, nested, variables={"id": node_id, "after": after}).json()["data"]["node"]["neighbors"]
        assert len(page["edges"]) <= 3
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert len(expected) > 3  # more than one page
    assert (seen, page["totalCount"]) == (expected, len(expected))


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [(f"first: {MAX_PAGE + 1}", "first"), ("first: 0", "first"), ('after: "bm90IGEgY3Vyc29y"', "after")],
)
def test_list_arguments_out_of_range_are_errors_naming_them(shipped: TestClient, arguments: str, argument: str) -> None:
    body = _post(shipped, f'{{ node(id: "oxytocin") {{ neighbors({arguments}) {{ totalCount }} }} }}').json()
    assert body["errors"][0]["extensions"]["argument"] == argument
    assert body["data"]["node"] is None


def test_unknown_node_is_null_with_an_error_suggesting_ids(shipped: TestClient) -> None:
    response = _post(shipped, '{ node(id: "oxytocn") { id } }')
    body = response.json()
    assert (response.status_code, body["data"]) == (200, {"node": None})
    error = body["errors"][0]
    assert (error["extensions"]["code"], error["path"]) == ("NOT_FOUND", ["node"])
    assert "oxytocin" in error["extensions"]["suggestions"]


def test_fifty_nodes_with_neighbours_take_a_bounded_number_of_reads() -> None:
    service = GraphQLService(persisted={})
    query = "{ nodes(first: %d) { nodes { label neighbors(first: 10) { nodes { label } } } } }"
    few = service.run(SHIPPED, GraphQLRequest(query % 5))
    many = service.run(SHIPPED, GraphQLRequest(query % 50))
    assert "errors" not in many.body
    labels = sum(len(n["neighbors"]["nodes"]) for n in many.body["data"]["nodes"]["nodes"])
    assert labels > 50  # many neighbours were resolved ...
    assert many.lookups == few.lookups == 2  # ... in one read per level: the page, then every neighbour list
    deeper = service.run(
        SHIPPED,
        GraphQLRequest(query.replace("{ label } }", "{ label neighbors(first: 3) { nodes { id } } } }", 1) % 50),
    )
    assert deeper.lookups == 3


def _limit(response: Any) -> str:
    body = response.json()
    assert "data" not in body
    limit: str = body["errors"][0]["extensions"]["limit"]
    assert limit in body["errors"][0]["message"]
    return limit


ATTACKS = {
    "max_depth": '{ node(id: "oxytocin") { ' + "neighbors { nodes { " * 15 + "id" + " } }" * 15 + " } }",
    "max_aliases": "{ " + " ".join(f"a{i}: __typename" for i in range(LIMITS.max_aliases + 1)) + " }",
    "max_tokens": "{ " + "a " * 30_000 + "}",  # 60 KB: a body the route reads
    "max_cost": "{ nodes(first: 100) { nodes { neighbors(first: 100) { nodes { label } } } } }",
}


@pytest.mark.parametrize("limit", sorted(ATTACKS))
def test_each_limit_refuses_its_attack_before_any_read(shipped: TestClient, limit: str) -> None:
    response = _post(shipped, ATTACKS[limit])
    assert (response.status_code, response.headers["content-type"]) == (400, GQL)
    assert _limit(response) == limit
    outcome = GraphQLService(persisted={}).run(SHIPPED, GraphQLRequest(ATTACKS[limit]))
    assert (outcome.request_error, outcome.lookups) == (True, 0)


def test_the_cost_is_checked_again_for_each_request_when_a_variable_sets_a_first() -> None:
    """The limits' verdict is kept with a parsed document only when its text alone decides it."""
    service = GraphQLService(persisted={})
    by_variable = "query($n: Int) { nodes(first: $n) { nodes { neighbors(first: 100) { nodes { label } } } } }"
    small = service.run(SHIPPED, GraphQLRequest(by_variable, {"n": 2}))
    assert not small.request_error
    big = service.run(SHIPPED, GraphQLRequest(by_variable, {"n": 100}))
    assert big.body["errors"][0]["extensions"]["limit"] == "max_cost"
    assert not service.run(SHIPPED, GraphQLRequest(by_variable, {"n": 2})).request_error
    for _ in range(2):  # refused again from the kept verdict, still before any read
        again = service.run(SHIPPED, GraphQLRequest(ATTACKS["max_cost"]))
        assert (again.body["errors"][0]["extensions"]["limit"], again.lookups) == ("max_cost", 0)


@pytest.mark.parametrize("first", ["18446744073709551616", "9" * 5_000], ids=["past 64 bits", "5,000 digits"])
def test_a_first_of_any_size_is_refused_over_the_budget(shipped: TestClient, first: str) -> None:
    """Counting stops at COUNTED, so the refusal is a readable error, not a fault writing it."""
    response = _post(shipped, f'{{ suggest(q: "oxy", first: {first}) {{ totalCount }} }}')
    assert (response.status_code, response.headers["content-type"]) == (400, GQL)
    assert _limit(response) == "max_cost"
    assert "found" not in response.json()["errors"][0]["extensions"]
    # A variable as large (JSON over HTTP reads it as a float, which variable coercion refuses).
    by_variable = GraphQLRequest('query($n: Int) { suggest(q: "oxy", first: $n) { totalCount } }', {"n": 2**70})
    outcome = GraphQLService(persisted={}).run(SHIPPED, by_variable)
    assert (outcome.body["errors"][0]["extensions"]["limit"], outcome.lookups) == ("max_cost", 0)
    assert orjson.dumps(outcome.body)


def test_an_alias_bomb_and_a_thirty_deep_query_are_refused(shipped: TestClient) -> None:
    bomb = "{ " + " ".join(f"a{i}: __typename" for i in range(2_000)) + " }"
    assert _limit(_post(shipped, bomb)) in {"max_aliases", "max_tokens"}
    deep = "{ " + 'node(id: "a") { ' * 30 + "id" + " }" * 30 + " }"
    assert _limit(_post(shipped, deep)) == "max_depth"
    nested = "{ " + "a { " * 3_000 + "}" * 3_001
    assert _limit(_post(shipped, nested)) in {"max_depth", "max_tokens"}
    huge = "{ " + 'node(id: "x") { id } ' * 20_000 + "}"  # 100k tokens, 420 KB
    assert _post(shipped, huge).status_code == 413  # refused unread, by the body bound
    outcome = GraphQLService(persisted={}).run(SHIPPED, GraphQLRequest(huge))
    assert outcome.body["errors"][0]["extensions"]["limit"] == "max_tokens"


def test_limits_are_published_in_the_schema_description(shipped: TestClient) -> None:
    description = _post(shipped, "{ __schema { description } }").json()["data"]["__schema"]["description"]
    for name in ("max_tokens", "max_depth", "max_aliases", "max_cost"):
        assert f"{getattr(LIMITS, name)} " in description.replace("`", " ")
        assert name in description


def test_a_persisted_query_round_trip_gives_304(shipped: TestClient) -> None:
    text = (Path("api/contract/queries") / "node-card.graphql").read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert persisted_queries()[digest] == text
    params = {
        "extensions": orjson.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}}).decode(),
        "variables": '{"id": "oxytocin"}',
    }
    first = shipped.get("/v1/graphql", params=params)
    assert first.status_code == 200
    assert first.json()["data"]["node"]["label"] == "Oxytocin"
    assert "max-age" in first.headers["cache-control"]
    again = shipped.get("/v1/graphql", params=params, headers={"If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")


def test_an_unknown_or_mismatched_hash_is_refused(shipped: TestClient) -> None:
    unknown = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    body = shipped.get("/v1/graphql", params={"extensions": orjson.dumps(unknown).decode()}).json()
    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    mismatched = _post(shipped, "{ __typename }", extensions=unknown).json()
    assert mismatched["errors"][0]["message"] == "provided sha does not match query"


@pytest.mark.parametrize(
    ("accept", "status"), [(GQL, 400), ("application/json", 200), ("*/*", 200), (f"{GQL}, application/json;q=0.9", 400)]
)
def test_status_codes_follow_graphql_over_http(shipped: TestClient, accept: str, status: int) -> None:
    response = shipped.get("/v1/graphql", params={"query": "{ node(id: "}, headers={"Accept": accept})
    assert response.status_code == status
    assert response.headers["content-type"] == (GQL if status == 400 else "application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"query": 7}', "application/json", 400),
        (b"query=%7B__typename%7D", "application/x-www-form-urlencoded", 415),
        (b'{"query": "{ __typename }"}', "text/plain", 415),
    ],
)
def test_requests_that_are_not_graphql_are_problems(
    shipped: TestClient, content: bytes, content_type: str, status: int
) -> None:
    response = shipped.post("/v1/graphql", content=content, headers={"Content-Type": content_type})
    assert (response.status_code, response.headers["content-type"]) == (status, "application/problem+json")
    assert response.json()["detail"]
    assert "Traceback" not in response.text


def test_malformed_get_parameters_are_refused(shipped: TestClient) -> None:
    assert shipped.get("/v1/graphql", params={"query": "{ __typename }", "variables": "{"}).status_code == 400
    unknown = shipped.get("/v1/graphql", params={"query": "{ __typename }", "vars": "{}"})
    assert (unknown.status_code, unknown.json()["errors"][0]["parameter"]) == (422, "vars")


@pytest.mark.parametrize(
    ("query", "parameter", "value", "says"),
    [
        ("query=%7B__typename%7D&vars=1", "vars", "1", "is not a parameter of this route"),
        ("query=%7B__typename%7D&a=1&a=2", "a", "1,2", "is not a parameter of this route"),
        ("query=%7B__typename%7D&query=%7Bx%7D", "query", "{__typename},{x}", "is given 2 times"),
        ("query=" + "a" * 1801, "query", "a" * 1801, "at most 1800 characters"),
        ("query=%C3%A9", "query", "\u00e9", "should match pattern"),
        ("operationName=a-b&query=%7B__typename%7D", "operationName", "a-b", "should match pattern"),
    ],
)
def test_bad_get_parameters_are_422s_naming_them(
    shipped: TestClient, query: str, parameter: str, value: str, says: str
) -> None:
    """The GET reads its parameters itself (api.app.querymodel.read_query): the same refusals as every route's."""
    response = shipped.get(f"/v1/graphql?{query}")
    assert (response.status_code, response.headers["content-type"]) == (422, "application/problem+json")
    error = response.json()["errors"][0]
    assert (error["parameter"], error["value"]) == (parameter, value)
    assert says in error["message"]


def test_a_post_body_past_its_bound_is_a_413(shipped: TestClient) -> None:
    body = orjson.dumps({"query": "{ __typename }" + " " * (64 << 10)})
    response = shipped.post("/v1/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_graphiql_is_served_offline(shipped: TestClient) -> None:
    page = shipped.get("/v1/graphql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets
    assert all(a.startswith("/graphiql/") for a in assets)
    for asset in assets:
        assert shipped.get(asset).status_code == 200
    script = (GRAPHIQL_ASSETS / "start.js").read_text(encoding="utf-8")
    assert "http" not in script.replace("graphql-response", "")
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_every_root_field_answers_on_the_shipped_graph(shipped: TestClient) -> None:
    sign = next(
        i
        for i in SHIPPED.by_type["sign"]
        if any(SHIPPED.edges[e].kind == "indicates" for e in SHIPPED.out_edges.get(i, ()))
    )
    query = """query($sign: ID!) {
      edges(kind: [indicates], first: 2) { totalCount nodes { id label from { id } to { id } } }
      edge(id: "%s") { kind inverseLabel }
      paths(from: $sign, to: "oxytocin") {
        truncated paths { nodes { length hops { nodes { direction edge { kind } } } } }
      }
      search(q: "oxytocin", first: 3) { totalCount nodes { score node { id } } }
      suggest(q: "oxyt") { nodes { id } }
      guide(signs: [$sign]) { reasons(first: 2) { nodes { reason { id } via addressedBy { nodes { node { id } } } } } }
      disagreements(first: 1) { totalCount nodes { about sides { nodes { id } } } }
      releases { totalCount }
    }""" % next(iter(SHIPPED.edges))  # noqa: UP031
    body = _post(shipped, query, variables={"sign": sign}).json()
    assert "errors" not in body, body.get("errors")
    data = body["data"]
    assert data["search"]["nodes"][0]["node"]["id"] == "oxytocin"
    assert data["suggest"]["nodes"][0]["id"].startswith("oxytocin")
    assert data["guide"]["reasons"]["nodes"]
    assert data["disagreements"]["totalCount"] == SHIPPED.edge_counts.get("contradicts", 0)


def test_changes_since_an_unknown_release_is_an_error(client: TestClient, tiny: KnowledgeGraph) -> None:
    body = _post(client, '{ changes(since: "abcdef12") { totalCount } }').json()
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_answer_equals_the_rest_answer(shipped: TestClient) -> None:
    q = "he stopped texting me after we slept together"
    query = """query($q: String!) { answer(q: $q) { answered note
      sections(first: 20) { nodes { name heading items(first: 50) { nodes { node { id } how } } } }
      citations(first: 100) { nodes { quote start end } } } }"""
    got = _post(shipped, query, variables={"q": q}).json()["data"]["answer"]
    rest = shipped.get("/v1/answer", params={"q": q}).json()
    assert (got["answered"], got["note"]) == (rest["answered"], rest["note"])
    sections = [
        (s["name"], s["heading"], [(i["node"]["id"], i["how"]) for i in s["items"]["nodes"]])
        for s in got["sections"]["nodes"]
    ]
    assert sections == [
        (s["name"], s["heading"], [(i["node"]["id"], i["how"]) for i in s["items"]]) for s in rest["sections"]
    ]
    assert got["citations"]["nodes"] == [{k: c[k] for k in ("quote", "start", "end")} for c in rest["citations"]]
