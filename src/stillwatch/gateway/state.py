"""State the gateway's decisions read and write, behind one interface with two backends.

``MemoryState`` (the embedded default) keeps everything in this process. ``RedisState``
(:mod:`stillwatch.gateway.redis_state`) keeps the same things in Redis, so replicas share
rate limits, operator overrides, the authorized list and inherited-risk links.

Token buckets hold one minute's worth (``capacity = per_minute``) and refill continuously.
``take`` is all-or-nothing across the buckets it is given, so a request refused by the
campaign's bucket does not spend the account's.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Bucket:
    """One token bucket to check: ``need`` must be available, then ``cost`` is taken."""

    key: str
    per_minute: float
    cost: float = 1.0
    need: float = 1.0


class State(Protocol):
    async def take(self, buckets: Sequence[Bucket]) -> float:
        """0.0 when every bucket has ``need`` (and ``cost`` was taken from each); otherwise
        the seconds until the emptiest one will have it, and nothing is taken."""

    async def charge(self, key: str, per_minute: float, amount: float) -> None:
        """Take ``amount`` after the fact (output tokens); the level may go negative."""

    async def overrides(self) -> dict[str, str]:
        """Operator overrides: account -> ``allow`` or ``block``."""

    async def set_override(self, account: str, action: str | None) -> None: ...

    async def authorized(self) -> set[str]:
        """Accounts or orgs added to the authorized list through the admin API."""

    async def set_authorized(self, name: str, present: bool) -> None: ...

    async def link(self, kind: str, value: str, campaign: str) -> None:
        """Record that ``value`` (a payment fingerprint, template id, account) belongs to a
        campaign; ``kind`` names the namespace (``pay``, ``tpl``, ``acct``)."""

    async def linked(self, kind: str, value: str) -> str | None: ...

    async def links(self, kind: str) -> dict[str, str]:
        """Every link of one kind: value -> campaign."""

    async def hit(self, account: str, campaign: str, n: int = 1) -> int:
        """Count ``n`` more links from ``account`` to ``campaign``; returns the count."""

    async def close(self) -> None: ...


def refill(level: float, last: float, now: float, per_minute: float) -> float:
    """Bucket level after refilling since ``last``.

    Examples
    --------
    >>> refill(0.0, 0.0, 30.0, 60.0), refill(50.0, 0.0, 30.0, 60.0)
    (30.0, 60.0)
    """
    return min(per_minute, level + (now - last) * per_minute / 60.0)


class MemoryState:
    """Everything in this process (one gateway, or replicas that need not agree)."""

    def __init__(self, clock: object = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._overrides: dict[str, str] = {}
        self._authorized: set[str] = set()
        self._links: dict[tuple[str, str], str] = {}
        self._hits: dict[tuple[str, str], int] = {}

    def _now(self) -> float:
        return float(self._clock())  # type: ignore[operator]

    def _level(self, b: Bucket, now: float) -> float:
        level, last = self._buckets.get(b.key, (b.per_minute, now))
        return refill(level, last, now, b.per_minute)

    async def take(self, buckets: Sequence[Bucket]) -> float:
        now = self._now()
        levels = [self._level(b, now) for b in buckets]
        wait = max(
            ((b.need - lv) * 60.0 / b.per_minute for b, lv in zip(buckets, levels, strict=True)
             if lv < b.need),
            default=0.0,
        )
        if wait > 0:
            return wait
        for b, lv in zip(buckets, levels, strict=True):
            self._buckets[b.key] = (lv - b.cost, now)
        return 0.0

    async def charge(self, key: str, per_minute: float, amount: float) -> None:
        now = self._now()
        level = self._level(Bucket(key, per_minute), now)
        self._buckets[key] = (level - amount, now)

    async def overrides(self) -> dict[str, str]:
        return dict(self._overrides)

    async def set_override(self, account: str, action: str | None) -> None:
        if action is None:
            self._overrides.pop(account, None)
        else:
            self._overrides[account] = action

    async def authorized(self) -> set[str]:
        return set(self._authorized)

    async def set_authorized(self, name: str, present: bool) -> None:
        (self._authorized.add if present else self._authorized.discard)(name)

    async def link(self, kind: str, value: str, campaign: str) -> None:
        self._links[(kind, value)] = campaign

    async def linked(self, kind: str, value: str) -> str | None:
        return self._links.get((kind, value))

    async def links(self, kind: str) -> dict[str, str]:
        return {v: c for (k, v), c in self._links.items() if k == kind}

    async def hit(self, account: str, campaign: str, n: int = 1) -> int:
        key = (account, campaign)
        self._hits[key] = self._hits.get(key, 0) + n
        return self._hits[key]

    async def close(self) -> None:
        return None
