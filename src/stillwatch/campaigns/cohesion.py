"""The group stage's pair rules over every linked pair at once, as arrays.

``CampaignAssembler`` asks of each candidate group which members act together (the
cohesion peel) and how the survivors split (connected parts). Asked account by account,
through each account's partners built as Python objects, that took 78 s at 10M exchanges:
a hydra account has hundreds of partners, and each pass of the peel built them all again.
Here each pair's answers are computed once (``PairRules``), and a peel pass or a split is
a few numpy operations over the pairs of the group.

The rule that weighs a pair's classes of evidence (``acts_with``) is one function that
takes one pair's numbers or arrays of them: ``CampaignAssembler`` applies it to single
partners, ``PairRules`` to every pair. ``tests/campaigns/test_cohesion.py`` holds the
array peel and split to the partner-by-partner walk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from stillwatch.links.edges import PairEvidence
from stillwatch.links.pairs import KIND_CLASS, class_weights

#: evidence classes in a fixed order: the columns of the per-pair sums
CLASSES = ("content", "infra", "client")

#: kinds that never make two accounts ``linked``: where they are, not something they hold.
#: A /24 is a neighbourhood; a sign-up minute is the one key an account has of its kind, so
#: two operators' batches made in the same ten minutes would share "all" of it (at 10M
#: exchanges a reasoning campaign and a multilingual one became one that way).
COINCIDENCES = ("net", "born")


def acts_with(infra: Any, net: Any, content: Any, client: Any, floor: float) -> Any:
    """One operator: shared infrastructure *and* something the accounts do.

    Two honest users of one tool share the second, a NAT or proxy pool the first, rarely
    both. A shared /24 alone is a neighbourhood, not shared infrastructure: residential
    proxy exits sit on the same ISP blocks as the people who live there. Takes a pair's
    class sums (``infra`` includes ``net``) as numbers or as arrays.
    """
    classes = (infra >= floor) * 1 + (content >= floor) * 1 + (client >= floor) * 1
    return ((infra - net) >= floor) & (classes >= 2)


def shared_classes(kinds: Mapping[str, float], floor: float) -> dict[str, float]:
    """One pair's link weight per class, only the classes it shares at least ``floor`` of.

    Faint overlaps are left out of a member's or a lead's links: a big campaign's members
    draw on public prompts and proxy exits too, so a customer sharing a public template
    with each of a few hundred members would otherwise sum to a strong link. (``PairRules``
    applies the same floor over arrays.)
    """
    return {cls: w for cls, w in class_weights(kinds).items() if w >= floor}


def spans_classes(by_class: Any, floor: float) -> Any:
    """Links to the group reaching ``floor`` in two classes (rows of class sums, or one row)."""
    return (np.asarray(by_class) >= floor).sum(axis=-1) >= 2


def linked_share(weight: Any, full: Any, floor: float) -> Any:
    """Evidence the two mostly share: most of one's addresses, cards, system prompts or
    templates are the other's too (a kind's weight, shared keys over the smaller side's
    times the kind's ``full`` weight, is at least ``floor`` of that full weight).

    A handful of near-duplicate prompts among thousands (two campaigns drawing on the same
    public benchmark), or a few exits of one residential proxy pool, are weak overlaps;
    they must not make two operators one campaign. Kinds of no full weight never count.
    """
    return (full > 0) & (np.divide(weight, np.where(full > 0, full, 1.0)) >= floor)


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Each of ``n`` nodes' component, named by its smallest node, for edges ``a``-``b``.

    Each round hooks every edge's larger root under the smaller, then follows pointers
    to the roots; labels only fall, so no cycle forms. (igraph took 7-8 s only to take
    in the 6M edges of a 10M-exchange hydra.)
    """
    label = np.arange(n)
    while True:
        low = np.minimum(label[a], label[b])
        hooked = label.copy()
        np.minimum.at(hooked, label[a], low)
        np.minimum.at(hooked, label[b], low)
        while True:
            jumped = hooked[hooked]
            if (jumped == hooked).all():
                break
            hooked = jumped
        if (hooked == label).all():
            return label
        label = hooked


class PairRules:
    """Every linked pair's answers to the pair rules, and group-wide peels and splits.

    Parameters
    ----------
    pairs:
        The scan's pair evidence.
    floor:
        ``pair_class_min``: the weight a class needs to count for ``acts_with``.
    playbook_prompts:
        Distinct shared system prompts that make a playbook.
    link_weights, link_floor:
        Each kind's full weight, and the share of it a kind needs for ``linked``.
    """

    def __init__(self, pairs: PairEvidence, *, floor: float, playbook_prompts: int,
                 link_weights: Mapping[str, float], link_floor: float) -> None:  # fmt: skip
        self.pairs = pairs
        self.floor = floor
        n_pairs = len(pairs)
        row_pair = np.repeat(np.arange(n_pairs), np.diff(pairs.row_ptr))
        kind_class = np.array([CLASSES.index(KIND_CLASS[k]) for k in pairs.kinds] or [0], dtype=np.int8)
        self.row_class = kind_class[pairs.row_kind]
        # Summed in row order, which is each pair's kinds in name order: the order in which
        # ``class_weights`` adds one partner's kinds, so the sums are the same to the bit.
        in_class = [self.row_class == c for c in range(len(CLASSES))]
        sums = [np.bincount(row_pair[m], pairs.row_weight[m], minlength=n_pairs) for m in in_class]
        net = self._kind_values(row_pair, "net", pairs.row_weight, n_pairs)
        infra = sums[CLASSES.index("infra")]
        #: per pair: shares infrastructure and something the accounts do
        self.acts = np.asarray(
            acts_with(infra, net, sums[CLASSES.index("content")], sums[CLASSES.index("client")], floor), dtype=bool
        )
        #: per pair: one bank of system prompts
        self.playbook = self._kind_values(row_pair, "sys", pairs.row_shared, n_pairs) >= playbook_prompts
        full = np.array([0.0 if k in COINCIDENCES else link_weights.get(k, 0.0) for k in pairs.kinds] or [0.0])
        strong = linked_share(pairs.row_weight, full[pairs.row_kind], link_floor)
        #: per pair: most of some kind of evidence in common
        self.linked = np.bincount(row_pair[strong], minlength=n_pairs) > 0
        #: per pair: acts together or shares a playbook, the relation a group splits by
        self.together = self.acts | self.playbook
        self._ends: tuple[np.ndarray, ...] | None = None

    def _kind_values(self, row_pair: np.ndarray, kind: str, values: np.ndarray, n_pairs: int) -> np.ndarray:
        out = np.zeros(n_pairs, dtype=values.dtype)
        if kind in self.pairs.kinds:
            rows = self.pairs.row_kind == self.pairs.kinds.index(kind)
            out[row_pair[rows]] = values[rows]
        return out

    def _adjacency(self) -> tuple[np.ndarray, ...]:
        """Per adjacency entry (each pair once from each end, in the order ``partners``
        reads them): the account, its partner, the pair and its rows."""
        if self._ends is None:
            p = self.pairs
            src = np.repeat(np.arange(len(p.names), dtype=np.int32), np.diff(p.ptr))
            counts, rows = p.rows_of(p.pid)
            # 18M rows at 10M exchanges: half the bytes as 32-bit numbers
            self._ends = (src, p.nbr, p.pid, counts.astype(np.int32), rows.astype(np.int32))
        return self._ends

    def peel(self, members: set[str], class_min: float) -> set[str]:
        """The largest part of ``members`` in which every member is paired with another by
        ``acts`` (or shares a playbook with one) and its links to the rest span two classes
        of at least ``class_min`` each, a class counting only in the pairs that share at
        least ``floor`` of it: a proxy customer sharing a public template or two with each
        of a hydra's members has no content in common with any of them.

        Both conditions only weaken as members leave, so removing every failing member at
        once, round after round, ends at the same set as removing them one by one.
        """
        kept = self.pairs.mask(members)
        src, nbr, pid, counts, rows = self._adjacency()
        # Only the pairs inside the group matter, and most groups are small.
        inside = kept[src] & kept[nbr]
        rows = rows[np.repeat(inside, counts)]
        src, nbr, pid, counts = src[inside], nbr[inside], pid[inside], counts[inside]
        acts, playbook = self.acts[pid], self.playbook[pid]
        k = len(CLASSES)
        # Each entry's class sums, added in its rows' order (as ``class_weights`` adds a
        # partner's kinds), less the classes the pair shares under ``floor`` of
        # (``shared_classes``).
        entry = np.repeat(np.arange(len(src), dtype=np.int64), counts) * k + self.row_class[rows]
        per_entry = np.bincount(entry, self.pairs.row_weight[rows], minlength=len(src) * k).reshape(len(src), k)
        per_entry = np.where(per_entry >= self.floor, per_entry, 0.0)
        bins = (src.astype(np.int64)[:, None] * k + np.arange(k)).ravel()
        n = len(kept)
        while True:
            live = kept[src] & kept[nbr]
            paired = np.bincount(src[live & acts], minlength=n) > 0
            shared_bank = np.bincount(src[live & playbook], minlength=n) > 0
            # Adding 0.0 for a partner that left keeps each sum what the one-by-one walk gives.
            by_class = np.bincount(bins, (per_entry * live[:, None]).ravel(), minlength=n * k)
            spans = spans_classes(by_class.reshape(n, len(CLASSES)), class_min)
            stays = kept & ((paired & spans) | shared_bank)
            if (stays == kept).all():
                break
            kept = stays
        names = self.pairs.names
        return {names[i] for i in np.flatnonzero(kept)}

    def parts(self, members: set[str], related: np.ndarray) -> list[list[str]]:
        """The connected parts of ``members`` through the pairs marked ``related`` (say
        ``together`` or ``linked``), each sorted, in the order of their first names; members
        without links are parts of their own."""
        kept = self.pairs.mask(members)
        p = self.pairs
        edges = related & kept[p.a] & kept[p.b]
        label = components(len(p.names), p.a[edges], p.b[edges])
        inside = np.flatnonzero(kept)
        order = np.argsort(label[inside], kind="stable")
        cuts = np.flatnonzero(np.diff(label[inside][order])) + 1
        out = [[p.names[i] for i in part.tolist()] for part in np.split(inside[order], cuts) if len(part)]
        out += [[a] for a in members if a not in p.index]
        return sorted(out)
