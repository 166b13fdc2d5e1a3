"""Record encoding: exchange v1 JSON lines assembled from pre-serialised fragments.

An account's identity fields, an address's fields and a session's messages are serialised
once and joined per exchange, rather than re-encoding a whole dict each time: agent loops
resend their growing history on every step, and that re-encoding dominated the run time.
Variable text always goes through orjson, so every line is valid JSON.

Examples
--------
>>> ident(0, 255, 1767571200 + 3723.4567)[-34:]
b'"time":"2026-01-05T01:02:03.457Z",'
>>> fields({"a": 1, "b": "x"})
b'"a":1,"b":"x"'
"""

from __future__ import annotations

from binascii import hexlify
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

_OPT = orjson.OPT_NON_STR_KEYS


def fields(obj: dict[str, Any]) -> bytes:
    """A dict's members as a JSON fragment, without the surrounding braces."""
    return orjson.dumps(obj, option=_OPT)[1:-1]


def ident(high: int, low: int, t: float) -> bytes:
    """A record's opening ``{"id":"ex_…","time":"…",`` for a 96-bit id given as two 48-bit halves.

    >>> ident(1, 2, 1767571200.25)
    b'{"id":"ex_000000000001000000000002","time":"2026-01-05T00:00:00.250Z",'
    """
    # hexlify of the id's bytes writes what "%012x%012x" would, at half the cost per record.
    minute, rest = divmod(int(t * 1000.0 + 0.5), 60_000)
    return b"".join((b'{"id":"ex_', hexlify((high << 48 | low).to_bytes(12, "big")), b'","time":"',
                     _minute(minute), _seconds()[rest], b'",'))


@lru_cache(maxsize=1)
def _seconds() -> list[bytes]:
    # "SS.mmmZ" for each millisecond of a minute, built once: cheaper than formatting per record.
    return [b"%02d.%03dZ" % divmod(ms, 1000) for ms in range(60_000)]


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
