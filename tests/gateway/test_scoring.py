"""Online scoring off the request path: micro-batches through the batch kernels."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import orjson
import pyarrow as pa
import pytest
from gateway_helpers import account_of

from stillwatch.gateway.config import Rule, load_gateway_config
from stillwatch.gateway.score_runner import ProcessScoring
from stillwatch.gateway.scoring import OnlineScorer
from stillwatch.ingest.normalize import normalize_record
from stillwatch.signals import annotate
from stillwatch.signals.template import TemplateFingerprint
from stillwatch.types import EXCHANGE_SCHEMA


def _record(i: int, account: str = "a", prompt: str | None = None) -> dict:
    return {"id": f"r{i}", "time": 1_767_000_000 + i, "account": account, "model": "m",
            "messages": [{"role": "user", "content": prompt or f"Solve for x: {i}x + 7 = 22. Explain."}],
            "response": "x = 1", "status": 200, "output_tokens": 10}


def test_rows_are_what_the_batch_path_annotates() -> None:
    sig = TemplateFingerprint()
    records = [_record(i) for i in range(5)] + [_record(9, prompt="Write a haiku about frogs.")]
    rows = OnlineScorer(signals=[sig]).rows(records)
    batch = pa.RecordBatch.from_pylist([normalize_record(r, "t") for r in records], schema=EXCHANGE_SCHEMA)
    expected = annotate(batch, [sig]).column("template_id").to_pylist()
    assert [r["template_id"] for r in rows] == expected
    assert len(set(expected[:5])) == 1 and expected[5] != expected[0]


def test_observe_batch_scores_each_account_once_and_reports_templates() -> None:
    scorer = OnlineScorer(signals=[TemplateFingerprint()])
    update = scorer.observe_batch([_record(i, account="a" if i % 2 else "b") for i in range(6)]
                                  + [{"id": "bad", "account": "a"}])
    assert update.rows == 6 and update.bad == 1 and "bad" in update.errors[0]
    assert set(update.scores) == {"a", "b"} and scorer.exchanges_of("a") == 3
    assert sum(update.templates.values()) == 6 and {a for a, _ in update.templates} == {"a", "b"}


def test_a_failing_signal_leaves_the_others() -> None:
    class Flaky(TemplateFingerprint):
        def score_batch(self, batch):
            if batch.num_rows > 1:
                raise RuntimeError("boom")
            return super().score_batch(batch)

    update = OnlineScorer(signals=[Flaky()]).observe_batch([_record(1), _record(2)])
    assert update.rows == 2 and any("boom" in e for e in update.errors)


pytestmark = pytest.mark.anyio


async def test_gateway_scores_in_micro_batches_off_the_request_path(make_gateway) -> None:
    cfg = dataclasses.replace(load_gateway_config(), score_batch_ms=20.0)
    async with make_gateway(config=cfg) as h:
        for _ in range(3):
            assert (await h.chat()).status_code == 200
        assert h.gateway.scoring.exchanges_of(account_of("sk-alice")) == 0  # not yet scored
        deadline = time.monotonic() + 5
        while h.gateway.scoring.scored < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert h.gateway.scoring.exchanges_of(account_of("sk-alice")) == 3
        assert h.gateway.scoring.batches <= 2
        r = await h.client.get("/admin/verdicts", params={"account": account_of("sk-alice")},
                               headers={"authorization": "Bearer admin-token-for-tests"})
    assert r.json()["online_exchanges"] == 3


async def test_new_account_on_a_campaign_template_inherits_its_risk(make_gateway) -> None:
    cfg = load_gateway_config()
    cfg = dataclasses.replace(cfg, policy={**cfg.policy, "campaign": Rule(action="flag")})
    member = account_of("sk-member")
    async with make_gateway(config=cfg, results={member: ("campaign", "C1")},
                            scorer=OnlineScorer(signals=[TemplateFingerprint()])) as h:

        async def settle() -> None:
            h.gateway.scoring.flush()
            for t in list(h.gateway._tasks):
                await t

        for i in range(2):
            msgs = [{"role": "user", "content": f"Solve for x: {i + 3}x + 7 = 22. Explain."}]
            assert (await h.chat(key="sk-member", messages=msgs)).status_code == 200
        await settle()
        codes = []
        for i in range(5):
            msgs = [{"role": "user", "content": f"Solve for x: {i + 40}x + 1 = 9. Explain."}]
            codes.append((await h.chat(key="sk-new", messages=msgs)).status_code)
            await settle()
        other = await h.chat(key="sk-other", messages=[{"role": "user", "content": "A haiku about rain?"}])
    assert codes[:3] == [200, 200, 200] and codes[3:] == [403, 403]
    assert other.status_code == 200


@pytest.mark.slow
async def test_process_scoring_worker_scores_and_exits_cleanly() -> None:
    scoring = ProcessScoring({"batch_ms": 20})
    await scoring.start()
    try:
        await asyncio.wait_for(scoring.ready.wait(), 60)
        for i in range(20):
            rec = _record(i, account=f"acct{i % 2}")
            scoring.submit(rec, orjson.dumps(rec) + b"\n")
        scoring.submit({}, b"not json\n")
        deadline = time.monotonic() + 30
        while scoring.scored < 20 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert scoring.scored == 20 and scoring.exchanges_of("acct0") == 10
        assert scoring.pending == 0  # the bad line was answered too
    finally:
        await scoring.stop()
    assert scoring.proc is not None and scoring.proc.returncode == 0
