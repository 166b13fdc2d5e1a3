"""LiteLLM's StandardLoggingPayload, one object a line as a custom logger writes it.

Field names follow LiteLLM's "StandardLoggingPayload Specification" (docs/proxy/logging_spec):
the billed principal is the virtual key (``metadata.user_api_key_hash``), or its org
(``metadata.user_api_key_org_id``) where the key is not logged; ``startTime`` is Unix
seconds; ``response`` is the ModelResponse as a dict; ``status`` is ``"success"`` or
``"failure"`` with ``error_information.error_code`` holding the HTTP code of a failure.
A line may also hold ``{"standard_logging_object": {...}}`` as some loggers nest it.
"""

from __future__ import annotations

from typing import Any

from stillwatch.errors import BadRecord
from stillwatch.ingest.adapters import chat
from stillwatch.ingest.jsontypes import type_name

name = "litellm"

_MARKERS = ("model_parameters", "call_type", "hidden_params", "response_cost", "model_map_information")
# Payload fields worth keeping beside the exchange (in `extra`), by where they live.
_KEEP_TOP = ("trace_id", "call_type", "response_cost", "cache_hit", "request_tags", "model_group", "model_id", "api_base", "error_str")
_KEEP_META = ("user_api_key_alias", "user_api_key_team_id", "user_api_key_user_id", "user_api_key_team_alias")
_USED_PARAMS = frozenset(("tools", "messages", "max_completion_tokens", "user"))


def _payload(obj: Any) -> Any:
    if isinstance(obj, dict) and isinstance(obj.get("standard_logging_object"), dict):
        return obj["standard_logging_object"]
    return obj


def detect(obj: Any) -> bool:
    """True for a StandardLoggingPayload (or one nested under ``standard_logging_object``)."""
    obj = _payload(obj)
    return isinstance(obj, dict) and "startTime" in obj and any(k in obj for k in _MARKERS)


def _status(payload: dict[str, Any]) -> int | None:
    status = payload.get("status")
    if status == "success":
        return 200
    info = payload.get("error_information")
    code = info.get("error_code") if isinstance(info, dict) else None
    if isinstance(code, int) and not isinstance(code, bool):
        return code
    if isinstance(code, str) and code.isdigit():
        return int(code)
    return None


def convert(obj: Any, where: str) -> list[dict[str, Any] | BadRecord]:
    """One payload as one exchange v1 record (or the reason it cannot be one)."""
    payload = _payload(obj)
    if not isinstance(payload, dict):
        return [BadRecord(where, f"LiteLLM payload must be a JSON object, got {type_name(payload)}")]
    meta = payload.get("metadata") if isinstance(payload.get("metadata"), dict) else {}
    account = meta.get("user_api_key_hash") or meta.get("user_api_key_org_id")
    if not account:
        return [BadRecord(where, "LiteLLM payload has neither metadata.user_api_key_hash nor metadata.user_api_key_org_id")]
    if "startTime" not in payload:
        return [BadRecord(where, "LiteLLM payload lacks startTime")]
    params = payload.get("model_parameters")
    record: dict[str, Any] = {
        "id": payload.get("id"),
        "time": payload["startTime"],
        "account": account,
        "org": meta.get("user_api_key_org_id"),
        "end_user": payload.get("end_user") or None,
        "client_ip": payload.get("requester_ip_address") or meta.get("requester_ip_address") or None,
        "model": payload.get("model"),
        "messages": chat.messages(payload.get("messages")),
        "params": chat.pick_params(params) or None,
        "tools": chat.tool_names(params.get("tools")) if isinstance(params, dict) else None,
        "status": _status(payload),
    }
    record.update(chat.response(payload.get("response")))
    # The payload's own counts win over the response's usage block when both exist.
    for key, field in (("prompt_tokens", "input_tokens"), ("completion_tokens", "output_tokens")):
        if payload.get(key) is not None:
            record[field] = payload[key]
    kept = {k: payload[k] for k in _KEEP_TOP if payload.get(k) not in (None, "", [])}
    kept.update({k: meta[k] for k in _KEEP_META if meta.get(k)})
    if isinstance(params, dict):
        other = {k: v for k, v in params.items() if k not in chat.PARAM_NAMES and k not in _USED_PARAMS}
        if other:
            kept["model_parameters"] = other
    if kept:
        record["litellm"] = kept
    return [record]
