"""A compressed (CSR) node adjacency in numpy arrays: what path searches walk.

Every pair of nodes joined by an edge of any kind, in either direction, is one entry in each
node's row, with a bitmask of the kinds that join them. A breadth-first level is then a few
array operations over all rows of a frontier at once (numpy's loops run in C, ~50x fewer
nanoseconds per neighbour than a Python loop over dicts), whatever edge kinds are walked:
entries whose mask misses the walked kinds are dropped. Rows are sorted by node index, and
nodes are indexed in id order, so a search visits neighbours in id order.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from graph.registry import EDGE_KINDS

__all__ = ["Adjacency", "Near", "kind_mask"]

_BITS: dict[str, int] = {kind: 1 << bit for bit, kind in enumerate(EDGE_KINDS)}
_HAND: int = sum(_BITS[kind] for kind, spec in EDGE_KINDS.items() if not spec.derived)

Ints = npt.NDArray[np.int32]


def kind_mask(kinds: Collection[str]) -> int:
    """The bitmask of these edge kinds, as the adjacency's entries carry it."""
    return sum(_BITS[k] for k in set(kinds))


@dataclass(frozen=True, eq=False)
class Adjacency:
    """Rows of neighbours per node index: `targets[starts[i]:starts[i + 1]]`, each with the
    mask of the kinds joining the two nodes; `hand[i]` counts row i's entries joined by a
    hand-written kind (the default walk), so a search can price a level before walking it."""

    ids: tuple[str, ...]
    index: Mapping[str, int]
    starts: Ints
    targets: Ints
    masks: npt.NDArray[np.uint16]
    hand: Ints

    @classmethod
    def from_edges(
        cls, ids: tuple[str, ...], index: Mapping[str, int], sources: Ints, targets: Ints, kinds: npt.NDArray[np.int8]
    ) -> Adjacency:
        """Build the rows from edges given as node indexes and kind codes (registry order)."""
        count = len(ids)
        bits = np.left_shift(1, kinds.astype(np.uint16)).astype(np.uint16)
        a = np.concatenate((sources, targets)).astype(np.int64)
        b = np.concatenate((targets, sources)).astype(np.int64)
        pair = a * count + b
        order = np.argsort(pair, kind="stable")
        pair, joined = pair[order], np.concatenate((bits, bits))[order]
        first = np.flatnonzero(np.concatenate(([True], pair[1:] != pair[:-1]))) if len(pair) else np.zeros(0, np.intp)
        masks = np.bitwise_or.reduceat(joined, first) if len(first) else np.zeros(0, np.uint16)
        rows = (pair[first] // count).astype(np.int32)
        starts = np.zeros(count + 1, np.int32)
        np.cumsum(np.bincount(rows, minlength=count), out=starts[1:])
        hand = np.bincount(rows, weights=(masks & _HAND) != 0, minlength=count).astype(np.int32)
        return cls(ids, index, starts, (pair[first] % count).astype(np.int32), masks.astype(np.uint16), hand)

    def row(self, node: int, mask: int) -> Ints:
        """Indexes of the nodes joined to `node` by a kind in `mask`, in index order."""
        start, end = self.starts[node], self.starts[node + 1]
        found: Ints = self.targets[start:end][(self.masks[start:end] & mask) != 0]
        return found

    def cost(self, frontier: Ints, mask: int) -> int:
        """Entries that growing from `frontier` over `mask` looks at."""
        if mask == _HAND:
            return int(self.hand[frontier].sum())
        return int((self.starts[frontier + 1] - self.starts[frontier]).sum())

    def reach(self, frontier: Ints, mask: int) -> Ints:
        """Every node joined to one of `frontier` by a kind in `mask` (repeats included)."""
        begin, end = self.starts[frontier], self.starts[frontier + 1]
        lengths = end - begin
        total = int(lengths.sum())
        if not total:
            return np.zeros(0, np.int32)
        # The positions of all the rows' entries, one run per frontier node.
        runs = np.repeat(begin - np.cumsum(lengths) + lengths, lengths) + np.arange(total, dtype=np.int32)
        found: Ints = self.targets[runs][(self.masks[runs] & mask) != 0]
        return found


class Near(Mapping[str, tuple[str, ...]]):
    """Each node's neighbours over hand-written edges, either way, once each, by id: a
    read-only view of the adjacency (worked out per node when asked)."""

    def __init__(self, adjacency: Adjacency) -> None:
        self._adjacency = adjacency

    def __getitem__(self, node_id: str) -> tuple[str, ...]:
        adjacency = self._adjacency
        ids = adjacency.ids
        return tuple(ids[i] for i in adjacency.row(adjacency.index[node_id], _HAND))

    def __iter__(self) -> Iterator[str]:
        return iter(self._adjacency.ids)

    def __len__(self) -> int:
        return len(self._adjacency.ids)
