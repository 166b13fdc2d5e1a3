"""A StandardLoggingPayload written by hand after LiteLLM's logging spec (docs/proxy/logging_spec)."""

from __future__ import annotations

import json
from typing import Any

from stillwatch.errors import BadRecord
from stillwatch.ingest.adapters import detect, litellm
from stillwatch.ingest.normalize import normalize_record


def payload(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "chatcmpl-9f2c1e",
        "trace_id": "5b0e-77aa",
        "call_type": "acompletion",
        "cache_hit": None,
        "stream": False,
        "status": "success",
        "custom_llm_provider": "openai",
        "saved_cache_cost": 0.0,
        "startTime": 1740830400.25,
        "endTime": 1740830402.5,
        "completionStartTime": 1740830402.5,
        "response_time": 2.25,
        "model": "gpt-4o",
        "model_id": "cb41bc03f4c3",
        "model_group": "gpt-4o",
        "api_base": "https://api.openai.com/v1",
        "metadata": {
            "user_api_key_hash": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
            "user_api_key_alias": "research-bot",
            "user_api_key_org_id": "org-42",
            "user_api_key_team_id": "team-7",
            "user_api_key_user_id": "alice",
            "user_api_key_team_alias": None,
            "spend_logs_metadata": None,
            "requester_ip_address": "198.51.100.4",
            "requester_metadata": {},
        },
        "cache_key": None,
        "response_cost": 0.00042,
        "total_tokens": 52,
        "prompt_tokens": 31,
        "completion_tokens": 21,
        "request_tags": ["batch-eval"],
        "end_user": "customer-17",
        "requester_ip_address": "198.51.100.4",
        "messages": [
            {"role": "developer", "content": "Answer in one sentence."},
            {"role": "user", "content": [
                {"type": "text", "text": "What is in this picture?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            ]},
        ],  # fmt: skip
        "response": {
            "id": "chatcmpl-9f2c1e",
            "object": "chat.completion",
            "created": 1740830402,
            "model": "gpt-4o-2024-08-06",
            "choices": [{
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "A cat asleep on a keyboard.",
                            "reasoning_content": "The image shows fur and keys.", "tool_calls": None},
            }],  # fmt: skip
            "usage": {"prompt_tokens": 31, "completion_tokens": 21, "total_tokens": 52,
                      "completion_tokens_details": {"reasoning_tokens": 8}},  # fmt: skip
        },
        "model_parameters": {"temperature": 0.2, "max_completion_tokens": 300, "user": "customer-17",
                             "tools": [{"type": "function", "function": {"name": "lookup", "parameters": {}}}],
                             "frequency_penalty": 0.1},  # fmt: skip
        "hidden_params": {"model_id": "cb41bc03f4c3", "cache_key": None, "api_base": "https://api.openai.com/v1",
                          "response_cost": 0.00042, "additional_headers": {}},  # fmt: skip
        "model_map_information": {"model_map_key": "gpt-4o", "model_map_value": None},
        "error_str": None,
        "error_information": {"error_code": "", "error_class": "", "llm_provider": ""},
    }
    record.update(changes)
    return record


def _one(obj: Any) -> dict[str, Any]:
    (record,) = litellm.convert(obj, "f:1")
    assert isinstance(record, dict), record
    return normalize_record(record, "f:1")


def test_detected() -> None:
    assert detect(payload()) == "litellm"
    assert detect({"standard_logging_object": payload()}) == "litellm"


def test_payload_maps_onto_exchange_v1() -> None:
    row = _one(payload())
    assert row["id"] == "chatcmpl-9f2c1e"
    assert row["time"].timestamp() == 1740830400.25
    assert row["account"] == payload()["metadata"]["user_api_key_hash"]
    assert (row["org"], row["end_user"], row["client_ip"]) == ("org-42", "customer-17", "198.51.100.4")
    assert row["model"] == "gpt-4o" and row["status"] == 200
    assert row["system_text"] == "Answer in one sentence."  # developer is a system prompt
    assert row["prompt_text"] == "What is in this picture?" and row["n_images"] == 1
    assert "base64" not in row["messages"]  # attachments are counted, not kept
    assert (row["temperature"], row["max_tokens"], row["tools"]) == (0.2, 300, ["lookup"])
    assert row["response"] == "A cat asleep on a keyboard."
    assert row["reasoning"] == "The image shows fur and keys."
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (31, 21, 8)
    assert row["tokens_estimated"] is False and row["finish_reason"] == "stop"
    kept = json.loads(row["extra"])["litellm"]
    assert kept["trace_id"] == "5b0e-77aa" and kept["user_api_key_alias"] == "research-bot"
    assert kept["model_parameters"] == {"frequency_penalty": 0.1}


def test_org_stands_in_for_a_missing_key_hash() -> None:
    meta = {**payload()["metadata"], "user_api_key_hash": None}
    assert _one(payload(metadata=meta))["account"] == "org-42"


def test_failure_status_and_bare_string_prompt() -> None:
    failed = payload(status="failure", response=None, messages="hello?", prompt_tokens=3, completion_tokens=0,
                     error_information={"error_code": "429", "error_class": "RateLimitError"})  # fmt: skip
    row = _one(failed)
    assert row["status"] == 429 and row["response"] is None and row["prompt_text"] == "hello?"


def test_nested_standard_logging_object() -> None:
    assert _one({"standard_logging_object": payload()})["id"] == "chatcmpl-9f2c1e"


def test_unusable_payloads_are_rejected_with_reasons() -> None:
    meta = {"user_api_key_hash": None, "user_api_key_org_id": None}
    (bad,) = litellm.convert(payload(metadata=meta), "f:2")
    assert isinstance(bad, BadRecord) and "user_api_key_hash" in bad.reason
    (record,) = litellm.convert(payload(startTime="yesterday"), "f:3")
    try:
        normalize_record(record, "f:3")  # type: ignore[arg-type]
    except BadRecord as exc:
        assert "time" in exc.reason
    else:
        raise AssertionError("a text startTime was accepted")
