"""Small, hand-written response examples for the contract, one per operation shape.

They are illustrative (the schemathesis tests check real responses against the schemas);
they are kept tiny so a reader of /docs sees the shape at a glance.
"""

from __future__ import annotations

from typing import Any

from api import urls

__all__ = ["EXAMPLES"]

_EVIDENCE = {
    "source": "002",
    "quote": "…verbatim words…",
    "start": 1200,
    "end": 1216,
    "context": "The sentence around the …verbatim words… in the article.",
    "links": {"passage": urls.passage("002", 1200, 1216), "source": urls.node("002")},
}
_NODE = {
    "id": "slower-replies",
    "type": "sign",
    "label": "Slower replies",
    "summary": "His messages come back later than they used to.",
    "aliases": ["texts less"],
    "sources": ["002"],
    "links": {"self": urls.node("slower-replies"), "neighbors": urls.neighbors("slower-replies")},
}
_REASON = {
    "id": "needs-space",
    "type": "reason",
    "label": "He needs space",
    "summary": "After a stretch of closeness he wants distance to feel like himself again.",
    "aliases": ["needs freedom"],
    "sources": ["003"],
    "links": {"self": urls.node("needs-space"), "neighbors": urls.neighbors("needs-space")},
}
_EDGE = {
    "id": "slower-replies--indicates--needs-space",
    "kind": "indicates",
    "label": "indicates",
    "inverse_label": "indicated by",
    "symmetric": False,
    "from": "slower-replies",
    "to": "needs-space",
    "evidence": [_EVIDENCE],
    "basis": "quoted",
    "note": None,
    "sources": ["002"],
    "links": {
        "self": urls.edge("slower-replies--indicates--needs-space"),
        "from": urls.node("slower-replies"),
        "to": urls.node("needs-space"),
    },
}


def _page(items: list[dict[str, Any]], path: str) -> dict[str, Any]:
    return {
        "items": items,
        "total": 26,
        "limit": 1,
        "offset": 0,
        "links": {"self": f"{path}?limit=1", "next": f"{path}?limit=1&offset=1", "prev": None},
    }


_CITATION = {"title": "Why men pull away", "author": None, **_EVIDENCE}
_RESPONSE = {
    "id": "give-him-space",
    "type": "response",
    "label": "Give him space",
    "summary": "Step back and let him come back in his own time.",
    "aliases": [],
    "sources": ["003"],
    "polarity": "do",
    "links": {"self": urls.node("give-him-space"), "neighbors": urls.neighbors("give-him-space")},
}


def _related(node: dict[str, Any], edge: str) -> dict[str, Any]:
    return {"node": node, "edge": edge, "basis": "quoted", "note": None, "citations": [_CITATION]}


EXAMPLES: dict[str, Any] = {
    "node": {
        **_NODE,
        "evidence": [_EVIDENCE],
    },
    "edge": _EDGE,
    "meta": {
        "api_version": "1",
        "content_version": "5f2c…",
        "counts": {"nodes": 180, "edges": 420, "node_types": {"sign": 26}, "edge_kinds": {"indicates": 31}},
        "links": {"self": urls.api("/meta"), "schema": urls.api("/schema"), "docs": urls.DOCS},
    },
    "problem": {
        "type": "/problems/invalid-parameter",
        "title": "Invalid parameter",
        "status": 422,
        "detail": "limit: Input should be less than or equal to 200",
        "instance": urls.api("/nodes?limit=500"),
        "errors": [{"parameter": "limit", "message": "Input should be less than or equal to 200", "value": "500"}],
    },
    "schema": {
        "node_types": [{"type": "sign", "count": 26, "links": {"nodes": urls.api("/nodes?type=sign")}}],
        "edge_kinds": [
            {
                "kind": "indicates",
                "label": "indicates",
                "inverse_label": "indicated by",
                "description": "This sign points to that reason.",
                "from_types": ["sign"],
                "to_types": ["reason"],
                "symmetric": False,
                "same_type": False,
                "derived": False,
                "count": 31,
            }
        ],
        "links": {"self": urls.api("/schema"), "meta": urls.api("/meta")},
    },  # fmt: skip
    "index": {
        "api_version": "1",
        "links": {"self": urls.api(), "nodes": urls.api("/nodes"), "search": urls.api("/search{?q,type,limit,offset}")},
    },
    "nodes": _page([_NODE], urls.api("/signs")),
    "edges": _page([_EDGE], urls.api("/edges")),
    "neighbors": {
        "center": _NODE,
        "nodes": [_REASON],
        "edges": [_EDGE],
        "depth": 1,
        "truncated": False,
        "links": {"self": urls.api("/nodes/slower-replies/neighbors?kind=indicates&direction=out")},
    },
    "paths": {
        "from": _NODE,
        "to": _REASON,
        "paths": [
            {
                "length": 1,
                "hops": [{"from": "slower-replies", "to": "needs-space", "direction": "forward", "edge": _EDGE}],
            }
        ],
        "truncated": False,
        "links": {"self": urls.api("/paths?from=slower-replies&to=needs-space")},
    },
    "search": _page(
        [{"node": _NODE, "score": 95.0, "field": "label", "snippet": "Slower replies"}], urls.api("/search")
    ),
    "problem_type": {
        "type": "/problems/node-not-found",
        "title": "Node not found",
        "status": 404,
        "explanation": "No node has this id. Ids are kebab-case slugs; `suggestions` lists the closest ones.",
    },
    "graph": {
        "directed": True,
        "multigraph": True,
        "graph": {"content_version": "5f2c…"},
        "nodes": [{"id": "slower-replies", "type": "sign", "label": "Slower replies"}],
        "edges": [
            {"source": "slower-replies", "target": "needs-space", "key": "slower-replies--indicates--needs-space"}
        ],
    },
    "guide": {
        "signs": [_NODE],
        "per_sign": [
            {
                "sign": "slower-replies",
                "direct": 1,
                "fallback": False,
                "note": None,
                "addressed_by": [],
                "backfired_by": [],
            }
        ],
        "scoring": "Reasons that a chosen sign indicates directly come first, the more such signs the higher. …",
        "reasons": [
            {
                "reason": _REASON,
                "score": 1.0,
                "direct": 1,
                "quotes": 1,
                "via": "“Slower replies” indicates it directly",
                "reached": [
                    {
                        "sign": "slower-replies",
                        "strength": 1.0,
                        "via": "“Slower replies” indicates it directly",
                        "through": None,
                        "edges": ["slower-replies--indicates--needs-space"],
                    }
                ],
                "because": [
                    {
                        "sign": "slower-replies",
                        "edge": "slower-replies--indicates--needs-space",
                        "basis": "quoted",
                        "note": None,
                        "citations": [_CITATION],
                    }
                ],
                "addressed_by": [_related(_RESPONSE, "give-him-space--addresses--needs-space")],
                "backfired_by": [],
            }
        ],
        "links": {"self": urls.api("/guide?signs=slower-replies")},
    },
    "card": {
        "node": {**_NODE, "evidence": [_EVIDENCE]},
        "citations": [_CITATION],
        "relations": [
            {
                "label": "indicates",
                "kind": "indicates",
                "direction": "out",
                "items": [_related(_REASON, "slower-replies--indicates--needs-space")],
            }
        ],
        "links": {
            "self": urls.card("slower-replies"),
            "node": urls.node("slower-replies"),
            "neighbors": urls.neighbors("slower-replies"),
        },
    },
    "disagreements": {
        "items": [
            {
                "id": "needs-space--contradicts--losing-interest",
                "about": "Whether his distance means he needs space or that he is losing interest.",
                "note": None,
                "sides": [
                    {"node": _REASON, "citations": [_CITATION]},
                    {"node": {**_REASON, "id": "losing-interest", "label": "He is losing interest"}, "citations": []},
                ],
                "citations": [_CITATION],
                "links": {"self": urls.edge("needs-space--contradicts--losing-interest")},
            }
        ],
        "total": 1,
        "links": {"self": urls.api("/disagreements")},
    },
}
