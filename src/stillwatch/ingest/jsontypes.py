"""JSON type names and checks shared by the normaliser and the adapters."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import orjson

from stillwatch.errors import BadRecord

_I64 = 1 << 63
_NAMES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def type_name(value: Any) -> str:
    """The JSON name of a parsed value's type, for error messages.

    >>> type_name(True), type_name(1.5), type_name(None), type_name([])
    ('boolean', 'number', 'null', 'array')
    """
    return _NAMES.get(type(value), type(value).__name__)


def check_int(value: Any, name: str, where: str) -> int | None:
    """``value`` as a 64-bit integer, or None for null; JSON Schema counts ``2.0`` as one.

    >>> check_int(2.0, "n", "f:1"), check_int(None, "n", "f:1")
    (2, None)
    >>> check_int(True, "n", "f:1")
    Traceback (most recent call last):
    ...
    stillwatch.errors.BadRecord: f:1: field 'n' must be an integer or null, got boolean
    """
    if value is None:
        return None
    kind = type(value)
    if kind is float and value.is_integer():
        if -_I64 <= value < _I64:
            return int(value)
    elif kind is int:
        if -_I64 <= value < _I64:
            return value
        raise BadRecord(where, f"field '{name}' is outside the 64-bit integer range")
    shown = name if "." in name else f"field '{name}'"
    raise BadRecord(where, f"{shown} must be an integer or null, got {type_name(value)}")


def _default(value: Any) -> Any:
    # Parquet can hold types JSON has not; keep them readable rather than fail the record.
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def dumps(value: Any) -> str:
    """Compact JSON text of a parsed value.

    >>> dumps({"a": [1, "é"]})
    '{"a":[1,"é"]}'
    >>> dumps([2**70, float("nan")])  # what orjson refuses, from Python callers
    '[1180591620717411303424,null]'
    """
    return dumps_bytes(value).decode()


def dumps_bytes(value: Any) -> bytes:
    """``dumps`` as UTF-8 bytes, for columns Arrow builds straight from bytes."""
    try:
        return orjson.dumps(value, default=_default)
    except TypeError:  # integers past 64 bits, or keys that are not strings
        text = json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"), default=_default)
        return text.encode("utf-8", "surrogatepass")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
