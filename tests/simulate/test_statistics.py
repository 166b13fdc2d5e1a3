"""The traffic has the shape the scenario asks for: tails, cycles, shares, pivots, hard cases."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

import numpy as np

from stillwatch.simulate import load_scenario
from stillwatch.simulate._tables import COUNTRIES


def _kinds(run) -> dict[str, str]:
    return {x["account"]: x["kind"] for x in run.labels()}


def _ts(rec) -> float:
    return datetime.fromisoformat(rec["time"].replace("Z", "+00:00")).timestamp()


def test_per_account_volume_is_heavy_tailed(wide_run) -> None:
    kinds = _kinds(wide_run)
    counts = Counter(r["account"] for r in wide_run.records() if kinds[r["account"]] == "individual")
    v = np.sort(np.array(list(counts.values())))[::-1]
    assert len(v) > 100
    top = v[: max(1, len(v) // 10)].sum() / v.sum()
    assert top > 0.35, f"top decile of individuals sends only {top:.0%}"
    assert v[0] > 10 * np.median(v)


def test_legit_traffic_follows_a_local_daily_cycle_and_hydra_does_not(small_run) -> None:
    kinds = _kinds(small_run)
    hours: dict[str, Counter[int]] = defaultdict(Counter)
    for r in small_run.records():
        kind = kinds[r["account"]]
        if kind in ("individual", "hydra"):
            h = int((_ts(r) / 3600 + COUNTRIES.get(r["country"], (0, 0.0))[1]) % 24)
            hours[kind][h] += 1
    day = sum(hours["individual"][h] for h in range(9, 18)) / 9
    night = sum(hours["individual"][h] for h in range(1, 6)) / 5
    assert day > 3 * night
    # Hydra runs 24/7 (its proxy addresses' countries are random, so take UTC hours).
    utc = Counter(int(_ts(r) / 3600) % 24 for r in small_run.records() if kinds[r["account"]] == "hydra")
    assert min(utc.values()) > 0.4 * max(utc.values())


def test_campaign_shares_match_the_scenario(wide_run) -> None:
    scenario = load_scenario("reported-2026")
    total = sum(g.exchanges for g in scenario.groups)
    expected: Counter[str] = Counter()
    for g in scenario.groups:
        expected[g.campaign or g.label] += g.exchanges / total
    got: Counter[str] = Counter()
    for cid, c in wide_run.summary.campaigns.items():
        got[cid] = c["exchanges"] / wide_run.summary.exchanges
    for cid in wide_run.summary.campaigns:
        if expected[cid] * wide_run.summary.exchanges > 2000:
            assert abs(got[cid] - expected[cid]) < 0.2 * expected[cid], (cid, got[cid], expected[cid])


def test_capabilities_follow_the_campaign_tasks(small_run) -> None:
    scenario = load_scenario("reported-2026")
    for cid, c in small_run.summary.campaigns.items():
        configured = {t.capability for g in scenario.groups if g.campaign == cid for t in g.tasks}
        assert set(c["capabilities"]) <= configured
        assert abs(sum(c["capabilities"].values()) - 1.0) < 1e-3
    hydra = small_run.summary.campaigns["c3-hydra"]["capabilities"]
    assert hydra["agentic_coding"] > 0.4


def test_hydra_pivots_half_its_traffic_to_the_new_model_within_a_day(small_run) -> None:
    scenario = load_scenario("reported-2026")
    release = scenario.model("lumen-sonnet-4.6").released
    kinds = _kinds(small_run)
    before, after, legit_first_day = Counter(), Counter(), Counter()
    for r in small_run.records():
        t, kind, new = _ts(r), kinds[r["account"]], r["model"] == "lumen-sonnet-4.6"
        if kind == "hydra":
            (before if t < release else after if t > release + 86_400 else Counter())[new] += 1
        elif kind == "individual" and release < t < release + 86_400:
            legit_first_day[new] += 1
    assert before[True] == 0
    share = after[True] / sum(after.values())
    assert 0.35 < share < 0.65, share
    assert legit_first_day[True] / max(1, sum(legit_first_day.values())) < 0.2


def test_synchronised_campaign_fires_in_waves(small_run) -> None:
    kinds = _kinds(small_run)
    minutes = Counter(int(_ts(r) // 600) for r in small_run.records() if kinds[r["account"]] == "reasoning_rubric")
    n = sum(minutes.values())
    assert n > 20
    busiest = sorted(minutes.values(), reverse=True)
    # Six ~25-minute waves a day: 14 days fit in under 300 ten-minute slots of 2016.
    assert sum(busiest[:300]) > 0.95 * n


def test_hard_cases_look_like_what_they_are(wide_run) -> None:
    kinds = _kinds(wide_run)
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in wide_run.records():
        by_kind[kinds[r["account"]]].append(r)
    per_ip: dict[str, set[str]] = defaultdict(set)
    for r in by_kind["campus_nat"]:
        per_ip[r["client_ip"]].add(r["account"])
    assert np.mean([len(a) for a in per_ip.values()]) >= 3  # many students behind each address
    resellers = by_kind["reseller"]
    assert all(r["access_route"].startswith("reseller:") for r in resellers)
    assert len({r["end_user"] for r in resellers}) > 50
    evals = by_kind["eval_harness"]
    assert all(r["params"]["temperature"] == 0.0 for r in evals)
    prompts: dict[str, set[str]] = defaultdict(set)
    for r in evals:
        prompts[r["messages"][-1]["content"]].add(r["model"])
    assert max(len(m) for m in prompts.values()) >= 2
    batch_prefix: dict[str, set[str]] = defaultdict(set)
    for r in by_kind["enterprise_batch"]:
        batch_prefix[r["org"]].add(r["messages"][-1]["content"][:40])
    assert all(len(p) == 1 for p in batch_prefix.values())
    systems: dict[str, set[str]] = defaultdict(set)
    for r in by_kind["agent_product"]:
        systems[r["org"]].add(r["messages"][0]["content"])
    assert all(len(s) == 1 for s in systems.values())
    tool_turns = [r for r in by_kind["agent_product"] if any(m["role"] == "tool" for m in r["messages"])]
    assert tool_turns
    statuses = Counter(r["status"] for r in wide_run.records())
    assert statuses[429] > 0 and statuses[200] > 0.95 * sum(statuses.values())


def test_campaign_requests_elicit_reasoning_and_long_outputs(wide_run) -> None:
    kinds = _kinds(wide_run)
    labels = {x["account"]: x["label"] for x in wide_run.labels()}
    out: dict[str, list[int]] = defaultdict(list)
    for r in wide_run.records():
        if r["status"] == 200:
            out[labels[r["account"]]].append(r["output_tokens"])
    assert np.mean(out["campaign"]) > np.mean(out["legit"]) * 0.5
    cot = [r for r in wide_run.records() if kinds[r["account"]] == "multilingual_reasoning"]
    non_latin = [r for r in cot if any(ord(ch) > 0x2E80 for ch in r["messages"][-1]["content"][:400])]
    assert cot and len(non_latin) > 0.2 * len(cot)
