"""Which cache tags an answer carries (`Cache-Tag`), from its URL and the graph it was made on.

A shared cache in front of Distance (the cluster's nginx, a CDN) keeps answers for as long as
`s-maxage` says and purges them by tag when the content changes: `graph.events.stale_tags`
names the tags a reload made stale, `graph.events.answer_tags` the tags of one resource.
The rule here says which resource an answer shows: the plain JSON of a node or an edge (no
query string, the default media type) shows that node or edge and the quotes it carries; an
article's text shows that article; every other answer (lists, search, neighbours, cards,
exports, linked data, errors) depends on the content as a whole and is tagged `graph`.
"""

from __future__ import annotations

from typing import Final

from api.app import urls
from api.edge.variant import Variant
from graph.build import KnowledgeGraph
from graph.events import answer_tags

__all__ = ["cache_tags"]

_NODES: Final = urls.node("")
_EDGES: Final = urls.edge("")
_SOURCES, _TEXT = urls.source_text("{}").split("{}")


def cache_tags(graph: KnowledgeGraph, path: str, query: bytes, variant: Variant) -> bytes:
    """The `Cache-Tag` value (tags separated by spaces) of the answer to GET `path?query`.

    >>> kg = tiny_graph()
    >>> cache_tags(kg, "/v1/nodes/oxytocin", b"", Variant())
    b'distance node:000 node:oxytocin'
    >>> cache_tags(kg, "/v1/nodes/oxytocin", b"include=edges", Variant())
    b'distance graph'
    >>> cache_tags(kg, "/v1/sources/000/text", b"start=0&end=9", Variant())
    b'distance node:000'
    """
    plain = not query and variant.accept is None
    if path.startswith(_SOURCES) and path.endswith(_TEXT):
        found = answer_tags(graph, "node", path[len(_SOURCES) : -len(_TEXT)])
    elif plain and path.startswith(_NODES):
        found = answer_tags(graph, "node", path[len(_NODES) :])
    elif plain and path.startswith(_EDGES):
        found = answer_tags(graph, "edge", path[len(_EDGES) :])
    else:
        found = None
    return " ".join(found if found is not None else answer_tags(graph)).encode()
