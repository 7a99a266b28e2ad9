"""The editorial lint: each warning fires on a small content folder, and the allow-list works."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.build import load_graph
from graph.lint import ALLOW_FILE, CODES, MAX_ALLOWED, LintResult, LintWarning, lint
from tests.tiny import append_entry


def run(seeds: Path) -> LintResult:
    return lint(load_graph(seeds), seeds)


def keys(result: LintResult) -> set[tuple[str, str]]:
    return {(w.code, w.subject) for w in result.warnings}


def new_warnings(seeds: Path, change: object) -> list[LintWarning]:
    """Warnings that appear once `change(seeds)` has edited the tiny content."""
    before = keys(run(seeds))
    assert callable(change)
    change(seeds)
    return [w for w in run(seeds).warnings if (w.code, w.subject) not in before]


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CONCEPT = """\
- id: {id}
  label: {label}
  summary: A concept added by a test.
  aliases: [{aliases}]
  evidence:
    - source: "000"
      quote: {quote}
"""

EDGE = """\
- from: {src}
  kind: {kind}
  to: {dst}
  basis: editorial
  note: Added by a test.
"""


def add_concept(
    seeds: Path, node_id: str, *, label: str = "", quote: str = "", aliases: str = "", link: bool = True
) -> int:
    """Append a concept (linked to oxytocin unless `link` is false); return its line."""
    line = append_entry(
        seeds / "graph" / "concepts.yaml",
        CONCEPT.format(
            id=node_id,
            label=label or node_id.replace("-", " "),
            quote=quote or "Oxytocin rises with touch and bonds two people.",
            aliases=aliases,
        ),
    )
    if link:
        append_entry(seeds / "graph" / "edges.yaml", EDGE.format(src=node_id, kind="related_to", dst="oxytocin"))
    return line


def test_tiny_content_warns_where_it_is_thin(seeds: Path) -> None:
    result = run(seeds)
    assert ("single-edge", "oxytocin") in keys(result)
    assert ("no-hub", "needs-space") in keys(result)
    first = next(w for w in result.warnings if w.subject == "oxytocin")
    assert str(first).startswith("seeds/graph/concepts.yaml:1: node 'oxytocin' has a single edge")
    assert result.failing == result.warnings
    assert {w.code for w in result.warnings} <= set(CODES)


def test_twin_label_fires_on_the_same_label_in_other_case_and_punctuation(seeds: Path) -> None:
    line = 0

    def change(s: Path) -> None:
        nonlocal line
        line = add_concept(s, "oxytocin-twin", label="OXYTOCIN!", quote="Oxytocin rises with touch and bonds")

    found = [w for w in new_warnings(seeds, change) if w.code == "twin-label"]
    assert [(w.subject, w.line) for w in found] == [("oxytocin,oxytocin-twin", line)]
    assert found[0].file == "seeds/graph/concepts.yaml"


def test_twin_quote_fires_when_two_nodes_rest_on_one_quote(seeds: Path) -> None:
    found = new_warnings(seeds, lambda s: add_concept(s, "rising-hormone", quote="Oxytocin rises with touch"))
    assert ("twin-quote", "oxytocin,rising-hormone") in {(w.code, w.subject) for w in found}


def test_single_edge_clears_once_the_node_gains_a_second_edge(seeds: Path) -> None:
    append_entry(seeds / "graph" / "edges.yaml", EDGE.format(src="give-him-space", kind="involves", dst="oxytocin"))
    assert ("single-edge", "oxytocin") not in keys(run(seeds))
    assert ("single-edge", "give-him-space") not in keys(run(seeds))


def test_short_quote_fires_at_the_quote_line(seeds: Path) -> None:
    line = 0

    def change(s: Path) -> None:
        nonlocal line
        line = add_concept(s, "touch", quote="Oxytocin rises") + 6

    found = [w for w in new_warnings(seeds, change) if w.code == "short-quote"]
    assert [(w.subject, w.line) for w in found] == [("touch: Oxytocin rises", line)]
    assert "under 20 characters" in found[0].message


def test_short_quote_fires_on_edge_evidence(seeds: Path) -> None:
    result = run(seeds)
    assert ("short-quote", "a-few-days--measures--needs-space: Usually 2–3 days.") in keys(result)
    edge = next(w for w in result.warnings if w.subject.startswith("a-few-days--measures"))
    assert edge.file == "seeds/graph/edges.yaml"


@pytest.mark.parametrize(
    ("alias", "owners"),
    [("Bonding Hormone", "'hormone-twin', 'oxytocin'"), ("he needs space", "'hormone-twin', 'needs-space'")],
)
def test_shared_alias_fires_on_another_nodes_alias_or_label(seeds: Path, alias: str, owners: str) -> None:
    found = new_warnings(seeds, lambda s: add_concept(s, "hormone-twin", aliases=alias))
    shared = [w for w in found if w.code == "shared-alias"]
    assert [w.subject for w in shared] == [alias.lower()]
    assert owners in shared[0].message


def test_no_hub_clears_when_a_hub_is_one_hop_away_and_fires_three_hops_away(seeds: Path) -> None:
    assert "none is marked" in next(w.message for w in run(seeds).warnings if w.code == "no-hub")
    replace(seeds / "graph" / "concepts.yaml", "  category: hormone\n", "  category: hormone\n  hub: true\n")
    assert not [w for w in run(seeds).warnings if w.code == "no-hub"]
    reason = """\
- id: far-reason
  label: A far reason
  summary: A reason three hops from the hub.
  evidence:
    - source: "000"
      quote: Men pull away because they need space after closeness.
"""
    append_entry(seeds / "graph" / "reasons.yaml", reason)
    append_entry(seeds / "graph" / "edges.yaml", EDGE.format(src="slower-replies", kind="related_to", dst="far-reason"))
    found = [w for w in run(seeds).warnings if w.code == "no-hub"]
    assert [w.subject for w in found] == ["far-reason"]
    assert "('oxytocin') within 2 hops" in found[0].message


def test_sign_that_indicates_nothing_fires(seeds: Path) -> None:
    found = new_warnings(
        seeds,
        lambda s: replace(s / "graph" / "edges.yaml", "  kind: indicates\n", "  kind: related_to\n"),
    )
    assert ("sign-indicates-nothing", "slower-replies") in {(w.code, w.subject) for w in found}


def test_one_quote_on_three_nodes_fires_once(seeds: Path) -> None:
    quote = "Oxytocin rises with touch and bonds two people."

    def change(s: Path) -> None:
        for name in ("bonding-one", "bonding-two", "bonding-three"):
            add_concept(s, name, quote=quote)

    found = [w for w in new_warnings(seeds, change) if w.code == "quote-on-many-nodes"]
    assert len(found) == 1
    assert "is on 3 nodes ('bonding-one', 'bonding-three', 'bonding-two')" in found[0].message
    assert found[0].subject == f"000: {quote}"


CONTRA = """\
- from: {src}
  kind: contradicts
  to: {dst}
  about: Whether the two sides agree, which they do not.
  evidence:
{evidence}"""


@pytest.mark.parametrize(
    ("src", "dst", "evidence", "cited"),
    [
        # sides from two articles, but the edge quotes one of them only
        ("needs-space", "oxytocin", '    - {source: "000", quote: Oxytocin rises with touch}\n', "000"),
        # both sides quoted from article 000 alone
        (
            "give-him-space",
            "chase-him",
            '    - {source: "000", quote: Give him space}\n    - {source: "000", quote: Chasing him}\n',
            "000",
        ),
    ],
)
def test_one_sided_contradicts_fires(seeds: Path, src: str, dst: str, evidence: str, cited: str) -> None:
    line = 0

    def change(s: Path) -> None:
        nonlocal line
        line = append_entry(s / "graph" / "edges.yaml", CONTRA.format(src=src, dst=dst, evidence=evidence))

    found = [w for w in new_warnings(seeds, change) if w.code == "one-sided-contradicts"]
    assert [(w.subject, w.line) for w in found] == [(f"{src}--contradicts--{dst}", line)]
    assert f"cites article {cited} only" in found[0].message


def test_two_sided_contradicts_is_quiet(seeds: Path) -> None:
    evidence = '    - {source: "000", quote: they need space after closeness}\n'
    evidence += '    - {source: "001", quote: "He is not losing interest; he simply needs space."}\n'
    found = new_warnings(
        seeds,
        lambda s: append_entry(
            s / "graph" / "edges.yaml", CONTRA.format(src="needs-space", dst="oxytocin", evidence=evidence)
        ),
    )
    assert not [w for w in found if w.code == "one-sided-contradicts"]


# ---- the allow-list ---------------------------------------------------------------------


def write_allow(seeds: Path, text: str) -> Path:
    path = seeds / ALLOW_FILE
    path.write_text(text, encoding="utf-8")
    return path


def test_allow_list_accepts_a_listed_warning_and_nothing_else(seeds: Path) -> None:
    write_allow(
        seeds, "- code: single-edge\n  subject: oxytocin\n  reason: The tiny concept has one edge on purpose.\n"
    )
    result = run(seeds)
    assert [(w.code, w.subject) for w in result.allowed] == [("single-edge", "oxytocin")]
    assert ("single-edge", "oxytocin") not in {(w.code, w.subject) for w in result.failing}
    assert len(result.failing) == len(result.warnings) - 1


def test_allow_list_that_covers_every_warning_passes(seeds: Path) -> None:
    entries = [
        f"- code: {w.code}\n  subject: {w.subject!r}\n  reason: Accepted for this test.\n" for w in run(seeds).warnings
    ]
    assert len(entries) <= MAX_ALLOWED
    write_allow(seeds, "".join(entries))
    assert run(seeds).failing == ()


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("- code: single-edge\n  subject: no-such-node\n  reason: Stale entry for a node.\n", 1, "matches no warning"),
        ("- code: single-edge\n  subject: oxytocin\n", 1, "reason: Field required"),
        ("- code: single-edge\n  subject: oxytocin\n  reason: short\n", 1, "reason: String should have at least 10"),
        (
            "- code: too-pretty\n  subject: oxytocin\n  reason: Not a real warning code.\n",
            1,
            "unknown warning code 'too-pretty'",
        ),
        (
            "- {code: single-edge, subject: oxytocin, reason: Listed once for a reason.}\n"
            "- {code: single-edge, subject: oxytocin, reason: Listed twice for a reason.}\n",
            2,
            "duplicate allow-list entry (first at line 1)",
        ),
        ("- code: [unclosed\n", 1, "invalid YAML"),  # where the unclosed `[` starts
        ("code: single-edge\n", 1, "expected a list"),
    ],
)
def test_allow_list_problems_fail_the_check_at_their_line(seeds: Path, text: str, line: int, message: str) -> None:
    write_allow(seeds, text)
    problems = run(seeds).problems
    assert [(p.file, p.line) for p in problems][:1] == [(f"seeds/{ALLOW_FILE}", line)]
    assert message in problems[0].message
    assert problems[0] in run(seeds).failing


def test_allow_list_refuses_more_than_the_maximum(seeds: Path) -> None:
    entry = "- code: single-edge\n  subject: node-{i}\n  reason: One of too many entries.\n"
    write_allow(seeds, "".join(entry.format(i=i) for i in range(MAX_ALLOWED + 1)))
    messages = [p.message for p in run(seeds).problems]
    assert f"{MAX_ALLOWED + 1} allow-list entries; at most {MAX_ALLOWED} are allowed" in messages


def test_empty_allow_list_is_no_list(seeds: Path) -> None:
    write_allow(seeds, "# nothing accepted yet\n")
    assert run(seeds).problems == ()


def test_tiny_content_meets_the_advice_rules(seeds: Path) -> None:
    """The tiny reason has advice, both responses are aimed, and each edge reads true."""
    codes = {w.code for w in run(seeds).warnings}
    assert not codes & {"no-advice", "aimless-response", "advice-reads-backwards", "statistic-without-number"}


def test_no_advice_fires_on_a_reason_no_response_is_aimed_at_unless_it_says_so(seeds: Path) -> None:
    edges = seeds / "graph" / "edges.yaml"
    for kind, src in (("addresses", "give-him-space"), ("backfires", "chase-him")):
        replace(
            edges,
            f"- from: {src}\n  kind: {kind}\n  to: needs-space\n",
            f"- from: {src}\n  kind: {kind}\n  to: slower-replies\n",
        )
    (warning,) = [w for w in run(seeds).warnings if w.code == "no-advice"]
    assert (warning.subject, warning.file, warning.line) == ("needs-space", "seeds/graph/reasons.yaml", 1)
    assert "no_advice" in warning.message
    replace(
        seeds / "graph" / "reasons.yaml",
        "  label: He needs space\n",
        "  label: He needs space\n  no_advice: None given.\n",
    )
    assert "no-advice" not in {w.code for w in run(seeds).warnings}


def test_no_advice_fires_on_a_reason_marked_without_advice_that_has_some(seeds: Path) -> None:
    replace(
        seeds / "graph" / "reasons.yaml",
        "  label: He needs space\n",
        "  label: He needs space\n  no_advice: None given.\n",
    )
    (warning,) = [w for w in run(seeds).warnings if w.code == "no-advice"]
    assert "says `no_advice` but" in warning.message


def test_aimless_response_and_backwards_advice_fire(seeds: Path) -> None:
    edges = seeds / "graph" / "edges.yaml"
    replace(edges, "- from: chase-him\n  kind: backfires\n", "- from: chase-him\n  kind: addresses\n")
    found = {(w.code, w.subject) for w in run(seeds).warnings}
    assert ("advice-reads-backwards", "chase-him--addresses--needs-space") in found
    replace(
        edges,
        "- from: chase-him\n  kind: addresses\n  to: needs-space\n",
        "- from: chase-him\n  kind: related_to\n  to: needs-space\n",
    )
    assert ("aimless-response", "chase-him") in keys(run(seeds))


def test_heading_only_fires_on_an_edge_quoting_a_heading_and_clears_with_a_sentence(seeds: Path) -> None:
    article = seeds / "sources" / "000.txt"
    article.write_text(article.read_text(encoding="utf-8") + "\nWhat Helps When He Withdraws\n", encoding="utf-8")
    edges = seeds / "graph" / "edges.yaml"
    heading = '    - {source: "000", quote: What Helps When He Withdraws}\n'
    line = append_entry(edges, "- from: oxytocin\n  kind: related_to\n  to: slower-replies\n  evidence:\n" + heading)
    (warning,) = [w for w in run(seeds).warnings if w.code == "heading-only"]
    assert (warning.subject, warning.line) == ("oxytocin--related_to--slower-replies", line)
    replace(edges, heading, heading + '    - {source: "000", quote: He replies more slowly than before.}\n')
    assert "heading-only" not in {w.code for w in run(seeds).warnings}


def test_statistic_without_its_number_in_a_quote_fires(seeds: Path) -> None:
    replace(seeds / "graph" / "statistics.yaml", "  high: 3\n", "  high: 5\n")
    (warning,) = [w for w in run(seeds).warnings if w.code == "statistic-without-number"]
    assert (warning.subject, "no quote gives 5" in warning.message) == ("a-few-days", True)


def test_likely_twin_fires_on_nearly_the_same_label_and_not_on_a_kind(seeds: Path) -> None:
    add_concept(seeds, "space-he-needs", label="The space he needs badly")
    found = [w for w in run(seeds).warnings if w.code == "likely-twin"]
    assert [w.subject for w in found] == ["needs-space,space-he-needs"]
    append_entry(seeds / "graph" / "concepts.yaml", "")
    add_concept(seeds, "space-he-needs-now", label="The space he needs now", link=False)
    append_entry(
        seeds / "graph" / "edges.yaml", EDGE.format(src="space-he-needs-now", kind="is_a", dst="space-he-needs")
    )
    subjects = {w.subject for w in run(seeds).warnings if w.code == "likely-twin"}
    assert "space-he-needs,space-he-needs-now" not in subjects  # a declared kind is no twin
