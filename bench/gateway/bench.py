"""Gateway benchmark: added latency at a fixed rate, throughput, and audit completeness.

Starts the mock upstream (tests/gateway/mock_upstream.py) and ``stillwatch serve`` on
loopback, then, in the same run:

1. fixed rate (``--rate``, default 500 req/s) for ``--seconds`` straight at the mock, then the
   same through the gateway: latency percentiles of each and the difference (added latency);
2. closed loop with ``--concurrency`` connections through the gateway: requests per second;
3. audit: every 200 the load generator received is counted against the records in the audit
   log (``--soak 300`` makes phase 1 a 5-minute run);
4. with ``--litellm``: a LiteLLM proxy running the stillwatch guardrail on the same mock
   (from the venv tests/gateway/litellm_env.py makes), at ``--litellm-rate`` and closed loop,
   against the stillwatch gateway at the same rate: the overhead ratio.

The load generator speaks HTTP/1.1 over raw asyncio streams with keep-alive, so its own cost
is small and the same for both targets. Prints one JSON object.

    .venv/bin/python bench/gateway/bench.py [--rate 500] [--seconds 10] [--soak 0] [--litellm]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "gateway"))

from procs import free_port, start_gateway, start_upstream, stop  # noqa: E402

BODY = b'{"model":"m","messages":[{"role":"user","content":"What is the capital of France?"}]}'


def request(port: int, key: str = "sk-bench") -> bytes:
    return (f"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n"
            f"authorization: Bearer {key}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(BODY)}\r\n\r\n").encode() + BODY


async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, req: bytes) -> int:
    writer.write(req)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def fixed_rate(port: int, rate: float, seconds: float, conns: int = 64) -> dict:
    req = request(port)
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(conns):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    lat: list[float] = []
    statuses: dict[int, int] = {}
    late = 0

    async def fire() -> None:
        nonlocal late
        r, w = await pool.get()
        t = time.perf_counter()
        try:
            s = await one(r, w, req)
        finally:
            pool.put_nowait((r, w))
        lat.append(time.perf_counter() - t)
        statuses[s] = statuses.get(s, 0) + 1

    tasks = []
    start = time.perf_counter()
    n = int(rate * seconds)
    for i in range(n):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            late += 1
        tasks.append(asyncio.create_task(fire()))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    while not pool.empty():
        _, w = pool.get_nowait()
        w.close()
    q = statistics.quantiles(lat, n=100)
    return {"requests": n, "achieved_rps": round(n / elapsed, 1), "p50_ms": round(q[49] * 1e3, 3),
            "p99_ms": round(q[98] * 1e3, 3), "statuses": statuses, "late_sends": late}


async def closed_loop(port: int, seconds: float, concurrency: int) -> dict:
    req = request(port)
    done = ok = 0
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done, ok
        r, w = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < stop_at:
            status = await one(r, w, req)
            ok += status == 200
            done += 1
        w.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return {"requests": done, "ok": ok, "rps": round(done / (time.perf_counter() - start), 1),
            "concurrency": concurrency}


def audit_count(directory: Path) -> int:
    return sum(seg.read_bytes().count(b"\n") for seg in directory.glob("exchanges-*.jsonl"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--soak", type=float, default=0, help="seconds of fixed-rate load through the gateway")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--config", help="policy file for the gateway (serve --config)")
    ap.add_argument("--litellm", action="store_true", help="also measure the LiteLLM guardrail")
    ap.add_argument("--litellm-rate", type=float, default=100)
    args = ap.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        up_port, gw_port = free_port(), free_port()
        audit = Path(tmp) / "audit"
        up = start_upstream(up_port)
        gw = start_gateway(gw_port, up_port, audit, *(["--config", args.config] if args.config else []))
        try:
            asyncio.run(fixed_rate(up_port, args.rate, 2))  # warm up both
            warm = asyncio.run(fixed_rate(gw_port, args.rate, 2))
            direct = asyncio.run(fixed_rate(up_port, args.rate, args.seconds))
            gated = asyncio.run(fixed_rate(gw_port, args.rate, args.soak or args.seconds))
            throughput = asyncio.run(closed_loop(gw_port, args.seconds, args.concurrency))
            direct_tp = asyncio.run(closed_loop(up_port, args.seconds, args.concurrency))
            if args.litellm:
                same_rate = asyncio.run(fixed_rate(gw_port, args.litellm_rate, args.seconds))
        finally:
            stop(gw)
        acked = warm["statuses"].get(200, 0) + gated["statuses"].get(200, 0) + throughput["ok"]
        if args.litellm:
            acked += same_rate["statuses"].get(200, 0)
        records = audit_count(audit)
        out = {
            "rate": args.rate,
            "direct": direct,
            "gateway": gated,
            "added_p50_ms": round(gated["p50_ms"] - direct["p50_ms"], 3),
            "added_p99_ms": round(gated["p99_ms"] - direct["p99_ms"], 3),
            "gateway_throughput": throughput,
            "direct_throughput": direct_tp,
            "throughput_ratio": round(throughput["rps"] / direct_tp["rps"], 3),
            "audit": {"acknowledged_200": acked, "records": records,
                      "missing": max(0, acked - records)},
        }
        if args.litellm:
            direct_low = asyncio.run(fixed_rate(up_port, args.litellm_rate, args.seconds))
            out["litellm"] = litellm_phase(args, up_port, Path(tmp), direct_low, same_rate)
        stop(up)
    print(json.dumps(out, indent=2))


def litellm_phase(args: argparse.Namespace, up_port: int, tmp: Path, direct: dict, ours: dict) -> dict:
    from litellm_env import litellm_venv, start_litellm, write_config

    port = free_port()
    cfg = write_config(tmp, up_port, model="m", audit=str(tmp / "litellm-audit"))
    proxy = start_litellm(litellm_venv(), cfg, port)
    try:
        asyncio.run(fixed_rate(port, args.litellm_rate, 2))  # warm up
        theirs = asyncio.run(fixed_rate(port, args.litellm_rate, args.seconds))
        tp = asyncio.run(closed_loop(port, args.seconds, args.concurrency))
    finally:
        stop(proxy)
    added = lambda r, q: round(r[q] - direct[q], 3)  # noqa: E731
    return {"rate": args.litellm_rate, "direct": direct, "stillwatch": ours, "litellm_guardrail": theirs,
            "added_p50_ms": {"stillwatch": added(ours, "p50_ms"), "litellm": added(theirs, "p50_ms")},
            "added_p99_ms": {"stillwatch": added(ours, "p99_ms"), "litellm": added(theirs, "p99_ms")},
            "overhead_ratio_p50": round(added(theirs, "p50_ms") / max(added(ours, "p50_ms"), 1e-3), 1),
            "litellm_throughput": tp}


if __name__ == "__main__":
    main()
