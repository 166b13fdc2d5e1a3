"""Campaigns that one operator runs, found apart and joined once each is convicted.

Groups form in two ways (``CampaignAssembler.groups``): abusers with the abusers they
share most of some evidence with, and harvesters peeled by the acts-together relation. An
operator whose accounts ask for hidden reasoning on a tenth of their tasks runs some that
cross the abuse threshold and some that do not, and those land in different groups though
they share its addresses and its bank of system prompts. An operator reaching us through
pathways that share nothing follows one work pattern in each (``likeness``). Each group is judged
on its own first, so joining campaigns changes no verdict: only whose campaign an account is,
and the sizing an analyst reads. The one exception is an account whose own abuse was too little
to convict and whose traffic fits a cohort's pattern (``likeness.Mate``): it joins as a member.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import igraph as ig
import numpy as np

from stillwatch.campaigns.cohesion import PairRules
from stillwatch.campaigns.likeness import Alike, Mate


@dataclass(frozen=True)
class Join:
    """Campaigns (indexes into the list given to ``joins``) to report as one."""

    parts: list[int]
    #: pairs across the parts that act together or share a playbook
    pairs: int
    #: pairs of parts joined because most of the smaller one's accounts act with the other's
    together: int = 0
    #: pairs of parts joined because they follow one work pattern (``likeness``)
    alike: tuple[Alike, ...] = ()
    #: accounts in no campaign that join because their own light abuse fits the parts' pattern
    mates: tuple[Mate, ...] = ()

    @property
    def mate_accounts(self) -> list[str]:
        return [m.account for m in self.mates]


def joins(
    rules: PairRules,
    campaigns: list[list[str]],
    share: float,
    alike: Sequence[Alike] = (),
    mates: Sequence[Mate] = (),
) -> list[Join]:
    """The sets of two or more campaigns one operator runs, with the ``mates`` that join them.

    Two campaigns are one operator's when most of the smaller one's accounts (``share``)
    act together with an account of the other (shared infrastructure and something they
    do) or share a playbook with one: the relation harvesters are grouped by. A few such
    pairs across two big campaigns are chance; at 10M exchanges a reasoning campaign and a
    multilingual one had 70 pairs of sign-up minutes or templates in common and none with
    both. Pairs of campaigns ``alike`` are joined too. Joins are transitive.
    """
    p = rules.pairs
    owner = np.full(len(p.names), -1, dtype=np.int64)
    for i, accounts in enumerate(campaigns):
        for acct in accounts:
            if acct in p.index:
                owner[p.index[acct]] = i
    oa, ob = owner[p.a], owner[p.b]
    cross = rules.together & (oa >= 0) & (ob >= 0) & (oa != ob)
    # per ordered pair of campaigns (x, y): the members of x acting with some member of y
    reach: dict[tuple[int, int], set[int]] = defaultdict(set)
    count: dict[tuple[int, int], int] = defaultdict(int)
    for x, y, a, b in zip(oa[cross].tolist(), ob[cross].tolist(), p.a[cross].tolist(), p.b[cross].tolist()):
        reach[(x, y)].add(a)
        reach[(y, x)].add(b)
        count[(min(x, y), max(x, y))] += 1
    shared = []
    for x, y in sorted(count):
        small, big = (x, y) if len(campaigns[x]) <= len(campaigns[y]) else (y, x)
        if len(reach[(small, big)]) >= share * len(campaigns[small]):
            shared.append((x, y))
    out = []
    edges = shared + [(a.x, a.y) for a in alike]
    for component in ig.Graph(n=len(campaigns), edges=edges).connected_components():
        # A mate fits a cohort of two or more campaigns, which are joined here themselves.
        if len(component) > 1:
            inside = set(component)
            joining = tuple(m for m in mates if m.first in inside)
            pairs = sum(n for (x, y), n in count.items() if x in inside and y in inside)
            together = sum(x in inside for x, _ in shared)
            same = tuple(a for a in alike if a.x in inside)
            out.append(Join(sorted(component), pairs, together, same, joining))
    return sorted(out, key=lambda j: j.parts)
