"""From what is known about an account to what the gateway does with its request.

The order of precedence, first match wins:

1. an operator override (admin API): ``allow`` exempts like the authorized list, ``block``
   applies rule ``override_block``;
2. the authorized list (scan verdict ``authorized``, or the account or its org added through
   the admin API): rule ``authorized``, and no limit, cap or reasoning policy applies;
3. the scan verdict ``campaign`` or ``suspicious``: that verdict's rule;
4. inherited campaign risk (a new account sharing a payment fingerprint, or enough prompt
   templates, with a campaign): rule ``inherited``;
5. the online score of the account's traffic: the ``[[score]]`` rule with the highest
   ``min`` at or below it;
6. otherwise rule ``clear``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stillwatch.gateway.config import GatewayConfig, Rule
from stillwatch.gateway.state import Bucket, State
from stillwatch.gateway.verdicts import VerdictBook

EXEMPT = Rule(action="allow")


@dataclass
class Decision:
    """What to do with one request, and why."""

    action: str
    rule_name: str
    rule: Rule
    verdict: str | None = None
    campaign: str | None = None
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    retry_after: float = 0.0  # > 0: throttled

    @property
    def refused(self) -> bool:
        return self.action in ("block", "verify") or self.retry_after > 0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": "throttle" if self.retry_after > 0 else self.action,
                               "rule": self.rule_name, "reasons": self.reasons}
        if self.verdict:
            out["verdict"] = self.verdict
        if self.campaign:
            out["campaign"] = self.campaign
        if self.score:
            out["score"] = round(self.score, 4)
        return out


class Policy:
    """Decides per request from local copies only: ``overrides``, ``authorized`` and the
    inherited-risk ``links`` are copies of the state's, refreshed by the gateway's reload loop
    (every ``reload_seconds``) and at once on this replica's own changes. Only a throttled
    request's token buckets are read from the state on the request path."""

    def __init__(self, config: GatewayConfig, state: State, book: VerdictBook) -> None:
        self.config = config
        self.state = state
        self.book = book
        self.overrides: dict[str, str] = {}
        self.authorized: set[str] = set()
        self.links: dict[str, dict[str, str]] = {"acct": {}, "pay": {}}

    async def refresh(self) -> None:
        self.overrides = await self.state.overrides()
        self.authorized = await self.state.authorized()
        self.links = {kind: await self.state.links(kind) for kind in ("acct", "pay")}

    async def link(self, kind: str, value: str, campaign: str) -> None:
        """Record a link in the shared state and in this replica's copy."""
        await self.state.link(kind, value, campaign)
        self.links.setdefault(kind, {})[value] = campaign

    def _rule(self, name: str) -> Rule:
        return self.config.policy.get(name) or Rule()

    def classify(self, account: str, fields: dict[str, Any], online: float) -> Decision:
        """Which rule applies (before rate limits)."""
        override = self.overrides.get(account)
        if override == "allow":
            return Decision("allow", "override_allow", EXEMPT, reasons=["operator override: allow"])
        if override == "block":
            rule = self._rule("override_block")
            return Decision(rule.action, "override_block", rule, reasons=["operator override: block"])
        entry = self.book.get(account)
        org = fields.get("org")
        if (entry is not None and entry.verdict == "authorized") or account in self.authorized or (
            org is not None and org in self.authorized
        ):
            return Decision("allow", "authorized", EXEMPT, verdict="authorized",
                            reasons=["on the authorized list"])
        if entry is not None and entry.verdict in ("campaign", "suspicious"):
            rule = self._rule(entry.verdict)
            why = [f"scan verdict {entry.verdict} (score {entry.score:.2f})"]
            why += [str(r.get("signal")) for r in entry.reasons[:3] if isinstance(r, dict)]
            return Decision(rule.action, entry.verdict, rule, entry.verdict, entry.campaign,
                            entry.score, why)
        if entry is None:
            inherited = self._inherited(account, fields)
            if inherited is not None:
                rule = self._rule("inherited")
                camp, why = inherited
                return Decision(rule.action, "inherited", rule, "campaign", camp, 0.0, [why])
        best = None
        for r in self.config.score:
            if online >= r.min:
                best = r
        if best is not None:
            return Decision(best.action, f"score>={best.min:g}", best,
                            entry.verdict if entry else None, None, online,
                            [f"online behaviour score {online:.2f}"])
        rule = self._rule("clear")
        return Decision(rule.action, "clear", rule, entry.verdict if entry else None, None, online)

    def _inherited(self, account: str, fields: dict[str, Any]) -> tuple[str, str] | None:
        camp = self.links["acct"].get(account)
        if camp is not None:
            return camp, f"shares prompt templates with campaign {camp}"
        fp = fields.get("payment_fingerprint")
        if self.config.inherit.payment and fp:
            camp = self.links["pay"].get(str(fp))
            if camp is not None:
                return camp, f"same payment fingerprint as campaign {camp}"
        return None

    def buckets(self, account: str, d: Decision) -> list[Bucket]:
        """The token buckets a request of this decision must pass (throttle only)."""
        if d.action != "throttle":
            return []
        r, out = d.rule, []
        if r.requests_per_minute > 0:
            out.append(Bucket(f"req:acct:{account}", r.requests_per_minute))
        if r.output_tokens_per_minute > 0:
            out.append(Bucket(f"out:acct:{account}", r.output_tokens_per_minute, cost=0.0))
        if d.campaign and r.campaign_requests_per_minute > 0:
            out.append(Bucket(f"req:camp:{d.campaign}", r.campaign_requests_per_minute))
        if d.campaign and r.campaign_output_tokens_per_minute > 0:
            out.append(Bucket(f"out:camp:{d.campaign}", r.campaign_output_tokens_per_minute, cost=0.0))
        return out

    async def decide(self, account: str, fields: dict[str, Any], online: float) -> Decision:
        d = self.classify(account, fields, online)
        buckets = self.buckets(account, d)
        if buckets:
            d.retry_after = await self.state.take(buckets)
            if d.retry_after > 0:
                d.reasons.append("rate limit reached")
        return d

    async def charge_output(self, account: str, d: Decision, tokens: int) -> None:
        """Spend the output tokens served against the output-token buckets."""
        if d.action != "throttle" or tokens <= 0:
            return
        r = d.rule
        if r.output_tokens_per_minute > 0:
            await self.state.charge(f"out:acct:{account}", r.output_tokens_per_minute, tokens)
        if d.campaign and r.campaign_output_tokens_per_minute > 0:
            await self.state.charge(f"out:camp:{d.campaign}", r.campaign_output_tokens_per_minute, tokens)
