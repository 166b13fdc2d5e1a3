"""Every linked pair's evidence, held in numpy arrays rather than Python objects.

The campaign rules walk each account's partners many times, so the evidence must stay at
hand; but at 10M exchanges a hydra's accounts make millions of linked pairs, and a dict
per pair and kind cost about 1 KB a pair (10 GB). Here a pair costs a few dozen bytes:
accounts are numbers, the links are rows sorted by pair, and an adjacency index (both
directions) points from an account to its pairs. Dicts are built only for the account
being looked at, and dropped after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class Partner(NamedTuple):
    """One linked partner of an account, and the evidence of the pair, per kind."""

    other: str
    #: summed link weight
    weights: dict[str, float]
    #: distinct keys the two share
    shared: dict[str, int]


class PairEvidence:
    """The links of a scan, per pair of accounts, in both directions.

    ``names`` are the linked accounts in sorted order; an account's number is its place
    there. Built from a links table (``from_links``) or, in tests and tools, from plain
    mappings (``from_pairs``).
    """

    def __init__(
        self,
        names: list[str],
        kinds: list[str],
        x: np.ndarray,
        y: np.ndarray,
        kind: np.ndarray,
        weight: np.ndarray,
        shared: np.ndarray,
    ) -> None:
        """One row per link: accounts ``x``, ``y`` (numbers into ``names``), the kind
        (number into ``kinds``), its weight and its count of shared keys."""
        self.names = names
        self.kinds = kinds
        self.index = {n: i for i, n in enumerate(names)}
        n = max(len(names), 1)
        # Temporaries are dropped as soon as they are used: at 10M exchanges there are 9M
        # links, and each copy of a column is 36-72 MB.
        key = np.minimum(x, y).astype(np.int64)
        key *= n
        key += np.maximum(x, y)
        order = np.lexsort((kind, key))
        key, kind = key[order], kind[order].astype(np.int16, copy=False)
        weight = weight[order].astype(np.float64, copy=False)
        shared = shared[order].astype(np.int64, copy=False)
        del order
        # The same kind twice for one pair (two engines' partial rows) is summed.
        first = np.ones(len(key), dtype=bool)
        first[1:] = (key[1:] != key[:-1]) | (kind[1:] != kind[:-1])
        if not first.all():
            starts = np.flatnonzero(first)
            weight = np.add.reduceat(weight, starts)
            shared = np.add.reduceat(shared, starts)
            key, kind = key[starts], kind[starts]
            del starts
        del first
        new_pair = np.ones(len(key), dtype=bool)
        new_pair[1:] = key[1:] != key[:-1]
        pair_start = np.flatnonzero(new_pair)
        del new_pair
        #: per row: kind number, weight, shared keys; rows of pair p are row_ptr[p]:row_ptr[p + 1]
        self.row_kind = kind
        self.row_weight = weight
        self.row_shared = shared
        self.row_ptr = np.append(pair_start, len(key)).astype(np.int64)
        pair_key = key[pair_start]
        del key
        #: per pair: its two accounts (a < b) and its summed weight
        self.a = (pair_key // n).astype(np.int32)
        self.b = (pair_key % n).astype(np.int32)
        del pair_key
        self.total = np.add.reduceat(self.row_weight, pair_start) if len(pair_start) else np.zeros(0)
        del pair_start
        src = np.concatenate([self.a, self.b])
        dst = np.concatenate([self.b, self.a])
        order = np.lexsort((dst, src))
        #: adjacency: account i's partners are nbr[ptr[i]:ptr[i + 1]], through pairs pid[...]
        self.nbr = dst[order]
        del dst
        self.pid = (order % max(len(self.a), 1)).astype(np.int32)  # entry j of src is pair j mod pairs
        del order
        self.ptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=len(names)))]).astype(np.int64)

    @classmethod
    def from_links(cls, links: pa.Table) -> PairEvidence:
        """From the links stage's table (columns a, b, kind, weight and, optionally, shared)."""
        both = pa.chunked_array(links.column("a").chunks + links.column("b").chunks)
        names = sorted(pc.unique(both).to_pylist())
        lookup = pa.array(names, pa.string())
        x = pc.index_in(links.column("a"), lookup).to_numpy()
        y = pc.index_in(links.column("b"), lookup).to_numpy()
        kinds = sorted(pc.unique(links.column("kind")).to_pylist())
        kind = pc.index_in(links.column("kind"), pa.array(kinds, pa.string())).to_numpy()
        weight = links.column("weight").to_numpy().astype(np.float64)
        shared = (
            links.column("shared").to_numpy().astype(np.int64)
            if "shared" in links.column_names
            else np.ones(links.num_rows, dtype=np.int64)
        )
        return cls(names, kinds, x, y, kind, weight, shared)

    @classmethod
    def from_pairs(
        cls,
        weights: Mapping[tuple[str, str], Mapping[str, float]],
        shared: Mapping[tuple[str, str], Mapping[str, int]] | None = None,
    ) -> PairEvidence:
        """From ``(a, b) -> kind -> weight`` and, optionally, ``(a, b) -> kind -> shared keys``
        (one key each where absent)."""
        shared = shared or {}
        rows = [
            (a, b, k, w, shared.get((a, b), {}).get(k, 1))
            for (a, b), kinds in weights.items()
            for k, w in kinds.items()
        ]
        names = sorted({n for a, b, *_ in rows for n in (a, b)})
        kinds = sorted({r[2] for r in rows})
        at, kat = {n: i for i, n in enumerate(names)}, {k: i for i, k in enumerate(kinds)}
        return cls(
            names,
            kinds,
            np.array([at[r[0]] for r in rows], dtype=np.int64),
            np.array([at[r[1]] for r in rows], dtype=np.int64),
            np.array([kat[r[2]] for r in rows], dtype=np.int64),
            np.array([r[3] for r in rows], dtype=np.float64),
            np.array([r[4] for r in rows], dtype=np.int64),
        )

    def __len__(self) -> int:
        """The number of linked pairs."""
        return len(self.a)

    def accounts(self) -> list[str]:
        """Every account with at least one link, sorted."""
        return list(self.names)

    def partners(self, account: str) -> list[Partner]:
        """The account's linked partners, by name, each with its evidence and shared keys."""
        i = self.index.get(account)
        if i is None:
            return []
        lo, hi = int(self.ptr[i]), int(self.ptr[i + 1])
        per_pair, rows = self.rows_of(self.pid[lo:hi])
        counts = per_pair.tolist()
        kinds, weights, keys = self.row_kind[rows].tolist(), self.row_weight[rows].tolist(), self.row_shared[rows].tolist()
        names, kind_names = self.names, self.kinds
        out: list[Partner] = []
        r = 0
        for other, count in zip(self.nbr[lo:hi].tolist(), counts):
            ev: dict[str, float] = {}
            sh: dict[str, int] = {}
            for j in range(r, r + count):
                k = kind_names[kinds[j]]
                ev[k] = weights[j]
                sh[k] = keys[j]
            r += count
            out.append(Partner(names[other], ev, sh))
        return out

    def rows_of(self, pids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For pairs ``pids``: each one's number of rows, and all their rows, pair by pair."""
        starts = self.row_ptr[pids]
        counts = self.row_ptr[pids + 1] - starts
        rows = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
        return counts, rows

    def mask(self, accounts: Iterable[str]) -> np.ndarray:
        """The linked accounts among ``accounts``, as a mask over account numbers."""
        inside = np.zeros(len(self.names), dtype=bool)
        inside[[self.index[a] for a in accounts if a in self.index]] = True
        return inside

    def kind_counts(self, members: list[str]) -> dict[str, int]:
        """Linked pairs per kind among ``members`` (over the arrays: a hydra's group holds
        millions of pairs)."""
        inside = self.mask(members)
        rows = np.repeat(inside[self.a] & inside[self.b], np.diff(self.row_ptr))
        counts = np.bincount(self.row_kind[rows], minlength=len(self.kinds))
        return {kind: int(c) for kind, c in zip(self.kinds, counts.tolist(), strict=True) if c}

    def pair(self, a: str, b: str) -> Partner:
        """One pair's evidence (empty when the two are not linked)."""
        for partner in self.partners(a):
            if partner.other == b:
                return partner
        return Partner(b, {}, {})

    def strongest(self, limit: int) -> dict[str, list[tuple[str, float]]]:
        """Each account's ``limit`` partners of highest summed weight (ties by name)."""
        out: dict[str, list[tuple[str, float]]] = {}
        # One account at a time over the adjacency: sorting all 2 x pairs at once took
        # half a gigabyte at 10M exchanges.
        for i, name in enumerate(self.names):
            lo, hi = int(self.ptr[i]), int(self.ptr[i + 1])
            if lo == hi:
                continue
            others, totals = self.nbr[lo:hi], self.total[self.pid[lo:hi]]
            top = np.lexsort((others, -totals))[:limit]
            out[name] = [(self.names[o], w) for o, w in zip(others[top].tolist(), totals[top].tolist(), strict=True)]
        return out
