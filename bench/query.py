"""GraphQL and SPARQL against their REST equivalents, in process, in one run.

Run: `.venv/bin/python -m bench.query [--repeat 200] [--scale 10000] [--sparql-only]`.

Every row is a median over `--repeat` requests made through the whole app (front door, answer
layer, FastAPI) by a minimal ASGI driver, with the response cache off, so every answer is a
miss; the GraphQL rows beside it say what the same question costs in REST. Then the GraphQL
service alone (parse cached, as a warm server runs it), the refusals of the four limits, and
two SPARQL queries, "every reason with the signs that indicate it" (a join over the whole
graph) and "the signs of one reason with their quotes" (a few index lookups), on the shipped
graph and on a synthetic graph (`bench.synthetic`, 10,000 nodes by default, about 250 triples a
node): first on an in-memory store in process (up to 10,000 nodes: about 360 bytes a triple),
then as the API runs them, on a store built on disk by a process of its own (about 140 bytes a
triple) and queried by a process that opens it read-only (`api.process.sparql`). It prints
figures and ratios, never asserts: the machine is shared, so compare ratios within one run.

Measured on 2026-12-07 (2 shared cores, load average about 5-7) with
`flock /work/bench.lock /usr/bin/time -v .venv/bin/python -u -m bench.query --repeat 20 --scale 100000 --sparql-only`:
on the 100,000-node graph (about 25 million triples) the store was built in 215 s (builder's peak
RSS 1.9 GiB, 3.5 GiB on disk); the join took 5.7 s (49,399 rows, median of 5: past the API's
2 s limit, which answers it with a query-limit problem) and one reason's signs 0.92 ms; the query
process peaked at 340 MiB and the whole run at 1.9 GiB. In memory the same join took 413 ms on
the 50,000-node graph (store built in 158 s, the run at 4.9 GiB). On the 10,000-node graph in
one run (`--repeat 200 --scale 10000`), the join took 81 ms in memory and 459 ms on disk, one
reason's signs 0.23 ms and 1.03 ms: ~5.7x on a join over the whole graph, and no process holds a
copy of the store.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson

from api.app import create_app
from api.app.graphql import GraphQLRequest, GraphQLService
from api.process.sparql import SparqlPool
from api.settings import Settings
from graph.build import KnowledgeGraph, load_graph
from graph.rdf import URN_IRIS
from graph.sparql import evaluate, sparql_store

__all__ = ["main"]

NODE = "oxytocin"
NODE_QUERY = """query($id: ID!) { node(id: $id) { id type label summary aliases
  evidence(first: 20) { nodes { quote start end context articleTitle passage } } } }"""


def nested(per_node: int) -> str:
    """Three levels: 50 nodes, `per_node` neighbours of each, `per_node` of each of those."""
    level = "neighbors(first: %d) { nodes { id label %s } }"
    inner = level % (per_node, "")
    return "{ nodes(first: 50) { nodes { id label %s } } }" % (level % (per_node, inner))


REASONS_WITH_SIGNS = """SELECT ?reason ?label ?sign ?signLabel WHERE {
  ?reason a distance:Reason ; skos:prefLabel ?label .
  ?sign distance:indicates ?reason ; skos:prefLabel ?signLabel .
} ORDER BY ?reason ?sign"""
SIGNS_OF_ONE = """SELECT ?sign ?label ?quote WHERE {
  ?sign distance:indicates <%s> ; skos:prefLabel ?label .
  ?a oa:hasBody ?sign ; oa:hasTarget ?t . ?t oa:hasSelector ?q . ?q oa:exact ?quote .
} ORDER BY ?sign"""


class _Driver:
    """Calls an ASGI app with one request and returns status and body: no sockets, no client."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def request(
        self, method: str, path: str, query: str = "", body: bytes = b"", **headers: str
    ) -> tuple[int, bytes]:
        fields = [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()]
        if body:
            fields.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
            "headers": fields, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "app": self.app,
        }  # fmt: skip
        sent = False
        status, chunks = 0, []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


def _median_ms(run: Callable[[], Any], repeat: int) -> float:
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def _http_rows(kg: KnowledgeGraph, repeat: int) -> None:
    app = create_app(Settings(cache_entries=0, access_log=False, rate_limit=0), kg)
    async with app.router.lifespan_context(app):
        driver = _Driver(app)

        async def timed(make: Callable[[], Any], times: int) -> float:
            await make()
            spent = []
            for _ in range(times):
                started = time.perf_counter()
                status, _ = await make()
                spent.append(time.perf_counter() - started)
                assert status == 200, status
            return statistics.median(spent) * 1000

        def gql_post(query: str, variables: dict[str, Any] | None = None) -> Callable[[], Any]:
            body = orjson.dumps({"query": query, "variables": variables})
            return lambda: driver.request("POST", "/v1/graphql", body=body, content_type="application/json")

        def gql_get(query: str, variables: dict[str, Any] | None = None) -> Callable[[], Any]:
            q = urlencode({"query": " ".join(query.split()), "variables": orjson.dumps(variables).decode()})
            return lambda: driver.request("GET", "/v1/graphql", q)

        rest_node = await timed(lambda: driver.request("GET", f"/v1/nodes/{NODE}"), repeat)
        # The same body with a query string: the shortcut (`api.edge.shortcut`) leaves it to FastAPI.
        rest_routed = await timed(lambda: driver.request("GET", f"/v1/nodes/{NODE}", "include=evidence"), repeat)
        gql_node_post = await timed(gql_post(NODE_QUERY, {"id": NODE}), repeat)
        gql_node_get = await timed(gql_get(NODE_QUERY, {"id": NODE}), repeat)
        print("one node with its citations, through the whole app, cache off (every answer a miss)")
        print(f"  REST GET /v1/nodes/{NODE}            {rest_node:8.3f} ms")
        print(f"  REST GET /v1/nodes/{NODE}?include=evidence (FastAPI) {rest_routed:8.3f} ms")
        for name, ms in (("POST", gql_node_post), ("GET ", gql_node_get)):
            print(
                f"  GraphQL {name} node(id) + evidence      {ms:8.3f} ms  "
                f"({ms / rest_node:.2f}x the shortcut, {ms / rest_routed:.2f}x FastAPI's REST)"
            )

        ids = sorted(kg.nodes)[:50]

        async def rest_nested(per_node: int) -> tuple[int, bytes]:
            await driver.request("GET", "/v1/nodes", "limit=50")
            for node_id in ids:
                _, body = await driver.request("GET", f"/v1/nodes/{node_id}/neighbors", f"limit={per_node}")
                for near in orjson.loads(body)["nodes"]:
                    await driver.request("GET", f"/v1/nodes/{near['id']}/neighbors", f"limit={per_node}")
            return 200, b""

        reasons = urlencode({"query": REASONS_WITH_SIGNS})
        sparql = await timed(lambda: driver.request("GET", "/v1/sparql", reasons), repeat)
        print(f'  SPARQL GET "every reason with the signs that indicate it" {sparql:8.3f} ms (a child process answers)')
        print("three levels, 50 nodes at the top (REST: the list, then a neighbours call per node, per level)")
        for per_node in (3, 5):
            gql = await timed(gql_post(nested(per_node)), max(repeat // 10, 5))
            rest = await timed(lambda n=per_node: rest_nested(n), max(repeat // 40, 3))  # type: ignore[misc]
            print(f"  {per_node} a node: GraphQL POST {gql:8.2f} ms   REST {rest:8.2f} ms  ({gql / rest:.2f}x)")


def _service_rows(kg: KnowledgeGraph, repeat: int) -> None:
    service = GraphQLService()
    print("the GraphQL service alone (in process, parse and validation kept, as in a warm server)")
    cases = (("node + citations", NODE_QUERY), ("3 levels, 3 a node", nested(3)), ("3 levels, 5 a node", nested(5)))
    for name, query in cases:
        request = GraphQLRequest(query, {"id": NODE} if "$id" in query else None)
        outcome = service.run(kg, request)
        objects = orjson.dumps(outcome.body).count(b'"id"')
        ms = _median_ms(lambda r=request: service.run(kg, r), repeat // 4 if "levels" in name else repeat)  # type: ignore[misc]
        print(f"  {name:22s} {ms:8.3f} ms   {objects} nodes in the answer, {outcome.lookups} graph reads")
    print("refusals (a fresh service each time: nothing parsed is kept)")
    attacks = {
        "depth 30": "{ " + 'node(id: "a") { ' * 30 + "id" + " }" * 30 + " }",
        "2,000 aliases": "{ " + " ".join(f"a{i}: __typename" for i in range(2_000)) + " }",
        "100k tokens": "{ " + "a " * 100_000 + "}",
        "over the cost budget": "{ nodes(first: 100) { nodes { neighbors(first: 100) { nodes { label } } } } }",
    }
    for name, query in attacks.items():
        limit = GraphQLService(persisted={}).run(kg, GraphQLRequest(query)).body["errors"][0]["extensions"]["limit"]
        ms = _median_ms(lambda q=query: GraphQLService(persisted={}).run(kg, GraphQLRequest(q)), 20)  # type: ignore[misc]
        print(f"  {name:22s} refused in {ms:8.3f} ms  ({limit})")


def _one_reason(kg: KnowledgeGraph) -> str:
    """The query for the signs of one reason, with their labels and quotes: the reason with the
    median number of signs among those that have any (a hub would not be typical)."""
    signs: dict[str, int] = {}
    for edge in kg.edges.values():
        if edge.kind == "indicates":
            signs[edge.target] = signs.get(edge.target, 0) + 1
    reason = sorted(signs, key=lambda r: (signs[r], r))[len(signs) // 2]
    return SIGNS_OF_ONE % URN_IRIS.node.format(reason)


def _sparql_row(label: str, kg: KnowledgeGraph, repeat: int) -> None:
    """Each query on an in-memory store in process (up to 10,000 nodes), then as the API runs
    it: a store built on disk by a child of its own, queried by a child that opens it read-only."""
    queries = {"every reason with its signs": REASONS_WITH_SIGNS, "one reason's signs + quotes": _one_reason(kg)}
    if len(kg.nodes) <= 12_000:
        started = time.perf_counter()
        store = kg.derived(sparql_store, URN_IRIS)
        built = time.perf_counter() - started
        print(f"  {label}, in memory, in process: {len(store)} triples, store built in {built:.1f} s")
        for name, query in queries.items():

            def run(q: str = query) -> bytes:
                deadline = time.monotonic() + 60
                first: Callable[[Any], str] = lambda offers: offers[0]  # noqa: E731
                return evaluate(kg, URN_IRIS, q, first, max_bytes=1 << 30, deadline=deadline).body

            rows = len(orjson.loads(run())["results"]["bindings"])
            print(f"    {name:28s} {_median_ms(run, repeat):9.2f} ms  {rows} rows")
    asyncio.run(_sparql_on_disk(label, kg, queries, repeat))


async def _sparql_on_disk(label: str, kg: KnowledgeGraph, queries: dict[str, str], repeat: int) -> None:
    pool = SparqlPool(1)
    started = time.perf_counter()
    path = await pool.build(kg, URN_IRIS)
    built = time.perf_counter() - started
    builder_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the builder, joined
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    print(
        f"  {label}, on disk, queried in a child (as the API does): store built in {built:.1f} s, "
        f"{size / 2**20:,.0f} MiB on disk, builder's peak RSS {builder_mib:,.0f} MiB"
    )
    try:
        for name, query in queries.items():

            async def run(q: str = query) -> bytes:
                found = await pool.run(kg, URN_IRIS, q, None, max_bytes=1 << 30, seconds=120)
                return found.body

            started = time.perf_counter()
            rows = len(orjson.loads(await run())["results"]["bindings"])
            first = time.perf_counter() - started
            spent = []
            for _ in range(repeat):
                started = time.perf_counter()
                await run()
                spent.append(time.perf_counter() - started)
            print(
                f"    {name:28s} {statistics.median(spent) * 1000:9.2f} ms  {rows} rows "
                f"(median of {repeat}; the first, cold: {first * 1000:.0f} ms)"
            )
        children = [child.pid for child in multiprocessing.active_children() if child.pid]
        print(
            f"    peak RSS: query child {max(map(_peak_mib, children)):,.0f} MiB, "
            f"this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB"
        )
    finally:
        pool.close()


def _peak_mib(pid: int) -> float:
    """The peak resident set of process `pid` (Linux), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument(
        "--scale",
        type=int,
        default=10_000,
        help="nodes of the synthetic graph (10 edges a node; 0 skips it), about 250 triples a node. Its "
        "store is built on disk (about 140 bytes a triple); the in-memory row (about 360 bytes a triple) is "
        "made up to 10,000 nodes only",
    )
    parser.add_argument("--sparql-only", action="store_true", help="only the SPARQL rows")
    args = parser.parse_args()
    kg = load_graph(Settings().seeds_dir)
    if not args.sparql_only:
        asyncio.run(_http_rows(kg, args.repeat))
        _service_rows(kg, args.repeat)
    print('SPARQL "every reason with the signs that indicate it" (JSON results)')
    _sparql_row("shipped graph", kg, args.repeat)
    if args.scale:
        from bench.synthetic import synthetic_graph

        started = time.perf_counter()
        big = synthetic_graph(nodes=args.scale, edges=10 * args.scale)
        print(f"  ({args.scale:,}-node synthetic graph made in {time.perf_counter() - started:.1f} s)")
        _sparql_row(f"{args.scale:,}-node synthetic graph", big, max(args.repeat // 20, 5))


if __name__ == "__main__":
    main()
