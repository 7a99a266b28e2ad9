"""Small, hand-written response examples for the contract, one per operation shape.

Every id they name is one the shipped content serves (a test asks for each), so a reader can
try what /docs shows. They are illustrative (the schemathesis tests check real responses against the schemas);
they are kept tiny so a reader of /docs sees the shape at a glance.
"""

from __future__ import annotations

from typing import Any

from api.app import urls

__all__ = ["EXAMPLES"]

# Ids of the shipped content, so what /docs shows can be asked for.
_SIGN_ID = "reduced-communication"
_REASON_ID = "avoidant-attachment-makes-closeness-dangerous"
_EDGE_ID = f"{_SIGN_ID}--indicates--{_REASON_ID}"
_ADDRESSES_ID = f"give-him-space--addresses--{_REASON_ID}"

_EVIDENCE = {
    "source": "002",
    "title": "8 Things You Need to Know About Why Men Pull Away in Relationships",
    "quote": "…verbatim words…",
    "start": 1200,
    "end": 1216,
    "context": "The sentence around the …verbatim words… in the article.",
    "links": {"passage": urls.passage("002", 1200, 1216), "source": urls.node("002")},
}
_NODE = {
    "id": _SIGN_ID,
    "type": "sign",
    "label": "Texts and calls drop off",
    "summary": "He contacts her noticeably less and answers more slowly or not at all.",
    "aliases": ["slower replies"],
    "sources": ["002"],
    "links": {"self": urls.node(_SIGN_ID), "neighbors": urls.neighbors(_SIGN_ID)},
}
_REASON = {
    "id": _REASON_ID,
    "type": "reason",
    "label": "Avoidant attachment makes closeness feel dangerous",
    "summary": "Growing intimacy sets off his alarm, and he creates distance.",
    "aliases": ["avoidant man"],
    "sources": ["003"],
    "links": {"self": urls.node(_REASON_ID), "neighbors": urls.neighbors(_REASON_ID)},
}
_EDGE = {
    "id": _EDGE_ID,
    "kind": "indicates",
    "label": "indicates",
    "inverse_label": "indicated by",
    "symmetric": False,
    "from": _SIGN_ID,
    "to": _REASON_ID,
    "from_label": _NODE["label"],
    "from_type": "sign",
    "to_label": _REASON["label"],
    "to_type": "reason",
    "evidence": [_EVIDENCE],
    "basis": "quoted",
    "note": None,
    "about": None,
    "sources": ["002"],
    "links": {
        "self": urls.edge(_EDGE_ID),
        "from": urls.node(_SIGN_ID),
        "to": urls.node(_REASON_ID),
    },
}


_CHASE = {
    "id": "chase-is-over",
    "type": "reason",
    "label": "The thrill of the chase is gone",
    "summary": "Once she is won too easily, the challenge that kept him interested is gone.",
    "aliases": ["chase over"],
    "sources": ["000"],
    "links": {"self": urls.node("chase-is-over"), "neighbors": urls.neighbors("chase-is-over")},
}
_NOT_LOST = {
    "id": "pulling-away-is-not-lost-interest",
    "type": "concept",
    "label": "Pulling away doesn't mean he has lost interest",
    "summary": "Withdrawal comes from his own fears, processing or needs, not from fading feelings.",
    "aliases": ["still interested"],
    "sources": ["001", "002", "003"],
    "links": {
        "self": urls.node("pulling-away-is-not-lost-interest"),
        "neighbors": urls.neighbors("pulling-away-is-not-lost-interest"),
    },
}


def _page(items: list[dict[str, Any]], path: str, *, facets: bool = True, query: str = "") -> dict[str, Any]:
    """A first page of one item; `query` is what the list was asked with besides its page."""
    first = f"{path}?{query}&limit=1" if query else f"{path}?limit=1"
    page = {
        "items": items,
        "total": 26,
        "limit": 1,
        "offset": 0,
        "links": {"self": first, "next": f"{first}&offset=1", "prev": None},
    }
    if facets:  # node lists and search count their whole list; edge lists do not
        page["facets"] = {"type": {"sign": 26}, "source": {"001": 20, "002": 9}}
    return page


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


# The first recorded release (seeds/releases/): releases are only ever added, so a later
# change of content leaves this one, and the examples that name it, as they are.
_VERSION = "1ecede28677c55984224163b7a6d7f2472cecc2bf6f58f54bfdca7ef9487c088"
_RELEASE = {
    "content_version": _VERSION,
    "released_at": "2026-12-03T08:32:32Z",
    "nodes": 216,
    "edges": 751,
    "served": False,
    "links": {"changes": urls.changes(_VERSION)},
}
_SERVED = {"content_version": "7e1a…", "released": False}


_DONT = {
    "id": "dont-over-communicate",
    "type": "response",
    "label": "Don't over-communicate",
    "summary": "Flooding him with texts and calls adds pressure and confirms his need for distance.",
    "aliases": ["double texting"],
    "sources": ["001"],
    "polarity": "dont",
    "links": {"self": urls.node("dont-over-communicate"), "neighbors": urls.neighbors("dont-over-communicate")},
}
_ASKED = "he hasn't texted me in 4 days, should I text him?"


EXAMPLES: dict[str, Any] = {
    "answer": {
        "q": _ASKED,
        "answered": True,
        "note": None,
        "words": [{"word": "texted", "whose": "him"}, {"word": "text", "whose": "her"}],
        "asks": ["advice", "duration"],
        "sections": [
            {
                "name": "understood",
                "heading": "What you describe",
                "items": [
                    {
                        "node": _NODE,
                        "how": "your words “texted” in its other names",
                        "purpose": None,
                        "about": None,
                        "edge": None,
                        "verdict": None,
                        "citations": [_CITATION],
                    }
                ],
            },
            {
                "name": "dont",
                "heading": "What to avoid",
                "items": [
                    {
                        "node": _DONT,
                        "how": "your words “text” in its summary",
                        "purpose": "makes worse “Avoidant attachment makes closeness feel dangerous”",
                        "about": None,
                        "edge": None,
                        "verdict": None,
                        "citations": [_CITATION],
                    }
                ],
            },
        ],
        "citations": [_CITATION],
        "links": {
            "self": urls.with_query(urls.api("/answer"), [("q", _ASKED)]),
            "search": urls.with_query(urls.api("/search"), [("q", _ASKED)]),
        },
    },
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
        "type": urls.problem("invalid-parameter"),
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
        "links": {"self": urls.api(), "nodes": urls.api("/nodes"), "meta": urls.api("/meta")},
        "templates": {
            "node": urls.id_template(urls.node),
            "search": urls.template(urls.api("/search"), ["q", "type", "limit", "offset"]),
        },
    },
    "nodes": _page([_NODE], urls.api("/signs")),
    "releases": {
        "items": [_RELEASE],
        "total": 1,
        "limit": 50,
        "offset": 0,
        "served": _SERVED,
        "links": {"self": urls.releases(), "next": None, "prev": None},
    },
    "changes": {
        **_page(
            [
                {
                    "resource": "node",
                    "id": _SIGN_ID,
                    "change": "changed",
                    "fields": ["evidence", "sources", "summary"],
                    "type": "sign",
                    "label": "Texts and calls drop off",
                    "links": {"self": urls.node(_SIGN_ID)},
                },
                {
                    "resource": "edge",
                    "id": _EDGE_ID,
                    "change": "added",
                    "fields": [],
                    "kind": "indicates",
                    "links": {"self": urls.edge(_EDGE_ID)},
                },
            ],
            urls.changes(_VERSION),
            facets=False,
        ),
        "total": 2,
        "limit": 50,
        "links": {"self": urls.changes(_VERSION), "next": None, "prev": None},
        "facets": {"change": {"added": 1, "changed": 1, "removed": 0}, "resource": {"node": 1, "edge": 1}},
        "since": _RELEASE,
        "served": _SERVED,
    },
    "edges": _page([_EDGE], urls.api("/edges"), facets=False),
    "neighbors": {
        "center": _NODE,
        "nodes": [_REASON],
        "edges": [_EDGE],
        "depth": 1,
        "truncated": False,
        "links": {"self": urls.api(f"/nodes/{_SIGN_ID}/neighbors?kind=indicates&direction=out")},
    },
    "paths": {
        "from": _NODE,
        "to": _REASON,
        "paths": [
            {
                "length": 1,
                "hops": [{"from": _SIGN_ID, "to": _REASON_ID, "direction": "forward", "edge": _EDGE}],
            }
        ],
        "truncated": False,
        "links": {"self": urls.api(f"/paths?from={_SIGN_ID}&to={_REASON_ID}")},
    },
    "search": _page(
        [
            {
                "node": _NODE,
                "score": 23.6,
                "field": "label",
                "snippet": "Texts and calls drop off",
                "highlights": [[0, 5]],
                "explain": [{"word": "texts", "field": "label", "how": "stem", "score": 23.6}],
            }
        ],
        urls.api("/search"),
        query="q=texts",
    ),
    "suggest": {"items": [{"id": _SIGN_ID, "label": "Texts and calls drop off", "type": "sign"}]},
    "problem_type": {
        "type": urls.problem("node-not-found"),
        "title": "Node not found",
        "status": 404,
        "explanation": "No node has this id. Ids are kebab-case slugs; `suggestions` lists the closest ones.",
    },
    "graph": {
        "directed": True,
        "multigraph": True,
        "graph": {"content_version": "5f2c…"},
        "nodes": [{"id": _SIGN_ID, "type": "sign", "label": "Texts and calls drop off"}],
        "edges": [{"source": _SIGN_ID, "target": _REASON_ID, "key": _EDGE_ID}],
    },
    "guide": {
        "signs": [_NODE],
        "per_sign": [
            {
                "sign": _SIGN_ID,
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
                "via": "“Texts and calls drop off” indicates it directly",
                "reached": [
                    {
                        "sign": _SIGN_ID,
                        "strength": 1.0,
                        "via": "“Texts and calls drop off” indicates it directly",
                        "through": None,
                        "edges": [_EDGE_ID],
                    }
                ],
                "because": [
                    {
                        "sign": _SIGN_ID,
                        "edge": _EDGE_ID,
                        "basis": "quoted",
                        "note": None,
                        "citations": [_CITATION],
                    }
                ],
                "addressed_by": [_related(_RESPONSE, _ADDRESSES_ID)],
                "backfired_by": [],
            }
        ],
        "links": {"self": urls.api(f"/guide?signs={_SIGN_ID}")},
    },
    "card": {
        "node": {**_NODE, "evidence": [_EVIDENCE]},
        "citations": [_CITATION],
        "relations": [
            {
                "label": "indicates",
                "kind": "indicates",
                "direction": "out",
                "items": [_related(_REASON, _EDGE_ID)],
            }
        ],
        "links": {
            "self": urls.card(_SIGN_ID),
            "node": urls.node(_SIGN_ID),
            "neighbors": urls.neighbors(_SIGN_ID),
        },
    },
    "disagreements": {
        "items": [
            {
                "id": "chase-is-over--contradicts--pulling-away-is-not-lost-interest",
                "about": "Whether the end of the chase costs his interest, or his pulling away is no loss of interest.",
                "note": None,
                "sides": [
                    {"node": _CHASE, "citations": [_CITATION]},
                    {"node": _NOT_LOST, "citations": []},
                ],
                "citations": [_CITATION],
                "links": {"self": urls.edge("chase-is-over--contradicts--pulling-away-is-not-lost-interest")},
            }
        ],
        "total": 1,
        "limit": 50,
        "offset": 0,
        "links": {"self": urls.api("/disagreements"), "next": None, "prev": None},
    },
}
