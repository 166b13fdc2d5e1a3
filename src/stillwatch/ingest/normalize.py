"""One exchange v1 record in, one stored row out, or ``BadRecord`` saying why not.

This is the one place exchange v1 is checked: the JSON Lines and Parquet readers, the
LiteLLM and OTLP adapters (which first rewrite their records into exchange v1) and the
gateway all come through here, so a record means the same whichever way it arrived.

``normalize_row`` is the ingest hot path. It takes the shapes real logs have (every field
of its expected JSON type, parts of known kinds) through straight-line code and hands
anything else to ``_exact.exact_row``, the reference check that gives the precise reason
for a rejection; a property test holds the two to the same answers. Token estimates are
filled in afterwards, per batch in ``columns`` and per record in ``normalize_record``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from stillwatch.errors import BadRecord
from stillwatch.ingest._exact import KNOWN_FIELDS, exact_row
from stillwatch.ingest.jsontypes import dumps, dumps_bytes
from stillwatch.ingest.timestamps import BadTime, parse_rfc3339, seconds_to_us, us_to_datetime
from stillwatch.ingest.tokens import fill_estimates
from stillwatch.types import EXCHANGE_COLUMNS, PARAM_KEYS

__all__ = ["loads_row", "normalize_record", "normalize_row"]

_NONE = type(None)
_STR_OR_NONE = frozenset({str, _NONE})
_INT_OR_NONE = frozenset({int, _NONE})
_TIME = frozenset({str, int, float})
# Top-level fields in the order the fast path reads them, and the types it takes as is.
_FIELDS: tuple[tuple[str, frozenset[type]], ...] = (
    ("id", frozenset({str})),
    ("time", _TIME),
    ("account", frozenset({str})),
    ("model", frozenset({str})),
    ("messages", frozenset({list})),
    ("org", _STR_OR_NONE),
    ("end_user", _STR_OR_NONE),
    ("client_ip", _STR_OR_NONE),
    ("asn", _INT_OR_NONE),
    ("user_agent", _STR_OR_NONE),
    ("country", _STR_OR_NONE),
    ("payment_fingerprint", _STR_OR_NONE),
    ("account_created", _TIME | {_NONE}),
    ("access_route", _STR_OR_NONE),
    ("params", frozenset({dict, _NONE})),
    ("tools", frozenset({list, _NONE})),
    ("response", _STR_OR_NONE),
    ("reasoning", _STR_OR_NONE),
    ("input_tokens", _INT_OR_NONE),
    ("output_tokens", _INT_OR_NONE),
    ("reasoning_tokens", _INT_OR_NONE),
    ("finish_reason", _STR_OR_NONE),
    ("status", _INT_OR_NONE),
)
_NAMES = tuple(name for name, _ in _FIELDS)
_PARAM_TYPES = (
    frozenset({float, int, _NONE}),
    frozenset({float, int, _NONE}),
    _INT_OR_NONE,
    _INT_OR_NONE,
    _INT_OR_NONE,
    frozenset({bool, _NONE}),
    frozenset({bool, _NONE}),
    _INT_OR_NONE,
    _STR_OR_NONE,
)
_KNOWN_PARAMS = frozenset(PARAM_KEYS)
_NO_PARAMS = (None,) * len(PARAM_KEYS)
_I64 = 1 << 63
_ROLE_INDEX = {"system": 0, "user": 1, "assistant": 2, "tool": 3}

# Type signatures already checked; a log has only a handful, so these stay tiny.
_good: set[tuple[type, ...]] = set()
_good_params: set[tuple[type, ...]] = set()
# An account's creation time repeats on every one of its exchanges; parsing it again each
# time took about 6% of the normaliser's time (profiled on simulated traffic). Only values
# that parsed are kept, so a bad one still raises.
_CREATED_CACHE = 1 << 16
_created: dict[Any, int] = {}


def _signature_ok(sig: tuple[type, ...], allowed: tuple[frozenset[type], ...]) -> bool:
    return all(kind in ok for kind, ok in zip(sig, allowed, strict=True))


class _Slow(Exception):
    """Raised inside the fast path to hand the record to the exact check."""


def _params(params: dict[str, Any]) -> tuple[Any, ...]:
    if not _KNOWN_PARAMS.issuperset(params):
        raise _Slow  # unknown keys go to `extra`; the exact path sorts that out
    values = tuple(map(params.get, PARAM_KEYS))
    sig = tuple(map(type, values))
    if sig not in _good_params:
        if not _signature_ok(sig, _PARAM_TYPES):
            raise _Slow
        _good_params.add(sig)
    temperature, top_p, max_tokens, n, seed, stream, logprobs, top_logprobs, effort = values
    for value in (max_tokens, n, seed, top_logprobs):
        if value is not None and not -_I64 <= value < _I64:
            raise _Slow
    if type(temperature) is int:
        temperature = float(temperature)
    if type(top_p) is int:
        top_p = float(top_p)
    return temperature, top_p, max_tokens, n, seed, stream, logprobs, top_logprobs, effort


def _messages(messages: list[Any]) -> tuple[Any, ...]:
    counts = [0, 0, 0, 0]
    system: list[str] = []
    prompt: str | None = None
    images = files = 0
    for message in messages:
        if type(message) is not dict:
            raise _Slow
        index = _ROLE_INDEX.get(message.get("role"))  # type: ignore[arg-type]
        content = message.get("content")
        if index is None or type(content) is not str:
            if index is None or type(content) is not list:
                raise _Slow
            texts = []
            for part in content:
                kind = part.get("type") if type(part) is dict else None
                text = part.get("text") if kind is not None else None
                if text is not None and type(text) is not str:
                    raise _Slow
                if kind == "text":
                    if text is None and "text" in part:
                        raise _Slow
                    texts.append(text or "")
                elif kind == "image" and (text is not None or "text" not in part):
                    images += 1
                elif kind == "file" and (text is not None or "text" not in part):
                    files += 1
                else:
                    raise _Slow
            content = "\n".join(texts)
        counts[index] += 1
        if index == 0:
            system.append(content)
        elif index == 1:
            prompt = content
    return ("\n\n".join(system) if system else None), prompt, counts, images, files


def normalize_row(obj: Any, where: str) -> tuple[Any, ...]:
    """Check one exchange v1 record and flatten it into ``EXCHANGE_COLUMNS`` order.

    Times come back as UTC microseconds since the epoch, ``messages`` as UTF-8 JSON bytes
    (Arrow takes them without a decode and re-encode), token counts as logged (None where
    absent) and ``tokens_estimated`` as None. Raises ``BadRecord``.
    """
    if type(obj) is not dict:
        return exact_row(obj, where)
    values = tuple(map(obj.get, _NAMES))
    sig = tuple(map(type, values))
    if sig not in _good:
        if not _signature_ok(sig, tuple(ok for _, ok in _FIELDS)):
            return exact_row(obj, where)
        _good.add(sig)
    (ident, when, account, model, messages, org, end_user, client_ip, asn, user_agent,
     country, fingerprint, created, route, params, tools, response, reasoning, input_tokens,
     output_tokens, reasoning_tokens, finish, status) = values  # fmt: skip
    try:
        if not (ident and account and model) or (tools and any(type(t) is not str for t in tools)):
            raise _Slow
        for value in (asn, input_tokens, output_tokens, reasoning_tokens, status):
            if value is not None and not -_I64 <= value < _I64:
                raise _Slow
        time_us = parse_rfc3339(when) if type(when) is str else seconds_to_us(when)
        created_us = None
        if created is not None:
            created_us = _created.get(created)
            if created_us is None:
                created_us = parse_rfc3339(created) if type(created) is str else seconds_to_us(created)
                if len(_created) >= _CREATED_CACHE:
                    _created.clear()
                _created[created] = created_us
        flat_params = _NO_PARAMS if params is None else _params(params)
        system_text, prompt, counts, images, files = _messages(messages)
    except (_Slow, BadTime, TypeError):
        # TypeError: an unhashable role; the exact check words the reason.
        return exact_row(obj, where)
    extra = None
    if not KNOWN_FIELDS.issuperset(obj):
        extra = dumps({k: obj[k] for k in sorted(obj.keys() - KNOWN_FIELDS)})
    return (
        ident, time_us, account, model, org, end_user, client_ip, asn, user_agent, country,
        fingerprint, created_us, route, *flat_params, tools, dumps_bytes(messages), system_text,
        prompt, len(messages), counts[1], counts[2], counts[3], images, files, response,
        reasoning, input_tokens, output_tokens, reasoning_tokens, None, finish, status, extra,
        where,
    )  # fmt: skip


def normalize_record(obj: Mapping[str, Any], where: str) -> dict[str, Any]:
    """One exchange v1 record as a stored row: a dict keyed by ``EXCHANGE_COLUMNS``.

    Times are aware UTC datetimes; token counts the log lacks are estimated. Raises
    ``BadRecord`` naming ``where`` and the reason when the record breaks the spec.

    Examples
    --------
    >>> row = normalize_record({"id": "e1", "time": "2025-01-01T01:00:00+01:00",
    ...     "account": "k1", "model": "m", "messages": [
    ...         {"role": "system", "content": "Be brief."},
    ...         {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "image"}]}],
    ...     "params": {"temperature": 0}, "x_region": "eu"}, "log.jsonl:1")
    >>> row["time"].isoformat(), row["prompt_text"], row["n_images"], row["temperature"]
    ('2025-01-01T00:00:00+00:00', 'Hi', 1, 0.0)
    >>> row["extra"], row["tokens_estimated"], row["output_tokens"]
    ('{"x_region":"eu"}', True, 0)
    >>> normalize_record({"id": "e2", "time": 0, "model": "m", "messages": []}, "log.jsonl:2")
    Traceback (most recent call last):
    ...
    stillwatch.errors.BadRecord: log.jsonl:2: missing required field 'account'
    """
    row = dict(zip(EXCHANGE_COLUMNS, normalize_row(obj, where), strict=True))
    if isinstance(row["messages"], bytes):
        row["messages"] = row["messages"].decode()
    fill_estimates(row)
    row["time"] = us_to_datetime(row["time"])
    if row["account_created"] is not None:
        row["account_created"] = us_to_datetime(row["account_created"])
    return row


def loads_row(line: bytes | str, where: str) -> tuple[Any, ...]:
    """Parse one JSON text and normalise it; text that is not JSON is a ``BadRecord``."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise BadRecord(where, f"not valid JSON: {exc}") from None
    return normalize_row(obj, where)
