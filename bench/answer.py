"""Answer quality and latency: /v1/answer scored on the reader messages of bench/answer_set.yaml.

Run: `.venv/bin/python -m bench.answer [--http] [--scale] [--show N]` (timing rows under
`flock /work/bench.lock` on a shared machine). For each split of the set (tuned, held out), for
bench/answer_fresh.yaml (fresh: written after the tuning, never tuned on) and for
bench/answer_blind.yaml (blind: written by a writer who read neither the code, nor the graph's
nodes, nor the other sets), and for bench/answer_unseen.yaml (unseen: written the same way by another
writer, and sealed: scored here, never read while tuning), through the one `score`:

- recall@10: share of a message's labelled passages that one of its first 10 citations overlaps;
- precision@10: share of its first 10 citations that overlap any of its labelled passages;
- both sides: share of disagreement messages whose citations overlap a passage of each side;
- declined: share of unanswerable messages answered `answered: false`;
- wrongly declined: share of answerable (and disagreement) messages answered `answered: false`;

then the two decline figures alone (`decided`) on the halves of bench/answer_decline.yaml (tune,
check), whose messages have no passages, and the same two on bench/answer_guard.yaml (a guard
written while changing the decision); then p50/p99 latency of
`graph.queries.answer.answer` in process on the shipped graph, over HTTP (`--http`: the app in
process through httpx's ASGI transport, every message once, caching out of the way by a unique
query each time) and on the 100k-node synthetic graph (`--scale`). The baseline row is the one-call
path a bot had before /v1/answer: the first 5 search hits and their quotes (today's search).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.answer_set import (
    Message,
    Passage,
    load,
    load_blind,
    load_decline,
    load_fresh,
    load_guard,
    load_unseen,
)

__all__ = ["Cited", "Scores", "baseline", "decided", "main", "now", "run", "score"]

# What one message got: whether it was answered, and its citations as (source, start, end) in order.
Cited = tuple[bool, list[tuple[str, int, int]]]
SEEDS = Path(__file__).parents[1] / "seeds"


@dataclass(frozen=True)
class Scores:
    """The figures of one split."""

    messages: int
    recall: float
    precision: float
    both_sides: float
    declined: float
    wrongly_declined: float

    def row(self, name: str) -> str:
        return (
            f"| {name} | {self.messages} | {self.recall:.3f} | {self.precision:.3f} | {self.both_sides:.3f} | "
            f"{self.declined:.3f} | {self.wrongly_declined:.3f} |"
        )


HEADER = (
    "| answer, split | messages | recall@10 | precision@10 | both sides | unanswerable declined "
    "| answerable declined |\n|---|---:|---:|---:|---:|---:|---:|"
)


def _overlaps(c: tuple[str, int, int], p: Passage) -> bool:
    return c[0] == p.source and c[1] < p.end and p.start < c[2]


def score(messages: Sequence[Message], cited: Callable[[str], Cited]) -> Scores:
    """The figures of `cited` (message → answered, citations) over `messages`."""
    recall: list[float] = []
    precision: list[float] = []
    sides: list[bool] = []
    declined: list[bool] = []
    wrong: list[bool] = []
    for m in messages:
        answered, citations = cited(m.text)
        if m.kind == "unanswerable":
            declined.append(not answered)
            continue
        wrong.append(not answered)
        first = citations[:10]
        recall.append(sum(any(_overlaps(c, p) for c in first) for p in m.passages) / len(m.passages))
        precision.append(sum(any(_overlaps(c, p) for p in m.passages) for c in first) / len(first) if first else 0.0)
        if m.kind == "disagreement":
            sides.append(all(any(_overlaps(c, p) for c in citations for p in side) for side in m.sides))

    def mean(values: Sequence[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    return Scores(len(messages), mean(recall), mean(precision), mean(sides), mean(declined), mean(wrong))


def decided(messages: Sequence[Message], cited: Callable[[str], Cited]) -> Scores:
    """The decline figures of `cited` over `messages` (labelled without passages): the share of the
    unanswerable ones declined and of the answerable ones wrongly declined; the other figures are 0."""
    declined = [not cited(m.text)[0] for m in messages if m.kind == "unanswerable"]
    wrong = [not cited(m.text)[0] for m in messages if m.kind != "unanswerable"]
    return Scores(
        len(messages),
        0.0,
        0.0,
        0.0,
        sum(declined) / len(declined) if declined else 0.0,
        sum(wrong) / len(wrong) if wrong else 0.0,
    )


def _decided_row(name: str, s: Scores) -> str:
    return f"| {name} | {s.messages} | - | - | - | {s.declined:.3f} | {s.wrongly_declined:.3f} |"


def now(kg: object = None) -> Callable[[str], Cited]:
    """`graph.queries.answer` on the shipped graph (or `kg`), as `score` reads it."""
    from graph.build import KnowledgeGraph, load_graph
    from graph.queries.answer import answer

    graph = kg if isinstance(kg, KnowledgeGraph) else load_graph(SEEDS)

    def cited(text: str) -> Cited:
        a = answer(graph, text)
        return a.answered, [(c.source, c.start, c.end) for c in a.citations()]

    return cited


def baseline(kg: object) -> Callable[[str], Cited]:
    """The best one-call path before /v1/answer: the top 5 search hits, every quote of each."""
    from graph.build import KnowledgeGraph
    from graph.queries.search import MAX_QUERY, search

    assert isinstance(kg, KnowledgeGraph)

    def cited(text: str) -> Cited:
        hits = search(kg, text[:MAX_QUERY], limit=5).items
        return True, [(ev.source, ev.start, ev.end) for h in hits for ev in h.node.evidence]

    return cited


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)]


def _latency(fn: Callable[[str], object], texts: Sequence[str], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            fn(text)
            samples.append((time.perf_counter() - started) * 1000)
    return _percentiles(samples)


def _http(texts: Sequence[str], rounds: int) -> tuple[float, float]:
    """p50/p99 ms of GET /v1/answer through the whole app (httpx ASGI transport, in this process)."""
    import asyncio

    import httpx

    from api.app import create_app
    from api.settings import Settings

    async def go() -> list[float]:
        app = create_app(Settings(seeds_dir=SEEDS, access_log=False))
        samples = []
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                for n in range(rounds):
                    for i, text in enumerate(texts):
                        started = time.perf_counter()
                        response = await client.get("/v1/answer", params={"q": f"{text} {n}-{i}"})
                        samples.append((time.perf_counter() - started) * 1000)
                        assert response.status_code == 200, response.text
        return samples

    return _percentiles(asyncio.run(go()))


def _scale(texts: Sequence[str], nodes: int) -> tuple[float, float, float]:
    """Build the synthetic graph, then p50/p99 ms of `answer` on it; and the build seconds."""
    from bench.synthetic import synthetic_content
    from graph.build import build
    from graph.indexes import make_indexes
    from graph.queries.answer import answer

    kg = build(synthetic_content(nodes=nodes, edges=nodes * 10))
    gc.freeze()  # as a server freezes the graph it serves, so no full collection walks it
    started = time.perf_counter()
    make_indexes(kg)  # as a server does when the graph starts serving
    built = time.perf_counter() - started
    p50, p99 = _latency(lambda t: answer(kg, t), texts, 2)
    return p50, p99, built


def run(*, http: bool = False, nodes: int = 0) -> list[str]:
    """The quality table of every split (and the baseline), then the latency lines, as Markdown."""
    from graph.build import load_graph
    from graph.queries.answer import answer

    kg = load_graph(SEEDS)
    messages = load(kg)
    tuned = [m for m in messages if m.split == "tuned"]
    held = [m for m in messages if m.split == "held_out"]
    fresh = load_fresh(kg)
    blind = load_blind(kg)
    unseen = load_unseen(kg)
    decline = load_decline()
    cited, before = now(kg), baseline(kg)
    lines = [
        HEADER,
        score(tuned, cited).row("/v1/answer, tuned"),
        score(held, cited).row("/v1/answer, held out"),
        score(fresh, cited).row("/v1/answer, fresh (never tuned on; see its header)"),
        score(blind, cited).row("/v1/answer, blind (written without the code or the graph; see its header)"),
        score(unseen, cited).row("/v1/answer, unseen (sealed: written blind, never read while tuning)"),
        _decided_row("/v1/answer, decline set, tune", decided([m for m in decline if m.split == "tune"], cited)),
        _decided_row("/v1/answer, decline set, check", decided([m for m in decline if m.split == "check"], cited)),
        _decided_row("/v1/answer, guard (tuned on; see its header)", decided(load_guard(), cited)),
        score(tuned, before).row("search top 5 and their quotes, tuned"),
        score(held, before).row("search top 5 and their quotes, held out"),
        score(fresh, before).row("search top 5 and their quotes, fresh"),
        score(blind, before).row("search top 5 and their quotes, blind"),
        score(unseen, before).row("search top 5 and their quotes, unseen"),
        "",
    ]
    texts = [m.text for m in messages]
    answer(kg, texts[0])
    p50, p99 = _latency(lambda t: answer(kg, t), texts, 5)
    lines.append(f"in process, shipped graph: p50 {p50:.2f} ms, p99 {p99:.2f} ms ({len(texts) * 5} answers)")
    if http:
        p50, p99 = _http(texts, 3)
        lines.append(f"over HTTP (ASGI, whole app, cache missed): p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    if nodes:
        p50, p99, built = _scale(texts, nodes)
        where = f"in process, {nodes}-node synthetic graph"
        lines.append(f"{where}: p50 {p50:.2f} ms, p99 {p99:.2f} ms (its answer indexes made in {built:.1f} s)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--http", action="store_true", help="also time GET /v1/answer through the app")
    parser.add_argument("--scale", type=int, default=0, metavar="NODES", help="also time the synthetic graph")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print the first N tuned answers")
    args = parser.parse_args()
    print("\n".join(run(http=args.http, nodes=args.scale)))
    if args.show:
        from graph.build import load_graph
        from graph.queries.answer import answer

        kg = load_graph(SEEDS)
        for m in [m for m in load(kg) if m.split == "tuned"][: args.show]:
            a = answer(kg, m.text)
            print(f"\n[{m.n}] {m.text}\n  answered: {a.answered}, sections: {', '.join(a.order)}")
            for it in a.items():
                print(f"  - {it.node.type:9} {it.node.label[:50]:50} {it.how[:70]}")


if __name__ == "__main__":
    main()
