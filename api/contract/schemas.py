"""What the wire carries, for the OpenAPI contract.

Handlers build plain dicts (`api/contract/shapes.py`) and serialize them once with orjson; these models
describe those dicts in the contract, and the schemathesis tests check every response
against them. They are separate from graph/models.py on purpose: internal fields never leak.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, WithJsonSchema

from api.contract.examples import EXAMPLES
from graph.types import EdgeKind, NodeType

__all__ = [
    "EdgeKindOut",
    "EdgeListOut",
    "GraphExportOut",
    "IndexOut",
    "NeighborhoodOut",
    "NodeListOut",
    "PathsOut",
    "SearchOut",
    "SuggestOut",
    "EdgeOut",
    "EvidenceOut",
    "FacetsOut",
    "MetaOut",
    "NodeOut",
    "NodeTypeOut",
    "ParamError",
    "Problem",
    "SchemaOut",
]


class _Out(BaseModel):
    # Each shape's validator and schema are built on first use, not at import: a server's
    # worker imports them all before its port opens and uses few before its first answer.
    model_config = ConfigDict(extra="forbid", defer_build=True)


class EvidenceLinks(_Out):
    passage: str = Field(description="The quote's slice of the article body, as text/plain.")
    source: str = Field(description="The article the quote comes from.")


class EvidenceOut(_Out):
    """A verbatim quote and where it sits in its article (`text[start:end] == quote`)."""

    source: str = Field(examples=["001"])
    title: str = Field(description="The title of the article the quote comes from.")
    quote: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    context: str = Field(description="The sentence the quote sits in, from the article body.")
    links: EvidenceLinks


class VerdictOut(_Out):
    """What the articles say a sign means, with the quotes that say it."""

    kind: Literal["healthy", "address", "seek_support"]
    evidence: list[EvidenceOut] | None = Field(None, description="The quotes; on single nodes by default.")


class NodeLinks(_Out):
    self: str
    neighbors: str


class NodeOut(_Out):
    """One node; type-specific fields appear only on their type."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLES["node"]]})

    id: str
    type: NodeType
    links: NodeLinks
    label: str | None = Field(None, description="Present unless cut by `fields`.")
    summary: str | None = Field(None, description="In our own words; present unless cut by `fields`.")
    aliases: list[str] | None = None
    evidence: list[EvidenceOut] | None = Field(None, description="Verbatim quotes; on single nodes by default.")
    sources: list[str] | None = Field(None, description="Ids of the articles quoted.")
    edges: list[EdgeOut] | None = Field(None, description="With `include=edges`: every edge touching the node.")
    neighbors: list[NodeOut] | None = Field(None, description="With `include=neighbors`: one-hop neighbours.")
    category: str | None = Field(None, description="concept: hormone, attachment, pattern, …")
    group: str | None = Field(None, description="sign, response: the article's grouping")
    advice: Literal["recommended", "warned_against"] | None = Field(
        None, description="response: whether the articles recommend the action or warn against it"
    )
    polarity: Literal["do", "dont"] | None = Field(
        None,
        deprecated=True,
        description="response, deprecated: use `advice`; `do` when recommended, `dont` when warned against",
    )
    no_advice: str | None = Field(
        None, description="reason: says, in our words, that the articles give no advice aimed at it"
    )
    verdict: VerdictOut | None = Field(
        None, description="sign: the articles' verdict on it (healthy, address, seek_support), quoted"
    )
    value: str | None = Field(
        None, description="statistic: the number or range as text (`3–7`, `88`), from low and high"
    )
    low: float | None = Field(None, description="statistic: the number, or the low end of a range")
    high: float | None = Field(None, description="statistic: the high end of a range; absent for a single number")
    quantity: str | None = Field(None, description="statistic: the quantity it measures, in our own words")
    unit: str | None = Field(None, description="statistic: its unit")
    title: str | None = Field(None, description="source: the article's title")
    author: str | None = Field(None, description="source: the author, when the article names one")
    url: str | None = Field(None, description="source: the article's original URL; null when it is not known")
    url_note: str | None = Field(None, description="source: says so when the original URL is not known")
    file: str | None = Field(None, description="source: the article's file name")
    characters: int | None = Field(None, description="source: length of the article text")
    body_end: int | None = Field(None, description="source: offset where the article body ends")


class EdgeLinks(_Out):
    self: str
    from_: str = Field(alias="from")
    to: str


class EdgeOut(_Out):
    """One typed, evidenced edge with its registry labels for both directions."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLES["edge"]]})

    id: str
    kind: EdgeKind
    label: str
    inverse_label: str
    symmetric: bool
    from_: str = Field(alias="from")
    to: str
    from_label: str = Field(description="The label of the node the edge starts at.")
    from_type: NodeType = Field(description="The type of the node the edge starts at.")
    to_label: str = Field(description="The label of the node the edge ends at.")
    to_type: NodeType = Field(description="The type of the node the edge ends at.")
    evidence: list[EvidenceOut]
    basis: Literal["quoted", "editorial", "derived"]
    note: str | None
    about: str | None = Field(
        description="contradicts: what the two sides disagree on, in our own words; null on other kinds"
    )
    sources: list[str]
    links: EdgeLinks


class Counts(_Out):
    nodes: int
    edges: int
    node_types: dict[str, int]
    edge_kinds: dict[str, int]


class MetaOut(_Out):
    """What is being served: API and content versions and how much content there is."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLES["meta"]]})

    api_version: str
    content_version: str = Field(description="sha256 over the canonical content; the ETag base")
    counts: Counts
    links: dict[str, str]


class NodeTypeOut(_Out):
    type: NodeType
    count: int
    links: dict[str, str]


class EdgeKindOut(_Out):
    kind: EdgeKind
    label: str
    inverse_label: str
    description: str
    from_types: list[NodeType]
    to_types: list[NodeType]
    symmetric: bool
    same_type: bool
    derived: bool
    count: int


class SchemaOut(_Out):
    """The closed sets a client can rely on: node types and the edge-kind registry."""

    node_types: list[NodeTypeOut]
    edge_kinds: list[EdgeKindOut]
    links: dict[str, str]


class ParamError(_Out):
    parameter: str = Field(description="The offending query or path parameter")
    message: str
    value: str | None


class Problem(_Out):
    """An RFC 9457 problem; 422s name each offending parameter in `errors`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLES["problem"]]})

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ParamError] | None = None
    suggestions: list[str] | None = None
    replaced_by: str | None = Field(
        None, description="410 `retired`: the id that answers for the retired one now; null when nothing does."
    )


class PageLinks(_Out):
    self: str
    next: str | None
    prev: str | None


class FacetsOut(_Out):
    """How many of the whole list (every page) are of each type and quote each article."""

    type: dict[str, int] = Field(description="Node type → count.")
    source: dict[str, int] = Field(description="Article (source id) → count of nodes quoting it.")


class NodeListOut(_Out):
    """A page of nodes, without their quotes unless `include=evidence` (or follow each `links.self`)."""

    items: list[NodeOut]
    total: int
    limit: int
    offset: int
    facets: FacetsOut
    links: PageLinks


class EdgeListOut(_Out):
    """A page of edges, each with its evidence and registry labels."""

    items: list[EdgeOut]
    total: int
    limit: int
    offset: int
    links: PageLinks


class SelfLink(_Out):
    self: str


class NeighborhoodOut(_Out):
    """Nodes within `depth` hops of `center`, the edges walked, and whether the cap cut it."""

    center: NodeOut
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    depth: int
    truncated: bool
    links: SelfLink


class HopOut(_Out):
    from_: str = Field(alias="from")
    to: str
    direction: Literal["forward", "backward"] = Field(description="Whether the edge was walked as written.")
    edge: EdgeOut


class PathOut(_Out):
    length: int
    hops: list[HopOut]


class PathsOut(_Out):
    """Shortest paths between two nodes, with the evidence of every hop."""

    from_: NodeOut = Field(alias="from")
    to: NodeOut
    paths: list[PathOut]
    truncated: bool
    links: SelfLink


_Field = Literal["label", "alias", "summary", "quote"]


class ScorePartOut(_Out):
    word: str = Field(description="The query word (empty if it cannot be told apart).")
    field: Literal["label", "alias", "summary", "quote", "edge"] = Field(
        description="Where the word matched; `edge`: the graph's `indicates` edge from this sign."
    )
    how: Literal["stem", "typo", "graph", "name"] = Field(
        description="`stem`: the word's English stem; `typo`: a near word; `graph`: a sign of what the query "
        "names, ranked first because it asks for signs; `name`: the whole query is this node's label or an "
        "alias, ranked first."
    )
    score: float = Field(description="This part's share of the hit's score.")


class SearchHitOut(_Out):
    node: NodeOut
    score: float = Field(description="BM25 over the weighted fields plus typo matches; higher is better.")
    field: _Field = Field(description="The field the snippet is cut from.")
    snippet: str
    highlights: list[list[int]] = Field(description="`[start, end)` offsets of the matched words in `snippet`.")
    explain: list[ScorePartOut] | None = Field(
        None, description="With `explain=true`: the parts the score is the sum of, largest first."
    )


class SearchOut(_Out):
    """Ranked search results, with counts by type (over every type) and source of all matches."""

    items: list[SearchHitOut]
    total: int
    limit: int
    offset: int
    facets: FacetsOut
    links: PageLinks


class SuggestionOut(_Out):
    id: str
    label: str
    type: NodeType


class SuggestOut(_Out):
    """Autocomplete: at most 10 nodes whose label or alias starts like `q`, best first."""

    items: list[SuggestionOut]


class IndexOut(_Out):
    """Where to start: every collection and tool of the API."""

    api_version: str
    links: dict[str, str] = Field(description="URLs to follow as they are: the collections, meta, docs.")
    templates: dict[str, Annotated[str, WithJsonSchema({"type": "string", "format": "uri-template"})]] = Field(
        description="RFC 6570 URI templates of the routes that take an id or parameters "
        "(`/v1/nodes{/id}`, `/v1/guide{?signs}`): expand one before following it."
    )


class ProblemTypeOut(_Out):
    """A problem type (a problem's `type`): its title, status and what it means."""

    type: str = Field(examples=["/problems/node-not-found"])
    title: str
    status: int
    explanation: str


class GraphExportOut(RootModel[dict[str, Any]]):
    """A JSON export: networkx node-link (`nodes`, `edges`, `graph.content_version`) or
    Cytoscape.js elements (`elements`, `data.content_version`), as `format` says."""
