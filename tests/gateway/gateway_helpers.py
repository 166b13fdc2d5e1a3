"""Helpers shared by the gateway tests. A module of its own, not conftest: every test folder
has a conftest, so ``from conftest import`` resolves to whichever was imported first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from stillwatch.gateway.audit import segments
from stillwatch.gateway.identity import KeyHasher

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


