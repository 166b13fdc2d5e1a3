"""Verdicts: map scores and campaign membership to campaign, suspicious, clear or authorized.

Scoring and deciding stay apart: the stages before this one measure; this one applies the
documented rule:

* an account on the authorized list (by account or org) is ``authorized``, whatever it does;
* a member of a campaign is ``campaign``;
* an account whose own evidence scores at least ``suspicious_threshold`` is ``suspicious``:
  worth a look, never enforced; so is a member of a group that acts together and harvests
  like a campaign but has fewer accounts than one needs (its ``related_harvesting`` reason
  counts towards the score);
* everything else is ``clear``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from stillwatch.accounts.evidence import Assessment, noisy_or
from stillwatch.campaigns.group import Campaign
from stillwatch.types import Reason, sort_reasons


@dataclass(frozen=True)
class DecisionConfig:
    """See default.toml, section [decisions]."""

    suspicious_threshold: float = 0.5


@dataclass(frozen=True)
class Verdict:
    account: str
    verdict: str
    score: float
    campaign: str | None
    exchanges: int
    output_tokens: int
    reasons: list[Reason]

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "verdict": self.verdict,
            "score": round(self.score, 4),
            "campaign": self.campaign,
            "exchanges": self.exchanges,
            "output_tokens": self.output_tokens,
            "reasons": [r.to_json() for r in self.reasons],
        }


class VerdictPolicy:
    def __init__(self, config: DecisionConfig | None = None) -> None:
        self.config = config or DecisionConfig()

    def decide(
        self,
        profiles: Iterable[Mapping[str, Any]],
        assessments: Mapping[str, Assessment],
        campaigns: list[Campaign],
        authorized: set[str],
        neighbours: Mapping[str, list[tuple[str, float]]] | None = None,
        related: Mapping[str, Reason] | None = None,
    ) -> list[Verdict]:
        member_of = {a: camp for camp in campaigns for a in camp.accounts}
        out: list[Verdict] = []
        for p in profiles:
            acct = str(p["g"])
            own = assessments[acct]
            reasons = list(own.reasons)
            camp = member_of.get(acct)
            if acct in authorized or (p.get("org_key") in authorized):
                verdict, score, cid = "authorized", own.score, None
                reasons.append(
                    Reason("authorized", 0.0, "holds an agreement to distil (authorized list)")
                )
            elif camp is not None:
                verdict, cid = "campaign", camp.id
                score = noisy_or([camp.score, own.score])
                reasons.append(
                    Reason(
                        "campaign_member",
                        camp.score,
                        f"member of campaign {camp.id} ({len(camp.accounts)} accounts, "
                        f"{int(camp.profile['exchanges'])} exchanges): "
                        + "; ".join(r.detail for r in camp.reasons[:2]),
                        {"campaign": camp.id},
                    )
                )
                if related and acct in related:  # how it came to be in the campaign
                    reasons.append(related[acct])
            else:
                score, cid = own.score, None
                if related and acct in related:
                    reasons.append(related[acct])
                    score = noisy_or([own.score, related[acct].weight])
                verdict = "suspicious" if score >= self.config.suspicious_threshold else "clear"
            if neighbours and acct in neighbours and verdict != "clear":
                top = neighbours[acct][:3]
                reasons.append(
                    Reason(
                        "linked_to",
                        0.0,
                        "most strongly linked accounts: "
                        + ", ".join(f"{n} ({w:.2f})" for n, w in top),
                        {"accounts": [n for n, _ in top]},
                    )
                )
            out.append(
                Verdict(
                    account=acct,
                    verdict=verdict,
                    score=min(1.0, max(0.0, score)),
                    campaign=cid,
                    exchanges=int(p["exchanges"]),
                    output_tokens=int(p["output_tokens"]),
                    reasons=sort_reasons(reasons),
                )
            )
        return out
