"""Search quality: reader-phrased worries from the shipped articles, each with the nodes a reader expects.

Run: `.venv/bin/python -m bench.quality` prints hit@10, recall@10 and MRR of `graph.queries.search`
on the shipped graph (tests/graph/queries/test_search_quality.py holds it to the reached level).
Each query is how a reader of seeds/sources/ puts the worry; the ids are the nodes there that
answer it. TYPOS are misspellings whose node must be in the top 3.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BEFORE", "QUERIES", "TYPOS", "Quality", "measure", "now", "run"]

QUERIES: dict[str, tuple[str, ...]] = {
    "why did he go quiet after we slept together": (
        "why-do-men-pull-away-after-intimacy",
        "post-intimacy-withdrawal",
        "post-intimacy-emotional-drop",
    ),
    "is he losing interest": ("does-pulling-away-mean-losing-interest", "pulling-away-is-not-lost-interest"),
    "how long should I give him space": (
        "how-long-to-give-him-space",
        "give-space-up-to-a-week",
        "normal-withdrawal-3-to-7-days",
    ),
    "why do men pull away": ("why-do-men-pull-away", "pulling-away"),
    "he pulls away even though he likes me": ("why-pull-away-if-he-likes-you",),
    "will he come back": ("will-he-come-back", "he-comes-back-after-space", "returns-with-renewed-engagement"),
    "is it my fault he pulled away": ("is-it-my-fault", "not-your-fault", "dont-blame-yourself"),
    "should I pull back too": ("should-i-match-his-withdrawal", "dont-match-his-withdrawal"),
    "he leaves right after sex": ("leaves-right-after-sex",),
    "he doesn't want to cuddle anymore": ("avoids-cuddling-after-sex", "less-physical-affection"),
    "he stopped texting me": ("reduced-communication", "communication-blackout", "disappears"),
    "he texts less than before": ("reduced-communication",),
    "he is hot and cold": ("hot-and-cold", "fearful-avoidant-push-pull"),
    "he won't talk about our relationship": ("avoids-relationship-talk", "avoids-emotional-conversations"),
    "he avoids talking about the future": ("discomfort-with-future-plans", "vague-about-plans"),
    "he spends all his time at work": ("escape-into-work-or-hobbies", "other-priorities"),
    "he is always on his phone": ("retreats-into-phone",),
    "he says he needs space": ("communicates-need-for-space", "need-for-freedom", "give-him-space"),
    "does oxytocin make men pull away": (
        "oxytocin",
        "oxytocin-triggers-fight-or-flight",
        "men-experience-oxytocin-differently",
    ),
    "hormones after sex": ("oxytocin", "oxytocin-drops-fast-after-sex", "post-intimacy-emotional-drop"),
    "is he afraid of commitment": ("fear-of-commitment", "not-ready-for-serious-relationship"),
    "he is not ready for a relationship": ("is-he-not-ready-for-a-relationship", "not-ready-for-serious-relationship"),
    "avoidant attachment": ("avoidant-attachment-makes-closeness-dangerous",),
    "can an avoidant man change": ("can-avoidant-attachment-change", "attachment-can-change"),
    "what is my attachment style": ("attachment-theory", "insecure-attachment-style"),
    "he is scared of being vulnerable": (
        "fear-of-vulnerability",
        "vulnerability",
        "testosterone-vulnerability-tension",
    ),
    "he was hurt in his last relationship": ("past-experiences", "unhealed-attachment-wounds"),
    "he was cheated on before": ("past-experiences",),
    "he is stressed about his job": ("stress-coping-withdrawal", "job-loss-or-setback"),
    "he lost his job": ("job-loss-or-setback",),
    "the chase is over": ("chase-is-over",),
    "is he playing games with me": ("playing-power-games", "dont-play-games"),
    "should I chase him": ("dont-chase-him", "pursue-withdraw-cycle"),
    "what should I do when he withdraws": ("give-him-space", "focus-on-your-own-life", "communicate-calmly"),
    "how do I talk to him about it": ("communicate-calmly", "use-i-statements", "ask-open-questions"),
    "how to stop feeling anxious": ("how-to-manage-my-anxiety", "practice-mindfulness", "journal-your-feelings"),
    "should I see a couples therapist": ("seek-professional-help", "emotionally-focused-therapy"),
    "when should I walk away": ("decide-wait-or-walk-away", "two-week-threshold"),
    "how many men pull away": ("what-percentage-of-men-pull-away", "all-men-pull-away"),
    "is the withdrawal temporary": ("is-withdrawal-temporary-or-permanent", "normal-withdrawal-3-to-7-days"),
    "he goes into his cave": ("retreats-into-his-cave", "more-time-alone"),
    "he feels smothered": ("too-much-closeness", "need-for-freedom", "attachment-feels-like-burden"),
    "he wants to feel like a man": (
        "wants-to-feel-like-a-man",
        "leave-him-alone",
        "masculine-identity-threat",
    ),
    "he thinks too much and shuts down": ("male-rumination-trap", "emotional-flatness"),
}

TYPOS: dict[str, str] = {
    "oxytocn": "oxytocin",
    "comitment": "fear-of-commitment",
    "avoidnt attachmnt": "avoidant-attachment-makes-closeness-dangerous",
    "gaslightng": "gaslighting",
    "testosteron": "testosterone",
    "vulnerabilty": "vulnerability",
    "dopamin": "dopamine",
    "situationshp": "situationship",
}


@dataclass(frozen=True)
class Quality:
    """Over every query: share with an expected node in the top 10, share of expected nodes found, MRR."""

    hit_at_10: float
    recall_at_10: float
    mrr: float
    typos_top3: float

    def line(self) -> str:
        return (
            f"hit@10 {self.hit_at_10:.3f}, recall@10 {self.recall_at_10:.3f}, MRR {self.mrr:.3f}, "
            f"typos in the top 3 {self.typos_top3:.3f} ({len(QUERIES)} queries, {len(TYPOS)} typos)"
        )


def measure(ranked: Callable[[str], Sequence[str]]) -> Quality:
    """The figures of `ranked(q)` (node ids, best first) against QUERIES and TYPOS."""
    hits = recall = rr = 0.0
    for q, expected in QUERIES.items():
        top = list(ranked(q))[:10]
        found = [top.index(e) for e in expected if e in top]
        hits += bool(found)
        recall += len(found) / len(expected)
        rr += 1 / (min(found) + 1) if found else 0.0
    typos = sum(TYPOS[q] in list(ranked(q))[:3] for q in TYPOS)
    n = len(QUERIES)
    return Quality(hits / n, recall / n, rr / n, typos / len(TYPOS))


# The rapidfuzz partial_ratio search the inverted index replaced, on this same set.
BEFORE = Quality(hit_at_10=0.864, recall_at_10=0.612, mrr=0.693, typos_top3=1.0)


def now() -> Quality:
    """The figures of today's `graph.queries.search` on the shipped graph."""
    from graph.build import load_graph
    from graph.queries.search import search

    kg = load_graph(Path(__file__).parents[1] / "seeds")
    return measure(lambda q: [h.node.id for h in search(kg, q, limit=10).items])


def run() -> list[str]:
    """The lines of the RESULTS.md section."""
    after = now()
    rows = [("rapidfuzz `partial_ratio` over every text (before)", BEFORE), ("tantivy index (now)", after)]
    return [
        f"{len(QUERIES)} reader-phrased queries with the nodes a reader expects, and {len(TYPOS)} misspellings "
        "(`bench/quality.py`; `tests/graph/queries/test_search_quality.py` fails below the level reached).",
        "",
        "| search | hit@10 | recall@10 | MRR | typos in the top 3 |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {name} | {q.hit_at_10:.3f} | {q.recall_at_10:.3f} | {q.mrr:.3f} | {q.typos_top3:.3f} |"
            for name, q in rows
        ),
    ]


def main() -> None:
    print("\n".join(run()))


if __name__ == "__main__":
    main()
