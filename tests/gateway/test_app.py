"""The proxy end to end, in-process: identity, audit, policy actions, failures."""

from __future__ import annotations

import dataclasses

import orjson
import pytest
from gateway_helpers import ADMIN, account_of

from stillwatch.gateway.config import Rule, load_gateway_config

pytestmark = pytest.mark.anyio


async def test_forwards_and_audits_exchange_v1(make_gateway, spec_dir) -> None:
    import jsonschema

    async with make_gateway() as h:
        r = await h.chat(temperature=0.2, max_tokens=100)
        assert r.status_code == 200
        assert r.json()["choices"][0]["message"]["content"] == "echo: What is 2+2?"
        records = h.audit()
    assert len(records) == 1
    rec = records[0]
    schema = orjson.loads((spec_dir / "exchange.schema.json").read_bytes())
    jsonschema.validate(rec, schema)
    assert rec["account"] == account_of("sk-alice")
    assert rec["response"] == "echo: What is 2+2?"
    assert rec["params"] == {"temperature": 0.2, "max_tokens": 100}
    assert rec["client_ip"] == "203.0.113.7" and rec["status"] == 200
    assert rec["output_tokens"] == 30 and rec["reasoning_tokens"] == 18
    assert "sk-alice" not in orjson.dumps(rec).decode()


async def test_api_key_never_in_audit_or_forwarded_when_upstream_key_set(make_gateway) -> None:
    async with make_gateway() as h:
        await h.chat(key="sk-secret-caller")
        raw = b"".join(p.read_bytes() for p in h.audit_dir.glob("*.jsonl"))
    assert b"sk-secret-caller" not in raw


async def test_missing_key_is_401(make_gateway) -> None:
    async with make_gateway() as h:
        r = await h.chat(key=None)
    assert r.status_code == 401 and r.json()["error"]["type"] == "missing_api_key"


@pytest.mark.parametrize(
    ("content", "status", "kind", "fragment"),
    [
        (b"{not json", 400, "invalid_json", "not valid JSON"),
        (b"[1, 2]", 400, "invalid_request", "JSON object"),
        (b'{"model": "m", "messages": "hi"}', 400, "invalid_request", "'messages' must be an array"),
        (b'{"model": 3, "messages": []}', 400, "invalid_request", "'model'"),
        (b'{"model": "m", "messages": [], "temperature": "hot"}', 400, "invalid_request",
         "params.temperature must be a number"),
        (b'{"model": "m", "messages": [{"role": "wizard", "content": "x"}]}', 400,
         "invalid_request", "role must be one of"),
    ],
)
async def test_malformed_requests_get_clear_4xx(make_gateway, content, status, kind, fragment) -> None:
    async with make_gateway() as h:
        r = await h.client.post("/v1/chat/completions", content=content,
                                headers={"authorization": "Bearer k", "content-type": "application/json"})
        again = await h.chat()  # the process is still serving
    assert r.status_code == status
    err = r.json()["error"]
    assert err["type"] == kind and fragment in err["message"]
    assert again.status_code == 200


async def test_body_over_limit_is_413(make_gateway) -> None:
    cfg = dataclasses.replace(load_gateway_config(), max_body_bytes=1000)
    async with make_gateway(config=cfg) as h:
        r = await h.chat(messages=[{"role": "user", "content": "x" * 5000}])
    assert r.status_code == 413 and r.json()["error"]["type"] == "request_too_large"


async def test_campaign_verdict_blocks_and_is_counted(make_gateway) -> None:
    acct = account_of("sk-mallory")
    async with make_gateway(results={acct: ("campaign", "C1")}) as h:
        r = await h.chat(key="sk-mallory")
        ok = await h.chat(key="sk-alice")
        metrics = (await h.client.get("/metrics")).text
        records = h.audit()
    assert r.status_code == 403 and r.json()["error"]["type"] == "blocked"
    assert ok.status_code == 200
    assert 'stillwatch_gateway_actions_total{action="block",rule="campaign"} 1.0' in metrics
    blocked = [x for x in records if x["account"] == acct]
    assert blocked[0]["status"] == 403 and blocked[0]["x_gateway"]["action"] == "block"
    assert blocked[0]["x_gateway"]["campaign"] == "C1"


async def test_verify_body_is_documented_shape(make_gateway) -> None:
    cfg = load_gateway_config()
    cfg = dataclasses.replace(cfg, policy={**cfg.policy, "suspicious": Rule(action="verify")})
    acct = account_of("sk-sus")
    async with make_gateway(config=cfg, results={acct: ("suspicious", None)}) as h:
        r = await h.chat(key="sk-sus")
    assert r.status_code == 403
    assert r.json()["error"]["type"] == "verification_required"
    assert r.json()["error"]["code"] == "verification_required"


async def test_throttle_by_requests_then_429_with_retry_after(make_gateway) -> None:
    cfg = load_gateway_config()
    rule = Rule(action="throttle", requests_per_minute=3)
    cfg = dataclasses.replace(cfg, policy={**cfg.policy, "suspicious": rule})
    acct = account_of("sk-sus")
    async with make_gateway(config=cfg, results={acct: ("suspicious", None)}) as h:
        codes = [(await h.chat(key="sk-sus")).status_code for _ in range(5)]
        last = await h.chat(key="sk-sus")
        other = await h.chat(key="sk-alice")
    assert codes == [200, 200, 200, 429, 429]
    assert int(last.headers["retry-after"]) >= 1 and last.json()["error"]["type"] == "rate_limited"
    assert other.status_code == 200


async def test_throttle_by_output_tokens(make_gateway) -> None:
    cfg = load_gateway_config()
    rule = Rule(action="throttle", output_tokens_per_minute=50)  # mock serves 30 per call
    cfg = dataclasses.replace(cfg, policy={**cfg.policy, "suspicious": rule})
    acct = account_of("sk-sus")
    async with make_gateway(config=cfg, results={acct: ("suspicious", None)}) as h:
        codes = []
        for _ in range(4):
            codes.append((await h.chat(key="sk-sus")).status_code)
            for t in list(h.gateway._tasks):
                await t
    assert codes == [200, 200, 429, 429]


async def test_campaign_bucket_is_shared_by_its_accounts(make_gateway) -> None:
    cfg = load_gateway_config()
    rule = Rule(action="throttle", campaign_requests_per_minute=2)
    cfg = dataclasses.replace(cfg, policy={**cfg.policy, "campaign": rule})
    a, b = account_of("sk-a"), account_of("sk-b")
    async with make_gateway(config=cfg, results={a: ("campaign", "C1"), b: ("campaign", "C1")}) as h:
        codes = [(await h.chat(key=k)).status_code for k in ("sk-a", "sk-b", "sk-a", "sk-b")]
    assert codes == [200, 200, 429, 429]


async def test_caps_parameters(make_gateway) -> None:
    acct = account_of("sk-sus")
    async with make_gateway(results={acct: ("suspicious", None)}) as h:
        r = await h.chat(key="sk-sus", max_tokens=100000, n=4, logprobs=True, top_logprobs=5)
        sent = orjson.loads(h.upstream.requests[-1]["body"])
        records = h.audit()
    assert r.status_code == 200
    assert sent["max_tokens"] == 8192 and sent["n"] == 1
    assert "logprobs" not in sent and "top_logprobs" not in sent
    assert records[-1]["params"]["max_tokens"] == 8192


async def test_reasoning_withheld_non_streaming(make_gateway) -> None:
    cfg = load_gateway_config()
    cfg = dataclasses.replace(cfg, policy={**cfg.policy, "suspicious": Rule(reasoning="withhold")})
    acct = account_of("sk-sus")
    async with make_gateway(config=cfg, results={acct: ("suspicious", None)}) as h:
        r = await h.chat(key="sk-sus")
        plain = await h.chat(key="sk-alice")
        records = h.audit()
    msg = r.json()["choices"][0]["message"]
    assert "reasoning_content" not in msg and msg["content"].startswith("echo:")
    assert int(r.headers["content-length"]) == len(r.content)
    assert "reasoning_content" in plain.json()["choices"][0]["message"]
    assert "reasoning" not in records[0] and records[0]["reasoning_tokens"] == 18
    assert records[0]["x_gateway"]["reasoning"] == "withhold"


async def test_reasoning_summarised_streaming(make_gateway) -> None:
    acct = account_of("sk-sus")
    async with make_gateway(results={acct: ("suspicious", None)}) as h:  # default: summarise
        r = await h.chat(key="sk-sus", stream=True)
        records = h.audit()
    events = [orjson.loads(line[6:]) for line in r.text.split("\n\n")
              if line.startswith("data: {")]
    reasoning = [c["choices"][0]["delta"].get("reasoning_content") for c in events if c["choices"]]
    shown = [x for x in reasoning if x]
    assert len(shown) == 1 and shown[0].endswith("[reasoning summarised by the gateway]")
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in events if c["choices"])
    assert content.strip() == "echo: What is 2+2?"
    assert r.text.rstrip().endswith("data: [DONE]")
    assert records[0]["response"].strip() == "echo: What is 2+2?"
    assert records[0]["reasoning"].endswith("[reasoning summarised by the gateway]")


async def test_streaming_passthrough_counts_usage(make_gateway) -> None:
    async with make_gateway() as h:
        r = await h.chat(stream=True, stream_options={"include_usage": True})
        records = h.audit()
    assert "reasoning_content" in r.text
    assert records[0]["output_tokens"] == 30 and records[0]["reasoning"].startswith("First I read")


@pytest.mark.parametrize("stream", [False, True])
async def test_responses_endpoint_withholds_reasoning(make_gateway, stream) -> None:
    cfg = load_gateway_config()
    cfg = dataclasses.replace(cfg, policy={**cfg.policy, "suspicious": Rule(reasoning="withhold")})
    acct = account_of("sk-sus")
    async with make_gateway(config=cfg, results={acct: ("suspicious", None)}) as h:
        r = await h.client.post("/v1/responses", json={"model": "m", "input": "hello", "stream": stream},
                                headers={"authorization": "Bearer sk-sus"})
        records = h.audit()
    assert r.status_code == 200
    assert "First I read" not in r.text and "echo: hello" in r.text
    assert records[0]["response"].strip() == "echo: hello"
    assert records[0]["messages"] == [{"role": "user", "content": "hello"}]


async def test_completions_endpoint(make_gateway) -> None:
    async with make_gateway() as h:
        r = await h.client.post("/v1/completions", json={"model": "m", "prompt": "Once", "logprobs": 2},
                                headers={"authorization": "Bearer k"})
        rec = h.audit()[0]
    assert r.status_code == 200
    assert rec["response"] == "echo: Once" and rec["params"]["top_logprobs"] == 2


async def test_authorized_is_exempt(make_gateway) -> None:
    acct = account_of("sk-lab")
    async with make_gateway(results={acct: ("authorized", None)}) as h:
        r = await h.chat(key="sk-lab", max_tokens=100000, n=3)
        sent = orjson.loads(h.upstream.requests[-1]["body"])
    assert r.status_code == 200 and sent["max_tokens"] == 100000 and sent["n"] == 3


async def test_passthrough_paths_and_metrics(make_gateway) -> None:
    async with make_gateway() as h:
        models = await h.client.get("/v1/models")
        await h.chat()
        metrics = await h.client.get("/metrics")
    assert models.json()["data"][0]["id"] == "mock-1"
    assert 'stillwatch_gateway_requests_total{endpoint="chat",status="200"} 1.0' in metrics.text
    assert "stillwatch_gateway_audit_records_total 1.0" in metrics.text


async def test_fail_open_and_fail_closed(make_gateway) -> None:
    class Broken:
        def score_of(self, account: str) -> float:
            raise RuntimeError("scorer down")

    async with make_gateway(scorer=Broken()) as h:
        r = await h.chat()
    assert r.status_code == 200
    cfg = dataclasses.replace(load_gateway_config(), fail_open=False)
    async with make_gateway(config=cfg, scorer=Broken()) as h:
        r = await h.chat()
    assert r.status_code == 503 and r.json()["error"]["type"] == "scoring_unavailable"


async def test_admin_requires_token(make_gateway) -> None:
    async with make_gateway() as h:
        r = await h.client.get("/admin/verdicts")
        bad = await h.client.get("/admin/verdicts", headers={"authorization": "Bearer nope"})
    assert r.status_code == 401 and bad.status_code == 401


async def test_admin_override_authorized_reload(make_gateway, tmp_path) -> None:
    from gateway_helpers import write_results

    auth = {"authorization": f"Bearer {ADMIN}"}
    acct = account_of("sk-eve")
    async with make_gateway(results={}) as h:
        assert (await h.chat(key="sk-eve")).status_code == 200
        r = await h.client.post("/admin/override", json={"account": acct, "action": "block"}, headers=auth)
        assert r.status_code == 200
        assert (await h.chat(key="sk-eve")).status_code == 403
        await h.client.post("/admin/override", json={"account": acct, "action": None}, headers=auth)
        assert (await h.chat(key="sk-eve")).status_code == 200
        # a scan result written now is enforced after a reload
        write_results(tmp_path / "results", {acct: ("campaign", "C9")})
        await h.client.post("/admin/reload", headers=auth)
        assert (await h.chat(key="sk-eve")).status_code == 403
        await h.client.post("/admin/authorized", json={"name": acct}, headers=auth)
        assert (await h.chat(key="sk-eve")).status_code == 200
        listed = (await h.client.get("/admin/authorized", headers=auth)).json()
        actions = (await h.client.get("/admin/actions", headers=auth)).json()["actions"]
        one = (await h.client.get(f"/admin/verdicts?account={acct}", headers=auth)).json()
        who = (await h.client.post("/admin/account", json={"api_key": "sk-eve"}, headers=auth)).json()
        bad = await h.client.post("/admin/override", json={"account": acct, "action": "nuke"}, headers=auth)
    assert listed["authorized"] == [acct]
    assert [a["action"] for a in actions][:2] == ["block", "block"]
    assert one["verdict"] == "campaign" and one["campaign"] == "C9"
    assert who["account"] == acct
    assert bad.status_code == 400


async def test_hot_reload_without_admin_call(make_gateway, tmp_path) -> None:
    import asyncio

    from gateway_helpers import write_results

    acct = account_of("sk-late")
    async with make_gateway(results={}) as h:
        assert (await h.chat(key="sk-late")).status_code == 200
        write_results(tmp_path / "results", {acct: ("campaign", "C2")})
        for _ in range(100):
            await asyncio.sleep(0.02)
            if h.gateway.book.get(acct) is not None:
                break
        assert (await h.chat(key="sk-late")).status_code == 403


async def test_inherits_campaign_risk_by_payment_fingerprint(make_gateway) -> None:
    cfg = dataclasses.replace(load_gateway_config(),
                              trusted_headers={"x-payment-fingerprint": "payment_fingerprint"})
    cfg = dataclasses.replace(cfg, policy={**cfg.policy, "campaign": Rule(action="flag")})
    member = account_of("sk-member")
    async with make_gateway(config=cfg, results={member: ("campaign", "C1")}) as h:
        hdr = {"authorization": "Bearer sk-member", "x-payment-fingerprint": "card-77"}
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        assert (await h.client.post("/v1/chat/completions", json=body, headers=hdr)).status_code == 200
        for t in list(h.gateway._tasks):
            await t
        newcomer = {"authorization": "Bearer sk-new", "x-payment-fingerprint": "card-77"}
        r = await h.client.post("/v1/chat/completions", json=body, headers=newcomer)
        stranger = {"authorization": "Bearer sk-other", "x-payment-fingerprint": "card-1"}
        s = await h.client.post("/v1/chat/completions", json=body, headers=stranger)
    assert r.status_code == 403 and r.json()["error"]["type"] == "verification_required"
    assert s.status_code == 200


async def test_watermark_header_only_for_rules_that_ask(make_gateway) -> None:
    cfg = load_gateway_config()
    cfg = dataclasses.replace(cfg, watermark_key_id="k1", policy={
        **cfg.policy, "suspicious": dataclasses.replace(cfg.policy["suspicious"], watermark=True)})
    sus = account_of("sk-sus")
    async with make_gateway(config=cfg, results={sus: ("suspicious", None)}) as h:
        await h.chat(key="sk-sus")
        flagged = h.upstream.requests[-1]["headers"]
        # a caller can neither ask for the watermark nor strip it
        await h.client.post("/v1/chat/completions", json={"model": "m1", "messages": []},
                            headers={"authorization": "Bearer sk-alice", "x-stillwatch-watermark": "k1"})
        legit = h.upstream.requests[-1]["headers"]
        records = h.audit()
    assert flagged[b"x-stillwatch-watermark"] == b"k1"
    assert b"x-stillwatch-watermark" not in legit
    assert records[0]["x_gateway"]["watermark"] == "k1"
    assert "watermark" not in records[1]["x_gateway"]


def test_watermark_is_off_by_default() -> None:
    cfg = load_gateway_config()
    assert not any(rule.watermark for rule in (*cfg.policy.values(), *cfg.score))
