"""OTLP/JSON exports written by hand after the OpenTelemetry GenAI semantic conventions and
OpenInference's, with the protobuf JSON mapping (int64 as decimal strings)."""

from __future__ import annotations

import json
from typing import Any


def s(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def i(key: str, value: int) -> dict[str, Any]:
    return {"key": key, "value": {"intValue": str(value)}}


def d(key: str, value: float) -> dict[str, Any]:
    return {"key": key, "value": {"doubleValue": value}}


def export(spans: list[dict[str, Any]], resource: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"resourceSpans": [{
        "resource": {"attributes": resource or [s("service.name", "support-bot")]},
        "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.openai_v2", "version": "2.1b0"}, "spans": spans}],
    }]}  # fmt: skip


def span(attributes: list[dict[str, Any]], span_id: str = "051581bf3cb55c13", name: str = "chat gpt-4o") -> dict[str, Any]:
    return {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": span_id,
        "name": name,
        "kind": 3,
        "startTimeUnixNano": "1740830400250000000",
        "endTimeUnixNano": "1740830402500000000",
        "attributes": attributes,
        "status": {"code": 1},
    }


def genai_span(**changes: Any) -> dict[str, Any]:
    attrs = [
        s("gen_ai.operation.name", "chat"),
        s("gen_ai.provider.name", "openai"),
        s("gen_ai.request.model", "gpt-4o"),
        s("gen_ai.response.model", "gpt-4o-2024-08-06"),
        s("gen_ai.response.id", "chatcmpl-A1b2"),
        d("gen_ai.request.temperature", 0.3),
        i("gen_ai.request.max_tokens", 400),
        i("gen_ai.usage.input_tokens", 57),
        i("gen_ai.usage.output_tokens", 120),
        i("gen_ai.usage.reasoning.output_tokens", 64),
        {"key": "gen_ai.response.finish_reasons", "value": {"arrayValue": {"values": [{"stringValue": "stop"}]}}},
        s("gen_ai.system_instructions", json.dumps([{"type": "text", "content": "You are a math tutor."}])),
        s("gen_ai.input.messages", json.dumps([
            {"role": "user", "parts": [{"type": "text", "content": "Prove that sqrt(2) is irrational."},
                                       {"type": "uri", "modality": "image", "uri": "https://example.com/board.png"}]},
        ])),
        s("gen_ai.output.messages", json.dumps([
            {"role": "assistant", "finish_reason": "stop", "parts": [
                {"type": "reasoning", "content": "Assume p/q in lowest terms."},
                {"type": "text", "content": "Suppose sqrt(2)=p/q ... contradiction."}]},
        ])),
        s("gen_ai.tool.definitions", json.dumps([{"type": "function", "name": "calculator"}])),
        s("user.id", "key_abc"),
        s("client.address", "192.0.2.10"),
        s("user_agent.original", "openai-python/1.51.0"),
        s("server.address", "api.openai.com"),
    ]  # fmt: skip
    return span(attrs, **changes)


def openinference_span() -> dict[str, Any]:
    attrs = [
        s("openinference.span.kind", "LLM"),
        s("llm.system", "openai"),
        s("llm.model_name", "gpt-4o-mini"),
        s("llm.invocation_parameters", json.dumps({"temperature": 0.0, "max_tokens": 256, "seed": 11})),
        s("llm.input_messages.0.message.role", "system"),
        s("llm.input_messages.0.message.content", "Grade the answer 1-10."),
        s("llm.input_messages.1.message.role", "user"),
        s("llm.input_messages.1.message.contents.0.message_content.type", "text"),
        s("llm.input_messages.1.message.contents.0.message_content.text", "Answer: 42"),
        s("llm.input_messages.1.message.contents.1.message_content.type", "image"),
        s("llm.input_messages.1.message.contents.1.message_content.image.image.url", "https://example.com/x.png"),
        s("llm.output_messages.0.message.role", "assistant"),
        s("llm.output_messages.0.message.content", "Score: 7. Reasoning follows."),
        i("llm.token_count.prompt", 25),
        i("llm.token_count.completion", 9),
        i("llm.token_count.total", 34),
        s("llm.tools.0.tool.json_schema", json.dumps({"type": "function", "function": {"name": "grade"}})),
        s("input.value", '{"messages": []}'),
        s("input.mime_type", "application/json"),
        s("output.value", "Score: 7. Reasoning follows."),
        s("user.id", "acct-9"),
        s("session.id", "sess-1"),
    ]  # fmt: skip
    return span(attrs, span_id="a1b2c3d4e5f60718", name="ChatCompletion")


def http_span() -> dict[str, Any]:
    return span([s("http.request.method", "POST"), s("url.full", "https://api.openai.com/v1/chat/completions")],
                span_id="ffff0000ffff0000", name="POST")  # fmt: skip
