"""OpenTelemetry traces in OTLP/JSON whose spans describe LLM calls.

One export (``{"resourceSpans": [...]}``) a line, or a whole file holding one. Each span
carrying GenAI attributes becomes one exchange; other spans (HTTP, database, agent
plumbing) are skipped, not rejected. Three attribute vocabularies are read:

* OpenTelemetry GenAI semantic conventions: ``gen_ai.request.model``, ``gen_ai.response.id``,
  ``gen_ai.usage.input_tokens`` / ``output_tokens`` / ``reasoning.output_tokens``,
  ``gen_ai.input.messages`` / ``gen_ai.output.messages`` / ``gen_ai.system_instructions``
  (JSON: ``[{"role", "parts": [{"type": "text", "content"}, ...]}]``), ``gen_ai.request.*``
  parameters, ``gen_ai.tool.definitions``, plus ``user.id``, ``client.address`` and
  ``user_agent.original``;
* their older indexed form (``gen_ai.prompt.0.role``, ``gen_ai.completion.0.content``,
  ``gen_ai.usage.prompt_tokens``);
* OpenInference: ``llm.model_name``, ``llm.token_count.prompt`` / ``completion``,
  ``llm.input_messages.N.message.*``, ``input.value`` / ``output.value``,
  ``llm.invocation_parameters``, ``llm.tools.N.tool.json_schema``, ``user.id``.

The account is ``user.id`` (else ``enduser.id``); a span with neither is rejected, as
exchange v1 requires an account.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stillwatch.errors import BadRecord
from stillwatch.ingest.adapters import chat
from stillwatch.ingest.adapters.otlp_values import attributes, first, indexed, json_value
from stillwatch.ingest.jsontypes import dumps

name = "otlp"

_MODEL_KEYS = ("gen_ai.request.model", "gen_ai.response.model", "llm.model_name")
_SKIP_OPERATIONS = frozenset({"embeddings", "execute_tool", "create_agent"})
_SKIP_KINDS = frozenset({"EMBEDDING", "RETRIEVER", "RERANKER", "TOOL", "CHAIN", "AGENT"})
_REQUEST_PARAMS = {
    "gen_ai.request.temperature": "temperature",
    "gen_ai.request.top_p": "top_p",
    "gen_ai.request.max_tokens": "max_tokens",
    "gen_ai.request.seed": "seed",
    "gen_ai.request.choice.count": "n",
}


def detect(obj: Any) -> bool:
    """True for an OTLP/JSON trace export."""
    return isinstance(obj, dict) and isinstance(obj.get("resourceSpans"), list)


def _is_llm(attrs: dict[str, Any]) -> bool:
    kind = attrs.get("openinference.span.kind")
    operation = attrs.get("gen_ai.operation.name")
    if (isinstance(kind, str) and kind in _SKIP_KINDS) or (isinstance(operation, str) and operation in _SKIP_OPERATIONS):
        return False
    return kind == "LLM" or any(attrs.get(k) is not None for k in _MODEL_KEYS)


def _rfc3339(nanos: Any) -> Any:
    if isinstance(nanos, str) and nanos.isdigit():
        nanos = int(nanos)
    if not isinstance(nanos, int) or isinstance(nanos, bool) or nanos <= 0:
        return nanos  # passed on for the normaliser to reject with the field named
    seconds, rest = divmod(nanos, 1_000_000_000)
    try:
        stamp = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return nanos
    return f"{stamp:%Y-%m-%dT%H:%M:%S}.{rest // 1000:06d}Z"


def _genai_part(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    kind = raw.get("type")
    if kind in ("blob", "file", "uri"):
        return {"type": "image"} if raw.get("modality") == "image" else {"type": "file"}
    if kind == "tool_call":
        return {"type": "text", "text": f"{raw.get('name')}({dumps(raw.get('arguments'))})"}
    if kind == "tool_call_response":
        value = raw.get("response")
        return {"type": "text", "text": value if isinstance(value, str) else dumps(value)}
    return chat.part(raw)


def _genai_messages(raw: Any) -> list[dict[str, Any]]:
    out = []
    for msg in raw if isinstance(raw, list) else []:
        if isinstance(msg, dict):
            role = msg.get("role")
            parts = msg.get("parts") if isinstance(msg.get("parts"), list) else []
            converted = [p for p in map(_genai_part, parts) if p is not None]
            out.append({"role": chat.alias(role), "content": converted})
    return out


def _text_of(parts: Any, kind: str) -> str | None:
    if not isinstance(parts, list):
        return None
    texts = [p.get("content") for p in parts if isinstance(p, dict) and p.get("type") == kind]
    texts = [t for t in texts if isinstance(t, str)]
    return "\n".join(texts) if texts else None


def _input(attrs: dict[str, Any]) -> Any:
    genai = json_value(attrs.get("gen_ai.input.messages"))
    if genai is not None:
        msgs = _genai_messages(genai)
        system = json_value(attrs.get("gen_ai.system_instructions"))
        if isinstance(system, list):
            parts = [p for p in map(_genai_part, system) if p is not None]
            msgs.insert(0, {"role": "system", "content": parts})
        return msgs
    for prefix, role_key, content_key in (
        ("llm.input_messages", "message.role", "message.content"),
        ("gen_ai.prompt", "role", "content"),
    ):
        flat = indexed(attrs, prefix)
        if flat:
            return [_flat_message(m, role_key, content_key) for m in flat]
    value = attrs.get("input.value")
    if isinstance(value, str):
        parsed = json_value(value) if attrs.get("input.mime_type") == "application/json" else None
        return chat.messages(parsed if isinstance(parsed, dict | list) else value)
    return None


def _flat_message(flat: dict[str, Any], role_key: str, content_key: str) -> dict[str, Any]:
    role = flat.get(role_key)
    parts = indexed(flat, "message.contents")
    if parts:
        content = [
            {"type": "image"} if p.get("message_content.type") == "image"
            else {"type": "text", "text": str(p.get("message_content.text") or "")}
            for p in parts
        ]  # fmt: skip
        return {"role": chat.alias(role), "content": content}
    return {"role": chat.alias(role), "content": chat.content(flat.get(content_key))}


def _output(attrs: dict[str, Any]) -> dict[str, Any]:
    genai = json_value(attrs.get("gen_ai.output.messages"))
    if isinstance(genai, list) and genai and isinstance(genai[0], dict):
        out: dict[str, Any] = {}
        parts = genai[0].get("parts")
        for key, kind in (("response", "text"), ("reasoning", "reasoning")):
            text = _text_of(parts, kind)
            if text is not None:
                out[key] = text
        if isinstance(genai[0].get("finish_reason"), str):
            out["finish_reason"] = genai[0]["finish_reason"]
        return out
    for prefix, content_key, finish_key in (
        ("llm.output_messages", "message.content", None),
        ("gen_ai.completion", "content", "finish_reason"),
    ):
        flat = indexed(attrs, prefix)
        if flat:
            out = {"response": flat[0].get(content_key)}
            if finish_key and flat[0].get(finish_key) is not None:
                out["finish_reason"] = flat[0][finish_key]
            return out
    value = attrs.get("output.value")
    if isinstance(value, str):
        parsed = json_value(value) if attrs.get("output.mime_type") == "application/json" else None
        return chat.response(parsed if isinstance(parsed, dict) else value)
    return {}


def _params(attrs: dict[str, Any]) -> dict[str, Any] | None:
    params = chat.pick_params(json_value(attrs.get("llm.invocation_parameters")))
    for key, param in _REQUEST_PARAMS.items():
        if attrs.get(key) is not None:
            params[param] = attrs[key]
    return params or None


def _tools(attrs: dict[str, Any]) -> list[str] | None:
    definitions = json_value(attrs.get("gen_ai.tool.definitions"))
    if definitions is not None:
        return chat.tool_names(definitions)
    flat = indexed(attrs, "llm.tools")
    if flat:
        return chat.tool_names([json_value(t.get("tool.json_schema")) for t in flat])
    return None


def _record(span: dict[str, Any], attrs: dict[str, Any], where: str) -> dict[str, Any] | BadRecord:
    span_id = span.get("spanId")
    account = first(attrs, "user.id", "enduser.id")
    if not account:
        return BadRecord(where, f"span {span_id}: no user.id or enduser.id attribute to use as the account")
    finish = attrs.get("gen_ai.response.finish_reasons")
    record: dict[str, Any] = {
        "id": first(attrs, "gen_ai.response.id") or f"otlp:{span.get('traceId')}:{span_id}",
        "time": _rfc3339(span.get("startTimeUnixNano")),
        "account": account,
        "model": first(attrs, *_MODEL_KEYS),
        "messages": _input(attrs),
        "client_ip": attrs.get("client.address"),
        "user_agent": attrs.get("user_agent.original"),
        "end_user": attrs.get("enduser.id") if attrs.get("user.id") else None,
        "params": _params(attrs),
        "tools": _tools(attrs),
        "input_tokens": first(attrs, "gen_ai.usage.input_tokens", "llm.token_count.prompt", "gen_ai.usage.prompt_tokens"),
        "output_tokens": first(attrs, "gen_ai.usage.output_tokens", "llm.token_count.completion", "gen_ai.usage.completion_tokens"),
        "reasoning_tokens": first(attrs, "gen_ai.usage.reasoning.output_tokens", "llm.token_count.completion_details.reasoning"),
        "finish_reason": finish[0] if isinstance(finish, list) and finish else None,
        "status": attrs.get("http.response.status_code"),
    }
    record.update({k: v for k, v in _output(attrs).items() if v is not None})
    if record["messages"] is None:
        return BadRecord(where, f"span {span_id}: no input messages (gen_ai.input.messages, llm.input_messages or input.value)")
    provider = first(attrs, "gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
    record["otlp"] = {"trace_id": span.get("traceId"), "span_id": span_id, "name": span.get("name"), "provider": provider}
    return record


def convert(obj: Any, where: str) -> list[dict[str, Any] | BadRecord]:
    """Every LLM span of one export as an exchange v1 record (or the reason it is not)."""
    out: list[dict[str, Any] | BadRecord] = []
    if not detect(obj):
        return [BadRecord(where, "not an OTLP/JSON trace export (no resourceSpans array)")]
    for resource_spans in obj["resourceSpans"]:
        if not isinstance(resource_spans, dict):
            continue
        resource = resource_spans.get("resource")
        base = attributes(resource.get("attributes")) if isinstance(resource, dict) else {}
        scopes = resource_spans.get("scopeSpans")
        for scope in scopes if isinstance(scopes, list) else []:
            spans = scope.get("spans") if isinstance(scope, dict) else None
            for span in spans if isinstance(spans, list) else []:
                if not isinstance(span, dict):
                    continue
                attrs = {**base, **attributes(span.get("attributes"))}
                if _is_llm(attrs):
                    out.append(_record(span, attrs, where))
    return out
