"""Decoding OTLP/JSON attribute values and the flattened lists some conventions use.

OTLP/JSON follows the protobuf JSON mapping: an attribute is ``{"key", "value": AnyValue}``
where AnyValue holds one of ``stringValue``, ``boolValue``, ``intValue`` (a decimal string,
as 64-bit integers are in protobuf JSON, though some exporters write numbers),
``doubleValue``, ``arrayValue.values`` or ``kvlistValue.values``, or ``bytesValue``.
"""

from __future__ import annotations

from typing import Any

import orjson


def any_value(value: Any) -> Any:
    """The plain Python value of an OTLP AnyValue.

    >>> any_value({"intValue": "42"}), any_value({"arrayValue": {"values": [{"stringValue": "a"}]}})
    (42, ['a'])
    """
    if not isinstance(value, dict):
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        raw = value["intValue"]
        if isinstance(raw, str):
            try:
                return int(raw)
            except ValueError:
                return raw  # left as text; the normaliser names the field if it matters
        return raw
    if "doubleValue" in value:
        raw = value["doubleValue"]
        if isinstance(raw, str):
            try:
                return float(raw)
            except ValueError:
                return raw
        return raw
    if "boolValue" in value:
        return value["boolValue"]
    if "arrayValue" in value:
        items = value["arrayValue"].get("values", []) if isinstance(value["arrayValue"], dict) else []
        return [any_value(v) for v in items] if isinstance(items, list) else None
    if "kvlistValue" in value:
        kv = value["kvlistValue"]
        items = kv.get("values", []) if isinstance(kv, dict) else []
        return attributes(items)
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def attributes(items: Any) -> dict[str, Any]:
    """A list of OTLP ``{"key", "value"}`` pairs as a dict; malformed entries are skipped."""
    out: dict[str, Any] = {}
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                out[item["key"]] = any_value(item.get("value"))
    return out


def json_value(value: Any) -> Any:
    """An attribute that conventions store as JSON text (or already structured)."""
    if isinstance(value, str):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return None
    return value


def indexed(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """Rebuild a flattened list: ``{prefix}.{i}.{rest}`` keys become ``[{rest: value}]``.

    >>> indexed({"llm.input_messages.1.message.role": "user",
    ...          "llm.input_messages.0.message.role": "system"}, "llm.input_messages")
    [{'message.role': 'system'}, {'message.role': 'user'}]
    """
    found: dict[int, dict[str, Any]] = {}
    head = prefix + "."
    for key, value in attrs.items():
        if not key.startswith(head):
            continue
        index, _, rest = key[len(head) :].partition(".")
        if index.isdigit():
            found.setdefault(int(index), {})[rest] = value
    return [found[i] for i in sorted(found)]


def first(attrs: dict[str, Any], *keys: str) -> Any:
    """The value of the first of ``keys`` present and not null."""
    for key in keys:
        value = attrs.get(key)
        if value is not None:
            return value
    return None
