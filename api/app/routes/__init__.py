"""One router per resource; `ROUTERS` is the order they are mounted and documented in.

Prebuilt answers (`api.edge.pipeline.Pipeline.prebuild`, kept by `api.edge.cache` outside its
LRU) make the first request for them a hit. Where the line is:

- `PREBUILT`: the index, meta, the schema and the first page of every list. A few dozen
  answers whatever the graph's size.
- `PER_ITEM`, every node (sources included), card and edge, and the whole graph in every
  export format: on a graph of at most `PER_ITEM_LIMIT` nodes and edges only, about 2 KB per
  item in both codings (the shipped content: 1,183 paths, 2.6 MB, about 0.3 s), and the
  exports (the shipped content: ~10 MB as they are, ~2 MB gzipped, about 0.5 s). A larger
  graph (the 100,000-node bench: 1.2 M items, gigabytes) makes them on first use, into the LRU.

A reload makes both before it swaps the new graph in. A starting worker makes them once its
port is open, in the background, `PREBUILT` first and the exports last, so they do not delay
its first 200: a request that comes before its answer is made is a miss.

A route that wants the same adds a function here that lists its paths.
"""

from collections.abc import Callable, Iterable, Iterator
from itertools import chain

from api.app.routes import edges, events, explore, export, frontends, graphql, meta, nodes, problems, releases, sparql
from graph.build import KnowledgeGraph

__all__ = ["PER_ITEM", "PER_ITEM_LIMIT", "PREBUILT", "ROUTERS", "per_item_paths", "prebuilt_paths"]

ROUTERS = (
    meta.router, nodes.router, edges.router, explore.router, frontends.router, export.router, releases.router,
    graphql.router, sparql.router, events.router, problems.router,
)  # fmt: skip
PREBUILT: tuple[Callable[[KnowledgeGraph], Iterable[str]], ...] = (
    meta.prebuilt, nodes.prebuilt, edges.prebuilt, releases.prebuilt,
)  # fmt: skip
PER_ITEM: tuple[Callable[[KnowledgeGraph], Iterable[str]], ...] = (
    nodes.per_item, frontends.per_item, edges.per_item, export.per_item,
)  # fmt: skip
PER_ITEM_LIMIT = 5_000


def prebuilt_paths(kg: KnowledgeGraph) -> Iterator[str]:
    """The paths made before `kg` serves."""
    return chain.from_iterable(listed(kg) for listed in PREBUILT)


def per_item_paths(kg: KnowledgeGraph) -> Iterator[str]:
    """Every node, card and edge path of `kg`; none past `PER_ITEM_LIMIT` nodes and edges."""
    if len(kg.nodes) + len(kg.edges) > PER_ITEM_LIMIT:
        return iter(())
    return chain.from_iterable(listed(kg) for listed in PER_ITEM)
