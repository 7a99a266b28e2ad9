"""Linked data by content negotiation: a node, an edge and the whole graph answer JSON-LD,
Turtle and N-Triples as `Accept` asks, under identifiers a client can GET; anything else a 406."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.namespace import RDF, SKOS

from api.app import create_app
from api.settings import Settings
from tests.live import DISTANCE, LiveServer, free_port, serve

BASE = "https://distance.example/api"
EDGE = "slower-replies--indicates--needs-space"
SYNTAX = {"application/ld+json": "json-ld", "text/turtle": "turtle", "application/n-triples": "nt"}
RESOURCES = ["/v1/nodes/oxytocin", f"/v1/edges/{EDGE}", "/v1/graph", "/v1/schema"]


@pytest.fixture
def based(seeds: Path) -> Iterator[TestClient]:
    """A client on an app whose public address is `BASE` (DISTANCE_BASE_URL)."""
    with TestClient(create_app(Settings(seeds_dir=seeds, base_url=BASE + "/"))) as client:
        yield client


def _triples(content: bytes, content_type: str) -> set[tuple[object, object, object]]:
    graph = rdflib.Graph().parse(data=content, format=SYNTAX[content_type.split(";")[0]])
    return {(s, p, o.toPython() if isinstance(o, rdflib.Literal) else o) for s, p, o in graph}


@pytest.mark.parametrize("path", RESOURCES)
def test_every_rdf_answer_parses_and_holds_the_same_triples_in_each_syntax(based: TestClient, path: str) -> None:
    found = {}
    for media in SYNTAX:
        response = based.get(path, headers={"Accept": media})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)
        assert "Accept" in response.headers["vary"]
        found[media] = _triples(response.content, response.headers["content-type"])
    assert len(found["text/turtle"]) > 5
    assert found["application/ld+json"] == found["text/turtle"] == found["application/n-triples"]


@pytest.mark.parametrize("path", RESOURCES)
def test_without_an_rdf_accept_the_answer_is_json_as_before(based: TestClient, path: str) -> None:
    for accept in (None, "application/json", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8"):
        response = based.get(path, headers={} if accept is None else {"Accept": accept})
        assert response.headers["content-type"] == "application/json"
        assert response.json()


def test_every_iri_under_the_base_dereferences_to_a_document_that_describes_it(based: TestClient) -> None:
    graph = rdflib.Graph().parse(data=based.get("/v1/graph?format=ntriples").content, format="nt")
    iris = {str(term).split("#")[0] for triple in graph for term in triple if isinstance(term, rdflib.URIRef)}
    ours = sorted(i for i in iris if i.startswith(BASE))
    assert any("/v1/schema" in i for i in ours)
    assert any("/v1/sources/" in i for i in ours)
    for iri in ours:
        answer = based.get(iri.removeprefix(BASE), headers={"Accept": "text/turtle, text/plain;q=0.5"})
        assert answer.status_code == 200, iri
        if answer.headers["content-type"].startswith("text/turtle"):
            described = {
                str(s).split("#")[0] for s in rdflib.Graph().parse(data=answer.content, format="turtle").subjects()
            }
            assert iri in described or iri == f"{BASE}/v1/schema", iri
    vocabulary = rdflib.Graph().parse(data=based.get("/v1/schema?format=turtle").content, format="turtle")
    used = {str(p) for p in graph.predicates() if str(p).startswith(BASE)}
    used |= {str(o) for o in graph.objects(None, RDF.type) if str(o).startswith(BASE)}
    assert used <= {str(s) for s in vocabulary.subjects()}  # every term of ours is defined


def test_identifiers_are_urls_under_the_configured_base(based: TestClient) -> None:
    document = based.get("/v1/nodes/oxytocin", headers={"Accept": "application/ld+json"}).json()
    assert document["@graph"][0]["@id"] == f"{BASE}/v1/nodes/oxytocin"
    assert document["@context"]["distance"] == f"{BASE}/v1/schema#"
    edge = based.get(f"/v1/edges/{EDGE}", headers={"Accept": "application/ld+json"}).json()
    assert edge["@graph"][0]["@id"] == f"{BASE}/v1/edges/{EDGE}"


def test_weights_decide_between_syntaxes(based: TestClient) -> None:
    answer = based.get("/v1/nodes/oxytocin", headers={"Accept": "text/turtle;q=0.4, application/n-triples;q=0.9"})
    assert answer.headers["content-type"] == "application/n-triples"
    answer = based.get("/v1/nodes/oxytocin", headers={"Accept": "application/json;q=0.2, text/*"})
    assert answer.headers["content-type"] == "text/turtle; charset=utf-8"


def test_the_format_parameter_wins_over_accept(based: TestClient) -> None:
    answer = based.get("/v1/graph?format=graphml", headers={"Accept": "text/turtle"})
    assert answer.headers["content-type"] == "application/graphml+xml"
    answer = based.get("/v1/graph?format=turtle")
    assert answer.headers["content-type"] == "text/turtle; charset=utf-8"
    assert answer.content == based.get("/v1/graph", headers={"Accept": "text/turtle"}).content


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/v1/nodes/oxytocin", "image/png"),
        ("/v1/nodes/oxytocin", "application/json;q=0, text/turtle;q=0"),
        ("/v1/search?q=space", "text/turtle"),
        ("/v1/meta", "application/xml"),
        ("/v1/graph", "image/*"),
    ],
)
def test_an_accept_the_route_cannot_meet_is_a_406_problem_naming_what_it_serves(
    based: TestClient, path: str, accept: str
) -> None:
    response = based.get(path, headers={"Accept": accept})
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"
    assert "Accept" in response.headers["vary"]
    problem = response.json()
    assert problem["type"] == "/problems/not-acceptable"
    assert "application/json" in problem["detail"]


def test_a_json_route_serves_json_to_a_client_that_takes_it_second(based: TestClient) -> None:
    response = based.get("/v1/search?q=space", headers={"Accept": "text/turtle, application/json;q=0.5"})
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")


def test_an_unknown_node_is_a_404_whatever_the_accept(based: TestClient) -> None:
    assert based.get("/v1/nodes/oxytocn", headers={"Accept": "text/turtle"}).status_code == 404


def test_each_representation_has_its_own_validator_and_revalidates(based: TestClient) -> None:
    turtle = based.get("/v1/nodes/oxytocin", headers={"Accept": "text/turtle"})
    plain = based.get("/v1/nodes/oxytocin")
    assert turtle.headers["etag"] != plain.headers["etag"]
    again = based.get("/v1/nodes/oxytocin", headers={"Accept": "text/turtle", "If-None-Match": turtle.headers["etag"]})
    assert again.status_code == 304
    head = based.head("/v1/nodes/oxytocin", headers={"Accept": "text/turtle"})
    assert (head.headers["etag"], head.content) == (turtle.headers["etag"], b"")


def test_the_export_parses_as_skos_with_one_concept_per_non_source_node(based: TestClient) -> None:
    meta = based.get("/v1/meta").json()
    graph = rdflib.Graph().parse(data=based.get("/v1/graph?format=ntriples").content, format="nt")
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == meta["counts"]["nodes"] - meta["counts"]["node_types"]["source"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`distance serve` with no DISTANCE_BASE_URL: identifiers are under the listening address."""
    port = free_port()
    command = [DISTANCE, "serve", "--host", "127.0.0.1", "--port", str(port)]
    with serve(command, port, tmp_path_factory.mktemp("linked-data"), env={"DISTANCE_BASE_URL": ""}) as server:
        yield server


def test_an_id_taken_from_the_jsonld_dereferences_to_what_it_names(live: LiveServer) -> None:
    graph = orjson.loads(httpx.get(f"{live.url}/v1/graph", headers={"Accept": "application/ld+json"}).content)
    items = graph["@graph"]
    node = next(i for i in items if "skos:Concept" in i["@type"])
    edge = next(i for i in items if i["@type"] == ["distance:Edge"])
    annotation = next(i for i in items if i["@type"] == ["oa:Annotation"])
    for item in (node, edge):
        assert item["@id"].startswith(live.url + "/v1/")
        answer = httpx.get(item["@id"], headers={"Accept": "application/ld+json"})
        assert answer.status_code == 200
        assert answer.json()["@graph"][0] == item
        assert httpx.get(item["@id"]).json()["id"] == item["@id"].rsplit("/", 1)[1]
    # An annotation is a fragment of what it is evidence for: its document holds it.
    described = httpx.get(annotation["@id"].split("#")[0], headers={"Accept": "application/ld+json"}).json()
    assert annotation in described["@graph"]
    # The text its selectors count into is served, and the offsets select the quote.
    target = annotation["oa:hasTarget"]
    position = next(s for s in target["oa:hasSelector"] if s["@type"] == ["oa:TextPositionSelector"])
    exact = next(s for s in target["oa:hasSelector"] if s["@type"] == ["oa:TextQuoteSelector"])
    text = httpx.get(target["oa:hasSource"]).text
    assert text[position["oa:start"] : position["oa:end"]] == exact["oa:exact"]


@pytest.mark.parametrize("path", ["/v1/nodes/oxytocin", f"/v1/edges/{EDGE}"])
def test_a_node_or_edge_names_its_format_in_the_url_for_links(based: TestClient, path: str) -> None:
    by_accept = based.get(path, headers={"Accept": "text/turtle"})
    named = based.get(f"{path}?format=turtle", headers={"Accept": "image/png"})  # the URL wins
    assert (named.status_code, named.headers["content-type"]) == (200, "text/turtle; charset=utf-8")
    assert named.content == by_accept.content
    assert based.get(f"{path}?format=ntriples").headers["content-type"] == "application/n-triples"
    assert based.get(f"{path}?format=jsonld").json()["@graph"][0]["@id"].startswith(BASE)
    assert based.get(f"{path}?format=json", headers={"Accept": "text/turtle"}).json()["id"]
    refused = based.get(f"{path}?format=rdfxml")
    assert (refused.status_code, refused.json()["errors"][0]["parameter"]) == (422, "format")
