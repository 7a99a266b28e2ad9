"""Filtered, sorted, paginated lists of nodes and edges."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from graph.build import KnowledgeGraph
from graph.errors import InvalidParameter, NodeNotFound
from graph.models import Edge, Node
from graph.queries._checks import require_range
from graph.queries.lookup import require_live, suggest
from graph.text_index import articles
from graph.types import EdgeKind, NodeType

__all__ = ["MAX_IDS", "MAX_LIMIT", "MAX_OFFSET", "NodeSort", "Page", "list_edges", "list_nodes", "node_facets"]

T = TypeVar("T")
MAX_LIMIT = 1000  # every node of the shipped content (216) and a whole type fit one page
MAX_IDS = 100
# Far past any real list, and small enough that a page offset never costs a big-integer compare.
MAX_OFFSET = 10**9
NodeSort = Literal["id", "-id", "label", "-label", "type", "-type"]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a filtered list and the size of the whole filtered list."""

    items: list[T]
    total: int
    limit: int
    offset: int
    facets: dict[str, dict[str, int]] | None = None  # counts of the whole list by type and by source


def list_nodes(
    kg: KnowledgeGraph,
    *,
    types: Sequence[NodeType] = (),
    ids: Sequence[str] = (),
    source: str | None = None,
    q: str | None = None,
    polarity: str | None = None,
    advice: str | None = None,
    sort: NodeSort = "id",
    limit: int = 50,
    offset: int = 0,
) -> Page[Node]:
    """Nodes matching every filter given, sorted, then sliced by `offset` and `limit`.

    `q` is a case-insensitive substring of the label, an alias or the summary (ranked,
    typo-tolerant search is `search`). `ids` fetches a batch: those nodes, in the order given
    (repeats count once), before the other filters; `sort` does not reorder them.

    Raises
    ------
    NodeNotFound
        When an id in `ids` names no node (the first such), with the closest ids.
    InvalidParameter
        On `ids` with more than `MAX_IDS` distinct ids.

    Examples
    --------
    >>> page = list_nodes(tiny_graph(), types=["response"], sort="-label")
    >>> [n.id for n in page.items], page.total
    (['give-him-space', 'chase-him'], 2)
    """
    require_range("limit", limit, 1, MAX_LIMIT)
    require_range("offset", offset, 0, MAX_OFFSET)
    batch = list(dict.fromkeys(ids))
    if len(batch) > MAX_IDS:
        raise InvalidParameter("ids", f"must name at most {MAX_IDS} ids", len(batch))
    for node_id in batch:
        if node_id not in kg.nodes:
            require_live(kg, node_id)
            raise NodeNotFound(node_id, suggest(node_id, kg.nodes))
    if batch:
        wanted = set(types)
        nodes = [kg.nodes[i] for i in batch if not wanted or kg.nodes[i].type in wanted]
    else:
        chosen: Sequence[str] = [i for t in types for i in kg.by_type[t]] if types else list(kg.nodes)
        nodes = [kg.nodes[i] for i in chosen]
    if source is not None:
        nodes = [n for n in nodes if source in n.sources]
    if polarity is not None:
        nodes = [n for n in nodes if n.attributes.get("polarity") == polarity]
    if advice is not None:
        nodes = [n for n in nodes if n.attributes.get("advice") == advice]
    if q:
        needle = q.casefold()
        nodes = [n for n in nodes if needle in _haystack(n)]
    if batch:
        return Page(nodes[offset : offset + limit], len(nodes), limit, offset, facets=node_facets(nodes))
    key = sort.removeprefix("-")
    nodes.sort(key=lambda n: (str(getattr(n, key)).casefold(), n.id), reverse=sort.startswith("-"))
    return Page(nodes[offset : offset + limit], len(nodes), limit, offset, facets=node_facets(nodes))


def node_facets(nodes: Sequence[Node]) -> dict[str, dict[str, int]]:
    """How many of `nodes` are of each type and quote each article, most first.

    >>> node_facets(list(tiny_graph().nodes.values()))["type"]["sign"]
    1
    """
    types = Counter(n.type for n in nodes)
    sources = Counter(s for n in nodes for s in articles(n))
    return {"type": dict(types.most_common()), "source": dict(sources.most_common())}


def _haystack(node: Node) -> str:
    return "\n".join((node.label, *node.aliases, node.summary)).casefold()


def list_edges(
    kg: KnowledgeGraph,
    *,
    kinds: Sequence[EdgeKind] = (),
    from_id: str | None = None,
    to_id: str | None = None,
    source: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Edge]:
    """Edges matching every filter given, in id order.

    Filters are filters: an id that matches nothing gives an empty page, not an error.

    Examples
    --------
    >>> [e.id for e in list_edges(tiny_graph(), kinds=["backfires"]).items]
    ['chase-him--backfires--needs-space']
    """
    require_range("limit", limit, 1, MAX_LIMIT)
    require_range("offset", offset, 0, MAX_OFFSET)
    if from_id is not None:
        candidates = [kg.edges[e] for e in kg.out_edges.get(from_id, ())]
    elif to_id is not None:
        candidates = [kg.edges[e] for e in kg.in_edges.get(to_id, ())]
    else:
        candidates = list(kg.edges.values())
    wanted = set(kinds)
    edges = [
        e
        for e in candidates
        if (not wanted or e.kind in wanted)
        and (to_id is None or e.target == to_id)
        and (source is None or source in e.sources)
    ]
    return Page(edges[offset : offset + limit], len(edges), limit, offset)
