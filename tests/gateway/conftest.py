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

from gateway_helpers import ADMIN, SECRET, account_of, read_audit, write_results  # noqa: F401


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
