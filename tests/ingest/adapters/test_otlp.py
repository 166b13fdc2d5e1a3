from __future__ import annotations

import json
from typing import Any

from ingest.adapters.otlp_exports import export, genai_span, http_span, openinference_span, s, span
from stillwatch.errors import BadRecord
from stillwatch.ingest.adapters import detect, otlp
from stillwatch.ingest.normalize import normalize_record


def _rows(obj: Any) -> list[dict[str, Any]]:
    out = []
    for record in otlp.convert(obj, "traces.jsonl:1"):
        assert isinstance(record, dict), record
        out.append(normalize_record(record, "traces.jsonl:1"))
    return out


def test_detected() -> None:
    assert detect(export([])) == "otlp"


def test_genai_span() -> None:
    (row,) = _rows(export([genai_span()]))
    assert row["id"] == "chatcmpl-A1b2" and row["model"] == "gpt-4o"
    assert row["time"].isoformat() == "2025-03-01T12:00:00.250000+00:00"
    assert (row["account"], row["client_ip"], row["user_agent"]) == ("key_abc", "192.0.2.10", "openai-python/1.51.0")
    assert row["system_text"] == "You are a math tutor."
    assert row["prompt_text"] == "Prove that sqrt(2) is irrational." and row["n_images"] == 1
    assert row["response"] == "Suppose sqrt(2)=p/q ... contradiction."
    assert row["reasoning"] == "Assume p/q in lowest terms."
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (57, 120, 64)
    assert (row["temperature"], row["max_tokens"], row["tools"]) == (0.3, 400, ["calculator"])
    assert row["finish_reason"] == "stop" and row["tokens_estimated"] is False
    assert json.loads(row["extra"])["otlp"]["provider"] == "openai"


def test_openinference_span() -> None:
    (row,) = _rows(export([openinference_span()]))
    assert row["model"] == "gpt-4o-mini" and row["account"] == "acct-9"
    assert row["id"] == "otlp:5b8efff798038103d269b633813fc60c:a1b2c3d4e5f60718"
    assert row["system_text"] == "Grade the answer 1-10."
    assert row["prompt_text"] == "Answer: 42" and row["n_images"] == 1
    assert row["response"] == "Score: 7. Reasoning follows."
    assert (row["input_tokens"], row["output_tokens"]) == (25, 9)
    assert (row["temperature"], row["max_tokens"], row["seed"], row["tools"]) == (0.0, 256, 11, ["grade"])


def test_older_indexed_genai_attributes() -> None:
    attrs = [
        s("gen_ai.system", "anthropic"), s("gen_ai.request.model", "claude-3-5-sonnet"),
        s("gen_ai.prompt.0.role", "user"), s("gen_ai.prompt.0.content", "Write a haiku."),
        s("gen_ai.completion.0.role", "assistant"), s("gen_ai.completion.0.content", "Autumn moon rises"),
        s("gen_ai.completion.0.finish_reason", "end_turn"), s("enduser.id", "u-5"),
        {"key": "gen_ai.usage.prompt_tokens", "value": {"intValue": 12}},
    ]  # fmt: skip
    (row,) = _rows(export([span(attrs)]))
    assert row["prompt_text"] == "Write a haiku." and row["response"] == "Autumn moon rises"
    assert row["account"] == "u-5" and row["input_tokens"] == 12 and row["finish_reason"] == "end_turn"
    assert row["tokens_estimated"] is True  # no completion count: estimated from the text


def test_plain_input_value_becomes_the_prompt() -> None:
    attrs = [s("llm.model_name", "m"), s("input.value", "just text"), s("output.value", "ok"), s("user.id", "a")]
    (row,) = _rows(export([span(attrs)]))
    assert row["prompt_text"] == "just text" and row["response"] == "ok"


def test_other_spans_are_skipped_and_resource_attributes_apply() -> None:
    chain = span([s("openinference.span.kind", "CHAIN"), s("input.value", "x"), s("llm.model_name", "m")], span_id="c1")
    embed = span([s("gen_ai.operation.name", "embeddings"), s("gen_ai.request.model", "e")], span_id="e1")
    spans = [http_span(), chain, embed, genai_span(span_id="01"), genai_span(span_id="02")]
    rows = _rows(export(spans, resource=[s("service.name", "svc"), s("user.id", "tenant-key")]))
    assert len(rows) == 2


def test_span_without_an_account_is_rejected() -> None:
    attrs = [a for a in genai_span()["attributes"] if a["key"] != "user.id"]
    (bad,) = otlp.convert(export([span(attrs)]), "t:4")
    assert isinstance(bad, BadRecord) and "user.id" in bad.reason and bad.where == "t:4"


def test_malformed_exports_do_not_crash() -> None:
    for obj in [{"resourceSpans": [None, 3, {"scopeSpans": "x"}, {"scopeSpans": [{"spans": [None, {}]}]}]},
                export([{"attributes": "nope"}]), export([span([{"key": 1}, {"value": {}}, s("llm.model_name", "m")])])]:  # fmt: skip
        for item in otlp.convert(obj, "t:1"):
            if isinstance(item, dict):
                try:
                    normalize_record(item, "t:1")
                except BadRecord:
                    pass
