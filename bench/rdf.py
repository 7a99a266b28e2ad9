"""pyoxigraph against rdflib, serializing the shipped graph's linked data: the measurement behind
the choice in graph/rdf.py.

Run: `.venv/bin/python -m bench.rdf [--repeat 5]`. Both start from the same JSON-LD document
(`graph.rdf.graph_jsonld`, under an HTTP base as served) and write Turtle and N-Triples; the
figures are the median of `--repeat` runs, in milliseconds. "parse + write" is what the API does
for a syntax other than JSON-LD (the document's triples, read and written), "write" alone is
the serializer given triples it holds already. A node's document is timed the same way.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from api.app import urls
from api.settings import DEFAULT_SEEDS_DIR
from graph.build import load_graph
from graph.rdf import graph_jsonld, node_jsonld, to_rdf

__all__ = ["main"]


def _median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import pyoxigraph
    import rdflib

    kg = load_graph(DEFAULT_SEEDS_DIR)
    iris = urls.iris("http://127.0.0.1:8000")
    jsonld = graph_jsonld(kg, iris)
    ox_triples = [q.triple for q in pyoxigraph.parse(jsonld, format=pyoxigraph.RdfFormat.JSON_LD)]
    rdf = rdflib.Graph().parse(data=jsonld, format="json-ld")
    oxf = pyoxigraph.RdfFormat
    print(f"load average {os.getloadavg()[0]:.2f}; {len(ox_triples):,} triples, JSON-LD {len(jsonld):,} bytes")
    print(f"JSON-LD document built (orjson): {_median_ms(lambda: graph_jsonld(kg, iris), args.repeat):.1f} ms")
    print("| whole graph, ms | pyoxigraph | rdflib |")
    print("|---|---|---|")
    rows = [
        ("parse JSON-LD", lambda: list(pyoxigraph.parse(jsonld, format=oxf.JSON_LD)),
            lambda: rdflib.Graph().parse(data=jsonld, format="json-ld")),
        ("write Turtle", lambda: pyoxigraph.serialize(ox_triples, format=oxf.TURTLE), lambda: rdf.serialize(
            format="turtle")),
        ("write N-Triples", lambda: pyoxigraph.serialize(ox_triples, format=oxf.N_TRIPLES), lambda: rdf.serialize(
            format="nt")),
        ("write JSON-LD", lambda: pyoxigraph.serialize(ox_triples, format=oxf.JSON_LD), lambda: rdf.serialize(
            format="json-ld")),
        ("parse + write Turtle", lambda: to_rdf(jsonld, "turtle", iris), lambda: rdflib.Graph().parse(
            data=jsonld, format="json-ld").serialize(format="turtle")),
        ("parse + write N-Triples", lambda: to_rdf(jsonld, "ntriples", iris), lambda: rdflib.Graph().parse(
            data=jsonld, format="json-ld").serialize(format="nt")),
    ]  # fmt: skip
    for name, ox, rl in rows:
        print(f"| {name} | {_median_ms(ox, args.repeat):.1f} | {_median_ms(rl, args.repeat):.1f} |")
    node = node_jsonld(kg, "oxytocin", iris)
    ox_node = _median_ms(lambda: to_rdf(node, "turtle", iris), args.repeat * 20)
    rl_node = _median_ms(
        lambda: rdflib.Graph().parse(data=node, format="json-ld").serialize(format="turtle"), args.repeat * 20
    )
    print(f"| one node (oxytocin), parse + write Turtle | {ox_node:.2f} | {rl_node:.2f} |")


if __name__ == "__main__":
    main()
