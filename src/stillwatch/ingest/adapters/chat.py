"""OpenAI-style chat messages and responses, rewritten into exchange v1 terms.

LiteLLM logs requests in OpenAI's shape, and OpenInference spans often carry the raw
request body in ``input.value``; both come through here. Roles and part kinds outside
exchange v1 are mapped to their nearest v1 meaning (``developer`` is a system prompt,
``image_url`` an image); the bytes of images and files are dropped, only their count
matters downstream. Tool calls stay on the message (exchange v1 keeps unknown keys).
"""

from __future__ import annotations

from typing import Any

from stillwatch.ingest.jsontypes import dumps
from stillwatch.types import PARAM_KEYS

ROLE_ALIASES = {"developer": "system", "function": "tool", "model": "assistant", "human": "user", "ai": "assistant"}
_IMAGE_PARTS = frozenset({"image", "image_url", "input_image"})
_FILE_PARTS = frozenset({"file", "input_file", "input_audio", "audio", "document", "video"})
_KEEP_KEYS = ("name", "tool_calls", "tool_call_id")
PARAM_NAMES = frozenset(PARAM_KEYS)


def alias(role: Any) -> Any:
    """The exchange v1 role for a provider's role name; anything else is passed on as is.

    >>> alias("developer"), alias("user"), alias(["odd"])
    ('system', 'user', ['odd'])
    """
    return ROLE_ALIASES.get(role, role) if isinstance(role, str) else role


def part(raw: Any) -> dict[str, Any] | None:
    """One content part as an exchange v1 part, or None when it carries nothing."""
    if isinstance(raw, str):
        return {"type": "text", "text": raw}
    if not isinstance(raw, dict):
        return None
    kind = raw.get("type") if isinstance(raw.get("type"), str) else None
    if kind in _IMAGE_PARTS:
        return {"type": "image"}
    if kind in _FILE_PARTS:
        return {"type": "file"}
    text = raw.get("text", raw.get("content"))
    if isinstance(text, str):
        return {"type": "text", "text": text}
    if text is not None:
        return {"type": "text", "text": dumps(text)}
    return None


def content(raw: Any) -> str | list[dict[str, Any]]:
    """Message content: a string stays one, a list becomes v1 parts, null becomes ``""``."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list):
        return [p for p in map(part, raw) if p is not None]
    converted = part(raw)
    return [converted] if converted else ""


def message(raw: Any) -> Any:
    """One OpenAI-style message as exchange v1; non-objects pass through to be rejected."""
    if not isinstance(raw, dict):
        return raw
    out: dict[str, Any] = {"role": alias(raw.get("role"))}
    out["content"] = content(raw.get("content"))
    for key in _KEEP_KEYS:
        if raw.get(key) is not None:
            out[key] = raw[key]
    return out


def messages(raw: Any) -> Any:
    """A request's messages: a list is mapped item by item, a bare prompt string becomes
    one user message, a dict with ``messages`` (a whole request body) is unwrapped.

    >>> messages([{"role": "developer", "content": None},
    ...           {"role": "user", "content": [{"type": "text", "text": "hi"},
    ...                                        {"type": "image_url", "image_url": {"url": "x"}}]}])
    [{'role': 'system', 'content': ''}, {'role': 'user', 'content': [{'type': 'text', 'text': 'hi'}, {'type': 'image'}]}]
    >>> messages("Tell me a joke")
    [{'role': 'user', 'content': 'Tell me a joke'}]
    """
    if isinstance(raw, str):
        return [{"role": "user", "content": raw}]
    if isinstance(raw, dict):
        if isinstance(raw.get("messages"), list):
            return messages(raw["messages"])
        if isinstance(raw.get("prompt"), str):
            return messages(raw["prompt"])
        return raw
    if isinstance(raw, list):
        return [message(m) for m in raw]
    return raw


def response(raw: Any) -> dict[str, Any]:
    """Exchange fields from a ChatCompletion-shaped response (or plain text).

    Returns a dict with any of ``response``, ``reasoning``, ``finish_reason``,
    ``input_tokens``, ``output_tokens``, ``reasoning_tokens``.

    >>> response({"choices": [{"message": {"content": "4", "reasoning_content": "2+2"},
    ...           "finish_reason": "stop"}], "usage": {"prompt_tokens": 9, "completion_tokens": 5,
    ...           "completion_tokens_details": {"reasoning_tokens": 3}}})
    {'response': '4', 'reasoning': '2+2', 'finish_reason': 'stop', 'input_tokens': 9, 'output_tokens': 5, 'reasoning_tokens': 3}
    """
    if isinstance(raw, str):
        return {"response": raw}
    if not isinstance(raw, dict):
        return {}
    out: dict[str, Any] = {}
    choices = raw.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        first = choices[0]
        msg = first.get("message") or first.get("delta") or {}
        if isinstance(msg, dict):
            text = msg.get("content")
            if isinstance(text, list):
                text = "\n".join(p["text"] for p in map(part, text) if p and p["type"] == "text")
            if isinstance(text, str):
                out["response"] = text
            reasoning = msg.get("reasoning_content", msg.get("reasoning"))
            if isinstance(reasoning, str):
                out["reasoning"] = reasoning
        elif isinstance(first.get("text"), str):
            out["response"] = first["text"]
        if isinstance(first.get("finish_reason"), str):
            out["finish_reason"] = first["finish_reason"]
    usage = raw.get("usage")
    if isinstance(usage, dict):
        for key, name in (("prompt_tokens", "input_tokens"), ("completion_tokens", "output_tokens")):
            if usage.get(key) is not None:
                out[name] = usage[key]
        details = usage.get("completion_tokens_details")
        if isinstance(details, dict) and details.get("reasoning_tokens") is not None:
            out["reasoning_tokens"] = details["reasoning_tokens"]
    return out


def pick_params(raw: Any) -> dict[str, Any]:
    """Exchange v1 ``params`` from a provider parameter dict (other keys are dropped).

    >>> pick_params({"temperature": 0.2, "max_completion_tokens": 512, "user": "u1"})
    {'temperature': 0.2, 'max_tokens': 512}
    """
    if not isinstance(raw, dict):
        return {}
    out = {k: raw[k] for k in PARAM_KEYS if raw.get(k) is not None}
    if "max_tokens" not in out and raw.get("max_completion_tokens") is not None:
        out["max_tokens"] = raw["max_completion_tokens"]
    return out


def tool_names(raw: Any, *, by_type: bool = False) -> list[str] | None:
    """Names of offered tools, from OpenAI ``tools`` or a list of ``{"name": ...}``.

    ``by_type`` names an unnamed built-in tool by its type, as the Responses API offers
    them (``{"type": "web_search"}``).

    >>> tool_names([{"type": "function", "function": {"name": "bash"}}, {"name": "read"}])
    ['bash', 'read']
    >>> tool_names([{"type": "web_search"}], by_type=True)
    ['web_search']
    """
    if not isinstance(raw, list):
        return None
    names = []
    for tool in raw:
        if isinstance(tool, dict):
            fn = tool.get("function")
            name = fn.get("name") if isinstance(fn, dict) else tool.get("name")
            if name is None and by_type and not isinstance(fn, dict):
                name = tool.get("type")
            if isinstance(name, str):
                names.append(name)
        elif isinstance(tool, str):
            names.append(tool)
    return names

