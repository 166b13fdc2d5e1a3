"""Behaviour rules: (profile, expected reason) tables over a neutral baseline profile."""

from __future__ import annotations

import datetime as dt

import pytest

from stillwatch.accounts.evidence import BehaviourScorer, noisy_or
from stillwatch.accounts.features import ALL_CATEGORIES

T = dt.datetime(2026, 1, 10, tzinfo=dt.timezone.utc)


def profile(**overrides: object) -> dict:
    base: dict = {
        "exchanges": 400, "accounts": 1, "elicit_count": 0, "elicit_rate": 0.0,
        "extract_count": 0, "extract_rate": 0.0, "near_max_tokens": 0.0, "multi_n": 0.0,
        "logprobs": 0.0, "top_template_count": 10, "distinct_templates": 200,
        "single_turn": 0.5, "active_hours": 12, "hour_entropy": 0.7, "young_accounts": 0.0,
        "pivot_share": 0.0, "pivot_model": None, "first_seen": T, "account_created": T,
        "active_days": 10, "high_effort": 0.0, "distinct_ips": 2, "distinct_asns": 1,
        "member_asns": 1,
    }
    base.update({f"cat_{c}": 0.0 for c in ALL_CATEGORIES})
    base["cat_general_chat"] = 1.0
    base.update(overrides)
    # flagged prompts all distinct unless a case says otherwise
    for flag in ("elicit", "extract"):
        base.setdefault(f"{flag}_prompts", base[f"{flag}_count"])
    return base


SCORER = BehaviourScorer().fit([profile()])

CASES = [
    ({"elicit_count": 120, "elicit_rate": 0.3}, "reasoning_elicitation"),
    ({"extract_count": 40, "extract_rate": 0.1}, "prompt_extraction"),
    ({"cat_rubric_grading": 0.8, "cat_general_chat": 0.2}, "rubric_grading"),
    ({"cat_sensitive_rewrite": 0.7, "cat_general_chat": 0.3}, "sensitive_rewrite"),
    ({"near_max_tokens": 0.9, "multi_n": 0.8}, "output_appetite"),
    ({"high_effort": 0.95}, "output_appetite"),
    ({"cat_agentic_tool_use": 0.95, "cat_general_chat": 0.05}, "capability_concentration"),
    ({"top_template_count": 300}, "templated_prompts"),
    ({"single_turn": 1.0}, "single_turn_harvest"),
    ({"active_hours": 24, "hour_entropy": 0.99}, "round_the_clock"),
    ({"young_accounts": 1.0}, "fresh_accounts"),
    ({"pivot_share": 0.6, "pivot_model": "m2"}, "model_pivot"),
    ({"distinct_ips": 300, "distinct_asns": 80, "member_asns": 80}, "address_rotation"),
]


@pytest.mark.parametrize("overrides, code", CASES)
def test_rule_fires_on_its_behaviour(overrides: dict, code: str) -> None:
    found = [r.signal for r in SCORER.assess(profile(**overrides)).reasons]
    assert code in found


def test_an_ordinary_profile_has_no_evidence() -> None:
    a = SCORER.assess(profile())
    assert a.reasons == [] and a.score == 0.0


def test_a_few_jailbreak_attempts_are_not_abuse() -> None:
    assert SCORER.assess(profile(elicit_count=2, elicit_rate=0.005)).abuse == 0.0


def test_one_task_resent_by_an_agent_loop_is_one_attempt() -> None:
    # An agent resends its task with every turn; a coding issue the classifier misreads
    # as elicitation makes six flagged exchanges of seven, and is still one prompt.
    loop = profile(exchanges=7, elicit_count=6, elicit_prompts=1, elicit_rate=6 / 7)
    assessment = SCORER.assess(loop)
    assert assessment.abuse == 0.0 and assessment.abuse_prompts == 1
    distinct = profile(exchanges=7, elicit_count=6, elicit_rate=6 / 7)
    assert SCORER.assess(distinct).abuse >= 0.5


def test_harvest_needs_volume() -> None:
    small = profile(exchanges=5, near_max_tokens=1.0, single_turn=1.0)
    assert SCORER.assess(small).harvest == 0.0


def test_noisy_or_stays_in_range() -> None:
    assert noisy_or([]) == 0.0
    assert 0.0 <= noisy_or([0.9, 0.9, 1.5, -1.0]) <= 1.0


def test_harvesters_dominating_the_population_do_not_hide_their_concentration() -> None:
    # Two thirds of the exchanges are one harvester's: the observed share is its own.
    harvester = profile(exchanges=8000, cat_agentic_tool_use=0.95, cat_general_chat=0.05)
    scorer = BehaviourScorer().fit([harvester, profile(exchanges=4000)])
    assert scorer.population_["agentic_tool_use"] > 0.6
    assert "capability_concentration" in [r.signal for r in scorer.assess(harvester).reasons]


def test_a_proxy_customer_rotating_addresses_is_not_suspicious_on_that_alone() -> None:
    a = SCORER.assess(profile(distinct_ips=40, distinct_asns=30, member_asns=30))
    assert [r.signal for r in a.reasons] == ["address_rotation"]
    assert a.score < 0.2  # below what it takes to join a coordinated group


def test_a_few_networks_are_not_rotation() -> None:
    assert SCORER.assess(profile(distinct_ips=12, distinct_asns=6, member_asns=6)).reasons == []


def test_concentration_needs_bulk_volume() -> None:
    # A student's homework is all coding and maths, a handful of prompts a day.
    homework = profile(exchanges=60, active_days=10, cat_coding=0.6, cat_reasoning_math=0.4,
                       cat_general_chat=0.0)
    assert SCORER.assess(homework).reasons == []


def test_elicitation_at_volume_counts_inside_a_large_harvest() -> None:
    # 120 reconstruction prompts are 2% of a 6,000-exchange agentic account: under the share
    # floor, but no ordinary account sends that many.
    big = profile(exchanges=6000, elicit_count=120, elicit_rate=0.02)
    assert SCORER.assess(big).abuse >= 0.5


@pytest.mark.parametrize(
    "count, rate",
    [(49, 0.02), (60, 0.004)],  # too few prompts; or the stray-match share of a huge account
)
def test_elicitation_volume_needs_both_count_and_share(count: int, rate: float) -> None:
    assert SCORER.assess(profile(exchanges=15000, elicit_count=count, elicit_rate=rate)).abuse == 0.0
