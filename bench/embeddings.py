"""Does a small embedding model help retrieval for readers? wordllama against BM25 + graph, measured.

Run: `.venv/bin/python -m bench.embeddings` (wordllama is a dev dependency: its weights and
tokenizer ship inside the PyPI wheel, loaded with `disable_download=True`, so nothing is fetched).

Each retriever gives its top 5 nodes for a reader message and every quote of each is cited, as
bench.answer's baseline row does; the citations are scored by bench.answer's one `score` on the
labelled reader messages (bench/answer_set.yaml's tuned and held-out splits; the choice is made on
those, and the fresh set's row is printed for information only):

- **search**: graph.queries.search as shipped (tantivy BM25 over the reader's words, the graph's
  typed walk);
- **wordllama**: cosine between the message and each node's label, aliases and summary, embedded
  by wordllama's l2_supercat model (256 dimensions);
- **hybrid**: reciprocal-rank fusion of the two top-20 lists (k = 60), the embedding's list
  weighted `--weight` against search's 1.

It also prints what the model costs a starting process (import + load) and per message. The
project keeps the embedding only if the hybrid beats search alone on recall and precision; the
figures it gave are in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.answer import HEADER, Cited, score
from bench.answer_set import load, load_fresh
from graph.build import KnowledgeGraph, load_graph
from graph.models import Node

__all__ = ["main", "run"]

SEEDS = Path(__file__).parents[1] / "seeds"
TOP = 5
POOL = 20
RRF_K = 60

Ranker = Callable[[str, int], list[Node]]


def _cited(rank: Ranker) -> Callable[[str], Cited]:
    def cited(text: str) -> Cited:
        return True, [(ev.source, ev.start, ev.end) for node in rank(text, TOP) for ev in node.evidence]

    return cited


def _search(kg: KnowledgeGraph) -> Ranker:
    from graph.queries.search import MAX_QUERY, search

    return lambda text, k: [hit.node for hit in search(kg, text[:MAX_QUERY], limit=k).items]


def _wordllama(kg: KnowledgeGraph) -> tuple[Ranker, float, Callable[[str], None]]:
    """The embedding ranker, the seconds its import and load took, and one message's embedding."""
    started = time.perf_counter()
    import numpy as np
    import wordllama

    model = wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    loaded = time.perf_counter() - started
    nodes = [n for n in kg.nodes.values() if n.type != "source" and n.evidence]
    vectors = model.embed([f"{n.label}. {' '.join(n.aliases)}. {n.summary}" for n in nodes], norm=True)

    def rank(text: str, k: int) -> list[Node]:
        similarity = vectors @ model.embed([text], norm=True)[0]
        return [nodes[int(i)] for i in np.argsort(-similarity)[:k]]

    return rank, loaded, lambda text: model.embed([text], norm=True)


def _hybrid(first: Ranker, second: Ranker, weight: float) -> Ranker:
    def rank(text: str, k: int) -> list[Node]:
        scores: dict[str, float] = {}
        nodes: dict[str, Node] = {}
        for share, ranker in ((1.0, first), (weight, second)):
            for place, node in enumerate(ranker(text, POOL)):
                scores[node.id] = scores.get(node.id, 0.0) + share / (RRF_K + place)
                nodes[node.id] = node
        return [nodes[i] for i in sorted(scores, key=lambda i: (-scores[i], i))[:k]]

    return rank


def _ms(fn: Callable[[str], object], texts: Sequence[str]) -> float:
    samples = []
    for text in texts:
        started = time.perf_counter()
        fn(text)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def run(weight: float = 1.0) -> list[str]:
    """The comparison as Markdown: a row per retriever and split, then what the model costs."""
    kg = load_graph(SEEDS)
    messages = load(kg)
    chosen = [m for m in messages if m.split in ("tuned", "held_out")]
    fresh = load_fresh(kg)
    search = _search(kg)
    embedded, loaded, embed_one = _wordllama(kg)
    lines = [HEADER]
    for name, ranker in (
        ("search", search),
        ("wordllama", embedded),
        (f"hybrid (weight {weight})", _hybrid(search, embedded, weight)),
    ):
        cited = _cited(ranker)
        lines.append(score(chosen, cited).row(f"{name}, tuned + held out"))
        lines.append(score(fresh, cited).row(f"{name}, fresh (information only)"))
    texts = [m.text for m in messages]
    lines += [
        "",
        f"wordllama: import + load {loaded:.2f} s; per message p50 {_ms(embed_one, texts):.2f} ms "
        f"to embed, {_ms(lambda t: embedded(t, TOP), texts):.2f} ms to rank; "
        f"search p50 {_ms(lambda t: search(t, TOP), texts):.2f} ms",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--weight", type=float, default=1.0, help="the embedding list's weight in the fusion")
    print("\n".join(run(parser.parse_args().weight)))


if __name__ == "__main__":
    main()
