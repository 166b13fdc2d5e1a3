"""Deterministic synthetic exchange v1 log for the ingest benchmark.

Records are shaped like production traffic: a system prompt on most, one to a few turns,
a response of a few hundred bytes to a few KB, usage counts on most (not all, so the token
estimator runs too), a reasoning trace on some, a few multilingual prompts, images now and
then. Nothing here is read from ../shared: the benchmark must run anywhere.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson

_WORDS = (
    "the of and to in is for that with on as by this be are from it an or at which model data "
    "function value return list string number error test file code system user request response "
    "explain write compute prove derive step reason answer question table column index query "
    "latency token batch stream server client account policy rate limit python rust sql graph"
).split()
_CJK = "数据模型请解释这个函数的作用并给出例子以及复杂度分析我们需要"
_SYSTEMS = [
    "You are a helpful assistant.",
    "You are an expert software engineer. Answer with code and a short explanation.",
    "You are a careful math tutor. Show every step of the derivation before the answer.",
    "Grade the following answer on a 1-10 rubric and justify the grade in detail.",
]
_MODELS = ["frontier-large", "frontier-large-thinking", "frontier-mini", "frontier-code"]
_ROUTES = ["api", "api", "api", "console", "cloud:partner", "reseller:acme"]


def _text(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choices(_WORDS, k=n_words))


def record(i: int, rng: random.Random) -> dict[str, object]:
    """One exchange; ``i`` makes the id unique."""
    messages: list[dict[str, object]] = []
    if rng.random() < 0.8:
        messages.append({"role": "system", "content": rng.choice(_SYSTEMS)})
    for _ in range(rng.choice((0, 0, 0, 1, 2))):
        messages.append({"role": "user", "content": _text(rng, rng.randint(5, 40))})
        messages.append({"role": "assistant", "content": _text(rng, rng.randint(10, 80))})
    if rng.random() < 0.05:
        prompt: object = "".join(rng.choices(_CJK, k=rng.randint(10, 80)))
    elif rng.random() < 0.05:
        prompt = [{"type": "text", "text": _text(rng, 20)}, {"type": "image"}]
    else:
        prompt = _text(rng, rng.randint(8, 120))
    messages.append({"role": "user", "content": prompt})
    response = _text(rng, rng.randint(30, 500))
    acct = rng.randint(0, 20_000)
    rec: dict[str, object] = {
        "id": f"ex-{i:09d}-{rng.getrandbits(32):08x}",
        "time": 1_735_689_600 + i * 0.25 + rng.random() * 0.1,
        "account": f"key_{acct:06d}",
        "org": f"org_{acct // 7:05d}",
        "model": rng.choice(_MODELS),
        "messages": messages,
        "client_ip": f"203.0.{acct % 256}.{rng.randint(1, 254)}",
        "asn": 64500 + acct % 400,
        "user_agent": rng.choice(("openai-python/1.51.0", "curl/8.5.0", "anthropic-sdk/0.39")),
        "country": rng.choice(("US", "DE", "SG", "BR", "IN", "CN")),
        "access_route": rng.choice(_ROUTES),
        "params": {"temperature": rng.choice((0.0, 0.7, 1.0)), "max_tokens": 4096},
        "response": response,
        "finish_reason": "stop",
        "status": 200,
    }
    if i % 3 == 0:  # RFC 3339 times on a third of the records
        rec["time"] = f"2025-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{i % 59:02d}.{i % 1000:03d}+02:00"
    if rng.random() < 0.2:
        rec["reasoning"] = _text(rng, rng.randint(50, 300))
    if rng.random() < 0.1:
        rec["tools"] = ["bash", "read_file", "write_file"]
    if rng.random() < 0.7:  # usage present on most records; the rest are estimated
        rec["input_tokens"] = rng.randint(20, 2000)
        rec["output_tokens"] = rng.randint(20, 2000)
    if rng.random() < 0.02:
        rec["x_gateway_region"] = "eu-west-1"  # an unknown field, kept in `extra`
    return rec


def write_log(path: Path, n: int, seed: int = 7) -> int:
    """Write ``n`` records to ``path`` as JSON Lines; return the byte size."""
    rng = random.Random(seed)
    with path.open("wb") as out:
        for i in range(n):
            out.write(orjson.dumps(record(i, rng)))
            out.write(b"\n")
    return path.stat().st_size
