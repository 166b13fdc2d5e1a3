"""The reference check of one exchange v1 record: exact, readable, not fast.

``normalize.normalize_row`` runs a fast path for the shapes real logs have and falls back
to ``exact_row`` for anything unusual, so the precise reason for a rejection and the odd
but valid cases (``2.0`` as an integer, a ``datetime`` from Parquet) are all decided here.
Types are checked exactly as ``exchange.schema.json`` states them: a boolean is not a
number, ``1.0`` is an integer, a text part's ``text`` must be a string when present.
Token counts are left as the log gives them; ``tokens.fill_estimates`` completes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from stillwatch.errors import BadRecord
from stillwatch.ingest.jsontypes import check_int, dumps, dumps_bytes, type_name
from stillwatch.ingest.timestamps import BadTime, datetime_to_us, parse_rfc3339, seconds_to_us

REQUIRED = ("id", "time", "account", "model", "messages")
_OPTIONAL_STR = (
    "org",
    "end_user",
    "client_ip",
    "user_agent",
    "country",
    "payment_fingerprint",
    "access_route",
)
KNOWN_FIELDS = frozenset(
    REQUIRED
    + _OPTIONAL_STR
    + ("asn", "account_created", "params", "tools", "response", "reasoning")
    + ("input_tokens", "output_tokens", "reasoning_tokens", "finish_reason", "status")
)
_FLOAT_PARAMS = ("temperature", "top_p")
_INT_PARAMS = ("max_tokens", "n", "seed")
_KNOWN_PARAMS = frozenset(
    _FLOAT_PARAMS + _INT_PARAMS + ("stream", "logprobs", "top_logprobs", "reasoning_effort")
)
ROLES = ("system", "user", "assistant", "tool")
_ROLE_INDEX = {role: i for i, role in enumerate(ROLES)}
_NO_PARAMS = (None,) * 9


def _bad(where: str, reason: str) -> BadRecord:
    return BadRecord(where, reason)


def _required(obj: dict[str, Any], name: str, where: str, want: str) -> BadRecord:
    if name not in obj:
        return _bad(where, f"missing required field '{name}'")
    value = obj[name]
    got = "an empty string" if value == "" else type_name(value)
    return _bad(where, f"field '{name}' must be {want}, got {got}")


def _time(value: Any, name: str, where: str) -> int:
    kind = type(value)
    try:
        if kind is str:
            return parse_rfc3339(value)
        if kind is int or kind is float:
            return seconds_to_us(value)
        if isinstance(value, datetime):
            return datetime_to_us(value)
    except BadTime as exc:
        raise _bad(where, f"field '{name}': {exc}") from None
    raise _bad(where, f"field '{name}' must be an RFC 3339 string or Unix seconds, got {type_name(value)}")


def _params(params: Any, where: str) -> tuple[tuple[Any, ...], dict[str, Any] | None]:
    if params is None:
        return _NO_PARAMS, None
    if type(params) is not dict:
        raise _bad(where, f"field 'params' must be an object or null, got {type_name(params)}")
    get = params.get
    out: list[Any] = []
    for key in _FLOAT_PARAMS:
        value = get(key)
        if value is not None:
            if type(value) is not float and type(value) is not int:
                raise _bad(where, f"params.{key} must be a number or null, got {type_name(value)}")
            value = float(value)
        out.append(value)
    for key in _INT_PARAMS:
        out.append(check_int(get(key), f"params.{key}", where))
    for key in ("stream", "logprobs"):
        value = get(key)
        if value is not None and type(value) is not bool:
            raise _bad(where, f"params.{key} must be a boolean or null, got {type_name(value)}")
        out.append(value)
    out.append(check_int(get("top_logprobs"), "params.top_logprobs", where))
    effort = get("reasoning_effort")
    if effort is not None and type(effort) is not str:
        raise _bad(where, f"params.reasoning_effort must be a string or null, got {type_name(effort)}")
    out.append(effort)
    unknown = params.keys() - _KNOWN_PARAMS
    return tuple(out), ({k: params[k] for k in sorted(unknown)} if unknown else None)


def _content_text(content: Any, at: str, where: str) -> tuple[str, int, int]:
    """Text of one message's content, and its image and file part counts."""
    if type(content) is str:
        return content, 0, 0
    if type(content) is not list:
        raise _bad(where, f"{at}.content must be a string or an array of parts, got {type_name(content)}")
    texts: list[str] = []
    images = files = 0
    for j, part in enumerate(content):
        if type(part) is not dict:
            raise _bad(where, f"{at}.content[{j}] must be an object, got {type_name(part)}")
        kind = part.get("type")
        if "text" in part and type(part["text"]) is not str:
            raise _bad(where, f"{at}.content[{j}].text must be a string, got {type_name(part['text'])}")
        if kind == "text":
            texts.append(part.get("text", ""))
        elif kind == "image":
            images += 1
        elif kind == "file":
            files += 1
        elif "type" not in part:
            raise _bad(where, f"{at}.content[{j}] is missing 'type'")
        else:
            shown = kind if type(kind) is str else type_name(kind)
            raise _bad(where, f"{at}.content[{j}].type must be text, image or file, got {shown!r}")
    return "\n".join(texts), images, files


def _messages(messages: Any, where: str) -> tuple[Any, ...]:
    if type(messages) is not list:
        raise _bad(where, f"field 'messages' must be an array, got {type_name(messages)}")
    counts = [0, 0, 0, 0]
    system: list[str] = []
    prompt: str | None = None
    images = files = 0
    for i, message in enumerate(messages):
        if type(message) is not dict:
            raise _bad(where, f"messages[{i}] must be an object, got {type_name(message)}")
        role = message.get("role")
        index = _ROLE_INDEX.get(role) if type(role) is str else None
        if index is None:
            if "role" not in message:
                raise _bad(where, f"messages[{i}] is missing 'role'")
            shown = role if type(role) is str else type_name(role)
            raise _bad(where, f"messages[{i}].role must be one of {', '.join(ROLES)}, got {shown!r}")
        if "content" not in message:
            raise _bad(where, f"messages[{i}] is missing 'content'")
        text, n_img, n_file = _content_text(message["content"], f"messages[{i}]", where)
        counts[index] += 1
        if index == 0:
            system.append(text)
        elif index == 1:
            prompt = text
        images += n_img
        files += n_file
    system_text = "\n\n".join(system) if system else None
    return system_text, prompt, counts, images, files


def exact_row(obj: Any, where: str) -> tuple[Any, ...]:
    """Check one exchange v1 record and flatten it into ``EXCHANGE_COLUMNS`` order.

    Times come back as UTC microseconds since the epoch, token counts as logged (None
    where absent) and ``tokens_estimated`` as None. Raises ``BadRecord``.
    """
    if type(obj) is not dict:
        if isinstance(obj, Mapping):
            obj = dict(obj)
        else:
            raise _bad(where, f"record must be a JSON object, got {type_name(obj)}")
    get = obj.get
    ident = get("id")
    if type(ident) is not str or not ident:
        raise _required(obj, "id", where, "a non-empty string")
    if "time" not in obj:
        raise _bad(where, "missing required field 'time'")
    time_us = _time(obj["time"], "time", where)
    account = get("account")
    if type(account) is not str or not account:
        raise _required(obj, "account", where, "a non-empty string")
    model = get("model")
    if type(model) is not str or not model:
        raise _required(obj, "model", where, "a non-empty string")
    if "messages" not in obj:
        raise _bad(where, "missing required field 'messages'")

    strings = []
    for name in _OPTIONAL_STR:
        value = get(name)
        if value is not None and type(value) is not str:
            raise _bad(where, f"field '{name}' must be a string or null, got {type_name(value)}")
        strings.append(value)
    asn = check_int(get("asn"), "asn", where)
    created = get("account_created")
    created_us = None if created is None else _time(created, "account_created", where)
    params, extra_params = _params(get("params"), where)
    tools = get("tools")
    if tools is not None:
        if type(tools) is not list:
            raise _bad(where, f"field 'tools' must be an array of strings or null, got {type_name(tools)}")
        for j, tool in enumerate(tools):
            if type(tool) is not str:
                raise _bad(where, f"tools[{j}] must be a string, got {type_name(tool)}")
    response = get("response")
    if response is not None and type(response) is not str:
        raise _bad(where, f"field 'response' must be a string or null, got {type_name(response)}")
    reasoning = get("reasoning")
    if reasoning is not None and type(reasoning) is not str:
        raise _bad(where, f"field 'reasoning' must be a string or null, got {type_name(reasoning)}")
    input_tokens = check_int(get("input_tokens"), "input_tokens", where)
    output_tokens = check_int(get("output_tokens"), "output_tokens", where)
    reasoning_tokens = check_int(get("reasoning_tokens"), "reasoning_tokens", where)
    finish = get("finish_reason")
    if finish is not None and type(finish) is not str:
        raise _bad(where, f"field 'finish_reason' must be a string or null, got {type_name(finish)}")
    status = check_int(get("status"), "status", where)

    messages = obj["messages"]
    system_text, prompt, counts, images, files = _messages(messages, where)
    unknown = obj.keys() - KNOWN_FIELDS
    extra = None
    if unknown or extra_params:
        kept = {k: obj[k] for k in sorted(unknown)}
        if extra_params:
            kept["params"] = extra_params
        extra = dumps(kept)
    return (
        ident, time_us, account, model, *strings[:3], asn, *strings[3:6], created_us,
        strings[6], *params, tools, dumps_bytes(messages), system_text, prompt, len(messages),
        counts[1], counts[2], counts[3], images, files, response, reasoning, input_tokens,
        output_tokens, reasoning_tokens, None, finish, status, extra, where,
    )  # fmt: skip
