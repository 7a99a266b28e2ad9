"""What the wire carries for releases and changes: `/v1/releases` and `/v1/changes`.

The same conventions as `api.contract.schemas` (whose `_Out` base these share): plain dicts built by
`api.contract.shapes`, described here for the contract and checked by the schemathesis tests. Nothing
here names a content_version: the contract stays the same when the content changes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from api.contract.examples import EXAMPLES
from api.contract.schemas import PageLinks, _Out
from graph.types import EdgeKind, NodeType

__all__ = ["ChangeListOut", "ChangeOut", "ReleaseListOut", "ReleaseOut", "ServedOut"]

_VERSION = "A content_version: the sha256 over the canonical content (`/v1/meta`)."


class ReleaseLinks(_Out):
    changes: str = Field(description="What changed from this release to what is served.")


class ReleaseOut(_Out):
    """A recorded release: which content, when, how much of it, and whether it is what is served."""

    content_version: str = Field(description=_VERSION)
    released_at: str = Field(
        description="When it was released (UTC, ISO 8601).", json_schema_extra={"format": "date-time"}
    )
    nodes: int = Field(ge=0, description="Nodes in the release, sources included.")
    edges: int = Field(ge=0, description="Edges in the release, derived ones included.")
    served: bool = Field(description="Whether this release is the content served now.")
    links: ReleaseLinks


class ServedOut(_Out):
    """The content served now, and whether it is a recorded release."""

    content_version: str = Field(description=_VERSION)
    released: bool = Field(description="False while the served content has not been released (`distance release`).")


class ReleaseListOut(_Out):
    """A page of the recorded releases, newest first."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLES["releases"]]})

    items: list[ReleaseOut]
    total: int
    limit: int
    offset: int
    served: ServedOut
    links: PageLinks


class ChangeLinks(_Out):
    self: str | None = Field(description="The node or edge as served now; null for a removed one.")
    replaced_by: str | None = Field(
        None, description="A removed node or edge that a merge retired: what answers for it now."
    )


class ChangeOut(_Out):
    """A node or edge added, removed or changed since the release; `fields` names what changed."""

    resource: Literal["node", "edge"]
    id: str
    change: Literal["added", "removed", "changed"]
    fields: list[str] = Field(
        description="For `changed`: the served fields whose value differs (`summary`, `evidence`, …; "
        "`text` for an article's body); empty otherwise."
    )
    type: NodeType | None = Field(None, description="node: its type (as served, or as released if removed).")
    label: str | None = Field(None, description="node: its label (as served, or as released if removed).")
    kind: EdgeKind | None = Field(None, description="edge: its kind.")
    replaced_by: str | None = Field(
        None,
        description="A removed node whose id was retired into another (a merge): the successor's id; "
        "for a removed edge with a retired end, the edge between the successors. Absent otherwise.",
    )
    links: ChangeLinks


class ChangeFacetsOut(_Out):
    """How many of the whole list (every page) are of each change and each resource."""

    change: dict[str, int] = Field(description="added, changed, removed → count.")
    resource: dict[str, int] = Field(description="node, edge → count.")


class ChangeListOut(_Out):
    """A page of what changed from the release `since` to what is served: nodes first, then edges, by id."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLES["changes"]]})

    items: list[ChangeOut]
    total: int
    limit: int
    offset: int
    facets: ChangeFacetsOut
    since: ReleaseOut
    served: ServedOut
    links: PageLinks
