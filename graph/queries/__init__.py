"""Pure read queries over a KnowledgeGraph: graph first, ids next, options keyword-only."""

from graph.queries.lookup import get_edge, get_node, suggest

__all__ = ["get_edge", "get_node", "suggest"]
