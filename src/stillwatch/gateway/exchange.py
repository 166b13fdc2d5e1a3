"""OpenAI-compatible requests as exchange v1 records.

The gateway speaks three endpoint shapes (chat completions, legacy completions, responses);
each request becomes the request half of an exchange v1 record here, and the response half
is filled in by :mod:`stillwatch.gateway.watch`. The record is checked by the one exchange
v1 checker, ``ingest.normalize``, so a request the log could not store is refused up front
with the same reason ``stillwatch ingest`` would give.
"""

from __future__ import annotations

from typing import Any

from stillwatch.ingest.adapters.chat import tool_names
from stillwatch.ingest.jsontypes import type_name

CHAT, COMPLETIONS, RESPONSES = "chat", "completions", "responses"
ROUTES = {
    "/v1/chat/completions": CHAT,
    "/v1/completions": COMPLETIONS,
    "/v1/responses": RESPONSES,
}
_ROLE = {"developer": "system", "function": "tool"}
_IMAGE_PARTS = frozenset({"image_url", "image", "input_image"})
_TEXT_PARTS = frozenset({"text", "input_text", "output_text"})


class BadRequest(Exception):
    """The request cannot be served; ``status`` and a message for the JSON error body."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message


def _parts(content: Any) -> Any:
    """OpenAI content (string, null or parts) as exchange v1 content."""
    if content is None:
        return ""
    if not isinstance(content, list):
        return content  # a string, or a wrong type the checker will name
    out: list[Any] = []
    for part in content:
        if not isinstance(part, dict):
            out.append(part)
            continue
        kind = part.get("type")
        if kind in _TEXT_PARTS:
            out.append({"type": "text", "text": part.get("text", "")})
        elif kind == "refusal":
            out.append({"type": "text", "text": part.get("refusal", "")})
        elif kind in _IMAGE_PARTS:
            out.append({"type": "image"})
        else:  # audio, files and part types newer than this code: an attachment
            out.append({"type": "file"})
    return out


def _message(m: Any) -> Any:
    if not isinstance(m, dict):
        return m
    role = m.get("role")
    if role is None and m.get("type") == "function_call_output":
        return {"role": "tool", "content": str(m.get("output", ""))}
    if role is None and m.get("type") in ("function_call", "reasoning", "item_reference"):
        return {"role": "assistant", "content": ""}
    return {"role": _ROLE.get(role, role), "content": _parts(m.get("content"))}


def request_record(kind: str, body: Any) -> dict[str, Any]:
    """The request half of an exchange v1 record (no id, time or account yet).

    Raises ``BadRequest`` for bodies that are not objects or lack the endpoint's input.

    Examples
    --------
    >>> r = request_record("chat", {"model": "m", "max_completion_tokens": 9,
    ...     "messages": [{"role": "developer", "content": "Be brief."},
    ...                  {"role": "user", "content": [{"type": "image_url"}]}]})
    >>> r["messages"], r["params"]["max_tokens"]
    ([{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': [{'type': 'image'}]}], 9)
    >>> request_record("responses", {"model": "m", "input": "hi", "instructions": "x"})["messages"]
    [{'role': 'system', 'content': 'x'}, {'role': 'user', 'content': 'hi'}]
    """
    if not isinstance(body, dict):
        raise BadRequest(400, "invalid_request", f"request body must be a JSON object, got {type_name(body)}")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest(400, "invalid_request", "field 'model' must be a non-empty string")
    params: dict[str, Any] = {
        k: body[k] for k in ("temperature", "top_p", "n", "seed", "stream", "top_logprobs") if k in body
    }
    if kind == CHAT:
        messages = body.get("messages")
        if not isinstance(messages, list):
            raise BadRequest(400, "invalid_request", f"field 'messages' must be an array, got {type_name(messages)}")
        msgs = [_message(m) for m in messages]
        params["max_tokens"] = body.get("max_completion_tokens", body.get("max_tokens"))
        params["logprobs"] = body.get("logprobs")
        params["reasoning_effort"] = body.get("reasoning_effort")
    elif kind == COMPLETIONS:
        prompt = body.get("prompt")
        if isinstance(prompt, list) and all(isinstance(p, str) for p in prompt):
            prompt = "\n".join(prompt)
        if not isinstance(prompt, str):
            raise BadRequest(400, "invalid_request", f"field 'prompt' must be a string or an array of strings, got {type_name(prompt)}")
        msgs = [{"role": "user", "content": prompt}]
        params["max_tokens"] = body.get("max_tokens")
        lp = body.get("logprobs")  # an integer count in this API
        if isinstance(lp, int) and not isinstance(lp, bool):
            params["logprobs"], params["top_logprobs"] = lp > 0, lp
        else:
            params["logprobs"] = lp
    else:
        given = body.get("input")
        if isinstance(given, str):
            msgs = [{"role": "user", "content": given}]
        elif isinstance(given, list):
            msgs = [_message(m) for m in given]
        else:
            raise BadRequest(400, "invalid_request", f"field 'input' must be a string or an array, got {type_name(given)}")
        if isinstance(body.get("instructions"), str):
            msgs.insert(0, {"role": "system", "content": body["instructions"]})
        params["max_tokens"] = body.get("max_output_tokens")
        reasoning = body.get("reasoning")
        params["reasoning_effort"] = reasoning.get("effort") if isinstance(reasoning, dict) else None
    record: dict[str, Any] = {
        "model": model,
        "messages": msgs,
        "params": {k: v for k, v in params.items() if v is not None},
    }
    tools = tool_names(body.get("tools"), by_type=True)
    if tools:
        record["tools"] = tools
    if isinstance(body.get("user"), str) and body["user"]:
        record["end_user"] = body["user"]
    return record


def apply_caps(kind: str, body: dict[str, Any], max_tokens: int, n: int, logprobs: bool) -> list[str]:
    """Cap a request body's parameters in place; returns what was changed, for the log.

    Examples
    --------
    >>> b = {"max_tokens": 50000, "n": 4, "logprobs": True, "top_logprobs": 5}
    >>> apply_caps("chat", b, 4096, 1, False), b
    (['max_tokens', 'n', 'logprobs'], {'max_tokens': 4096, 'n': 1})
    """
    changed = []
    if max_tokens > 0:
        keys = ("max_output_tokens",) if kind == RESPONSES else ("max_tokens", "max_completion_tokens")
        present = [k for k in keys if k in body]
        for key in present or keys[:1]:
            value = body.get(key)
            if not isinstance(value, int) or value > max_tokens:
                body[key] = max_tokens
                if key not in changed:
                    changed.append("max_tokens")
    if n > 0 and isinstance(body.get("n"), int) and body["n"] > n:
        body["n"] = n
        changed.append("n")
    if not logprobs and (body.get("logprobs") or body.get("top_logprobs")):
        body.pop("logprobs", None)
        body.pop("top_logprobs", None)
        changed.append("logprobs")
    return changed
