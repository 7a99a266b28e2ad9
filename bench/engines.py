"""tantivy against SQLite FTS5 on the synthetic 100k-node graph: index time, query time, memory.

Run: `.venv/bin/python -m bench.engines [--nodes 100000]`. Both index the same four fields
(label, aliases, summary, quotes) with English stemming and rank by BM25 with the same field
weights; each answers the same random 1–3-word queries (top 20, matches counted). FTS5 has no
typo tolerance, so its misspelt queries find only what the exact words find.
"""

from __future__ import annotations

import argparse
import random
import resource
import sqlite3
import statistics
import time
from collections.abc import Callable

from bench.scale import search_queries
from bench.synthetic import synthetic_graph
from graph.build import KnowledgeGraph
from graph.queries.search import _query, _terms
from graph.text_index import FIELDS, text_index, words

__all__ = ["main"]


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fts5(kg: KnowledgeGraph) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(label, alias, summary, quote, tokenize='porter unicode61')")
    db.executemany(
        "INSERT INTO t VALUES (?, ?, ?, ?)",
        ((n.label, " ".join(n.aliases), n.summary, " ".join(ev.quote for ev in n.evidence)) for n in kg.nodes.values()),
    )
    db.commit()
    return db


def _time(fn: Callable[[str], object], queries: list[str]) -> tuple[float, float]:
    samples = []
    for q in queries:
        started = time.perf_counter()
        fn(q)
        samples.append((time.perf_counter() - started) * 1000)
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    args = parser.parse_args()
    kg = synthetic_graph(nodes=args.nodes, edges=args.nodes // 10)
    queries = search_queries(random.Random(13), 1000)
    base = _rss_mib()
    started = time.perf_counter()
    ix = kg.derived(text_index)
    print(f"tantivy: index {time.perf_counter() - started:.2f} s, peak RSS +{_rss_mib() - base:.0f} MiB")

    def tantivy_top(q: str) -> object:
        query = _query(ix, _terms(kg, ix, q), ())
        return ix.run(query, 20), ix.searcher.search(query, 1, count=True)

    p50, p99 = _time(tantivy_top, queries)
    print(f"tantivy: top 20 + count, with typo tolerance, p50 {p50:.2f} p99 {p99:.2f} ms")
    base = _rss_mib()
    started = time.perf_counter()
    db = _fts5(kg)
    print(f"FTS5: index {time.perf_counter() - started:.2f} s, peak RSS +{_rss_mib() - base:.0f} MiB")
    weights = ", ".join(str(w) for w in FIELDS.values())

    def fts5_top(q: str) -> object:
        match = " OR ".join(f'"{w}"' for w in words(q))
        top = db.execute(
            f"SELECT rowid, bm25(t, {weights}) AS s, snippet(t, -1, '<mark>', '</mark>', '…', 12) FROM t "
            "WHERE t MATCH ? ORDER BY s LIMIT 20",
            (match,),
        ).fetchall()
        return top, db.execute("SELECT count(*) FROM t WHERE t MATCH ?", (match,)).fetchone()

    p50, p99 = _time(fts5_top, queries)
    print(f"FTS5: top 20 with snippets + count, no typo tolerance, p50 {p50:.2f} p99 {p99:.2f} ms")


if __name__ == "__main__":
    main()
