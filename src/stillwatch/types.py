"""The shared vocabulary: the stored exchange row, and the Reason attached to every verdict.

Every stage imports its column names and types from here, so the embedded store, the Spark
engine and the gateway agree on one shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

UTC_MICROS = pa.timestamp("us", tz="UTC")

#: One normalised exchange as ingest stores it. Field names follow exchange v1
#: (``../shared/spec/EXCHANGE.md``); request parameters are flattened out of ``params``,
#: message content is flattened into text columns and part counts, and the original
#: ``messages`` array is kept as JSON so nothing from the log is lost.
EXCHANGE_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("time", UTC_MICROS, nullable=False),
        pa.field("account", pa.string(), nullable=False),
        pa.field("model", pa.string(), nullable=False),
        pa.field("org", pa.string()),
        pa.field("end_user", pa.string()),
        pa.field("client_ip", pa.string()),
        pa.field("asn", pa.int64()),
        pa.field("user_agent", pa.string()),
        pa.field("country", pa.string()),
        pa.field("payment_fingerprint", pa.string()),
        pa.field("account_created", UTC_MICROS),
        pa.field("access_route", pa.string()),
        # params.*
        pa.field("temperature", pa.float64()),
        pa.field("top_p", pa.float64()),
        pa.field("max_tokens", pa.int64()),
        pa.field("n", pa.int64()),
        pa.field("seed", pa.int64()),
        pa.field("stream", pa.bool_()),
        pa.field("logprobs", pa.bool_()),
        pa.field("top_logprobs", pa.int64()),
        pa.field("reasoning_effort", pa.string()),
        pa.field("tools", pa.list_(pa.string())),
        # messages, flattened
        pa.field("messages", pa.string()),  # the original array, as JSON
        pa.field("system_text", pa.string()),  # all system messages' text, joined
        pa.field("prompt_text", pa.string()),  # the last user message's text
        pa.field("n_messages", pa.int32()),
        pa.field("n_user", pa.int32()),
        pa.field("n_assistant", pa.int32()),
        pa.field("n_tool", pa.int32()),
        pa.field("n_images", pa.int32()),
        pa.field("n_files", pa.int32()),
        # response
        pa.field("response", pa.string()),
        pa.field("reasoning", pa.string()),
        pa.field("input_tokens", pa.int64()),
        pa.field("output_tokens", pa.int64()),
        pa.field("reasoning_tokens", pa.int64()),
        pa.field("tokens_estimated", pa.bool_()),
        pa.field("finish_reason", pa.string()),
        pa.field("status", pa.int64()),
        # provenance
        pa.field("extra", pa.string()),  # unknown fields, as JSON, or null
        pa.field("source", pa.string()),  # "file:line" the record came from
    ]
)

EXCHANGE_COLUMNS: tuple[str, ...] = tuple(EXCHANGE_SCHEMA.names)

#: Keys of exchange v1's ``params`` object, stored as top-level columns.
PARAM_KEYS: tuple[str, ...] = (
    "temperature",
    "top_p",
    "max_tokens",
    "n",
    "seed",
    "stream",
    "logprobs",
    "top_logprobs",
    "reasoning_effort",
)

VERDICTS: tuple[str, ...] = ("campaign", "suspicious", "clear", "authorized")


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence behind a verdict, in the scan contract's shape.

    ``signal`` is a stable code (renaming it breaks saved results), ``weight`` how much it
    counted, ``detail`` a sentence a human can check against the log, and ``evidence`` typed
    values (template id, shared ASN, account count) that the report and STIX export render.
    """

    signal: str
    weight: float
    detail: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "signal": self.signal,
            "weight": round(float(self.weight), 4),
            "detail": self.detail,
        }
        if self.evidence:
            out["evidence"] = self.evidence
        return out


def sort_reasons(reasons: list[Reason]) -> list[Reason]:
    """Strongest first, as the scan contract asks; ties broken by code for stable output."""
    return sorted(reasons, key=lambda r: (-r.weight, r.signal))
