"""From communities to campaigns, in two phases.

``groups`` gathers candidate groups: each community's members that link to it by what they
*do* (shared templates, near-duplicate prompts, one client fingerprint), plus members linked
only by infrastructure whose own behaviour is suspect. Members linked by infrastructure alone
are left out: a campus NAT, a proxy pool honest customers share, or a reseller explain such
links, so they never convict (the shared-infrastructure guard).

``decide`` judges each group on its pooled traffic, profiled by the same SQL as an account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stillwatch.accounts.evidence import Assessment, BehaviourScorer, noisy_or
from stillwatch.accounts.features import ALL_CATEGORIES
from stillwatch.campaigns.tactics import atlas_for, tactics_for
from stillwatch.links.graph import Communities
from stillwatch.types import Reason, sort_reasons


@dataclass(frozen=True)
class CampaignConfig:
    """See default.toml, section [campaigns]."""

    min_accounts: int = 3
    member_content: float = 0.5
    member_behaviour: float = 0.4
    coordination_share: float = 0.5
    harvest_threshold: float = 0.5
    abuse_threshold: float = 0.5
    abuse_min_prompts: int = 20
    min_exchanges: int = 20


@dataclass
class Group:
    """A candidate campaign before judgement."""

    key: str
    accounts: list[str]
    content_linked: int
    kinds: dict[str, int] = field(default_factory=dict)


@dataclass
class Campaign:
    id: str
    accounts: list[str]
    profile: Mapping[str, Any]
    assessment: Assessment
    reasons: list[Reason]
    score: float

    @property
    def tactics(self) -> list[str]:
        return tactics_for([r.signal for r in self.reasons])

    def to_json(self) -> dict[str, Any]:
        p = self.profile
        caps = {c: round(float(p[f"cat_{c}"]), 4) for c in ALL_CATEGORIES if p[f"cat_{c}"] > 0}
        tactics = self.tactics
        return {
            "id": self.id,
            "accounts": self.accounts,
            "exchanges": int(p["exchanges"]),
            "output_tokens": int(p["output_tokens"]),
            "reasoning_tokens": int(p["reasoning_tokens"]),
            "first_seen": p["first_seen"].isoformat().replace("+00:00", "Z"),
            "last_seen": p["last_seen"].isoformat().replace("+00:00", "Z"),
            "capabilities": dict(sorted(caps.items(), key=lambda kv: -kv[1])),
            "tactics": tactics,
            "atlas": atlas_for(tactics),
            "score": round(self.score, 4),
            "reasons": [r.to_json() for r in self.reasons],
        }


def _coordination_reasons(group: Group, profile: Mapping[str, Any]) -> list[Reason]:
    n = len(group.accounts)
    reasons: list[Reason] = []
    share = group.content_linked / max(n, 1)
    content_pairs = sum(group.kinds.get(k, 0) for k in ("tpl", "sys", "band"))
    if n >= 2 and group.content_linked:
        reasons.append(
            Reason(
                "linked_accounts",
                min(0.9, 0.4 + 0.5 * share * min(1.0, n / 20)),
                f"{group.content_linked} of {n} accounts send the same prompt templates or "
                f"near-duplicate prompts ({content_pairs} linked pairs)",
                {"accounts": n, "content_linked": group.content_linked, "pairs": content_pairs},
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


class CampaignAssembler:
    def __init__(self, config: CampaignConfig | None = None) -> None:
        self.config = config or CampaignConfig()

    def groups(
        self,
        communities: Communities,
        assessments: Mapping[str, Assessment],
        excluded: set[str],
    ) -> list[Group]:
        """Candidate groups from communities, plus lone accounts showing abuse."""
        c = self.config
        out: list[Group] = []
        grouped: set[str] = set()
        for cid, accounts in sorted(communities.members().items()):
            content, kept = 0, []
            for acct in accounts:
                if acct in excluded:
                    continue
                links = communities.inside.get(acct, {})
                by_content = links.get("content", 0.0) + links.get("client", 0.0) >= c.member_content
                own = assessments[acct].score if acct in assessments else 0.0
                if by_content or (links and own >= c.member_behaviour):
                    kept.append(acct)
                    content += int(by_content)
            if len(kept) >= 2:
                out.append(Group(f"g{cid}", kept, content, communities.kinds.get(cid, {})))
                grouped.update(kept)
        for acct, a in sorted(assessments.items()):
            if acct not in grouped and acct not in excluded and a.abuse >= c.abuse_threshold:
                out.append(Group(f"a:{acct}", [acct], 0, {}))
        return out

    def decide(
        self,
        groups: list[Group],
        pooled: Mapping[str, Mapping[str, Any]],
        scorer: BehaviourScorer,
    ) -> list[Campaign]:
        """Judge each group on its pooled traffic; return the campaigns, largest first."""
        c = self.config
        found: list[Campaign] = []
        for group in groups:
            profile = pooled[group.key]
            if int(profile["exchanges"]) < c.min_exchanges:
                continue
            behaviour = scorer.assess(profile)
            coordination = _coordination_reasons(group, profile)
            many_customers = int(profile["orgs"]) > 1 or int(profile["no_org_exchanges"]) > 0
            coordinated = (
                len(group.accounts) >= c.min_accounts
                and many_customers
                and group.content_linked / len(group.accounts) >= c.coordination_share
            )
            # A few jailbreak attempts are not a campaign: abuse convicts at volume only.
            abusive = (
                behaviour.abuse >= c.abuse_threshold
                and int(profile["elicit_count"]) + int(profile["extract_count"]) >= c.abuse_min_prompts
            )
            convicted = abusive or (coordinated and behaviour.harvest >= c.harvest_threshold)
            if not convicted:
                continue
            reasons = sort_reasons(behaviour.reasons + coordination)
            score = noisy_or([behaviour.score] + [r.weight for r in coordination])
            found.append(Campaign("", group.accounts, profile, behaviour, reasons, score))
        found.sort(key=lambda k: (-int(k.profile["exchanges"]), k.accounts[0]))
        for i, campaign in enumerate(found, start=1):
            campaign.id = f"C{i:03d}"
        return found
