"""Convicted campaigns that share nothing but follow one work pattern are one operator's; common
usage patterns, one-target mixes, far-apart campaigns or light ones that fit no cohort are not."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np

from stillwatch.accounts.evidence import Assessment
from stillwatch.accounts.features import ALL_CATEGORIES
from stillwatch.campaigns.assemble import CampaignAssembler
from stillwatch.campaigns.group import Campaign, CampaignConfig
from stillwatch.campaigns.likeness import Alike, Mate, cohorts, compare, distance, homogeneity
from stillwatch.links.graph import Communities

DAY = dt.timedelta(days=1)
START = dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc)
# what the two pathways of one broad agentic operation ask for
BROAD = {"agentic_tool_use": 0.74, "computer_use": 0.21, "vision": 0.03, "reasoning_math": 0.02}
HYDRA = {"agentic_tool_use": 0.91, "general_chat": 0.05, "coding": 0.04}
CHAT = {"general_chat": 0.6, "coding": 0.25, "reasoning_math": 0.15}
# a reasoning-trace campaign asking in many languages, and one asking in English with a grader
MULTILINGUAL = {"reasoning_math": 0.6, "general_chat": 0.22, "coding": 0.18}
SCRIPTS = {"latin": 0.82, "han": 0.05, "cyrillic": 0.04, "kana": 0.03, "arabic": 0.03, "hangul": 0.03}
GRADER = {"reasoning_math": 0.55, "rubric_grading": 0.3, "coding": 0.15}



def alike(campaigns: list[dict[str, Any]], population: list[dict[str, Any]], cfg: CampaignConfig) -> list[Alike]:
    return compare(campaigns, population, (), cfg)[0]


def mates(campaigns: list[dict[str, Any]], population: list[dict[str, Any]], candidates: list[dict[str, Any]],
          cfg: CampaignConfig) -> list[Mate]:  # fmt: skip
    return compare(campaigns, population, candidates, cfg)[1]

def _profile(mix: dict[str, float], exchanges: int = 5000, single_turn: float = 0.2, tool_loop: float = 0.7,
             days: tuple[int, int] = (0, 14), name: str = "x",
             scripts: dict[str, float] | None = None) -> dict[str, Any]:  # fmt: skip
    p: dict[str, Any] = {f"cat_{c}": mix.get(c, 0.0) for c in ALL_CATEGORIES}
    p.update({f"script_{s}": v for s, v in (scripts or {"latin": 1.0}).items()})
    p.update(g=name, exchanges=exchanges, single_turn=single_turn, tool_loop=tool_loop,
             first_seen=START + days[0] * DAY, last_seen=START + days[1] * DAY)  # fmt: skip
    return p


def _sampled(mix: dict[str, float], scripts: dict[str, float], exchanges: int, rng: np.random.Generator,
             name: str) -> dict[str, Any]:  # fmt: skip
    """A light account's profile: its shares drawn from the operator's mixes, with the noise
    of so few exchanges."""
    def draw(shares: dict[str, float]) -> dict[str, float]:
        counts = rng.multinomial(exchanges, list(shares.values()))
        return {k: c / exchanges for k, c in zip(shares, counts)}

    return _profile(draw(mix), exchanges, single_turn=1.0, tool_loop=0.0, name=name, scripts=draw(scripts))


def _honest(n: int) -> list[dict[str, Any]]:
    return [_profile(CHAT, 400, single_turn=0.5, tool_loop=0.0, name=f"h{i}") for i in range(n)]


def test_two_pathways_following_one_work_pattern_are_alike() -> None:
    api = _profile(BROAD)
    routes = _profile({**BROAD, "agentic_tool_use": 0.71, "computer_use": 0.24}, 3000, single_turn=0.23)
    found = alike([api, routes], _honest(50), CampaignConfig())
    assert found == [Alike(0, 1, distance(api, routes), 0, 50)]
    assert round(found[0].distance, 2) == 0.03


def test_a_different_mix_or_request_shape_is_another_operator() -> None:
    assert alike([_profile(BROAD), _profile(HYDRA)], _honest(50), CampaignConfig()) == []
    # the same targets, asked for in single requests rather than agent loops
    shape = _profile(BROAD, single_turn=0.9, tool_loop=0.05)
    assert alike([_profile(BROAD), shape], _honest(50), CampaignConfig()) == []


def test_a_one_target_pattern_is_no_signature() -> None:
    reasoning = {"reasoning_math": 0.95, "general_chat": 0.05}
    assert alike([_profile(reasoning), _profile(reasoning)], _honest(50), CampaignConfig()) == []


def test_a_pattern_honest_heavy_accounts_also_follow_joins_nothing() -> None:
    cfg = CampaignConfig()
    product = [_profile(BROAD, 400, name=f"p{i}") for i in range(2)]
    # one honest account in a hundred as close is allowed; two are a usage pattern
    assert len(alike([_profile(BROAD), _profile(BROAD)], _honest(99) + product[:1], cfg)) == 1
    assert alike([_profile(BROAD), _profile(BROAD)], _honest(98) + product, cfg) == []
    # light accounts' mixes are too noisy to count either way
    light = [_profile(BROAD, 100, name=f"l{i}") for i in range(20)]
    assert len(alike([_profile(BROAD), _profile(BROAD)], _honest(50) + light, cfg)) == 1


def test_too_light_or_far_apart_campaigns_are_not_joined() -> None:
    cfg = CampaignConfig()
    assert alike([_profile(BROAD), _profile(BROAD, 19)], [], cfg) == []
    assert alike([_profile(BROAD, days=(0, 10)), _profile(BROAD, days=(12, 20))], [], cfg) == []
    assert alike([_profile(BROAD, days=(0, 10)), _profile(BROAD, 900, days=(12, 20))], [], cfg) == []
    # a short campaign inside a long one's weeks is active over the same days
    assert len(alike([_profile(BROAD, days=(0, 30)), _profile(BROAD, days=(5, 9))], [], cfg)) == 1


def test_a_zero_distance_turns_likeness_off() -> None:
    cfg = dataclasses.replace(CampaignConfig(), likeness_distance=0.0)
    assert alike([_profile(BROAD), _profile(BROAD)], [], cfg) == []


def test_an_operators_own_light_accounts_do_not_make_its_pattern_common() -> None:
    # Two convicted halves that share nothing; "lead" acts with an "api" member (a lead, not
    # a member) and follows the same work pattern, as an operator's lighter accounts do.
    both = {"ip": 1.0, "client": 1.0}
    edges = {(x, y): both for half in ("api", "rt") for x, y in ((f"{half}1", f"{half}2"), (f"{half}2", f"{half}3"))}
    edges[("api1", "lead")] = both
    comms = Communities.from_pairs(edges)
    harvest = Assessment(abuse=0.0, harvest=0.4, reasons=[])
    assessments = {a: harvest for pair in edges for a in pair}
    assembler = CampaignAssembler()
    assembler.groups(comms, assessments, set())
    halves = [Campaign(f"C00{i}", [f"{h}{n}" for n in (1, 2, 3)], _profile(BROAD, name=h), harvest, [], 0.9)
              for i, h in enumerate(("api", "rt"), start=1)]  # fmt: skip
    accounts = [_profile(BROAD, 1500, name="lead")] + _honest(60)
    joined = assembler.operators(halves, comms, accounts, assessments, set())
    assert [g.accounts for g in joined] == [["api1", "api2", "api3", "rt1", "rt2", "rt3"]]
    # the same account with no tie to either half is an honest customer with that pattern
    honest = [_profile(BROAD, 1500, name="stranger")] + _honest(60)
    assert assembler.operators(halves, comms, honest, assessments, set()) == []


def test_the_homogeneity_test_tells_one_pattern_from_two() -> None:
    one = [np.array([60.0, 25.0, 15.0]), np.array([80.0, 20.0])]
    assert homogeneity(one, one) > 0.99
    assert homogeneity(one, [2 * x for x in one]) > 0.99
    # a fifth of one's exchanges in a script the other never writes
    assert homogeneity(one, [np.array([60.0, 25.0, 15.0]), np.array([100.0, 0.0])]) < 0.001


def test_an_operators_light_accounts_gather_into_one_campaign_and_another_operators_stay_apart() -> None:
    # A reasoning-trace operator's 40 accounts of 40-300 exchanges each, on a residential proxy
    # pool with their own cards: each convicted alone, sharing nothing. Beside them, an English
    # grader operation's 20 light accounts, and a heavy honest population.
    rng = np.random.default_rng(5)
    traces = [_sampled(MULTILINGUAL, SCRIPTS, int(rng.integers(40, 300)), rng, f"t{i}") for i in range(40)]
    graders = [_sampled(GRADER, {"latin": 1.0}, int(rng.integers(40, 300)), rng, f"g{i}") for i in range(20)]
    found = alike(traces + graders, _honest(100), CampaignConfig())
    trace_side = {i for a in found for i in (a.x, a.y) if i < 40}
    grader_side = {i for a in found for i in (a.x, a.y) if i >= 40}
    assert all((a.x < 40) == (a.y < 40) for a in found)
    assert len(trace_side) >= 38 and len(grader_side) >= 18
    assert all(a.fit is not None and a.fit >= CampaignConfig().likeness_fit for a in found)


def test_light_accounts_following_a_common_pattern_join_nothing() -> None:
    rng = np.random.default_rng(6)
    light = [_sampled(CHAT, {"latin": 1.0}, 150, rng, f"l{i}") for i in range(20)]
    honest = [_profile(CHAT, 400, single_turn=1.0, tool_loop=0.0, name=f"h{i}") for i in range(50)]
    assert len(cohorts(light, CampaignConfig())) < 5
    assert alike(light, honest, CampaignConfig()) == []


def test_a_light_campaign_joins_the_heavy_one_whose_pattern_it_fits() -> None:
    heavy = _profile(MULTILINGUAL, 5000, single_turn=1.0, tool_loop=0.0, scripts=SCRIPTS)
    light = _profile(MULTILINGUAL, 120, single_turn=1.0, tool_loop=0.0, scripts=SCRIPTS)
    english = _profile(MULTILINGUAL, 120, single_turn=1.0, tool_loop=0.0)
    found = alike([heavy, light, english], _honest(50), CampaignConfig())
    assert [(a.x, a.y) for a in found] == [(0, 1)]
    assert found[0].distance < 1e-9 and found[0].fit is not None and found[0].fit > 0.99


def _grader_cohort(rng: np.random.Generator) -> list[dict[str, Any]]:
    """A grader operation's ten light accounts, each convicted alone (1,000+ exchanges pooled)."""
    return [_sampled(GRADER, {"latin": 1.0}, int(rng.integers(150, 300)), rng, f"g{i}") for i in range(10)]


def test_an_uncaught_account_whose_light_abuse_fits_a_cohorts_pattern_is_its_mate() -> None:
    rng = np.random.default_rng(7)
    graders = _grader_cohort(rng)
    fits = _sampled(GRADER, {"latin": 1.0}, 200, rng, "fits")
    # the same targets in another mix, and the same mix written in several scripts
    other_mix = _sampled({"reasoning_math": 0.8, "rubric_grading": 0.15, "coding": 0.05}, {"latin": 1.0}, 200, rng,
                         "other_mix")  # fmt: skip
    scripts = _sampled(GRADER, SCRIPTS, 200, rng, "scripts")
    later = {**_sampled(GRADER, {"latin": 1.0}, 200, rng, "later"), "first_seen": START + 30 * DAY,
             "last_seen": START + 40 * DAY}  # fmt: skip
    found = mates(graders, _honest(100), [fits, other_mix, scripts, later], CampaignConfig())
    assert [m.account for m in found] == ["fits"]
    cohort = cohorts(graders, CampaignConfig())[0]
    assert found[0].first == cohort.members[0] and found[0].fit >= CampaignConfig().likeness_fit
    assert found[0].distance <= CampaignConfig().likeness_distance and found[0].near == 0


def test_no_mates_for_a_common_pattern_a_lone_campaign_or_with_mates_turned_off() -> None:
    rng = np.random.default_rng(8)
    graders = _grader_cohort(rng)
    fits = _sampled(GRADER, {"latin": 1.0}, 200, rng, "fits")
    cfg = CampaignConfig()
    common = [_profile(GRADER, 400, single_turn=1.0, tool_loop=0.0, name=f"p{i}") for i in range(2)]
    assert mates(graders, _honest(98) + common, [fits], cfg) == []
    # one heavy campaign with that pattern: nothing shows its operator spreads it over accounts
    lone = _profile(GRADER, 3000, single_turn=1.0, tool_loop=0.0)
    assert mates([lone], _honest(100), [fits], cfg) == []
    assert mates(graders, _honest(100), [fits], dataclasses.replace(cfg, likeness_mates=False)) == []
    assert len(mates(graders, _honest(100), [fits], cfg)) == 1


def test_an_operators_uncaught_abusers_join_its_cohort_and_do_not_make_its_pattern_common() -> None:
    rng = np.random.default_rng(9)
    graders = _grader_cohort(rng)
    # three accounts in no group asking for the hidden reasoning a few times each; without
    # them in the honest sample, three in a hundred would make the pattern a common one
    uncaught = [_sampled(GRADER, {"latin": 1.0}, 250, rng, f"u{i}") for i in range(3)]
    quiet = _sampled(GRADER, {"latin": 1.0}, 250, rng, "quiet")  # the same pattern, no abuse
    comms = Communities.from_pairs({("h0", "h1"): {"ip": 1.0}})
    harvest = Assessment(abuse=0.0, harvest=0.4, reasons=[])
    light_abuse = Assessment(abuse=0.6, harvest=0.4, reasons=[], abuse_prompts=8)
    assessments = {str(p["g"]): harvest for p in graders + [quiet] + _honest(100)}
    assessments.update({str(p["g"]): light_abuse for p in uncaught})
    assembler = CampaignAssembler()
    assembler.groups(comms, assessments, set())
    convicted = [Campaign(f"C{i:03d}", [str(p["g"])], p, harvest, [], 0.9) for i, p in enumerate(graders)]
    profiles = graders + uncaught + [quiet] + _honest(100)
    joined = assembler.operators(convicted, comms, profiles, assessments, set())
    assert [g.accounts for g in joined] == [sorted([str(p["g"]) for p in graders] + ["u0", "u1", "u2"])]
    assert {a: r.signal for a, r in assembler.related_.items()} == {f"u{i}": "pattern_mate" for i in range(3)}
    # an authorized partner never joins, whatever it asks (and counts as honest use)
    profiles = graders + uncaught + _honest(100)
    joined = assembler.operators(convicted, comms, profiles, assessments, {"u0"})
    assert [g.accounts for g in joined] == [sorted([str(p["g"]) for p in graders] + ["u1", "u2"])]


def test_accounts_on_the_convicted_accounts_proxy_pool_are_no_sample_of_honest_use() -> None:
    rng = np.random.default_rng(10)
    graders = _grader_cohort(rng)
    # three of the operator's heavy accounts that show no abuse follow its pattern: as honest
    # customers would, three in a hundred make it a common one...
    uncaught = [_sampled(GRADER, {"latin": 1.0}, 250, rng, f"u{i}") for i in range(3)]
    harvest = Assessment(abuse=0.0, harvest=0.4, reasons=[])
    profiles = graders + uncaught + _honest(100)
    assessments = {str(p["g"]): harvest for p in profiles}
    convicted = [Campaign(f"C{i:03d}", [str(p["g"])], p, harvest, [], 0.9) for i, p in enumerate(graders)]

    def joined(edges: dict[tuple[str, str], dict[str, float]]) -> list[list[str]]:
        comms = Communities.from_pairs(edges)
        assembler = CampaignAssembler()
        assembler.groups(comms, assessments, set())
        return [g.accounts for g in assembler.operators(convicted, comms, profiles, assessments, set())]

    far = {("h0", "h1"): {"ip": 1.0}}
    assert joined(far) == []
    # ... unless they leave through the exits of the convicted accounts' rotating proxy pool,
    # sharing an address or a /24 with three of them (two are not enough)
    faint = {"net": 0.004}
    assert joined({**far, **{(f"u{i}", f"g{j}"): faint for i in range(3) for j in range(2)}}) == []
    pool = {(f"u{i}", f"g{j}"): faint for i in range(3) for j in range(3)}
    assert joined({**far, **pool}) == [sorted(str(p["g"]) for p in graders)]
