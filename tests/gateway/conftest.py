"""Fixtures: a gateway in front of the in-process mock upstream, driven by an httpx client."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from mock_upstream import MockUpstream

from stillwatch.gateway.app import Gateway
from stillwatch.gateway.audit import AuditLog, segments
from stillwatch.gateway.config import GatewayConfig, load_gateway_config
from stillwatch.gateway.identity import KeyHasher
from stillwatch.gateway.scoring import OnlineScorer
from stillwatch.gateway.verdicts import VerdictBook

ADMIN = "admin-token-for-tests"
SECRET = b"s" * 32


def account_of(key: str) -> str:
    return KeyHasher(SECRET).account(key)


def write_results(directory: Path, verdicts: dict[str, tuple[str, str | None]]) -> None:
    """accounts.jsonl / campaigns.json in the scan results v1 shape."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = [
        orjson.dumps({"account": a, "verdict": v, "score": 0.9 if v != "clear" else 0.1,
                      "campaign": c, "exchanges": 10, "output_tokens": 100,
                      "reasons": [{"signal": "templated_prompts", "weight": 0.2, "detail": "x"}]})
        for a, (v, c) in verdicts.items()
    ]
    (directory / "accounts.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    camps = sorted({c for v, c in verdicts.values() if c})
    (directory / "campaigns.json").write_bytes(orjson.dumps(
        [{"id": c, "accounts": [a for a, (v, cc) in verdicts.items() if cc == c]} for c in camps]))


def read_audit(directory: Path) -> list[dict[str, Any]]:
    out = []
    for seg in segments(directory):
        out += [orjson.loads(line) for line in seg.read_bytes().splitlines()]
    return out


class Harness:
    def __init__(self, gateway: Gateway, upstream: MockUpstream, client: httpx.AsyncClient,
                 audit_dir: Path) -> None:
        self.gateway, self.upstream, self.client, self.audit_dir = gateway, upstream, client, audit_dir

    async def chat(self, key: str | None = "sk-alice", **body: Any) -> httpx.Response:
        body.setdefault("model", "m1")
        body.setdefault("messages", [{"role": "user", "content": "What is 2+2?"}])
        headers = {"authorization": f"Bearer {key}"} if key else {}
        return await self.client.post("/v1/chat/completions", json=body, headers=headers)

    def audit(self) -> list[dict[str, Any]]:
        return read_audit(self.audit_dir)


@pytest.fixture
def make_gateway(tmp_path: Path) -> Callable[..., Any]:
    """``async with make_gateway(config=..., results={...}) as h``."""
    import contextlib

    @contextlib.asynccontextmanager
    async def make(config: GatewayConfig | None = None, results: dict[str, Any] | None = None,
                   **gateway_kwargs: Any) -> AsyncIterator[Harness]:
        cfg = config or load_gateway_config()
        cfg = dataclasses.replace(cfg, reload_seconds=0.05)
        results_dir = tmp_path / "results"
        if results is not None:
            write_results(results_dir, results)
        upstream = MockUpstream()
        audit_dir = tmp_path / "audit"
        # No signals by default: these tests are about the gateway, not the text classifiers.
        gateway_kwargs.setdefault("scorer", OnlineScorer(signals=[]))
        gw = Gateway(upstream, hasher=KeyHasher(SECRET), config=cfg,
                     audit=AuditLog(audit_dir, cfg.audit),
                     book=VerdictBook(results_dir if results is not None else None),
                     admin_token=ADMIN, **gateway_kwargs)
        await gw.startup()
        transport = httpx.ASGITransport(app=gw, client=("203.0.113.7", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            try:
                yield Harness(gw, upstream, client, audit_dir)
            finally:
                await gw.shutdown()

    return make


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
