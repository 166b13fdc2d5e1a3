"""Adapters take whatever a log line holds: garbage becomes a reason, never an exception."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.adapters.otlp_exports import export, genai_span
from ingest.adapters.test_litellm import payload
from stillwatch.errors import BadRecord
from stillwatch.ingest.adapters import litellm, otlp
from stillwatch.ingest.normalize import normalize_row

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=10,
)


def _mutate(base: Any, path: list[Any], value: Any) -> Any:
    """``base`` with the item at a path of (reduced) indexes replaced by ``value``."""
    if not path or not isinstance(base, dict | list) or not base:
        return value
    if isinstance(base, dict):
        key = list(base)[path[0] % len(base)]
        return {**base, key: _mutate(base[key], path[1:], value)}
    at = path[0] % len(base)
    return [*base[:at], _mutate(base[at], path[1:], value), *base[at + 1 :]]


def _survives(adapter: Any, obj: Any) -> None:
    for item in adapter.convert(obj, "f:1"):
        if isinstance(item, dict):
            try:
                normalize_row(item, "f:1")
            except BadRecord:
                pass
        else:
            assert isinstance(item, BadRecord)


_paths = st.lists(st.integers(0, 50), max_size=6)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_paths, _json)
def test_litellm_payload_mutations(path: list[int], value: Any) -> None:
    _survives(litellm, _mutate(payload(), path, value))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_paths, _json)
def test_otlp_export_mutations(path: list[int], value: Any) -> None:
    _survives(otlp, _mutate(export([genai_span()]), path, value))


@settings(max_examples=200, deadline=None)
@given(_json)
def test_arbitrary_values(value: Any) -> None:
    _survives(litellm, value)
    _survives(otlp, value)
    _survives(otlp, {"resourceSpans": value})
    _survives(litellm, {"startTime": 1.0, "call_type": "x", "metadata": value, "messages": value, "response": value})
