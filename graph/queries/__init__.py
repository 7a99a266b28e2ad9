"""Pure read queries over a KnowledgeGraph: graph first, ids next, options keyword-only."""

from graph.queries.listing import MAX_LIMIT, Page, list_edges, list_nodes
from graph.queries.lookup import get_edge, get_node, suggest
from graph.queries.search import SearchHit, search
from graph.queries.traverse import Neighborhood, PathResult, neighbors, paths

__all__ = [
    "MAX_LIMIT",
    "Neighborhood",
    "Page",
    "PathResult",
    "SearchHit",
    "get_edge",
    "get_node",
    "list_edges",
    "list_nodes",
    "neighbors",
    "paths",
    "search",
    "suggest",
]
