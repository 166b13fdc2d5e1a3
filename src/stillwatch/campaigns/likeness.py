"""Convicted campaigns that follow one work pattern through pathways that share nothing.

An operator reaching us both with its own API keys and through cloud partners or resellers
leaves no shared address, card or prompt bank between the two halves, yet both ask for the
same things in the same shape: the same mix of capabilities, in the same mix of writing
systems, as many single-turn requests, as many tool loops. An operator that spreads one
task list over many accounts on a residential proxy pool, each with its own card and
sign-up, leaves the same trace in every account. That likeness is weaker evidence than
shared infrastructure, so it only joins campaigns already convicted apart (no verdict rests
on it), and only when

* the pattern is measured on enough traffic (``likeness_min_exchanges``): two heavy
  campaigns are compared directly; light ones (``likeness_light_exchanges`` or more) are
  first gathered into cohorts, each joining the one whose pooled pattern it fits (a
  homogeneity test that its counts could come from the cohort's mix, ``likeness_fit``),
  and the cohort's pooled pattern stands for them;
* the mix has at least two targets (``likeness_target_share`` each): a one-capability
  campaign says only what it wants, not how it is run;
* every part of the pattern is within ``likeness_distance`` of the other's;
* they were active over the same days;
* few honest heavy accounts come as close (``likeness_common``): a pattern that ordinary
  customers also follow is a product's usage pattern, not an operator's signature.

One verdict rests on it (``compare``'s mates): an account in no campaign whose own abuse is too light
to convict alone joins a cohort of two or more convicted campaigns whose pattern it fits (the
homogeneity test a light campaign passes to join one, and within ``likeness_distance``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from stillwatch.accounts.features import ALL_CATEGORIES
from stillwatch.campaigns.group import CampaignConfig
from stillwatch.signals.shape import SCRIPTS

#: the request shapes compared besides the capability and script mixes
SHAPES = ("single_turn", "tool_loop")
#: the pattern's parts, each a set of shares that sum to one
_MIXES = (tuple(f"cat_{c}" for c in ALL_CATEGORIES), tuple(f"script_{s}" for s in SCRIPTS))


@dataclass(frozen=True)
class Alike:
    """Two campaigns (indexes into the list given to ``compare``) that follow one work pattern."""

    x: int
    y: int
    #: the largest difference over the capability mix, the script mix and the request shapes
    #: (for a light campaign, from its cohort's pooled pattern)
    distance: float
    #: heavy accounts of the population within ``likeness_distance`` of the pattern, and how
    #: many were compared
    near: int
    population: int
    #: for a light campaign joined through a cohort: the homogeneity test's p-value for its
    #: counts against the rest of the cohort (``None`` between two heavy campaigns)
    fit: float | None = None


@dataclass(frozen=True)
class Mate:
    """An account tied to no campaign, showing abuse of its own, that fits the pooled work
    pattern of a cohort of convicted campaigns (``first``, an index into the list given to
    ``compare``): the operator's account whose abuse alone was too little to convict."""

    account: str
    first: int
    distance: float
    fit: float
    near: int
    population: int


def _mix(p: Mapping[str, Any], keys: Sequence[str]) -> np.ndarray:
    return np.array([float(p.get(k) or 0.0) for k in keys])


def distance(p: Mapping[str, Any], q: Mapping[str, Any]) -> float:
    """The largest of: the total variation distance between the two capability mixes and
    between the two script mixes, and the difference in each request shape's share."""
    mixes = [0.5 * float(np.abs(_mix(p, keys) - _mix(q, keys)).sum()) for keys in _MIXES]
    return max(mixes + [abs(float(p[s]) - float(q[s])) for s in SHAPES])


def targets(profile: Mapping[str, Any], share: float) -> int:
    return sum(float(profile[f"cat_{c}"]) >= share for c in ALL_CATEGORIES)


def _counts(p: Mapping[str, Any]) -> list[np.ndarray]:
    """The pattern as counts of exchanges: each mix, and each shape against the rest."""
    n = float(p["exchanges"])
    out = [np.rint(_mix(p, keys) * n) for keys in _MIXES]
    return out + [np.rint(np.array([float(p[s]), 1.0 - float(p[s])]) * n) for s in SHAPES]


def homogeneity(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> float:
    """p-value of Pearson's chi-square test that the two sets of counts come from one pattern
    (every part of it), the tail by the Wilson-Hilferty approximation. Pearson's statistic,
    not the likelihood ratio: a light account expects one or two exchanges in a rare script,
    and there the likelihood ratio rejects far more often than its level says."""
    chi2, df = 0.0, 0
    for x, y in zip(a, b):
        seen = (x + y) > 0
        if seen.sum() < 2:
            continue
        x, y = x[seen], y[seen]
        table = np.stack([x, y])
        expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0) / table.sum()
        chi2 += float(((table - expected) ** 2 / expected).sum())
        df += int(seen.sum()) - 1
    if df == 0:
        return 1.0
    z = ((chi2 / df) ** (1 / 3) - (1 - 2 / (9 * df))) / math.sqrt(2 / (9 * df))
    return 0.5 * math.erfc(z / math.sqrt(2))


def _overlap(p: Mapping[str, Any], q: Mapping[str, Any]) -> bool:
    """Active together over at least half of the shorter one's days."""
    start, end = max(p["first_seen"], q["first_seen"]), min(p["last_seen"], q["last_seen"])
    shorter = min(p["last_seen"] - p["first_seen"], q["last_seen"] - q["first_seen"])
    return end > start and (end - start) >= 0.5 * shorter


@dataclass
class Cohort:
    """Campaigns gathered under one pattern: the first is heavy, or all are light."""

    members: list[int]
    fits: list[float | None]
    counts: list[np.ndarray]
    pooled: dict[str, Any]

    def add(self, i: int, p: Mapping[str, Any], counts: list[np.ndarray], p_value: float) -> None:
        self.members.append(i)
        self.fits.append(p_value)
        self.counts = [a + b for a, b in zip(self.counts, counts)]
        self.pooled = _pool(self.pooled, p)


#: a profile's columns that make up its pattern
_PATTERN = [k for keys in _MIXES for k in keys] + list(SHAPES)


def _pattern(p: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: float(p.get(k) or 0.0) for k in _PATTERN}
    out.update(exchanges=int(p["exchanges"]), first_seen=p["first_seen"], last_seen=p["last_seen"])
    return out


def _pool(p: Mapping[str, Any], q: Mapping[str, Any]) -> dict[str, Any]:
    """Two patterns' pooled pattern (shares weighted by exchanges) and span."""
    n, m = int(p["exchanges"]), int(q["exchanges"])
    out: dict[str, Any] = {k: (float(p.get(k) or 0.0) * n + float(q.get(k) or 0.0) * m) / (n + m) for k in _PATTERN}
    out.update(exchanges=n + m, first_seen=min(p["first_seen"], q["first_seen"]),
               last_seen=max(p["last_seen"], q["last_seen"]))  # fmt: skip
    return out


def cohorts(campaigns: Sequence[Mapping[str, Any]], cfg: CampaignConfig) -> list[Cohort]:
    """Every campaign heavy enough to be measured alone seeds a cohort; each light one, the
    heaviest first, joins the heaviest cohort it fits over the same days, or seeds its own
    (a small cohort fits more easily only because it is measured less well).
    Heavy campaigns never join a cohort: at their volume any difference is significant, so
    they are compared by ``distance``."""
    out: list[Cohort] = []
    order = sorted(range(len(campaigns)), key=lambda i: (-int(campaigns[i]["exchanges"]), i))
    for i in order:
        p = campaigns[i]
        n = int(p["exchanges"])
        if n < cfg.likeness_light_exchanges:
            continue
        counts = _counts(p)
        best: tuple[float, Cohort] | None = None
        if n < cfg.likeness_min_exchanges:
            for cohort in out:
                if best is not None and cohort.pooled["exchanges"] <= best[1].pooled["exchanges"]:
                    continue
                if not _overlap(p, cohort.pooled):
                    continue
                p_value = homogeneity(counts, cohort.counts)
                if p_value >= cfg.likeness_fit:
                    best = (p_value, cohort)
        if best is None:
            out.append(Cohort([i], [None], counts, _pattern(p)))
        else:
            best[1].add(i, p, counts, best[0])
    return out


def compare(
    campaigns: Sequence[Mapping[str, Any]],
    population: Sequence[Mapping[str, Any]],
    candidates: Sequence[Mapping[str, Any]],
    cfg: CampaignConfig,
) -> tuple[list[Alike], list[Mate]]:
    """Pairs of campaign profiles that follow one work pattern, and the ``candidates`` that fit
    a cohort's (``mates``). ``population`` is the sample of honest use (accounts the evidence
    ties to no campaign), to tell a signature from a common usage pattern."""
    if cfg.likeness_distance <= 0:
        return [], []
    heavy = [p for p in population if int(p["exchanges"]) >= cfg.likeness_population_exchanges]

    def near(*patterns: Mapping[str, Any]) -> int | None:
        """Heavy honest accounts as close to any of the patterns, or None when too many are."""
        close = sum(any(distance(p, h) <= cfg.likeness_distance for p in patterns) for h in heavy)
        return close if close <= cfg.likeness_common * len(heavy) else None

    measured = [
        c for c in cohorts(campaigns, cfg)
        if c.pooled["exchanges"] >= cfg.likeness_min_exchanges
        and targets(c.pooled, cfg.likeness_target_share) >= 2
    ]
    # cohorts of two or more campaigns whose pooled pattern few honest accounts follow
    guarded = [(c, close) for c in measured if len(c.members) > 1 and (close := near(c.pooled)) is not None]
    pairs = [
        Alike(c.members[0], i, distance(campaigns[i], c.pooled), close, len(heavy), f)
        for c, close in guarded
        for i, f in zip(c.members[1:], c.fits[1:])
    ]
    for n, cx in enumerate(measured):
        for cy in measured[n + 1:]:
            p, q = cx.pooled, cy.pooled
            d = distance(p, q)
            if d > cfg.likeness_distance or not _overlap(p, q):
                continue
            if (close := near(p, q)) is not None:
                pairs.append(Alike(cx.members[0], cy.members[0], d, close, len(heavy)))
    found = _mates(candidates, guarded, len(heavy), cfg) if cfg.likeness_mates else []
    return pairs, found


def _mates(
    candidates: Sequence[Mapping[str, Any]],
    guarded: Sequence[tuple[Cohort, int]],
    compared: int,
    cfg: CampaignConfig,
) -> list[Mate]:
    """Each candidate that fits a guarded cohort joins the heaviest one its counts fit, within
    ``likeness_distance`` and over the same days."""
    heaviest = sorted(guarded, key=lambda x: -int(x[0].pooled["exchanges"]))
    out = []
    for p in candidates:
        if int(p["exchanges"]) < cfg.likeness_light_exchanges:
            continue
        counts = _counts(p)
        for c, close in heaviest:
            d = distance(p, c.pooled)
            if d > cfg.likeness_distance or not _overlap(p, c.pooled):
                continue
            if (fit := homogeneity(counts, c.counts)) >= cfg.likeness_fit:
                out.append(Mate(str(p["g"]), c.members[0], d, fit, close, compared))
                break
    return out
