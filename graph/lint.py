"""Editorial lint: warnings that keep valid content from drifting back into a loose graph.

`distance check` proves the content is *valid* (quotes verbatim, ends exist, kinds allowed).
This module asks whether it is *well edited*: one node per idea, links that reach the
phenomenon the articles explain, quotes long enough to carry a claim, disagreements that
really set two articles against each other. Each finding is a `LintWarning` located at
`file:line`. A warning the editors accept is listed, with its reason, in
seeds/lint-allow.yaml (at most `MAX_ALLOWED` entries); any other warning fails the check.

Warnings (`code`: what it means):

- ``twin-label``: two nodes share a label.
- ``twin-quote``: two nodes each rest on one quote, the same one.
- ``single-edge``: a node has exactly one hand-written edge.
- ``short-quote``: a quote under `MIN_QUOTE_CHARS` characters (a fragment, not a claim).
- ``shared-alias``: one alias on two nodes (or another node's label), so a search cannot tell
  which node a reader means.
- ``no-hub``: a reason with no path of at most two hand-written edges to a hub.
- ``sign-indicates-nothing``: a sign with no `indicates` edge.
- ``quote-on-many-nodes``: one quote on more than two nodes.
- ``one-sided-contradicts``: a `contradicts` edge whose sides, or whose own quotes, come
  from one article only.
- ``no-advice``: a reason no response `addresses` or `backfires` on, not marked `no_advice`
  (or marked so while advice is aimed at it).
- ``aimless-response``: a response aimed at nothing (no `addresses` or `backfires` edge).
- ``advice-reads-backwards``: an `addresses` edge from an action the articles warn against,
  or a `backfires` edge from one they recommend: the sentence it makes is false.
- ``heading-only``: an edge, or a node other than a question, whose every quote is a heading
  of its article (a whole short line in title case or without a full stop): a heading names a
  topic, it does not state the claim.
- ``statistic-without-number``: a statistic whose number (`low`, `high`) none of its quotes
  gives, in digits or in words.
- ``likely-twin``: two nodes (questions aside, and a node and its kind aside) whose labels
  differ by at most `TWIN_EXTRA_WORDS` words beyond the shorter one's: probably one idea.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from graph._places import Places
from graph._places import places as find_places
from graph._yaml import LineList, YamlProblem, load_yaml
from graph.build import KnowledgeGraph
from graph.hubs import hubs
from graph.models import Evidence

__all__ = [
    "ALLOW_FILE",
    "CODES",
    "HEADING_WORDS",
    "TWIN_EXTRA_WORDS",
    "MAX_ALLOWED",
    "MIN_QUOTE_CHARS",
    "LintResult",
    "LintWarning",
    "is_heading",
    "lint",
]

ALLOW_FILE = "lint-allow.yaml"
MAX_ALLOWED = 15
MIN_QUOTE_CHARS = 20
HUB_HOPS = 2
HEADING_WORDS = 14
TWIN_EXTRA_WORDS = 2
CODES = (
    "twin-label",
    "twin-quote",
    "single-edge",
    "short-quote",
    "shared-alias",
    "no-hub",
    "sign-indicates-nothing",
    "quote-on-many-nodes",
    "one-sided-contradicts",
    "no-advice",
    "aimless-response",
    "advice-reads-backwards",
    "heading-only",
    "statistic-without-number",
    "likely-twin",
)


@dataclass(frozen=True, order=True)
class LintWarning:
    """One finding at `file:line`; `code` and `subject` are what an allow-list entry names.

    `subject` is stable across edits that only move lines (a node id, an edge id, an alias),
    so an allow-list entry keeps matching its warning.
    """

    file: str
    line: int
    code: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message} [{self.code}: {self.subject}]"


@dataclass(frozen=True)
class LintResult:
    """Every warning, which of them the allow-list accepts, and problems with the list itself."""

    warnings: tuple[LintWarning, ...]
    allowed: tuple[LintWarning, ...]
    problems: tuple[LintWarning, ...]

    @property
    def failing(self) -> tuple[LintWarning, ...]:
        """Warnings not allowed, then allow-list problems: a non-empty tuple fails the check."""
        accepted = set(self.allowed)
        return (*(w for w in self.warnings if w not in accepted), *self.problems)


class _AllowEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10)]


def lint(kg: KnowledgeGraph, seeds_dir: Path) -> LintResult:
    """Run every editorial check on the built graph of `seeds_dir`, then apply its allow-list.

    Parameters
    ----------
    kg
        The graph built from `seeds_dir` (so it is already valid).
    seeds_dir
        The content folder; its YAML files give each warning its line, and
        `seeds_dir / ALLOW_FILE` (optional) lists the warnings the editors accept.

    Returns
    -------
    LintResult
        Warnings sorted by file and line, the allowed ones, and allow-list problems.
    """
    seeds_dir = seeds_dir.resolve()
    places = find_places(seeds_dir)
    found = sorted(
        {
            *_twins(kg, places),
            *_single_edges(kg, places),
            *_short_quotes(kg, places),
            *_shared_aliases(kg, places),
            *_hubless_reasons(kg, places),
            *_idle_signs(kg, places),
            *_crowded_quotes(kg, places),
            *_one_sided(kg, places),
            *_adviceless_reasons(kg, places),
            *_aimless_responses(kg, places),
            *_backwards_advice(kg, places),
            *_heading_only(kg, places),
            *_numberless_statistics(kg, places),
            *_likely_twins(kg, places),
        }
    )
    entries, problems = _allow_list(seeds_dir)
    keyed = {(w.code, w.subject): w for w in found}
    allowed = []
    for (code, subject), line in entries.items():
        warning = keyed.get((code, subject))
        if warning is None:
            problems.append(_allow_problem(seeds_dir, line, f"allow-list entry matches no warning: {code} {subject!r}"))
        else:
            allowed.append(warning)
    return LintResult(tuple(found), tuple(sorted(allowed)), tuple(sorted(problems)))


def _warn(where: tuple[str, int], code: str, subject: str, message: str) -> LintWarning:
    return LintWarning(where[0], where[1], code, subject, message)


def _norm(text: str) -> str:
    """Case, punctuation and spacing do not make two labels or aliases different."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _content_nodes(kg: KnowledgeGraph) -> Iterator[Any]:
    return (node for node in kg.nodes.values() if node.type != "source")


def _twins(kg: KnowledgeGraph, places: Places) -> Iterator[LintWarning]:
    by_label: dict[str, list[str]] = defaultdict(list)
    by_quote: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for node in _content_nodes(kg):
        by_label[_norm(node.label)].append(node.id)
        if len(node.evidence) == 1:
            ev = node.evidence[0]
            by_quote[(ev.source, ev.start, ev.end)].append(node.id)
    for label, ids in by_label.items():
        if len(ids) > 1:
            yield _warn(
                places.of(ids[-1]), "twin-label", ",".join(ids), f"twin nodes {_ids(ids)} share the label {label!r}"
            )
    for ids in by_quote.values():
        if len(ids) > 1:
            yield _warn(
                places.of(ids[-1]), "twin-quote", ",".join(ids), f"twin nodes {_ids(ids)} rest on the same sole quote"
            )


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(repr(i) for i in ids)


def _written_edges(kg: KnowledgeGraph, node_id: str) -> list[str]:
    ids = (*kg.out_edges.get(node_id, ()), *kg.in_edges.get(node_id, ()))
    return [eid for eid in ids if kg.edges[eid].basis != "derived"]


def _single_edges(kg: KnowledgeGraph, places: Places) -> Iterator[LintWarning]:
    for node in _content_nodes(kg):
        written = _written_edges(kg, node.id)
        if len(written) == 1:
            yield _warn(
                places.of(node.id),
                "single-edge",
                node.id,
                f"node {node.id!r} has a single edge ({written[0]}): link it to what its article ties it to",
            )


def _owned_quotes(kg: KnowledgeGraph) -> Iterator[tuple[str, int, Evidence]]:
    for node in _content_nodes(kg):
        for index, ev in enumerate(node.evidence):
            yield node.id, index, ev
    for edge in kg.edges.values():
        if edge.basis != "derived":
            for index, ev in enumerate(edge.evidence):
                yield edge.id, index, ev


def _short_quotes(kg: KnowledgeGraph, places: Places) -> Iterator[LintWarning]:
    for owner, index, ev in _owned_quotes(kg):
        if len(ev.quote) < MIN_QUOTE_CHARS:
            file, line = places.of(owner)
            yield LintWarning(
                file,
                places.quotes.get((owner, index), line),
                "short-quote",
                f"{owner}: {ev.quote}",
                f"quote {ev.quote!r} on {owner!r} is under {MIN_QUOTE_CHARS} characters: quote the whole clause",
            )


def _shared_aliases(kg: KnowledgeGraph, places: Places) -> Iterator[LintWarning]:
    """An alias on two nodes, or one node's alias that is another node's label."""
    aliased: dict[str, list[str]] = defaultdict(list)
    labelled: dict[str, list[str]] = defaultdict(list)
    for node in _content_nodes(kg):
        labelled[_norm(node.label)].append(node.id)
        for alias in dict.fromkeys(_norm(a) for a in node.aliases):
            aliased[alias].append(node.id)
    for alias, ids in aliased.items():
        owners = list(dict.fromkeys([*ids, *labelled.get(alias, ())]))
        if len(owners) > 1:
            yield _warn(
                places.of(ids[-1]),
                "shared-alias",
                alias,
                f"alias {alias!r} names {_ids(owners)}: an alias should say which node a reader means",
            )


def _hubless_reasons(kg: KnowledgeGraph, places: Places) -> Iterator[LintWarning]:
    targets = set(hubs(kg))
    for reason_id in kg.by_type["reason"]:
        seen, frontier = {reason_id}, [reason_id]
        for _ in range(HUB_HOPS):
            frontier = [n for node in frontier for n in kg.near.get(node, ()) if n not in seen]
            seen.update(frontier)
        if not seen & targets:
            named = _ids(sorted(targets)) if targets else "none is marked `hub: true`"
            yield _warn(
                places.of(reason_id),
                "no-hub",
                reason_id,
                f"reason {reason_id!r} has no path to a hub ({named}) within {HUB_HOPS} hops",
            )


def _idle_signs(kg: KnowledgeGraph, places: Places) -> Iterator[LintWarning]:
    for sign_id in kg.by_type["sign"]:
        if not any(kg.edges[eid].kind == "indicates" for eid in kg.out_edges.get(sign_id, ())):
            yield _warn(places.of(sign_id), "sign-indicates-nothing", sign_id, f"sign {sign_id!r} indicates nothing")


def _crowded_quotes(kg: KnowledgeGraph, places: Places) -> Iterator[LintWarning]:
    holders: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    text: dict[tuple[str, int, int], str] = {}
    for node in _content_nodes(kg):
        for ev in dict.fromkeys(node.evidence):
            key = (ev.source, ev.start, ev.end)
            holders[key].append(node.id)
            text[key] = ev.quote
    for key, ids in holders.items():
        if len(ids) > 2:
            quote = text[key]
            yield _warn(
                places.of(ids[-1]),
                "quote-on-many-nodes",
                f"{key[0]}: {quote}",
                f"quote {quote[:60]!r} ({key[0]}) is on {len(ids)} nodes ({_ids(ids)}): keep it where it belongs",
            )


def _one_sided(kg: KnowledgeGraph, places: Places) -> Iterator[LintWarning]:
    for edge in kg.edges.values():
        if edge.kind != "contradicts":
            continue
        sides = set(kg.nodes[edge.source].sources) | set(kg.nodes[edge.target].sources)
        cited = set(edge.sources)
        if len(sides) < 2 or (edge.basis == "quoted" and len(cited) < 2):
            only = ", ".join(sorted(sides if len(sides) < 2 else cited))
            yield _warn(
                places.of(edge.id),
                "one-sided-contradicts",
                edge.id,
                f"contradicts {edge.id!r} cites article {only} only: quote both sides, each from its article",
            )


_AIMED = ("addresses", "backfires")


def _aimed_at(kg: KnowledgeGraph, node_id: str) -> list[str]:
    return [eid for eid in kg.in_edges.get(node_id, ()) if kg.edges[eid].kind in _AIMED]


def _adviceless_reasons(kg: KnowledgeGraph, places: Places) -> Iterator[LintWarning]:
    for reason_id in kg.by_type["reason"]:
        aimed, marked = _aimed_at(kg, reason_id), bool(kg.nodes[reason_id].attributes.get("no_advice"))
        if not aimed and not marked:
            message = (
                f"reason {reason_id!r} reaches no advice: link the response its article gives for it, "
                "or say in `no_advice` that the articles give none"
            )
        elif aimed and marked:
            message = f"reason {reason_id!r} says `no_advice` but {aimed[0]} is advice aimed at it"
        else:
            continue
        yield _warn(places.of(reason_id), "no-advice", reason_id, message)


def _aimless_responses(kg: KnowledgeGraph, places: Places) -> Iterator[LintWarning]:
    for response_id in kg.by_type["response"]:
        if not any(kg.edges[eid].kind in _AIMED for eid in kg.out_edges.get(response_id, ())):
            yield _warn(
                places.of(response_id),
                "aimless-response",
                response_id,
                f"response {response_id!r} is aimed at nothing: link what it addresses or backfires on, or rework it",
            )


def _backwards_advice(kg: KnowledgeGraph, places: Places) -> Iterator[LintWarning]:
    wrong = {"addresses": "warned_against", "backfires": "recommended"}
    for edge in kg.edges.values():
        advice = kg.nodes[edge.source].attributes.get("advice")
        if edge.kind in wrong and advice == wrong[edge.kind]:
            said = "warn against" if advice == "warned_against" else "recommend"
            yield _warn(
                places.of(edge.id),
                "advice-reads-backwards",
                edge.id,
                f"{edge.id!r}: the articles {said} {kg.nodes[edge.source].label!r}, so the edge reads false",
            )


def is_heading(kg: KnowledgeGraph, ev: Evidence) -> bool:
    """Whether a quote is a heading of its article: a whole line (a list number aside) of at
    most `HEADING_WORDS` words and one sentence, in title case or ending without a full stop.

    >>> kg = tiny_graph()
    >>> is_heading(kg, kg.nodes["how-long-does-it-last"].evidence[0]), is_heading(kg, kg.nodes["oxytocin"].evidence[0])
    (False, False)
    """
    text = kg.articles[ev.source].text
    start = text.rfind("\n", 0, ev.start) + 1
    end = text.find("\n", ev.end)
    line = text[start : len(text) if end < 0 else end].strip()
    bare = re.sub(r"^\d+\.\s*", "", line)
    if "\n" in ev.quote or ev.quote.strip() not in (line, bare) or re.search(r"[.!?…] \S", bare):
        return False
    words = bare.split()
    if not words or len(words) > HEADING_WORDS:
        return False
    titled = sum(w[:1].isupper() for w in words) >= 0.6 * len(words)
    return titled or not bare.endswith((".", "!", "…", ":", "”", '"', "’"))


def _heading_only(kg: KnowledgeGraph, places: Places) -> Iterator[LintWarning]:
    owners = [n for n in _content_nodes(kg) if n.type != "question"]
    owners += [e for e in kg.edges.values() if e.basis == "quoted"]
    for owner in owners:
        if owner.evidence and all(is_heading(kg, ev) for ev in owner.evidence):
            yield _warn(
                places.of(owner.id),
                "heading-only",
                owner.id,
                f"{owner.id!r} rests on a heading only ({owner.evidence[0].quote!r}): quote the sentence that "
                "states the claim",
            )


_NUMBER_WORDS = {
    1: ("one", "a", "an"), 2: ("two",), 3: ("three",), 4: ("four",), 5: ("five",), 6: ("six",), 7: ("seven",),
    8: ("eight",), 9: ("nine",), 10: ("ten",), 12: ("twelve",), 13: ("thirteen",),
}  # fmt: skip


def _says_number(quote: str, number: float) -> bool:
    digits = f"{number:g}"
    if re.search(rf"(?<![\d.]){re.escape(digits)}(?![\d])", quote):
        return True
    words = _NUMBER_WORDS.get(int(number), ()) if float(number).is_integer() else ()
    return any(re.search(rf"\b{w}\b", quote, re.IGNORECASE) for w in words)


def _numberless_statistics(kg: KnowledgeGraph, places: Places) -> Iterator[LintWarning]:
    for stat_id in kg.by_type["statistic"]:
        node = kg.nodes[stat_id]
        numbers = [v for v in (node.attributes.get("low"), node.attributes.get("high")) if isinstance(v, int | float)]
        missing = [n for n in numbers if not any(_says_number(ev.quote, n) for ev in node.evidence)]
        if not numbers or missing:
            said = ", ".join(f"{n:g}" for n in missing) or "no number"
            yield _warn(
                places.of(stat_id),
                "statistic-without-number",
                stat_id,
                f"statistic {stat_id!r}: no quote gives {said}; a statistic is a number its article states",
            )


_TWIN_STOP = frozenset(
    ["a", "an", "and", "as", "at", "be", "by", "don", "doesn", "for", "he", "her", "him", "his", "in", "is"]
    + ["isn", "it", "its", "of", "on", "or", "she", "s", "t", "the", "to"]
)


def _content_words(label: str) -> frozenset[str]:
    return frozenset(w for w in _norm(label).split() if w not in _TWIN_STOP)


def _likely_twins(kg: KnowledgeGraph, places: Places) -> Iterator[LintWarning]:
    """Labels that differ by a word or two beyond the shorter one's: "Halo effect" and "The halo
    effect wears off". A hub, and a node and its declared kind (`is_a`), are not twins."""
    kinds = {frozenset((e.source, e.target)) for e in kg.edges.values() if e.kind == "is_a"}
    words = [
        (node.id, _content_words(node.label)) for node in _content_nodes(kg) if node.type != "question" and not node.hub
    ]
    for i, (one, a) in enumerate(words):
        for other, b in words[i + 1 :]:
            small, big = (a, b) if len(a) <= len(b) else (b, a)
            if len(small) < 2 or not small <= big or len(big - small) > TWIN_EXTRA_WORDS:
                continue
            if frozenset((one, other)) in kinds:
                continue
            pair = sorted((one, other))
            yield _warn(
                places.of(pair[1]),
                "likely-twin",
                ",".join(pair),
                f"{_ids(pair)} have nearly the same label: merge them (seeds/graph/retired.yaml), or tie the "
                "idea to the reason resting on it and accept the pair",
            )


def _allow_problem(seeds_dir: Path, line: int, message: str) -> LintWarning:
    rel = str((seeds_dir / ALLOW_FILE).relative_to(seeds_dir.parent))
    return LintWarning(rel, line, "allow-list", ALLOW_FILE, message)


def _allow_list(seeds_dir: Path) -> tuple[dict[tuple[str, str], int], list[LintWarning]]:
    """The accepted (code, subject) pairs with their lines, and every problem in the file."""
    path = seeds_dir / ALLOW_FILE
    if not path.is_file():
        return {}, []
    try:
        data = load_yaml(path)
    except YamlProblem as exc:
        return {}, [_allow_problem(seeds_dir, exc.line, exc.message)]
    if data is None:
        return {}, []
    if not isinstance(data, LineList):
        return {}, [_allow_problem(seeds_dir, 1, "expected a list of {code, subject, reason} entries")]
    entries: dict[tuple[str, str], int] = {}
    problems = []
    for index, item in enumerate(data):
        line = data.item_lines[index]
        try:
            entry = _AllowEntry.model_validate(item)
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"]) or "entry"
                problems.append(_allow_problem(seeds_dir, line, f"allow-list entry: {where}: {error['msg']}"))
            continue
        if entry.code not in CODES:
            problems.append(
                _allow_problem(
                    seeds_dir, line, f"unknown warning code {entry.code!r}; expected one of {', '.join(CODES)}"
                )
            )
            continue
        key = (entry.code, entry.subject)
        if key in entries:
            problems.append(
                _allow_problem(seeds_dir, line, f"duplicate allow-list entry (first at line {entries[key]})")
            )
            continue
        entries[key] = line
    if len(data) > MAX_ALLOWED:
        problems.append(
            _allow_problem(seeds_dir, 1, f"{len(data)} allow-list entries; at most {MAX_ALLOWED} are allowed")
        )
    return entries, problems
