"""Record encoding: exchange v1 JSON lines assembled from pre-serialised fragments.

An account's identity fields, an address's fields and a session's messages are serialised
once and joined per exchange, rather than re-encoding a whole dict each time: agent loops
resend their growing history on every step, and that re-encoding dominated the run time.
Variable text always goes through orjson, so every line is valid JSON.

Examples
--------
>>> stamp(1767571200.25)
b'2026-01-05T00:00:00.250Z'
>>> fields({"a": 1, "b": "x"})
b'"a":1,"b":"x"'
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

_OPT = orjson.OPT_NON_STR_KEYS


def fields(obj: dict[str, Any]) -> bytes:
    """A dict's members as a JSON fragment, without the surrounding braces."""
    return orjson.dumps(obj, option=_OPT)[1:-1]


def stamp(t: float) -> bytes:
    """RFC 3339 in UTC with milliseconds, for Unix seconds ``t``."""
    ms = int(t * 1000.0 + 0.5)
    s, ms = divmod(ms, 1000)
    minute, sec = divmod(s, 60)
    return b"%s%02d.%03dZ" % (_minute(minute), sec, ms)


@lru_cache(maxsize=1 << 14)
def _minute(minute: int) -> bytes:
    # A chunk spans at most an hour, so each minute's date and time text is made once and reused.
    day, rest = divmod(minute, 1440)
    h, m = divmod(rest, 60)
    return b"%s%02d:%02d:" % (_day(day), h, m)


@lru_cache(maxsize=4096)
def _day(day: int) -> bytes:
    return datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%dT").encode()


def message(role: str, content: str | list[dict[str, str]]) -> bytes:
    """One message of the ``messages`` array, encoded.

    >>> message("user", "hi") == orjson.dumps({"role": "user", "content": "hi"})
    True
    """
    return encoded_message(role, orjson.dumps(content))


def encoded_message(role: str, content: bytes) -> bytes:
    """A message whose content is already JSON (a reply encoded once for its record and the history)."""
    head = _ROLES.get(role)
    if head is None:
        head = b'{"role":' + orjson.dumps(role) + b',"content":'
    return head + content + b"}"


_ROLES = {r: b'{"role":"%s","content":' % r.encode() for r in ("system", "user", "assistant", "tool")}
