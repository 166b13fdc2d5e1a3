"""The online accumulator produces the batch profile SQL's numbers for the same rows."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pyarrow as pa
import pytest
from builders import SCHEMA, T0

from stillwatch.accounts.evidence import BehaviourScorer
from stillwatch.accounts.features import ALL_CATEGORIES, BehaviourProfiler
from stillwatch.accounts.stream import KMV, OnlineBehaviour, ProfileAccumulator
from stillwatch.engine import DuckDBEngine

NOT_ONLINE = {"g", "pivot_share", "pivot_model"}


def _rows(seed: int = 3) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for a in ("acct-a", "acct-b", "acct-c"):
        t = T0 + dt.timedelta(minutes=rnd.randrange(600))
        created = T0 - dt.timedelta(days=rnd.choice([1, 30]))
        for i in range(rnd.randrange(40, 90)):
            t += dt.timedelta(seconds=rnd.choice([5, 60, 3600, 20000]))
            rows.append({
                "id": f"{a}-{i}", "time": t, "account": a,
                "model": rnd.choice(["m1", "m2"]),
                "org": rnd.choice([None, "org-1", "org-2"]),
                "account_created": created,
                "client_ip": rnd.choice(["10.0.0.1", "10.0.0.2", None]),
                "asn": rnd.choice([64500, 64501, None]),
                "user_agent": rnd.choice(["ua/1", "ua/2"]),
                "end_user": rnd.choice([None, "u1", "u2", "u3"]),
                "max_tokens": rnd.choice([None, 256, 4096, 8000]),
                "n": rnd.choice([None, 1, 3]),
                "logprobs": rnd.choice([None, True, False]),
                "top_logprobs": rnd.choice([None, 0, 2]),
                "reasoning_effort": rnd.choice([None, "low", "high"]),
                "n_assistant": rnd.choice([0, 0, 2]),
                "n_tool": rnd.choice([None, 0, 1]),
                "input_tokens": rnd.randrange(100),
                "output_tokens": rnd.choice([None, 10, 500]),
                "reasoning_tokens": rnd.choice([None, 50]),
                "status": rnd.choice([None, 200, 429]),
                "template_id": rnd.choice([None, 11, 12, 13, 13, 13]),
                "category": rnd.choice(ALL_CATEGORIES),
                "elicit_score": rnd.choice([None, 0.1, 0.7]),
                "extract_score": rnd.choice([None, 0.2, 0.9]),
            })
    return rows


def _batch(rows: list[dict]) -> tuple[dict[str, dict], dict[str, int]]:
    con = duckdb.connect()
    con.register("_rows", pa.Table.from_pylist(rows, schema=SCHEMA))
    con.execute("CREATE TABLE exchanges AS SELECT * FROM _rows")
    engine = DuckDBEngine(con)
    profiler = BehaviourProfiler()
    profiler.prepare(engine)
    seen = {r["model"]: r["max_tokens_seen"] for r in engine.sql("SELECT * FROM sw_models").to_pylist()}
    return {p["g"]: p for p in profiler.transform(engine).to_pylist()}, seen


def _same(online: dict, batch: dict, skip: set[str] = frozenset()) -> None:
    for key, want in batch.items():
        if key in NOT_ONLINE or key in skip:
            continue
        got = online[key]
        if isinstance(want, float):
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), key
        else:
            assert got == want, key


def test_accumulator_matches_batch_profile_sql() -> None:
    rows = _rows()
    batch, seen = _batch(rows)
    accs: dict[str, ProfileAccumulator] = {}
    for r in rows:
        accs.setdefault(r["account"], ProfileAccumulator()).update(r)
    assert set(accs) == set(batch)
    for a, acc in accs.items():
        online = acc.get(seen)
        assert set(batch[a]) - NOT_ONLINE <= set(online)
        _same(online, batch[a])


def test_merge_equals_one_accumulator_fed_both() -> None:
    rows = [r for r in _rows(5) if r["account"] == "acct-a"]
    whole, left, right = ProfileAccumulator(), ProfileAccumulator(), ProfileAccumulator()
    for i, r in enumerate(rows):
        whole.update(r)
        (left if i % 2 else right).update(r)
    merged = left.merge(right).get()
    _same(merged, whole.get(), skip={"gap_cv"})  # boundary gaps are not known to either half


def test_assess_online_is_the_batch_assessment() -> None:
    rows = _rows(7)
    batch, seen = _batch(rows)
    scorer = BehaviourScorer().fit(list(batch.values()))
    model = OnlineBehaviour(scorer)
    for r in rows:
        model.learn_one(r)
    for a, p in batch.items():
        assert model.assess(a, seen).reasons == scorer.assess(p).reasons
        assert model.assess(a, seen).score == pytest.approx(scorer.assess(p).score)


def test_kmv_estimates_beyond_k_and_ignores_none() -> None:
    s = KMV(k=64)
    for i in range(5000):
        s.add(f"v{i}")
        s.add(None)
    assert 5000 * 0.7 < s.count() < 5000 * 1.3
    assert len(s.hashes) == 64


def test_memory_bounded_for_many_templates() -> None:
    acc = ProfileAccumulator(k=32)
    for i in range(1000):
        acc.update({"account": "a", "model": "m", "time": T0 + dt.timedelta(seconds=i),
                    "template_id": i % 500, "max_tokens": i})
    assert len(acc.template_counts) <= 32 and len(acc.max_tokens["m"]) <= 33
    assert acc.get()["top_template_count"] >= 2


def test_state_through_json_then_merge_equals_one_accumulator() -> None:
    import orjson

    rows = [r for r in _rows(11) if r["account"] == "acct-a"]
    whole, left, right = ProfileAccumulator(), ProfileAccumulator(), ProfileAccumulator()
    for i, r in enumerate(rows):
        whole.update(r)
        (left if i % 3 else right).update(r)
    thaw = lambda acc: ProfileAccumulator.from_state(orjson.loads(orjson.dumps(acc.to_state())))  # noqa: E731
    assert thaw(whole).get() == whole.get()
    merged = ProfileAccumulator().merge(thaw(left)).merge(thaw(right)).get()
    _same(merged, whole.get(), skip={"gap_cv"})
