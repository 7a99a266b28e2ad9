"""What a reload tells the world: the events between two graphs, and the cache tags they make stale.

Two topics, the same names for the event stream and for webhooks:

- `content.changed`, when the content_version changes: the new and the previous version, how
  many nodes and edges were added, removed and changed, a link to `/v1/changes?since=` the
  previous version (it answers when that version was released), and `tags`: the cache tags
  whose answers changed (`stale_tags`), so a CDN in front of Distance can purge exactly those.
- `release.recorded`, for each release that appears: its content_version and `released_at`.

An event's id is made from the content versions, never from a clock or a counter, so every
process that sees the same reload names it the same way (workers, replicas behind a proxy):
a client that resumes with `Last-Event-ID` on another one finds its place.

Cache tags name what an answer depends on (`answer_tags`): `node:{id}` for a node's own
answer, with the articles it quotes; `edge:{id}` likewise; `graph` for every other answer (lists,
search, exports, meta: they depend on the content as a whole). Every answer also carries
`distance`, which a purge names when more changed than it is worth listing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from graph.build import KnowledgeGraph
from graph.releases import diff, snapshot_of

__all__ = ["ALL", "GRAPH", "MAX_TAGS", "TOPICS", "Event", "answer_tags", "events_between", "stale_tags"]

Topic = Literal["content.changed", "release.recorded"]
TOPICS: Final[tuple[Topic, ...]] = ("content.changed", "release.recorded")
GRAPH: Final = "graph"
ALL: Final = "distance"
# A purge of more tags than this names ALL instead: one purge, and a bounded event.
MAX_TAGS: Final = 1000
_SHORT: Final = 12


@dataclass(frozen=True)
class Event:
    """One event: its topic, an id that any process seeing the same reload makes alike, its data."""

    topic: Topic
    id: str
    data: Mapping[str, Any]


def _evidence_sources(item: Any) -> set[str]:
    return {ev.source for ev in item.evidence}


def answer_tags(kg: KnowledgeGraph, resource: Literal["node", "edge"] | None = None, item_id: str = "") -> list[str]:
    """The cache tags of an answer: `resource`'s own answer for an id `kg` has, else the graph's.

    A node's or an edge's own answer shows its fields and its quotes, each with its sentence
    from an article: it depends on itself and the articles it quotes, nothing else.

    >>> kg = tiny_graph()
    >>> answer_tags(kg, "node", "oxytocin")
    ['distance', 'node:000', 'node:oxytocin']
    >>> answer_tags(kg, "node", "no-such-node"), answer_tags(kg)
    (['distance', 'graph'], ['distance', 'graph'])
    """
    item: Any = kg.nodes.get(item_id) if resource == "node" else kg.edges.get(item_id) if resource else None
    if item is None:
        return [ALL, GRAPH]
    own = f"{resource}:{item_id}"
    return [ALL, *sorted({own} | {f"node:{source}" for source in _evidence_sources(item)})]


def stale_tags(old: KnowledgeGraph, new: KnowledgeGraph) -> list[str]:
    """The tags whose answers differ between `old` and `new`, sorted; [] when nothing does.

    Any change makes `graph` stale (the content_version is in /v1/meta); each node and edge
    added, removed or changed makes its own tag stale (a source's text is a field of its node,
    so the answers quoting it go too). More than `MAX_TAGS`: `[ALL]`.

    >>> kg = tiny_graph()
    >>> stale_tags(kg, kg)
    []
    """
    if new.serves_same(old):
        return []
    if new.content_version == old.content_version:  # only the releases differ
        return [GRAPH]
    tags = {GRAPH} | {f"{c.resource}:{c.id}" for c in diff(snapshot_of(old), snapshot_of(new))}
    return [ALL] if len(tags) > MAX_TAGS else sorted(tags)


def events_between(old: KnowledgeGraph, new: KnowledgeGraph) -> list[Event]:
    """The events a switch from `old` to `new` makes: `content.changed` if the content changed,
    then `release.recorded` for each release `new` has and `old` had not, oldest first.

    >>> kg = tiny_graph()
    >>> events_between(kg, kg)
    []
    """
    found: list[Event] = []
    if new.content_version != old.content_version:
        changes = diff(snapshot_of(old), snapshot_of(new))
        previous, current = old.content_version, new.content_version
        counts = {kind: sum(c.change == kind for c in changes) for kind in ("added", "removed", "changed")}
        found.append(
            Event(
                "content.changed",
                f"content.changed:{previous[:_SHORT]}..{current[:_SHORT]}",
                {
                    "content_version": current,
                    "previous": previous,
                    "counts": counts,
                    "nodes": {k: sum(c.change == k and c.resource == "node" for c in changes) for k in counts},
                    "edges": {k: sum(c.change == k and c.resource == "edge" for c in changes) for k in counts},
                    "tags": stale_tags(old, new),
                    "links": {"changes": f"/v1/changes?since={previous}", "meta": "/v1/meta"},
                },
            )
        )
    known = {(r.content_version, r.released_at) for r in old.releases}
    for release in new.releases:
        if (release.content_version, release.released_at) in known:
            continue
        found.append(
            Event(
                "release.recorded",
                f"release.recorded:{release.content_version[:_SHORT]}@{release.released_at}",
                {
                    "content_version": release.content_version,
                    "released_at": release.released_at,
                    "served": release.content_version == new.content_version,
                    "links": {"releases": "/v1/releases", "changes": f"/v1/changes?since={release.content_version}"},
                },
            )
        )
    return found
