"""Leads around a group or campaign: accounts that act with its members as they act with each
other, but whose own traffic is too light to show harvesting, so they are not members.

The test is the one a member passes when groups are peeled, taken against the group: the
account acts with some member (shared infrastructure *and* something it does, or the
playbook of system prompts) and its links to the members span two classes of weight
``class_min_weight``, counting only pairs that share at least ``pair_class_min`` of a
class. A campus NAT or a proxy pool gives one class; a customer of the pool who also shares
a public prompt here and there with the members is short of the weight. An account with
fewer than ``min_exchanges`` is not a lead: one prompt it happens to share is most of its
traffic, which makes any link to it look strong.

Around a campaign, an account that runs a member's playbook (``playbook_prompts`` distinct
system prompts in common, one operator's bank) is a lead on that alone: the operator's
accounts with fresh addresses and their own cards share nothing else with the members,
and one that harvests too little to join still sends the campaign's traffic (in the robust
scenario, agentic accounts of about 1,500 exchanges each). It is not a lead for the bank
stage (``playbook.adopters``), where joining would convict.

Around a campaign, never a conviction: the reason's weight (``associate_weight``, 0.5 by default) makes the
account ``suspicious`` with the campaign named, for an analyst or a gateway rule to act on.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from stillwatch.accounts.evidence import Assessment
from stillwatch.campaigns.cohesion import shared_classes
from stillwatch.campaigns.group import CampaignConfig
from stillwatch.links.edges import Partner
from stillwatch.links.graph import Communities
from stillwatch.types import Reason


@dataclass(frozen=True)
class Lead:
    """An account acting with a group's members as they act with each other."""

    group: str
    #: the members it is linked to
    mates: list[str]
    #: its summed link weight to them per evidence class, faint pairs left out
    links: dict[str, float]
    #: the most distinct system prompts it shares with one member, where that is a playbook
    playbook: int = 0

    def named(self) -> str:
        """The first few mates, for a reason's text."""
        return ", ".join(self.mates[:3]) + (", ..." if len(self.mates) > 3 else "")


def find_leads(
    member_of: Mapping[str, str],
    communities: Communities,
    assessments: Mapping[str, Assessment],
    excluded: set[str],
    volumes: Mapping[str, int],
    config: CampaignConfig,
    together: Callable[[Partner], bool],
    *,
    min_exchanges: int,
    playbook: Callable[[Partner], bool] | None = None,
    among: Collection[str] | None = None,
) -> dict[str, Lead]:
    """account -> the first group (by name) it is a lead of, for accounts in no group with
    at least ``min_exchanges``; ``member_of`` names each member's group. Given ``playbook``,
    a link it accepts makes a lead on its own. Given ``among``, only those accounts are
    looked at (each one's partners are built anew, and at 10M exchanges that is seconds)."""
    out: dict[str, Lead] = {}
    for acct in _walked(communities, among):
        if acct in member_of or acct in excluded or acct not in assessments:
            continue
        if volumes.get(acct, 0) < min_exchanges:
            continue
        paired: dict[str, bool] = {}
        by_class: dict[str, dict[str, float]] = {}
        mates: dict[str, list[str]] = {}
        bank: dict[str, int] = {}
        for link in communities.partners(acct):
            other, kinds = link.other, link.weights
            gid = member_of.get(other)
            if gid is None:
                continue
            paired[gid] = paired.get(gid, False) or together(link)
            if playbook is not None and playbook(link):
                bank[gid] = max(bank.get(gid, 0), link.shared.get("sys", 0))
            weights = by_class.setdefault(gid, {})
            for cls, w in shared_classes(kinds, config.pair_class_min).items():
                weights[cls] = weights.get(cls, 0.0) + w
            mates.setdefault(gid, []).append(other)
        for gid in sorted(paired):
            spans = sum(w >= config.class_min_weight for w in by_class[gid].values()) >= 2
            if (paired[gid] and spans) or gid in bank:
                out[acct] = Lead(gid, mates[gid], by_class[gid], bank.get(gid, 0))
                break
    return out


def exit_mates(
    member_of: Mapping[str, str],
    communities: Communities,
    excluded: set[str],
    volumes: Mapping[str, int],
    *,
    min_mates: int,
    min_exchanges: int,
    among: Collection[str] | None = None,
) -> dict[str, Lead]:
    """account -> the group whose members it shares addresses or /24s with, for accounts in
    no group, with at least ``min_exchanges``, that share them (in any amount) with at least
    ``min_mates`` members of one group: the one it shares them with most.

    In a rotating proxy pool each such pair shares an address or two of hundreds, too faint to
    count as a class, and an honest customer of the pool shares as many; so this is no lead.
    The bank stage reads it beside the group's private prompts (``playbook.adopters``), and
    the work-pattern guard to keep such accounts out of its sample of honest use.
    ``among`` as for ``find_leads``.
    """
    out: dict[str, Lead] = {}
    for acct in _walked(communities, among):
        if acct in member_of or acct in excluded or volumes.get(acct, 0) < min_exchanges:
            continue
        mates: dict[str, list[str]] = {}
        exits: dict[str, float] = {}
        for link in communities.partners(acct):
            gid = member_of.get(link.other)
            infra = link.weights.get("ip", 0.0) + link.weights.get("net", 0.0)
            if gid is None or infra <= 0:
                continue
            mates.setdefault(gid, []).append(link.other)
            exits[gid] = exits.get(gid, 0.0) + infra
        best = max(sorted(mates), key=lambda g: len(mates[g]), default=None)
        if best is not None and len(mates[best]) >= min_mates:
            out[acct] = Lead(best, mates[best], {"infra": exits[best]})
    return out


def _walked(communities: Communities, among: Collection[str] | None) -> list[str]:
    """The linked accounts, or those of them in ``among``, sorted."""
    linked = communities.linked()
    return linked if among is None else [a for a in linked if a in among]


def associate_reason(lead: Lead, weight: float) -> Reason:
    """The ``campaign_associate`` reason of a lead of a campaign (``lead.group`` is its id)."""
    whom = "it" if len(lead.mates) == 1 else "one of them"
    bank = f", sharing {lead.playbook} distinct system prompts with {whom}," if lead.playbook else ""
    links = {k: round(v, 4) for k, v in lead.links.items()}
    evidence = {"campaign": lead.group, "accounts": lead.mates, "links": links}
    if lead.playbook:
        evidence["playbook_prompts"] = lead.playbook
    return Reason(
        "campaign_associate",
        weight,
        f"acts together with {len(lead.mates)} member(s) of campaign {lead.group} ({lead.named()}){bank} "
        "but its own traffic shows too little harvesting to join it",
        evidence,
    )
