"""The guardrail inside a real LiteLLM proxy process, in front of the mock upstream."""

from __future__ import annotations

import time

import httpx
import orjson
import pytest
from gateway_helpers import read_audit, write_results
from litellm_env import litellm_venv, start_litellm, write_config
from procs import free_port, start_upstream, stop

from stillwatch.ingest.normalize import loads_row

pytestmark = pytest.mark.slow

POLICY = """
[gateway]
reload_seconds = 0.2
score_process = false
[policy.suspicious]
action = "throttle"
requests_per_minute = 4
max_tokens = 5
reasoning = "withhold"
"""


def _chat(port: int, key: str, prompt: str, **extra: object) -> httpx.Response:
    body = {"model": "m1", "messages": [{"role": "user", "content": prompt}], **extra}
    return httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body,
                      headers={"authorization": f"Bearer {key}"}, timeout=30)


def _stream(port: int, key: str, prompt: str) -> tuple[int, list[dict]]:
    body = {"model": "m1", "stream": True, "messages": [{"role": "user", "content": prompt}]}
    with httpx.stream("POST", f"http://127.0.0.1:{port}/v1/chat/completions", json=body,
                      headers={"authorization": f"Bearer {key}"}, timeout=30) as r:
        events = [orjson.loads(line[5:]) for line in r.iter_lines()
                  if line.startswith("data:") and line.strip() != "data: [DONE]"]
        return r.status_code, events


def _reasoning(events: list[dict]) -> str:
    return "".join(c["delta"].get("reasoning_content") or "" for e in events for c in e.get("choices", []))


def test_guardrail_in_a_real_litellm_proxy(tmp_path) -> None:
    venv = litellm_venv()
    up_port, port = free_port(), free_port()
    up = start_upstream(up_port)
    (tmp_path / "policy.toml").write_text(POLICY)
    results = tmp_path / "results"
    write_results(results, {})
    audit = tmp_path / "audit"
    cfg = write_config(tmp_path, up_port, audit=str(audit), results=str(results),
                       config=str(tmp_path / "policy.toml"))
    proxy = start_litellm(venv, cfg, port)
    try:
        # Unknown accounts pass, reasoning included: learn their account ids from the log.
        names = {"sk-ok": "ok", "sk-sus": "sus", "sk-bad": "bad"}
        first = {key: _chat(port, key, f"hello from {name}") for key, name in names.items()}
        assert all(r.status_code == 200 for r in first.values())
        assert first["sk-ok"].json()["choices"][0]["message"]["reasoning_content"]
        time.sleep(0.5)
        ids = {rec["messages"][0]["content"].split()[-1]: rec["account"] for rec in read_audit(audit)}
        write_results(results, {ids["sus"]: ("suspicious", None), ids["bad"]: ("campaign", "C1")})
        deadline, blocked = time.monotonic() + 15, None
        while time.monotonic() < deadline:
            blocked = _chat(port, "sk-bad", "again")
            if blocked.status_code == 403:
                break
            time.sleep(0.2)
        assert blocked is not None and blocked.status_code == 403
        assert "blocked" in blocked.text
        # Suspicious: reasoning withheld (plain and streaming), max_tokens capped, 4 a minute.
        plain = _chat(port, "sk-sus", "plain", max_tokens=100)
        status, events = _stream(port, "sk-sus", "streamed")
        ok_status, ok_events = _stream(port, "sk-ok", "streamed ok")
        more = [_chat(port, "sk-sus", f"more {i}").status_code for i in range(3)]
        time.sleep(1.0)  # logging hooks run after the response
    finally:
        log = stop(proxy)
        stop(up)
    assert plain.status_code == 200, log
    message = plain.json()["choices"][0]["message"]
    assert message["content"] == "echo: plain" and not message.get("reasoning_content")
    assert status == 200 and "".join(c["delta"].get("content") or "" for e in events
                                     for c in e["choices"]).startswith("echo: streamed")
    assert _reasoning(events) == ""
    assert ok_status == 200 and _reasoning(ok_events)  # the mock does send reasoning
    assert more == [200, 200, 429]
    records = read_audit(audit)
    for n, rec in enumerate(records):
        loads_row(orjson.dumps(rec), f"audit:{n}")  # every record is valid exchange v1
    by_prompt = {rec["messages"][0]["content"]: rec for rec in records}
    assert by_prompt["again"]["status"] == 403 and by_prompt["again"]["x_gateway"]["action"] == "block"
    sus = by_prompt["plain"]
    assert sus["status"] == 200 and sus["response"] == "echo: plain" and sus.get("reasoning") is None
    assert sus["x_gateway"]["reasoning"] == "withhold" and sus["params"]["max_tokens"] == 5
    assert by_prompt["streamed"].get("reasoning") is None and by_prompt["streamed"]["output_tokens"] == 30
    assert by_prompt["streamed ok"]["reasoning"].startswith("First I read the question")
    assert "sk-ok" not in orjson.dumps(records).decode()
