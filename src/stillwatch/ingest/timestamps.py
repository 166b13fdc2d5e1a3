"""Timestamps as exchange v1 writes them, turned into UTC microseconds since the epoch.

A time is either an RFC 3339 string with an offset (``2025-01-31T12:00:00.25+02:00``) or a
number of Unix seconds. Strings without an offset are refused: guessing a zone would shift
every timing signal. ``datetime`` objects (from Parquet timestamp columns or Python
callers) are taken as they are, naive ones as UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
# Years 1..9999: what datetime, DuckDB and every downstream consumer can hold.
_MIN_S = -62_135_596_800
_MAX_S = 253_402_300_799

_RFC3339 = re.compile(
    r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)\Z", re.ASCII
)


class BadTime(ValueError):
    """The value is not a time exchange v1 allows; the message says why."""


def parse_rfc3339(text: str) -> int:
    """Microseconds since the epoch for an RFC 3339 date-time with offset.

    Examples
    --------
    >>> parse_rfc3339("1970-01-01T01:00:00.5+01:00")
    500000
    >>> parse_rfc3339("2025-01-01t00:00:00z") == parse_rfc3339("2025-01-01T00:00:00Z")
    True
    """
    if _RFC3339.match(text) is None:
        raise BadTime(f"not an RFC 3339 date-time with offset: {text[:40]!r}")
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        stamp = _parse_unusual(text)
    return (stamp - EPOCH) // _US


def _parse_unusual(text: str) -> datetime:
    # Lower-case separators and leap seconds are valid RFC 3339 that fromisoformat refuses.
    text = text.upper()
    leap = text[17:19] == "60"
    if leap:
        text = text[:17] + "59" + text[19:]
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadTime(f"invalid date-time {text[:40]!r}: {exc}") from None
    return stamp + timedelta(seconds=1) if leap else stamp


def seconds_to_us(value: int | float) -> int:
    """Microseconds since the epoch for Unix seconds.

    >>> seconds_to_us(1.25)
    1250000
    """
    if not _MIN_S <= value <= _MAX_S:  # also false for NaN
        raise BadTime(f"Unix time {value!r} is outside years 1-9999")
    return round(value * 1_000_000)


def datetime_to_us(value: datetime) -> int:
    """Microseconds since the epoch for a datetime; naive means UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - EPOCH) // _US


def us_to_datetime(us: int) -> datetime:
    """The inverse: an aware UTC datetime.

    >>> us_to_datetime(1_500_000)
    datetime.datetime(1970, 1, 1, 0, 0, 1, 500000, tzinfo=datetime.timezone.utc)
    """
    return EPOCH + timedelta(microseconds=us)
