"""Light accounts that run a group's own bank of system prompts join the group.

An operator spreads a hydra thin: some of its accounts send a few dozen prompts a day, too
few for harvesting to show in their own traffic. The group stage leaves them out and they
end up as leads (``campaign_associate``, suspicious). What gives them away is the operator's
bank of system prompts: every account it runs draws on the same few dozen, and nobody else
uses them.

A group's bank is the system prompts that at least ``bank_members`` of its members use and
whose users are, for at least ``bank_share`` of them, its members or its leads. A public
framework's or data set's prompt fails the second test: most of its many honest users are
linked to no member. A lead joins the group when at least ``bank_prompts`` distinct prompts
of the bank, and ``bank_share`` of its own system-prompted exchanges, are the bank's. Here a
lead may have as few as ``bank_min_exchanges`` (other leads need ``min_exchanges``): one
prompt it happens to share would make any link to so light an account look strong, but
two prompts of a private bank are no chance.

It is never the bank alone: a lead already acts with the members as they act with each
other (shared infrastructure *and* something it does, ``associates.find_leads``); the bank
says the traffic it sends is the operator's. On a rotating proxy pool a light account acts
with no member, each pair sharing an address or two of its hundreds; it may join when it
shares such exits with ``bank_exit_mates`` members (``associates.exit_mates``), the exits
saying where its traffic comes from. Those accounts never widen the bank: an honest customer
of the pool shares exits too. An account joins before the group is judged, so the group's
pooled traffic, with it, must still show the campaign.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa

from stillwatch.campaigns.associates import Lead
from stillwatch.campaigns.group import CampaignConfig, Group
from stillwatch.engine import Engine
from stillwatch.types import Reason

#: every system-prompted exchange count, per account and prompt, of the accounts using any
#: prompt a group member uses
USAGE_SQL = """
WITH held AS (
    SELECT DISTINCT e.system_template_id AS t
    FROM {source} e JOIN {members} m ON e.account = m.account
    WHERE e.system_template_id IS NOT NULL
),
users AS (
    SELECT DISTINCT e.account
    FROM {source} e JOIN held h ON e.system_template_id = h.t
)
SELECT e.account AS account, e.system_template_id AS t, COUNT(*) AS n
FROM {source} e JOIN users u ON e.account = u.account
WHERE e.system_template_id IS NOT NULL
GROUP BY e.account, e.system_template_id
"""


@dataclass
class PromptUsage:
    """Exchanges per account and system prompt (template id)."""

    by_account: dict[str, dict[int, int]]

    @classmethod
    def from_table(cls, table: pa.Table) -> PromptUsage:
        out: dict[str, dict[int, int]] = defaultdict(dict)
        cols = table.select(["account", "t", "n"]).to_pydict()
        for acct, t, n in zip(cols["account"], cols["t"], cols["n"]):
            out[str(acct)][int(t)] = int(n)
        return cls(dict(out))

    def holders(self) -> dict[int, set[str]]:
        out: dict[int, set[str]] = defaultdict(set)
        for acct, prompts in self.by_account.items():
            for t in prompts:
                out[t].add(acct)
        return out


def prompt_usage(engine: Engine, source: str, groups: list[Group]) -> PromptUsage:
    """The system prompts of the groups' members, and every account using any of them."""
    members = [a for g in groups for a in g.accounts]
    if not members:
        return PromptUsage({})
    engine.register("sw_bank_members", pa.table({"account": sorted(set(members))}))
    return PromptUsage.from_table(engine.sql(USAGE_SQL.format(source=source, members="sw_bank_members")))


def banks(
    groups: list[Group], usage: PromptUsage, leads: Mapping[str, Lead], config: CampaignConfig
) -> dict[str, set[int]]:
    """Each group's own bank of system prompts (groups without one are left out)."""
    holders = usage.holders()
    out: dict[str, set[int]] = {}
    for group in groups:
        members = set(group.accounts)
        used = {t for a in group.accounts for t in usage.by_account.get(a, {})}
        bank = set()
        for t in used:
            users = holders[t]
            inside = len(users & members)
            if inside < config.bank_members:
                continue
            theirs = inside + sum(1 for a in users - members if a in leads and leads[a].group == group.key)
            if theirs >= config.bank_share * len(users):
                bank.add(t)
        if bank:
            out[group.key] = bank
    return out


def adopters(
    groups: list[Group],
    usage: PromptUsage,
    leads: Mapping[str, Lead],
    config: CampaignConfig,
    exits: Mapping[str, Lead] | None = None,
) -> dict[str, tuple[str, Reason]]:
    """account -> (the group it joins, why), for the leads that run a group's bank, and the
    accounts sharing proxy exits with its members (``associates.exit_mates``) that do. The
    bank itself is the members' and leads' alone."""
    found = banks(groups, usage, leads, config)
    candidates = [(a, lead, True) for a, lead in sorted(leads.items())]
    candidates += [(a, lead, False) for a, lead in sorted((exits or {}).items()) if a not in leads]
    out: dict[str, tuple[str, Reason]] = {}
    for acct, lead, acts in candidates:
        bank = found.get(lead.group)
        prompts = usage.by_account.get(acct)
        if not bank or not prompts:
            continue
        mine = [t for t in prompts if t in bank]
        share = sum(prompts[t] for t in mine) / sum(prompts.values())
        if len(mine) < config.bank_prompts or share < config.bank_share:
            continue
        how = "acts with" if acts else "shares proxy exits (addresses or /24s) with"
        out[acct] = (
            lead.group,
            Reason(
                "runs_playbook",
                0.0,
                f"{len(mine)} of its system prompts ({share:.0%} of its system-prompted exchanges) "
                f"come from its group's bank of {len(bank)}, which only the group's accounts and "
                f"those acting with them use; {how} {len(lead.mates)} member(s) ({lead.named()})",
                {"prompts": len(mine), "bank": len(bank), "share": round(share, 4), "accounts": lead.mates[:10]},
            ),
        )
    return out
