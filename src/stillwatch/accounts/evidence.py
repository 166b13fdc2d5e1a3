"""From a behaviour profile to weighted, human-checkable evidence.

Each rule reads one profile (an account's, or a campaign's pooled traffic) and either says
nothing or returns a Reason whose weight grows with how far the behaviour is from ordinary
use. Weights combine as a noisy-OR: independent pieces of evidence each leave some chance the
behaviour is innocent, and the score is one minus the product of those chances.

Rules are split into *abuse* (a jailbreak that exposes what the provider did not mean to
reveal) and *harvest* (patterns of bulk collection). Harvest alone describes legitimate
distillation and heavy batch use too; the decision stage never convicts on it alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stillwatch.accounts.features import TARGET_CATEGORIES
from stillwatch.types import Reason, sort_reasons

Profile = Mapping[str, Any]


@dataclass(frozen=True)
class BehaviourConfig:
    """Thresholds of the behaviour rules (see default.toml for what each means)."""

    min_exchanges: int = 20
    elicit_min_count: int = 3
    elicit_rate_floor: float = 0.05
    elicit_rate_full: float = 0.30
    elicit_volume_count: int = 50
    elicit_volume_rate: float = 0.01
    elicit_volume_full: int = 1000
    extract_min_count: int = 3
    judge_share: float = 0.4
    rewrite_share: float = 0.5
    appetite_share: float = 0.5
    concentration_share: float = 0.8
    concentration_lift: float = 2.0
    concentration_reference: float = 0.4
    concentration_daily_volume: float = 20.0
    template_share: float = 0.5
    single_turn_share: float = 0.95
    round_clock_hours: int = 22
    round_clock_entropy: float = 0.93
    round_clock_min_exchanges: int = 200
    young_share: float = 0.5
    young_daily_volume: float = 10.0
    pivot_share: float = 0.4
    rotation_networks: int = 20


def _ramp(x: float, lo: float, hi: float) -> float:
    """0 at ``lo``, 1 at ``hi``, linear between (``hi`` > ``lo``)."""
    if x <= lo:
        return 0.0
    return min(1.0, (x - lo) / (hi - lo))


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


Rule = Callable[[Profile, Mapping[str, float], BehaviourConfig], Reason | None]


def abuse_prompts(p: Profile) -> int:
    """Distinct prompts asking for the hidden reasoning or the system prompt.

    Counted as distinct texts, not exchanges: an agent loop resends its task with every turn,
    so one coding issue the classifier misreads makes a dozen flagged exchanges; an attempt
    repeated is still one attempt (the rates stay per exchange)."""
    return int(p["elicit_prompts"]) + int(p["extract_prompts"])


def reasoning_elicitation(p: Profile, pop: Mapping[str, float], c: BehaviourConfig) -> Reason | None:
    count, rate = int(p["elicit_prompts"]), float(p["elicit_rate"])
    by_share = count >= c.elicit_min_count and rate >= c.elicit_rate_floor
    # A broad harvest can carry its reasoning extraction as a small slice of a large volume
    # (a few percent of an agentic account's traffic is still hundreds of prompts), which a
    # share floor alone never sees. Volume counts too, above a share that ordinary traffic's
    # stray matches stay well under.
    by_volume = count >= c.elicit_volume_count and rate >= c.elicit_volume_rate
    if not (by_share or by_volume):
        return None
    weight = 0.5 + 0.45 * max(
        _ramp(rate, c.elicit_rate_floor, c.elicit_rate_full),
        _ramp(count, c.elicit_volume_count, c.elicit_volume_full) if by_volume else 0.0,
    )
    return Reason(
        "reasoning_elicitation",
        weight,
        f"{p['elicit_count']} of {p['exchanges']} prompts ({_pct(rate)}, {count} distinct) ask the model "
        "to reveal or reconstruct its hidden reasoning",
        {"count": int(p["elicit_count"]), "distinct": count, "rate": round(rate, 4)},
    )


def prompt_extraction(p: Profile, pop: Mapping[str, float], c: BehaviourConfig) -> Reason | None:
    count, rate = int(p["extract_prompts"]), float(p["extract_rate"])
    if count < c.extract_min_count or rate < c.elicit_rate_floor:
        return None
    weight = 0.4 + 0.4 * _ramp(rate, c.elicit_rate_floor, c.elicit_rate_full)
    return Reason(
        "prompt_extraction",
        weight,
        f"{p['extract_count']} prompts ({_pct(rate)}, {count} distinct) try to extract the system prompt "
        "or instructions",
        {"count": int(p["extract_count"]), "distinct": count, "rate": round(rate, 4)},
    )


def rubric_grading(p: Profile, pop: Mapping[str, float], c: BehaviourConfig) -> Reason | None:
    share = float(p["cat_rubric_grading"])
    if p["exchanges"] < c.min_exchanges or share < c.judge_share:
        return None
    return Reason(
        "rubric_grading",
        0.15 + 0.15 * _ramp(share, c.judge_share, 1.0),
        f"{_pct(share)} of exchanges use the model as a rubric grader (reward model)",
        {"share": round(share, 4)},
    )


def sensitive_rewrite(p: Profile, pop: Mapping[str, float], c: BehaviourConfig) -> Reason | None:
    share = float(p["cat_sensitive_rewrite"])
    if p["exchanges"] < c.min_exchanges or share < c.rewrite_share:
        return None
    return Reason(
        "sensitive_rewrite",
        0.15,
        f"{_pct(share)} of exchanges ask for rewrites of sensitive-topic material",
        {"share": round(share, 4)},
    )


def output_appetite(p: Profile, pop: Mapping[str, float], c: BehaviourConfig) -> Reason | None:
    parts = {
        "max_tokens near the model maximum": float(p["near_max_tokens"]),
        "n > 1": float(p["multi_n"]),
        "logprobs": float(p["logprobs"]),
        # the most reasoning the model will spend: longer traces to learn from
        "reasoning_effort high": float(p["high_effort"]),
    }
    hits = {k: v for k, v in parts.items() if v >= c.appetite_share}
    if p["exchanges"] < c.min_exchanges or not hits:
        return None
    detail = ", ".join(f"{k} in {_pct(v)}" for k, v in hits.items())
    return Reason(
        "output_appetite",
        min(0.45, 0.2 + 0.1 * len(hits)),
        f"asks for as much output as it can get: {detail}",
        {k: round(v, 4) for k, v in hits.items()},
    )


def capability_concentration(
    p: Profile, pop: Mapping[str, float], c: BehaviourConfig
) -> Reason | None:
    # Per account and active day: a student's homework is all coding and maths too, a few
    # dozen prompts a day; harvesting is bulk.
    daily = int(p["exchanges"]) / max(int(p["accounts"]) * int(p["active_days"]), 1)
    if p["exchanges"] < c.min_exchanges or daily < c.concentration_daily_volume:
        return None
    shares = {cat: float(p[f"cat_{cat}"]) for cat in TARGET_CATEGORIES}
    share = sum(shares.values())
    top = max(shares, key=lambda k: shares[k])
    # The observed population share, but never above the reference share of ordinary
    # traffic: where harvesters carry most of the exchanges (reported-2026 has them at two
    # thirds), the population's share is theirs and would hide them.
    observed = sum(pop.get(cat, 0.0) for cat in TARGET_CATEGORIES)
    base = min(observed, c.concentration_reference) if observed > 0 else c.concentration_reference
    base = max(base, 1e-9)
    lift = share / base
    if share < c.concentration_share or lift < c.concentration_lift:
        return None
    return Reason(
        "capability_concentration",
        0.25,
        f"{_pct(share)} of traffic targets high-value capabilities (mostly {top}), "
        f"{lift:.1f}x the population's share",
        {"share": round(share, 4), "top": top, "lift": round(lift, 2)},
    )


def templated_prompts(p: Profile, pop: Mapping[str, float], c: BehaviourConfig) -> Reason | None:
    n = int(p["exchanges"])
    share = int(p["top_template_count"]) / max(n, 1)
    if n < c.min_exchanges or share < c.template_share:
        return None
    return Reason(
        "templated_prompts",
        0.15,
        f"{_pct(share)} of prompts fill one template; {p['distinct_templates']} templates "
        f"over {n} exchanges",
        {"top_share": round(share, 4), "templates": int(p["distinct_templates"])},
    )


def single_turn(p: Profile, pop: Mapping[str, float], c: BehaviourConfig) -> Reason | None:
    share = float(p["single_turn"])
    if p["exchanges"] < c.min_exchanges or share < c.single_turn_share:
        return None
    return Reason(
        "single_turn_harvest",
        0.1,
        f"{_pct(share)} of exchanges are one-shot prompts with no conversation or tool loop",
        {"share": round(share, 4)},
    )


def _each(p: Profile) -> str:
    return f", each of its {int(p['accounts'])} accounts on average" if int(p["accounts"]) > 1 else ""


def round_the_clock(p: Profile, pop: Mapping[str, float], c: BehaviourConfig) -> Reason | None:
    if (
        p["exchanges"] < c.round_clock_min_exchanges
        or p["active_hours"] < c.round_clock_hours
        or p["hour_entropy"] < c.round_clock_entropy
    ):
        return None
    return Reason(
        "round_the_clock",
        0.1,
        f"active in {p['active_hours']:.0f} of 24 hours with a flat daily profile "
        f"(entropy {p['hour_entropy']:.2f}){_each(p)}; people sleep",
        {"active_hours": round(float(p["active_hours"]), 1), "entropy": round(float(p["hour_entropy"]), 3)},
    )


def fresh_accounts(p: Profile, pop: Mapping[str, float], c: BehaviourConfig) -> Reason | None:
    share = float(p["young_accounts"])
    n = int(p["accounts"])
    # Per account and active day: students signing up at term start are young too, but
    # use their accounts lightly.
    daily = int(p["exchanges"]) / max(n * int(p["active_days"]), 1)
    if p["exchanges"] < c.min_exchanges or share < c.young_share or daily < c.young_daily_volume:
        return None
    who = "the account was" if n == 1 else f"{share:.0%} of its {n} accounts were"
    return Reason(
        "fresh_accounts",
        0.25,
        f"{who} put to heavy use ({daily:.0f} exchanges per account-day) within days of "
        "being created",
        {"share": round(share, 4), "accounts": n, "daily": round(daily, 1)},
    )


def model_pivot(p: Profile, pop: Mapping[str, float], c: BehaviourConfig) -> Reason | None:
    share = float(p["pivot_share"])
    if share < c.pivot_share:
        return None
    return Reason(
        "model_pivot",
        0.15,
        f"moved {_pct(share)} of its traffic to {p['pivot_model']} within 24 hours of its release",
        {"share": round(share, 4), "model": p["pivot_model"]},
    )


def address_rotation(p: Profile, pop: Mapping[str, float], c: BehaviourConfig) -> Reason | None:
    # One customer's servers sit in one or two networks and a person's home in one; requests
    # arriving from dozens of autonomous systems are a rotating proxy pool, the hydra
    # networks' way of hiding many accounts' shared origin. Honest proxy customers rotate
    # too, so this is supporting evidence only. A group's members are counted each on its
    # own: a hundred people at home come from a hundred networks between them.
    nets = float(p["member_asns"])
    if p["exchanges"] < c.min_exchanges or nets < c.rotation_networks:
        return None
    where = f"{int(p['distinct_ips'])} addresses in {int(p['distinct_asns'])} networks"
    if int(p["accounts"]) > 1:
        where += f", {nets:.0f} networks per account"
    return Reason(
        "address_rotation",
        0.15,
        f"requests arrive from {where} (a rotating proxy pool)",
        {"ips": int(p["distinct_ips"]), "networks": int(p["distinct_asns"]), "per_account": round(nets, 1)},
    )


ABUSE_RULES: tuple[Rule, ...] = (reasoning_elicitation, prompt_extraction)
HARVEST_RULES: tuple[Rule, ...] = (
    rubric_grading,
    sensitive_rewrite,
    output_appetite,
    capability_concentration,
    templated_prompts,
    single_turn,
    round_the_clock,
    fresh_accounts,
    model_pivot,
    address_rotation,
)


def noisy_or(weights: list[float]) -> float:
    """Combine independent evidence: 1 - prod(1 - w)."""
    return 1.0 - math.prod(1.0 - min(max(w, 0.0), 1.0) for w in weights)


@dataclass(frozen=True)
class Assessment:
    """What the behaviour rules found for one profile."""

    abuse: float
    harvest: float
    reasons: list[Reason]
    #: evidence from peers' shared indicators: raises suspicion, never convicts by itself
    peer: float = 0.0
    #: distinct prompts counted as reasoning elicitation or system-prompt extraction
    abuse_prompts: int = 0

    @property
    def score(self) -> float:
        return noisy_or([self.abuse, self.harvest, self.peer])

    def with_peer(self, reasons: list[Reason]) -> Assessment:
        return Assessment(
            self.abuse,
            self.harvest,
            sort_reasons(self.reasons + reasons),
            noisy_or([self.peer] + [r.weight for r in reasons]),
            self.abuse_prompts,
        )


class BehaviourScorer:
    """Applies the rules to profiles; ``population`` holds exchange-weighted category shares.

    Examples
    --------
    >>> scorer = BehaviourScorer()
    >>> round(noisy_or([0.5, 0.5]), 2)
    0.75
    """

    def __init__(self, config: BehaviourConfig | None = None) -> None:
        self.config = config or BehaviourConfig()
        self.population_: dict[str, float] = {}

    def fit(self, profiles: list[Profile]) -> BehaviourScorer:
        total = sum(int(p["exchanges"]) for p in profiles) or 1
        self.population_ = {
            cat: sum(float(p[f"cat_{cat}"]) * int(p["exchanges"]) for p in profiles) / total
            for cat in TARGET_CATEGORIES
        }
        return self

    def assess(self, profile: Profile) -> Assessment:
        abuse = [r for rule in ABUSE_RULES if (r := rule(profile, self.population_, self.config))]
        harvest = [
            r for rule in HARVEST_RULES if (r := rule(profile, self.population_, self.config))
        ]
        return Assessment(
            abuse=noisy_or([r.weight for r in abuse]),
            harvest=noisy_or([r.weight for r in harvest]),
            reasons=sort_reasons(abuse + harvest),
            abuse_prompts=abuse_prompts(profile),
        )
