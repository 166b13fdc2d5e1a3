from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.records import exchange
from stillwatch.errors import BadRecord
from stillwatch.ingest import normalize as fast
from stillwatch.ingest._exact import exact_row
from stillwatch.ingest.normalize import loads_row, normalize_record, normalize_row
from stillwatch.types import EXCHANGE_COLUMNS


def test_full_record_maps_every_column() -> None:
    row = normalize_record(exchange(x_region="eu", params={"temperature": 0.5, "frequency_penalty": 1}), "log:3")
    assert set(row) == set(EXCHANGE_COLUMNS)
    assert row["time"] == datetime(2025, 3, 1, 10, 0, 0, 500000, tzinfo=UTC)
    assert row["account_created"] == datetime.fromtimestamp(1_700_000_000, UTC)
    assert row["system_text"] == "You are terse."
    assert row["prompt_text"] == "And 3+3?"  # the last user message, parts flattened
    assert (row["n_messages"], row["n_user"], row["n_assistant"], row["n_tool"]) == (4, 2, 1, 0)
    assert (row["n_images"], row["n_files"]) == (1, 1)
    assert json.loads(row["messages"]) == exchange()["messages"]
    assert row["temperature"] == 0.5 and row["max_tokens"] is None
    assert json.loads(row["extra"]) == {"x_region": "eu", "params": {"frequency_penalty": 1}}
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (40, 12, 5)
    assert row["tokens_estimated"] is False
    assert row["source"] == "log:3"


def test_params_flattened_with_exact_types() -> None:
    row = normalize_record(exchange(), "f:1")
    assert row["top_p"] == 1.0 and isinstance(row["top_p"], float)
    assert (row["max_tokens"], row["n"], row["seed"], row["top_logprobs"]) == (256, 1, 7, 0)
    assert (row["stream"], row["logprobs"], row["reasoning_effort"]) == (False, False, "high")
    assert row["tools"] == ["bash"]


def test_minimal_record_estimates_tokens() -> None:
    record = {"id": "e", "time": 1.5, "account": "a", "model": "m", "messages": [{"role": "user", "content": "hi there"}],
              "response": "hello, how can I help?"}  # fmt: skip
    row = normalize_record(record, "f:1")
    assert row["tokens_estimated"] is True
    assert row["input_tokens"] > 0 and row["output_tokens"] == 6
    assert row["reasoning_tokens"] is None  # no reasoning shown: stays unknown
    assert row["extra"] is None and row["system_text"] is None and row["org"] is None


def test_utc_from_offsets_and_seconds() -> None:
    a = normalize_record(exchange(time="2025-01-01T00:30:00-05:30"), "f:1")["time"]
    b = normalize_record(exchange(time=1735711200), "f:1")["time"]
    assert a == b == datetime(2025, 1, 1, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"id": ...}, "missing required field 'id'"),
        ({"time": ...}, "missing required field 'time'"),
        ({"account": ...}, "missing required field 'account'"),
        ({"model": ...}, "missing required field 'model'"),
        ({"messages": ...}, "missing required field 'messages'"),
        ({"id": 7}, "field 'id' must be a non-empty string, got integer"),
        ({"account": ""}, "field 'account' must be a non-empty string, got an empty string"),
        ({"model": None}, "field 'model' must be a non-empty string, got null"),
        ({"time": True}, "field 'time' must be an RFC 3339 string or Unix seconds, got boolean"),
        ({"time": "2025-01-01T00:00:00"}, "not an RFC 3339 date-time with offset"),
        ({"time": "yesterday"}, "not an RFC 3339 date-time with offset"),
        ({"time": "2025-02-30T00:00:00Z"}, "invalid date-time"),
        ({"time": 1e15}, "outside years 1-9999"),
        ({"messages": "hi"}, "field 'messages' must be an array, got string"),
        ({"messages": ["hi"]}, "messages[0] must be an object, got string"),
        ({"messages": [{"content": "x"}]}, "messages[0] is missing 'role'"),
        ({"messages": [{"role": "developer", "content": "x"}]}, "messages[0].role must be one of"),
        ({"messages": [{"role": ["user"], "content": "x"}]}, "messages[0].role must be one of"),
        ({"messages": [{"role": "user"}]}, "messages[0] is missing 'content'"),
        ({"messages": [{"role": "user", "content": None}]}, "messages[0].content must be a string or an array"),
        ({"messages": [{"role": "user", "content": [{"text": "x"}]}]}, "messages[0].content[0] is missing 'type'"),
        ({"messages": [{"role": "user", "content": [{"type": "audio"}]}]}, "content[0].type must be text, image or file"),
        ({"messages": [{"role": "user", "content": [{"type": "text", "text": 3}]}]}, "content[0].text must be a string"),
        ({"messages": [{"role": "user", "content": [{"type": "image", "text": None}]}]}, "content[0].text must be a string"),
        ({"org": 5}, "field 'org' must be a string or null, got integer"),
        ({"asn": "64500"}, "field 'asn' must be an integer or null, got string"),
        ({"asn": True}, "field 'asn' must be an integer or null, got boolean"),
        ({"asn": 1.5}, "field 'asn' must be an integer or null, got number"),
        ({"asn": 2**63}, "outside the 64-bit integer range"),
        ({"account_created": "last year"}, "field 'account_created'"),
        ({"params": []}, "field 'params' must be an object or null, got array"),
        ({"params": {"temperature": "hot"}}, "params.temperature must be a number or null, got string"),
        ({"params": {"max_tokens": 1.5}}, "params.max_tokens must be an integer or null, got number"),
        ({"params": {"stream": 1}}, "params.stream must be a boolean or null, got integer"),
        ({"params": {"reasoning_effort": 3}}, "params.reasoning_effort must be a string or null"),
        ({"tools": "bash"}, "field 'tools' must be an array of strings or null, got string"),
        ({"tools": [{"name": "bash"}]}, "tools[0] must be a string, got object"),
        ({"response": {"text": "x"}}, "field 'response' must be a string or null, got object"),
        ({"reasoning": 1}, "field 'reasoning' must be a string or null"),
        ({"input_tokens": "12"}, "field 'input_tokens' must be an integer or null, got string"),
        ({"finish_reason": ["stop"]}, "field 'finish_reason' must be a string or null"),
        ({"status": "200"}, "field 'status' must be an integer or null, got string"),
    ],
)
def test_bad_records_name_the_reason(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(BadRecord) as caught:
        normalize_row(exchange(**changes), "log.jsonl:9")
    assert caught.value.where == "log.jsonl:9"
    assert reason in caught.value.reason
    assert str(caught.value).startswith("log.jsonl:9: ")


@pytest.mark.parametrize("value", [None, [], "x", 3, 1.5, True])
def test_record_must_be_an_object(value: Any) -> None:
    with pytest.raises(BadRecord, match="record must be a JSON object"):
        normalize_row(value, "f:1")


def test_schema_allowances() -> None:
    # JSON Schema: 2.0 is an integer; text parts may lack text; image parts may carry text.
    row = normalize_record(exchange(asn=2.0, status=200.0, messages=[
        {"role": "user", "content": [{"type": "text"}, {"type": "image", "text": "alt"}]},
        {"role": "tool", "content": "ok", "tool_call_id": "c1"}]), "f:1")  # fmt: skip
    assert row["asn"] == 2 and row["status"] == 200
    assert row["prompt_text"] == "" and row["n_images"] == 1 and row["n_tool"] == 1
    assert normalize_record(exchange(messages=[]), "f:1")["prompt_text"] is None


def test_leap_second_and_lowercase_separators() -> None:
    row = normalize_record(exchange(time="2016-12-31t23:59:60z"), "f:1")
    assert row["time"] == datetime(2017, 1, 1, tzinfo=UTC)


def test_loads_row_rejects_bad_json() -> None:
    with pytest.raises(BadRecord, match="not valid JSON"):
        loads_row(b'{"id": ', "f:4")
    assert loads_row(orjson.dumps(exchange()), "f:1")[0] == "ex-1"


def test_normalize_record_accepts_any_mapping() -> None:
    from types import MappingProxyType

    assert normalize_record(MappingProxyType(exchange()), "f:1")["id"] == "ex-1"


# -- the fast path agrees with the exact check -----------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**64), 2**64) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_fields = st.sampled_from(["id", "time", "account", "model", "messages", "org", "asn", "account_created", "params",
                           "tools", "response", "reasoning", "input_tokens", "status", "x_extra"])  # fmt: skip
_message_parts = st.sampled_from([
    {"role": "user", "content": "hi"}, {"role": "system", "content": [{"type": "text", "text": "s"}]},
    {"role": "user", "content": [{"type": "image"}, {"type": "text"}]}, {"role": "bot", "content": "x"},
    {"role": "user", "content": [{"type": "image", "text": None}]}, {"role": "user", "content": None},
    {"role": "assistant", "content": [{"type": "file", "text": "f"}]}, "oops", {"role": "tool"},
])  # fmt: skip


def _outcome(fn: Any, obj: Any) -> Any:
    try:
        return ("row", fn(obj, "f:1"))
    except BadRecord as exc:
        return ("bad", exc.reason)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_fields, _json, max_size=4), st.lists(_message_parts, max_size=4),
       st.dictionaries(st.sampled_from(["temperature", "max_tokens", "stream", "seed", "other"]), _json, max_size=3))  # fmt: skip
def test_fast_path_matches_exact_check(changes: dict[str, Any], messages: list[Any], params: dict[str, Any]) -> None:
    record = exchange(**changes)
    if "messages" not in changes:
        record["messages"] = messages
    if "params" not in changes:
        record["params"] = params
    assert _outcome(fast.normalize_row, record) == _outcome(exact_row, record)


# -- schema-valid records are accepted --------------------------------------------------------

_text = st.text(min_size=1, max_size=20)
_rfc3339 = st.builds(
    lambda d, frac, off: d.strftime("%Y-%m-%dT%H:%M:%S") + frac + off,
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
    st.sampled_from(["", ".5", ".123456", ".123456789"]),
    st.sampled_from(["Z", "+00:00", "-05:30", "+14:00"]),
)
_part = st.one_of(
    st.fixed_dictionaries({"type": st.just("text")}, optional={"text": st.text(max_size=20)}),
    st.fixed_dictionaries({"type": st.sampled_from(["image", "file"])}, optional={"text": st.text(max_size=5)}),
)
_message = st.fixed_dictionaries({
    "role": st.sampled_from(["system", "user", "assistant", "tool"]),
    "content": st.one_of(st.text(max_size=40), st.lists(_part, max_size=3)),
})  # fmt: skip
_int = st.integers(-(2**63), 2**63 - 1)
_number = st.one_of(st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6, allow_nan=False))
_opt = {
    "org": st.none() | _text, "end_user": st.none() | _text, "client_ip": st.none() | _text,
    "asn": st.none() | _int, "user_agent": st.none() | _text, "country": st.none() | _text,
    "payment_fingerprint": st.none() | _text,
    "account_created": st.none() | _rfc3339 | st.floats(0, 4e9, allow_nan=False),
    "access_route": st.none() | _text,
    "params": st.none() | st.fixed_dictionaries({}, optional={
        "temperature": st.none() | _number, "top_p": st.none() | _number, "max_tokens": st.none() | _int,
        "n": st.none() | _int, "seed": st.none() | _int, "stream": st.none() | st.booleans(),
        "logprobs": st.none() | st.booleans(), "top_logprobs": st.none() | _int,
        "reasoning_effort": st.none() | _text}),
    "tools": st.none() | st.lists(_text, max_size=3), "response": st.none() | st.text(max_size=50),
    "reasoning": st.none() | st.text(max_size=50), "input_tokens": st.none() | _int,
    "output_tokens": st.none() | _int, "reasoning_tokens": st.none() | _int,
    "finish_reason": st.none() | _text, "status": st.none() | _int,
}  # fmt: skip
_valid = st.fixed_dictionaries(
    {"id": _text, "time": _rfc3339 | st.floats(0, 4e9, allow_nan=False) | st.integers(0, 4 * 10**9),
     "account": _text, "model": _text, "messages": st.lists(_message, max_size=4)},
    optional={**_opt, "x_unknown": st.text(max_size=5)},
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_valid)
def test_schema_valid_records_are_accepted(spec_dir: Path, record: dict[str, Any]) -> None:
    import jsonschema

    schema = json.loads((spec_dir / "exchange.schema.json").read_text())
    jsonschema.validate(record, schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    row = normalize_record(orjson.loads(orjson.dumps(record)), "f:1")
    assert row["id"] == record["id"] and row["time"].tzinfo is not None


def test_ordinary_records_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(obj: Any, where: str) -> tuple[Any, ...]:
        raise AssertionError("fell back to the exact check")

    monkeypatch.setattr(fast, "exact_row", refuse)
    row = normalize_row(exchange(), "f:1")
    assert row[0] == "ex-1"
    normalize_row(exchange(params=None, tools=None, time=12.5, messages=[{"role": "user", "content": "x"}]), "f:2")


def test_account_creation_times_are_remembered_but_still_checked() -> None:
    created = "2025-03-01T10:00:00+02:00"
    first = normalize_record(exchange(account_created=created), "f:1")["account_created"]
    again = normalize_record(exchange(account_created=created, id="ex-2"), "f:2")["account_created"]
    seconds = normalize_record(exchange(account_created=1740816000, id="ex-3"), "f:3")["account_created"]
    assert first == again == seconds == datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    # Only times that parsed are remembered: a bad one is refused however often it comes.
    for line in (4, 5):
        with pytest.raises(BadRecord, match="RFC 3339"):
            normalize_record(exchange(account_created="2025-03-01 10:00", id=f"ex-{line}"), f"f:{line}")
