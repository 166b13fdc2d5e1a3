"""Records and log files for the ingest tests."""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import zstandard


def exchange(**changes: Any) -> dict[str, Any]:
    """A valid exchange v1 record with every optional field set; ``changes`` override it
    (a value of ``...`` removes the field)."""
    record: dict[str, Any] = {
        "id": "ex-1",
        "time": "2025-03-01T12:00:00.5+02:00",
        "account": "key_1",
        "model": "frontier-large",
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "4"},
            {"role": "user", "content": [{"type": "text", "text": "And 3+3?"}, {"type": "image"}, {"type": "file"}]},
        ],
        "org": "org_1",
        "end_user": "u-9",
        "client_ip": "203.0.113.7",
        "asn": 64500,
        "user_agent": "openai-python/1.51.0",
        "country": "DE",
        "payment_fingerprint": "pf_abc",
        "account_created": 1_700_000_000,
        "access_route": "api",
        "params": {"temperature": 0.7, "top_p": 1, "max_tokens": 256, "n": 1, "seed": 7, "stream": False,
                   "logprobs": False, "top_logprobs": 0, "reasoning_effort": "high"},
        "tools": ["bash"],
        "response": "6",
        "reasoning": "3+3 is 6.",
        "input_tokens": 40,
        "output_tokens": 12,
        "reasoning_tokens": 5,
        "finish_reason": "stop",
        "status": 200,
    }
    for key, value in changes.items():
        if value is ...:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def jsonl(records: Iterable[Any]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def write_log(path: Path, records: Iterable[Any], compression: str = "plain") -> Path:
    data = jsonl(records)
    if compression == "gzip":
        data = gzip.compress(data)
    elif compression == "zstd":
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path
