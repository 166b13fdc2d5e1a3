"""stillwatch inside a LiteLLM proxy: a ``CustomGuardrail`` running the gateway's policy.

The same machinery as ``stillwatch serve`` (verdicts, policy, token buckets, audit log,
online scoring, Redis state) without a proxy of its own; LiteLLM forwards the request.

* **pre-call**: identify the account, check the request as exchange v1, decide; a refusal
  raises an ``HTTPException`` with the gateway's status and error body (and is logged), a
  forwarded request gets the parameter caps;
* **post-call**, non-streaming and streaming: withhold or summarise the reasoning;
* **logging** (``async_log_success_event``/``async_log_failure_event``): write the exchange
  v1 record, with the reasoning as returned to the client, and queue it for scoring.

Configure it in the proxy's ``config.yaml`` (see docs/gateway.md, "LiteLLM")::

    guardrails:
      - guardrail_name: stillwatch
        litellm_params:
          guardrail: stillwatch.gateway.litellm_guardrail.StillwatchGuardrail
          mode: [pre_call, post_call]
          default_on: true
          stillwatch_audit: /var/lib/stillwatch/audit       # required
          stillwatch_results: /var/lib/stillwatch/results   # optional, as serve --results
          stillwatch_config: /etc/stillwatch/policy.toml    # optional, as serve --config
          stillwatch_redis: redis://127.0.0.1:6379/0        # optional, as serve --redis

Durability is weaker than ``serve``'s: LiteLLM runs logging hooks after the response has
gone, so a crash can lose exchanges the client already has. Refusals are written before
the refusal is sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from pathlib import Path
from typing import Any

try:
    from fastapi import HTTPException
    from litellm.integrations.custom_guardrail import CustomGuardrail
except ImportError:  # without the [litellm] extra the module still imports (docs, doctests)
    HTTPException = None  # type: ignore[assignment,misc]
    CustomGuardrail = object  # type: ignore[assignment,misc]

from stillwatch.gateway.app import _REFUSALS, Gateway
from stillwatch.gateway.exchange import CHAT, COMPLETIONS, RESPONSES, BadRequest, apply_caps, request_record
from stillwatch.gateway.policy import Decision
from stillwatch.gateway.watch import summarise
from stillwatch.ingest.tokens import estimate_tokens

log = logging.getLogger("stillwatch.gateway.litellm")
_ENDPOINT = {"completion": CHAT, "acompletion": CHAT, "text_completion": COMPLETIONS,
             "atext_completion": COMPLETIONS, "responses": RESPONSES, "aresponses": RESPONSES}
_OPTIONS = ("stillwatch_audit", "stillwatch_results", "stillwatch_config", "stillwatch_redis",
            "stillwatch_key_secret")


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


def _call_id(data: dict[str, Any]) -> str:
    cid = data.get("litellm_call_id")
    if not cid:
        cid = data["litellm_call_id"] = str(uuid.uuid4())
    return str(cid)


class _Call:
    """What the hooks of one call share: the request half of its record and the decision."""

    __slots__ = ("record", "decision", "reasoning", "summary_sent")

    def __init__(self, record: dict[str, Any], decision: Decision) -> None:
        self.record = record
        self.decision = decision
        self.reasoning: list[str] = []  # everything the model produced, streamed or not
        self.summary_sent = False


class StillwatchGuardrail(CustomGuardrail):
    def __init__(self, **kwargs: Any) -> None:
        if HTTPException is None:
            raise ImportError("the stillwatch guardrail needs the [litellm] extra: "
                              "pip install 'stillwatch[litellm]'")
        options = {k: kwargs.pop(k, None) for k in _OPTIONS}
        super().__init__(**kwargs)
        if not options["stillwatch_audit"]:
            raise ValueError("the stillwatch guardrail needs litellm_params.stillwatch_audit (a directory)")
        from stillwatch.cli.serve import build

        path = lambda v: None if v is None else Path(v)  # noqa: E731
        self.gateway: Gateway = build(  # type: ignore[assignment]
            None, Path(options["stillwatch_audit"]), None, options["stillwatch_redis"],
            path(options["stillwatch_config"]), path(options["stillwatch_results"]),
            path(options["stillwatch_key_secret"]))
        self._calls: dict[str, _Call] = {}
        self._start: asyncio.Task[None] | None = None

    async def _ready(self) -> Gateway:
        """Start the gateway's machinery on the proxy's event loop, once."""
        if self._start is None:
            self._start = asyncio.get_running_loop().create_task(self.gateway.startup())
        await asyncio.shield(self._start)
        return self.gateway

    # ---- pre-call ------------------------------------------------------------------
    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: dict[str, Any],
                                  call_type: Any) -> dict[str, Any]:
        gw = await self._ready()
        endpoint = _ENDPOINT.get(str(getattr(call_type, "value", call_type)))
        if endpoint is None:
            return data  # embeddings, images, ...: not exchanges
        identity = getattr(user_api_key_dict, "api_key", None) or getattr(user_api_key_dict, "token", None)
        if not identity:
            raise HTTPException(401, detail={"error": {"type": "missing_api_key", "code": "missing_api_key",
                                                       "message": "no API key identifies this caller"}})
        account = gw.hasher.account(str(identity))
        try:
            record = gw.admit(endpoint, data, account, time.time())
            decision = await gw.decide(account, record)
        except BadRequest as exc:
            raise HTTPException(exc.status, detail=_detail(exc.kind, exc.message)) from None
        gw._log_action(account, endpoint, decision)
        if decision.refused:
            raise self._refusal(gw, endpoint, record, decision)
        r = decision.rule
        caps = apply_caps(endpoint, data, r.max_tokens, r.n, r.logprobs)
        for c in caps:
            gw.metrics.caps.labels(c).inc()
        if caps:
            record["params"] = request_record(endpoint, data)["params"]
        record["x_endpoint"] = endpoint
        self._calls[_call_id(data)] = _Call(record, decision)
        return data

    def _refusal(self, gw: Gateway, endpoint: str, record: dict[str, Any], d: Decision) -> HTTPException:
        if d.retry_after > 0:
            status, kind = 429, "rate_limited"
            message = f"rate limit reached; retry in {d.retry_after:.1f} s"
            headers = {"retry-after": str(max(1, round(d.retry_after + 0.5)))}
        else:
            status, kind, message = _REFUSALS[d.action]
            headers = {}
        record["status"] = status
        record["x_gateway"] = d.to_json()
        gw.log_exchange(record, d)
        gw.metrics.requests.labels(endpoint, str(status)).inc()
        return HTTPException(status, detail=_detail(kind, message), headers=headers)

    # ---- post-call -----------------------------------------------------------------
    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any,
                                           response: Any) -> Any:
        call = self._calls.get(str(data.get("litellm_call_id")))
        if call is None:
            return response
        mode = call.decision.rule.reasoning
        for choice in _get(response, "choices") or ():
            message = _get(choice, "message")
            if message is not None:
                _reasoning_out(message, call, mode, final=True)
        output = _get(response, "output")
        if isinstance(output, list):  # the responses API
            kept = []
            for item in output:
                if _get(item, "type") == "reasoning":
                    for key in ("summary", "content"):
                        for part in _get(item, key) or ():
                            if isinstance(_get(part, "text"), str):
                                sep = "\n\n" if call.reasoning else ""
                                call.reasoning.append(sep + _get(part, "text"))
                    if mode == "pass":
                        kept.append(item)
                else:
                    kept.append(item)
            if mode != "pass" and len(kept) != len(output):
                if mode == "summarise":
                    summary = {"type": "summary_text", "text": summarise("".join(call.reasoning))}
                    kept.insert(0, {"type": "reasoning", "id": "rs_summary", "summary": [summary]})
                response.output = kept
        return response

    async def async_post_call_streaming_iterator_hook(self, user_api_key_dict: Any, response: Any,
                                                      request_data: dict[str, Any]) -> Any:
        call = self._calls.get(str(request_data.get("litellm_call_id")))
        mode = call.decision.rule.reasoning if call is not None else "pass"
        async for chunk in response:
            if call is not None and mode != "pass":
                for choice in _get(chunk, "choices") or ():
                    delta = _get(choice, "delta")
                    if delta is not None:
                        ends = bool(_get(delta, "content")) or bool(_get(choice, "finish_reason"))
                        _reasoning_out(delta, call, mode, final=ends)
            elif call is not None:
                for choice in _get(chunk, "choices") or ():
                    text = _get(_get(choice, "delta"), "reasoning_content")
                    if isinstance(text, str) and text:
                        call.reasoning.append(text)
            yield chunk

    # ---- logging -------------------------------------------------------------------
    async def async_log_success_event(self, kwargs: dict[str, Any], response_obj: Any,
                                      start_time: Any, end_time: Any) -> None:
        call = self._calls.pop(str(kwargs.get("litellm_call_id")), None)
        if call is None:
            return
        try:
            self._log(call, kwargs.get("complete_streaming_response") or response_obj, 200)
        except Exception as exc:  # logging must never break the proxy
            log.error("audit record failed: %s: %s", type(exc).__name__, exc)

    async def async_log_failure_event(self, kwargs: dict[str, Any], response_obj: Any,
                                      start_time: Any, end_time: Any) -> None:
        call = self._calls.pop(str(kwargs.get("litellm_call_id")), None)
        if call is None:
            return
        exc = kwargs.get("exception")
        status = getattr(exc, "status_code", None)
        try:
            self._log(call, None, status if isinstance(status, int) else 502)
        except Exception as err:
            log.error("audit record failed: %s: %s", type(err).__name__, err)

    def _log(self, call: _Call, response: Any, status: int) -> None:
        gw, record, d = self.gateway, call.record, call.decision
        endpoint = record.pop("x_endpoint", CHAT)
        texts: list[str] = []
        for choice in _get(response, "choices") or ():
            message = _get(choice, "message")
            content = _get(message, "content") if message is not None else _get(choice, "text")
            if isinstance(content, str):
                texts.append(content)
            if _get(choice, "finish_reason"):
                record["finish_reason"] = str(_get(choice, "finish_reason"))
            if message is not None and not call.reasoning:
                _collect(message, call)
        for item in _get(response, "output") or ():
            if _get(item, "type") == "message":
                texts += [_get(p, "text") for p in _get(item, "content") or () if isinstance(_get(p, "text"), str)]
        record["status"] = status
        record["response"] = "".join(texts) if response is not None else None
        full = "".join(call.reasoning) if call.reasoning else None
        mode = d.rule.reasoning
        if full is not None:
            record["reasoning"] = full if mode == "pass" else summarise(full) if mode == "summarise" else None
        usage = _get(response, "usage")
        for key, field in (("prompt_tokens", "input_tokens"), ("input_tokens", "input_tokens"),
                           ("completion_tokens", "output_tokens"), ("output_tokens", "output_tokens")):
            if isinstance(_get(usage, key), int):
                record[field] = _get(usage, key)
        for details in ("completion_tokens_details", "output_tokens_details"):
            rt = _get(_get(usage, details), "reasoning_tokens")
            if isinstance(rt, int):
                record["reasoning_tokens"] = rt
        if "reasoning_tokens" not in record and full:
            record["reasoning_tokens"] = estimate_tokens(full)
        if isinstance(_get(response, "id"), str):
            record["x_upstream_id"] = _get(response, "id")
        gw_json = d.to_json()
        if mode != "pass" and full:
            gw_json["reasoning"] = mode
            gw.metrics.reasoning.labels(mode).inc()
        record["x_gateway"] = gw_json
        tokens = int(record.get("output_tokens") or estimate_tokens(record["response"] or ""))
        gw.metrics.output_tokens.inc(tokens)
        gw.metrics.requests.labels(endpoint, str(status)).inc()
        gw.log_exchange(record, d, tokens)


def _detail(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"type": kind, "code": kind, "message": message}}


def _collect(part: Any, call: _Call) -> None:
    text = _get(part, "reasoning_content")
    if isinstance(text, str) and text:
        call.reasoning.append(text)


def _reasoning_out(part: Any, call: _Call, mode: str, final: bool) -> None:
    """Record a message's or delta's reasoning; withhold it, or put the summary in its place
    (once, on the part that ends the reasoning)."""
    _collect(part, call)
    if mode == "pass":
        return
    for key in ("reasoning_content", "thinking_blocks", "reasoning_items"):
        if _get(part, key) is not None:
            setattr(part, key, None)
    extra = _get(part, "provider_specific_fields")
    if isinstance(extra, dict):
        for key in ("reasoning_content", "reasoning", "thinking_blocks"):
            extra.pop(key, None)
    if mode == "summarise" and final and call.reasoning and not call.summary_sent:
        part.reasoning_content = summarise("".join(call.reasoning))
        call.summary_sent = True
