"""The one request answered past FastAPI: `GET /v1/nodes/{id}`, no query string, an id the graph has.

A node by its id is the request a client makes most, and when its answer is not kept (the
cache off, evicted, or a graph past `api.app.routes.PER_ITEM_LIMIT`) FastAPI's own work is most
of it: scanning the routes for a match, solving the dependencies, validating an empty query
against the route's model (py-spy/cProfile: ~60 % of such a miss). None of that can change
this answer: with no query string there is nothing to validate, and an id the graph has is
a valid path parameter (the loader refuses any id that is not a slug). So the edge pipeline
(`api.edge.pipeline`, its app step) asks `node_answer` first, and it answers through the route's own
function (`api.app.routes.nodes.node_json`), so the bytes are the route's by construction
(`tests/api/edge/test_shortcut.py` compares both for every node).

Everything else goes to FastAPI as before: any query string, an unknown
id (its 404 and suggestions), a malformed one (its 422), an `Accept` whose first choice is
not JSON (linked data, or a 406: the variant's `accept` is then set), another method, a
mounted root path.
"""

from __future__ import annotations

from typing import Final, get_args

from starlette.types import Scope

from api.app import urls
from api.app.routes.nodes import node_json
from api.edge.answer import Answer
from api.edge.variant import JSON, Coding, Variant
from graph import queries
from graph.build import KnowledgeGraph

__all__ = ["node_answer"]

_NODES: Final = urls.node("")
# The variants whose every axis but the coding is the default: the JSON every route makes first.
_PLAIN: Final = frozenset(Variant(coding=coding) for coding in get_args(Coding))
_MEDIA_TYPE: Final = (b"content-type", JSON.encode())


def node_answer(scope: Scope, graph: KnowledgeGraph, variant: Variant) -> Answer | None:
    """The raw answer (before coding) to a plain GET of a known node, else None: FastAPI answers.

    The body is the route's own (`node_json`), its fields the ones the route's `Response` has."""
    path: str = scope["path"]
    if scope["query_string"] or not path.startswith(_NODES) or scope.get("root_path") or variant not in _PLAIN:
        return None
    node_id = path[len(_NODES) :]
    if node_id not in graph.nodes:
        return None
    body = node_json(graph, queries.get_node(graph, node_id))  # the route's own query
    return Answer(200, [(b"content-length", str(len(body)).encode()), _MEDIA_TYPE], body)
