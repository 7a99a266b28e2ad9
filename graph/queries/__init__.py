"""Pure read queries over a KnowledgeGraph: graph first, ids next, options keyword-only."""

from graph.queries.autocomplete import autocomplete
from graph.queries.cards import Card, RelationGroup, card
from graph.queries.disagreements import Disagreement, disagreements, list_disagreements
from graph.queries.guide import MAX_SIGNS, SCORING, GuideResult, RankedReason, guide
from graph.queries.listing import MAX_LIMIT, Page, list_edges, list_nodes
from graph.queries.lookup import get_edge, get_node, suggest
from graph.queries.search import SearchHit, search
from graph.queries.traverse import ALL_KINDS, MAX_NEIGHBORS, Hop, Neighborhood, PathResult, adjacent, neighbors, paths

__all__ = [
    "ALL_KINDS",
    "Card",
    "Disagreement",
    "GuideResult",
    "MAX_SIGNS",
    "RankedReason",
    "RelationGroup",
    "SCORING",
    "Hop",
    "adjacent",
    "autocomplete",
    "card",
    "disagreements",
    "guide",
    "MAX_LIMIT",
    "MAX_NEIGHBORS",
    "Neighborhood",
    "Page",
    "PathResult",
    "SearchHit",
    "get_edge",
    "get_node",
    "list_disagreements",
    "list_edges",
    "list_nodes",
    "neighbors",
    "paths",
    "search",
    "suggest",
]
