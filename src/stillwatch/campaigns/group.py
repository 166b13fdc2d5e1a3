"""What the campaign stage works on: its settings, a candidate group, and a campaign."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stillwatch.accounts.evidence import Assessment
from stillwatch.accounts.features import ALL_CATEGORIES
from stillwatch.campaigns.tactics import atlas_for, tactics_for
from stillwatch.types import Reason


@dataclass(frozen=True)
class CampaignConfig:
    """See default.toml, section [campaigns]."""

    min_accounts: int = 5
    class_min_weight: float = 0.3
    pair_class_min: float = 0.05
    playbook_prompts: int = 6
    bank_members: int = 3
    bank_share: float = 0.9
    bank_prompts: int = 2
    bank_min_exchanges: int = 5
    bank_exit_mates: int = 3
    member_behaviour: float = 0.2
    coordination_threshold: float = 0.3
    harvest_threshold: float = 0.3
    practice_harvest: float = 0.45
    campaign_threshold: float = 0.7
    abuse_threshold: float = 0.5
    abuse_min_prompts: int = 20
    abuse_member_prompts: int = 5
    abuse_link_strength: float = 0.5
    operator_share: float = 0.5
    likeness_distance: float = 0.12
    likeness_min_exchanges: int = 1000
    likeness_light_exchanges: int = 20
    likeness_fit: float = 0.001
    likeness_target_share: float = 0.1
    likeness_common: float = 0.01
    likeness_population_exchanges: int = 200
    likeness_mates: bool = True
    sync_bucket_minutes: int = 10
    sync_min: float = 0.5
    associate_weight: float = 0.5
    min_exchanges: int = 20


@dataclass
class Group:
    """A candidate campaign before judgement."""

    key: str
    accounts: list[str]
    linked: int
    kinds: dict[str, int] = field(default_factory=dict)
    #: members that joined through the group's bank of system prompts, too light to show
    #: harvesting of their own (``playbook``)
    adopted: list[str] = field(default_factory=list)

    @property
    def head_count(self) -> int:
        """Members that count towards a campaign's minimum size: light accounts that only
        run the group's prompts never make a few accounts a campaign."""
        return len(self.accounts) - len(self.adopted)


@dataclass
class Campaign:
    id: str
    accounts: list[str]
    profile: Mapping[str, Any]
    assessment: Assessment
    reasons: list[Reason]
    score: float
    #: the link-graph communities around its members (``Communities.around_each``), when known
    communities: dict[str, int] | None = None

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
            **({"communities": self.communities} if self.communities is not None else {}),
        }
