"""The one request answered past FastAPI: `GET /v1/nodes/{id}`, no query string, an id the graph has.

A node by its id is the request a client makes most, and when its answer is not kept (the
cache off, evicted, or a graph past `api.app.routes.PER_ITEM_LIMIT`) FastAPI's own work is most
of it: scanning the routes for a match, solving the dependencies, validating an empty query
against the route's model (py-spy/cProfile: ~60 % of such a miss). None of that can change
this answer: with no query string there is nothing to validate, and an id the graph has is
a valid path parameter (the loader refuses any id that is not a slug). So the edge pipeline
(`api.edge.pipeline`, its app step) asks `node_answer` first, and it answers through the route's own
function (`api.app.routes.nodes.node_response`), so the bytes are the route's by construction
(`tests/api/edge/test_shortcut.py` compares both for every node).

Everything else goes to FastAPI as before: any query string, an unknown
id (its 404 and suggestions), a malformed one (its 422), an `Accept` whose first choice is
not JSON (linked data, or a 406: the variant's `accept` is then set), another method, a
mounted root path.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from starlette.types import Scope

from api.app import urls
from api.app.routes.nodes import node_response
from api.edge.answer import Answer
from api.edge.variant import Variant
from graph import queries
from graph.build import KnowledgeGraph

__all__ = ["node_answer"]

_NODES: Final = urls.node("")


def node_answer(scope: Scope, graph: KnowledgeGraph, variant: Variant) -> Answer | None:
    """The raw answer (before coding) to a plain GET of a known node, else None: FastAPI answers."""
    path: str = scope["path"]
    if scope["query_string"] or not path.startswith(_NODES) or scope.get("root_path"):
        return None
    if dataclasses.replace(variant, coding="identity") != Variant():  # any axis but the coding: the route's
        return None
    node_id = path[len(_NODES) :]
    if node_id not in graph.nodes:
        return None
    response = node_response(graph, queries.get_node(graph, node_id))  # the route's own query
    return Answer(response.status_code, response.raw_headers, bytes(response.body))
