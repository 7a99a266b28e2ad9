"""Article bodies and the passages quotes come from: the text a reader sees around a quote.

An article's body ends at its `body_end` (`body_end_line` in sources.yaml): what follows —
article 003's reader comments, a byline, a bio, a comment form — is never served. Offsets are
character offsets into the article text, the ones every `Evidence` carries, so
`body(kg, ev.source)[ev.start:ev.end] == ev.quote`.
"""

from __future__ import annotations

from graph.build import KnowledgeGraph
from graph.errors import NodeNotFound, NotInContent
from graph.models import Evidence
from graph.queries.lookup import suggest

__all__ = ["body", "context", "passage"]

# A sentence ends at one of these followed by white space (closing quotes and brackets kept).
_ENDS = ".!?…"
_CLOSERS = "”’\"')]"


def body(kg: KnowledgeGraph, source_id: str) -> str:
    """The body of one article, nothing past its end.

    Raises
    ------
    NodeNotFound
        When `source_id` names no article, with the closest article ids.

    Examples
    --------
    >>> body(tiny_graph(), "000").startswith("Tiny article")
    True
    """
    article = kg.articles.get(source_id)
    if article is None:
        raise NodeNotFound(source_id, suggest(source_id, kg.articles))
    return article.text[: article.body_end]


def passage(kg: KnowledgeGraph, source_id: str, start: int | None, end: int | None) -> str:
    """`body(kg, source_id)[start:end]`, refusing a slice that is not inside the body.

    Raises
    ------
    NodeNotFound
        When `source_id` names no article.
    NotInContent
        On `start` or `end` outside the body (0 to its length), or `end` before `start`: the
        slice is no passage of this article (well formed, so not a malformed parameter).

    Examples
    --------
    >>> passage(tiny_graph(), "000", 0, 4)
    'Tiny'
    """
    text = body(kg, source_id)
    first = 0 if start is None else start
    last = len(text) if end is None else end
    if not 0 <= first <= len(text):
        raise NotInContent("start", f"must be within the article body, 0 to {len(text)}", start)
    if not 0 <= last <= len(text):
        raise NotInContent("end", f"must be within the article body, 0 to {len(text)}", end)
    if last < first:
        raise NotInContent("end", f"must not be before start ({first}): no passage runs backwards", end)
    return text[first:last]


def _is_end(text: str, i: int) -> bool:
    """Whether a sentence ends right before position `i` (a line break, or a stop and a space)."""
    if text[i - 1] == "\n":
        return True
    j = i
    while j > 0 and text[j - 1] in _CLOSERS:
        j -= 1
    return j > 0 and text[j - 1] in _ENDS and (i == len(text) or text[i].isspace())


def context(kg: KnowledgeGraph, ev: Evidence) -> str:
    """The sentence (or sentences) the quote sits in, from the article body, stripped.

    Found once per quote and kept with the graph: every answer that shows a quote shows its
    sentence, and finding it walks the article a character at a time (most of an uncached
    node's time, before).

    >>> kg = tiny_graph()
    >>> ev = kg.nodes["needs-space"].evidence[0]
    >>> ev.quote in context(kg, ev)
    True
    >>> context(kg, ev) is context(kg, ev)
    True
    """
    known = kg.derived(_contexts)
    key = (ev.source, ev.start, ev.end)
    found = known.get(key)
    if found is None:
        found = known[key] = _sentence(kg, ev)
    return found


def _contexts(kg: KnowledgeGraph) -> dict[tuple[str, int, int], str]:
    """The sentences found so far, by quote (its article and offsets): at most one per quote of the graph."""
    return {}


def _sentence(kg: KnowledgeGraph, ev: Evidence) -> str:
    text = body(kg, ev.source)
    first = ev.start
    while first > 0 and not _is_end(text, first):
        first -= 1
    last = max(ev.end, first + 1)
    while last < len(text) and not _is_end(text, last):
        last += 1
    return text[first:last].strip()
