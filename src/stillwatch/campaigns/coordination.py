"""Coordination evidence of a candidate group: how its members are linked, and what that says.

Each reason names the links among the group's own members (shared prompts, addresses,
cards, creation batches, one client fingerprint) or how its pooled traffic behaves across
them (a proxy network, synchronised activity).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stillwatch.campaigns.group import CampaignConfig, Group
from stillwatch.links.graph import Communities
from stillwatch.links.pairs import KIND_CLASS
from stillwatch.types import Reason

#: the infrastructure kinds one operator's accounts share (a /24 is a neighbourhood)
SHARED_INFRA = tuple(k for k, cls in KIND_CLASS.items() if cls == "infra" and k != "net")


def coordination_reasons(group: Group, profile: Mapping[str, Any], c: CampaignConfig) -> list[Reason]:
    n, min_accounts = group.head_count, c.min_accounts
    reasons: list[Reason] = []
    classes = {
        name: sum(group.kinds.get(k, 0) for k in kinds)
        for name, kinds in (
            ("shared prompts", ("tpl", "band")),
            ("shared system prompts", ("sys",)),
            ("one client fingerprint", ("client",)),
            ("shared addresses", ("ip", "net")),
            ("shared payment", ("pay",)),
            ("creation batches", ("born",)),
        )
    }
    seen = {k: v for k, v in classes.items() if v}
    if n >= 2 and group.linked:
        weight = min(0.8, 0.3 + 0.5 * min(1.0, (n - 1) / 30))
        detail = f"{group.linked} accounts act as one, linked by " + ", ".join(
            f"{k} ({v} pairs)" for k, v in seen.items()
        )
        if not shares_infrastructure(group):
            detail += "; no shared infrastructure"
        reasons.append(
            Reason(
                # a handful of linked accounts is related; a hydra needs min_accounts
                "linked_accounts" if n >= min_accounts else "related_accounts",
                weight,
                detail,
                {"accounts": n, "links": seen},
            )
        )
    infra = {k: group.kinds[k] for k in ("ip", "net", "pay") if group.kinds.get(k)}
    if infra:
        what = ", ".join(f"{k}: {v} pairs" for k, v in infra.items())
        reasons.append(
            Reason("shared_infrastructure", 0.15, f"accounts share infrastructure ({what})", infra)
        )
    if group.kinds.get("ip") or group.kinds.get("net"):
        ips, asns = int(profile["distinct_ips"]), int(profile["distinct_asns"])
        if ips >= n and asns >= 3:
            reasons.append(
                Reason(
                    "proxy_network",
                    0.15,
                    f"traffic rotates through {ips} addresses in {asns} networks that several "
                    "of its accounts share",
                    {"ips": ips, "asns": asns},
                )
            )
    sync = float(profile.get("sync") or 0.0)
    if n >= 2 and sync >= c.sync_min:
        reasons.append(
            Reason(
                "synchronised_activity",
                round(0.3 * sync, 4),
                f"the accounts are active in the same {c.sync_bucket_minutes}-minute windows far more "
                f"than independent use would be (synchrony {sync:.2f}, 0 = independent, 1 = lockstep)",
                {"sync": round(sync, 4)},
            )
        )
    if group.kinds.get("born", 0) >= max(2, n // 4):
        reasons.append(
            Reason(
                "batch_created_accounts",
                0.2,
                f"{group.kinds['born']} pairs of accounts were created within minutes of each other",
                {"pairs": group.kinds["born"]},
            )
        )
    return reasons


def shares_infrastructure(group: Group) -> bool:
    """Whether the members share addresses, cards or sign-up batches, enough to span the
    group: a few such pairs in a big group are chance (a /24 never counts)."""
    return 2 * sum(group.kinds.get(k, 0) for k in SHARED_INFRA) >= len(group.accounts)


def pair_counts(members: list[str], communities: Communities) -> dict[str, int]:
    """Linked pairs per evidence kind among the group's own members."""
    return communities.pairs.kind_counts(members)
