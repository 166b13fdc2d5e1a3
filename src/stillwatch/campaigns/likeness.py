"""Convicted campaigns that follow one work pattern through pathways that share nothing.

An operator reaching us both with its own API keys and through cloud partners or resellers
leaves no shared address, card or prompt bank between the two halves, yet both ask for the
same things in the same shape: the same mix of capabilities, as many single-turn requests,
as many tool loops. That likeness is weaker evidence than shared infrastructure, so it only
joins campaigns already convicted apart (no verdict rests on it), and only when

* both are heavy enough (``likeness_min_exchanges``) for their mixes to be measured;
* the mix has at least two targets (``likeness_target_share`` each): a one-capability
  campaign says only what it wants, not how it is run;
* every part of the pattern is within ``likeness_distance`` of the other's;
* they were active over the same days;
* few honest heavy accounts come as close (``likeness_common``): a pattern that ordinary
  customers also follow is a product's usage pattern, not an operator's signature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stillwatch.accounts.features import ALL_CATEGORIES
from stillwatch.campaigns.group import CampaignConfig

#: the request shapes compared besides the capability mix
SHAPES = ("single_turn", "tool_loop")


@dataclass(frozen=True)
class Alike:
    """Two campaigns (indexes into the list given to ``alike``) that follow one work pattern."""

    x: int
    y: int
    #: the largest difference over the capability mix and the request shapes
    distance: float
    #: heavy accounts of the population within ``likeness_distance`` of either, and how many
    #: were compared
    near: int
    population: int


def distance(p: Mapping[str, Any], q: Mapping[str, Any]) -> float:
    """The largest of: the total variation distance between the two capability mixes, and
    the difference in each request shape's share."""
    mix = 0.5 * sum(abs(float(p[f"cat_{c}"]) - float(q[f"cat_{c}"])) for c in ALL_CATEGORIES)
    return max([mix] + [abs(float(p[s]) - float(q[s])) for s in SHAPES])


def targets(profile: Mapping[str, Any], share: float) -> int:
    return sum(float(profile[f"cat_{c}"]) >= share for c in ALL_CATEGORIES)


def _overlap(p: Mapping[str, Any], q: Mapping[str, Any]) -> bool:
    """Active together over at least half of the shorter one's days."""
    start, end = max(p["first_seen"], q["first_seen"]), min(p["last_seen"], q["last_seen"])
    shorter = min(p["last_seen"] - p["first_seen"], q["last_seen"] - q["first_seen"])
    return end > start and (end - start) >= 0.5 * shorter


def alike(
    campaigns: Sequence[Mapping[str, Any]],
    population: Sequence[Mapping[str, Any]],
    cfg: CampaignConfig,
) -> list[Alike]:
    """Pairs of campaign profiles that follow one work pattern; ``population`` is the profiles of
    accounts the evidence ties to no campaign, to tell a signature from a common usage pattern."""
    if cfg.likeness_distance <= 0:
        return []
    heavy = [p for p in population if int(p["exchanges"]) >= cfg.likeness_population_exchanges]
    fit = [
        i for i, p in enumerate(campaigns)
        if int(p["exchanges"]) >= cfg.likeness_min_exchanges and targets(p, cfg.likeness_target_share) >= 2
    ]
    out = []
    for n, x in enumerate(fit):
        for y in fit[n + 1:]:
            p, q = campaigns[x], campaigns[y]
            d = distance(p, q)
            if d > cfg.likeness_distance or not _overlap(p, q):
                continue
            near = sum(
                distance(p, h) <= cfg.likeness_distance or distance(q, h) <= cfg.likeness_distance for h in heavy
            )
            if near <= cfg.likeness_common * len(heavy):
                out.append(Alike(x, y, d, near, len(heavy)))
    return out
