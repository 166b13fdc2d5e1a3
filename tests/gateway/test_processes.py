"""The gateway as real processes on loopback: serve, kill -9 and restart, 502, shared Redis."""

from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import orjson
import pytest
from gateway_helpers import read_audit, write_results
from procs import (free_port, redis_server_binary, start_gateway, start_redis, start_upstream,
                   stop)

from stillwatch.gateway.identity import KeyHasher, load_secret
from stillwatch.ingest.normalize import loads_row

pytestmark = pytest.mark.slow


@pytest.fixture
def upstream():
    port = free_port()
    proc = start_upstream(port)
    yield port
    stop(proc)


def _chat(client: httpx.Client, port: int, prompt: str, key: str = "sk-load") -> int:
    body = {"model": "m", "messages": [{"role": "user", "content": prompt}]}
    try:
        r = client.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body,
                        headers={"authorization": f"Bearer {key}"}, timeout=5)
    except httpx.HTTPError:
        return 0
    return r.status_code if r.content.endswith(b"}") else 0


def test_kill9_mid_load_loses_no_acknowledged_exchange(tmp_path, upstream) -> None:
    audit = tmp_path / "audit"
    port = free_port()
    gw = start_gateway(port, upstream, audit)
    acked: list[str] = []
    stop_flag = threading.Event()

    def worker(w: int) -> None:
        with httpx.Client() as client:
            i = 0
            while not stop_flag.is_set() and i < 2000:
                prompt = f"load {w}-{i}"
                if _chat(client, port, prompt) == 200:
                    acked.append(prompt)
                i += 1

    with ThreadPoolExecutor(4) as pool:
        for w in range(4):
            pool.submit(worker, w)
        time.sleep(1.5)
        gw.send_signal(signal.SIGKILL)
        gw.wait()
        stop(gw)
        time.sleep(0.3)
        stop_flag.set()
    assert len(acked) > 20
    gw = start_gateway(port, upstream, audit)  # restart: torn tail repaired, log reopened
    try:
        with httpx.Client() as client:
            assert _chat(client, port, "after restart") == 200
    finally:
        stop(gw)
    lines = [ln for seg in sorted(audit.glob("exchanges-*.jsonl")) for ln in seg.read_bytes().splitlines()]
    for n, ln in enumerate(lines):
        loads_row(ln, f"audit:{n}")  # every line is a valid exchange v1 record
    logged = {orjson.loads(ln)["messages"][0]["content"] for ln in lines}
    missing = [p for p in acked if p not in logged]
    assert not missing, f"{len(missing)} acknowledged exchanges missing from the audit log"
    assert "after restart" in logged


def test_unreachable_upstream_is_502(tmp_path) -> None:
    port = free_port()
    gw = start_gateway(port, free_port(), tmp_path / "audit")
    try:
        r = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions",
                       json={"model": "m", "messages": []}, headers={"authorization": "Bearer k"})
    finally:
        stop(gw)
    assert r.status_code == 502
    assert r.json()["error"]["type"] == "upstream_unreachable"
    assert "upstream" in r.json()["error"]["message"]


@pytest.fixture
def redis_url(tmp_path):
    binary = redis_server_binary()
    if binary is None:
        pytest.skip("redis-server is not installed and could not be installed with apt-get")
    port = free_port()
    proc = start_redis(binary, port, tmp_path)
    yield f"redis://127.0.0.1:{port}/0"
    stop(proc)


def test_rate_limit_holds_across_two_gateways_sharing_redis(tmp_path, upstream, redis_url) -> None:
    secret = tmp_path / "secret"
    acct = KeyHasher(load_secret(secret)).account("sk-shared")
    write_results(tmp_path / "results", {acct: ("suspicious", None)})
    config = tmp_path / "policy.toml"
    config.write_text('[policy.suspicious]\naction = "throttle"\nrequests_per_minute = 5\n')
    common = ["--redis", redis_url, "--results", str(tmp_path / "results"), "--config", str(config),
              "--key-secret", str(secret), "--admin-token-file", str(tmp_path / "token")]
    (tmp_path / "token").write_text("t" * 20)
    ports = [free_port(), free_port()]
    gws = [start_gateway(p, upstream, tmp_path / f"audit{i}", *common) for i, p in enumerate(ports)]
    try:
        with httpx.Client() as client:
            codes = [_chat(client, ports[i % 2], f"q{i}", key="sk-shared") for i in range(10)]
            # an override made through one replica is enforced by the other
            r = client.post(f"http://127.0.0.1:{ports[0]}/admin/override",
                            json={"account": KeyHasher(load_secret(secret)).account("sk-x"), "action": "block"},
                            headers={"authorization": "Bearer " + "t" * 20})
            assert r.status_code == 200
            deadline = time.monotonic() + 10
            blocked = 0
            while time.monotonic() < deadline and blocked != 403:
                blocked = _chat(client, ports[1], "x", key="sk-x")
                time.sleep(0.2)
    finally:
        for g in gws:
            stop(g)
    assert codes.count(200) == 5 and codes.count(429) == 5
    assert blocked == 403
    assert sum(len(read_audit(tmp_path / f"audit{i}")) for i in range(2)) >= 10


def test_two_gateways_share_online_profiles_through_redis(tmp_path, upstream, redis_url) -> None:
    secret = tmp_path / "secret"
    acct = KeyHasher(load_secret(secret)).account("sk-both")
    (tmp_path / "token").write_text("t" * 20)
    config = tmp_path / "policy.toml"
    config.write_text("[gateway]\nscore_batch_ms = 20.0\n")
    common = ["--redis", redis_url, "--key-secret", str(secret), "--config", str(config),
              "--admin-token-file", str(tmp_path / "token")]
    ports = [free_port(), free_port()]
    gws = [start_gateway(p, upstream, tmp_path / f"audit{i}", *common) for i, p in enumerate(ports)]

    def online(client: httpx.Client, port: int, want: int) -> int:
        deadline, seen = time.monotonic() + 60, -1
        while time.monotonic() < deadline and seen != want:
            r = client.get(f"http://127.0.0.1:{port}/admin/verdicts", params={"account": acct},
                           headers={"authorization": "Bearer " + "t" * 20})
            seen = r.json()["online_exchanges"]
            time.sleep(0.1)
        return seen

    try:
        with httpx.Client() as client:
            for i in range(3):
                assert _chat(client, ports[0], f"first {i}", key="sk-both") == 200
            on_a = online(client, ports[0], 3)
            for i in range(2):
                assert _chat(client, ports[1], f"second {i}", key="sk-both") == 200
            on_b = online(client, ports[1], 5)  # its own 2 merged with the 3 the other saw
            assert _chat(client, ports[0], "third", key="sk-both") == 200
            on_a_again = online(client, ports[0], 6)
    finally:
        for g in gws:
            stop(g)
    assert (on_a, on_b, on_a_again) == (3, 5, 6)
