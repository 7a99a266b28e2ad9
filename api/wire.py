"""Domain objects to wire dicts: the records from graph/ plus `links`, nothing guessed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from graph.models import Edge, Node
from graph.records import edge_record, node_record

__all__ = ["API_PREFIX", "edge_out", "link_header", "node_links", "node_out", "page_links"]

API_PREFIX = "/v1"


def node_links(node_id: str) -> dict[str, str]:
    """Where a client goes next from a node."""
    base = f"{API_PREFIX}/nodes/{node_id}"
    return {"self": base, "neighbors": f"{base}/neighbors"}


def node_out(node: Node) -> dict[str, Any]:
    """The one way a Node reaches the wire."""
    out = node_record(node)
    out["links"] = node_links(node.id)
    return out


def edge_out(edge: Edge) -> dict[str, Any]:
    """The one way an Edge reaches the wire."""
    out = edge_record(edge)
    out["links"] = {
        "self": f"{API_PREFIX}/edges/{edge.id}",
        "from": f"{API_PREFIX}/nodes/{edge.source}",
        "to": f"{API_PREFIX}/nodes/{edge.target}",
    }
    return out


def page_links(path: str, query: list[tuple[str, str]], total: int, limit: int, offset: int) -> dict[str, str | None]:
    """`self`, `next` and `prev` URLs for a page: the same query with another offset."""

    def at(new_offset: int) -> str:
        params = [(k, v) for k, v in query if k != "offset"]
        if new_offset:
            params.append(("offset", str(new_offset)))
        return path + ("?" + urlencode(params) if params else "")

    return {
        "self": at(offset),
        "next": at(offset + limit) if offset + limit < total else None,
        "prev": at(max(0, offset - limit)) if offset > 0 else None,
    }


def link_header(links: dict[str, str | None]) -> str:
    """An RFC 8288 `Link` header from page links."""
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url is not None)
