"""The reader messages of bench/answer_set.yaml (and answer_fresh.yaml, answer_blind.yaml), their passages
located in the article bodies.

Each labelled passage is written as "source: text" with straight quotes and spaces standing for the
article's curly ones and no-break spaces; `load` finds it in that article's body (only there: 003's reader comments
are never a passage) and keeps the exact (source, start, end) and the article's own characters.
`problems` lists every passage that is not found, so the set cannot drift from the articles.

bench/answer_fresh.yaml, in the same format, holds messages written after the answer code was tuned
and never tuned on: `load_fresh` reads it through the same loader, every message in the split "fresh".

bench/answer_blind.yaml, in the same format, holds messages written blind: from the articles and the
`contradicts` edges only, without reading the answer or retrieval code, the graph's nodes or the other
sets' messages. `load_blind` reads it through the same loader, every message in the split "blind".

bench/answer_unseen.yaml, written the same way by another writer, is sealed: it is scored, never read
while tuning (its header says how it was built). `load_unseen` reads it, every message in the split "unseen".

bench/answer_decline.yaml holds messages labelled only answerable or unanswerable, without passages,
for the decision alone (decline or answer): `load_decline` reads it, every other message of each kind
in the split "tune", the rest in "check".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import yaml

from graph.build import KnowledgeGraph
from graph.passages import body

__all__ = [
    "BLIND_PATH",
    "DECLINE_PATH",
    "FRESH_PATH",
    "GUARD_PATH",
    "SET_PATH",
    "UNSEEN_PATH",
    "Kind",
    "Message",
    "Passage",
    "Split",
    "load",
    "load_blind",
    "load_decline",
    "load_fresh",
    "load_guard",
    "load_unseen",
    "problems",
]

SET_PATH: Final = Path(__file__).with_name("answer_set.yaml")
FRESH_PATH: Final = Path(__file__).with_name("answer_fresh.yaml")
DECLINE_PATH: Final = Path(__file__).with_name("answer_decline.yaml")
BLIND_PATH: Final = Path(__file__).with_name("answer_blind.yaml")
UNSEEN_PATH: Final = Path(__file__).with_name("answer_unseen.yaml")
GUARD_PATH: Final = Path(__file__).with_name("answer_guard.yaml")
Kind = Literal["answerable", "disagreement", "unanswerable"]
Split = Literal["tuned", "held_out", "fresh", "blind", "unseen", "tune", "check", "guard"]
_PLAIN: Final = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})  # one for one


@dataclass(frozen=True)
class Passage:
    """A labelled span of one article body: `body(source)[start:end] == quote`."""

    source: str
    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class Message:
    """One reader message, its kind, its split and the passages a good answer cites."""

    n: int
    kind: Kind
    text: str
    split: Split
    passages: tuple[Passage, ...]
    sides: tuple[tuple[Passage, ...], ...]


def _raw(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    assert isinstance(data, list)
    return data


def _locate(kg: KnowledgeGraph, label: str) -> Passage | str:
    """The passage `label` ("source: text") names, or what is wrong with it."""
    source, _, text = label.partition(": ")
    if source not in kg.articles:
        return f"{label[:60]!r}: no article {source!r}"
    article = body(kg, source)
    at = article.translate(_PLAIN).find(text.translate(_PLAIN))
    if at < 0:
        return f"{label[:60]!r}: not in the body of {source}"
    return Passage(source, at, at + len(text), article[at : at + len(text)])


def _passages(kg: KnowledgeGraph, labels: object) -> tuple[Passage, ...]:
    assert isinstance(labels, list)
    found = [_locate(kg, str(label)) for label in labels]
    missing = [p for p in found if isinstance(p, str)]
    if missing:
        raise ValueError("; ".join(missing))
    return tuple(p for p in found if isinstance(p, Passage))


def problems(kg: KnowledgeGraph, path: Path = SET_PATH) -> list[str]:
    """Every labelled passage of the set at `path` not found in its article's body, and every malformed entry."""
    out: list[str] = []
    for n, entry in enumerate(_raw(path), 1):
        labels = list(entry.get("passages") or [])  # type: ignore[call-overload]
        for side in entry.get("sides") or []:  # type: ignore[attr-defined]
            labels.extend(side)
        out.extend(f"message {n}: {p}" for p in (_locate(kg, str(label)) for label in labels) if isinstance(p, str))
        kind = entry.get("kind")
        if kind not in ("answerable", "disagreement", "unanswerable"):
            out.append(f"message {n}: unknown kind {kind!r}")
        elif (kind == "unanswerable") == bool(labels) or (kind == "disagreement") != bool(entry.get("sides")):
            out.append(f"message {n}: a {kind} message has {'no ' if not labels else ''}passages")
    return out


def load(kg: KnowledgeGraph) -> list[Message]:
    """Every message of bench/answer_set.yaml in file order; within each kind every third is held out."""
    return _load(kg, SET_PATH, lambda nth: "held_out" if nth % 3 == 0 else "tuned")


def load_fresh(kg: KnowledgeGraph) -> list[Message]:
    """Every message of bench/answer_fresh.yaml in file order, all in the split "fresh" (never tuned on)."""
    return _load(kg, FRESH_PATH, lambda nth: "fresh")


def load_blind(kg: KnowledgeGraph) -> list[Message]:
    """Every message of bench/answer_blind.yaml in file order, all in the split "blind" (written blind)."""
    return _load(kg, BLIND_PATH, lambda nth: "blind")


def load_unseen(kg: KnowledgeGraph) -> list[Message]:
    """Every message of bench/answer_unseen.yaml in file order, all in the split "unseen" (sealed:
    scored, never read while tuning)."""
    return _load(kg, UNSEEN_PATH, lambda nth: "unseen")


def load_decline() -> list[Message]:
    """Every message of bench/answer_decline.yaml in file order (no passages); within each kind the
    1st, 3rd, 5th, ... are in the split "tune", the others in "check"."""
    messages = []
    seen: dict[str, int] = {}
    for n, entry in enumerate(_raw(DECLINE_PATH), 1):
        kind = entry["kind"]
        assert kind in ("answerable", "unanswerable"), f"message {n}: kind {kind!r}"
        seen[kind] = seen.get(kind, 0) + 1
        split: Split = "tune" if seen[kind] % 2 else "check"
        messages.append(Message(n, kind, " ".join(str(entry["message"]).split()), split, (), ()))
    return messages


def load_guard() -> list[Message]:
    """Every message of bench/answer_guard.yaml in file order, no passages, in the split "guard":
    answerable unless its kind says unanswerable (written while changing what declines a message:
    a guard, not a measure)."""
    messages = []
    for n, entry in enumerate(_raw(GUARD_PATH), 1):
        kind = entry.get("kind", "answerable")
        assert kind in ("answerable", "unanswerable"), f"message {n}: kind {kind!r}"
        messages.append(Message(n, kind, " ".join(str(entry["message"]).split()), "guard", (), ()))
    return messages


def _load(kg: KnowledgeGraph, path: Path, split_of: Callable[[int], Split]) -> list[Message]:
    """Every message of the set at `path`; `split_of` maps its rank within its kind (from 1) to its split."""
    messages = []
    seen: dict[str, int] = {}
    for n, entry in enumerate(_raw(path), 1):
        kind = entry["kind"]
        assert kind in ("answerable", "disagreement", "unanswerable")
        seen[kind] = seen.get(kind, 0) + 1
        sides = tuple(_passages(kg, side) for side in entry.get("sides") or [])  # type: ignore[attr-defined]
        passages = _passages(kg, entry.get("passages") or []) + tuple(p for side in sides for p in side)
        text = " ".join(str(entry["message"]).split())
        messages.append(Message(n, kind, text, split_of(seen[kind]), passages, sides))
    return messages
