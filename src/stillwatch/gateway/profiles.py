"""Per-account online profiles shared between gateway replicas through Redis.

Each replica keeps its own partial ``ProfileAccumulator`` per account (the exchanges it
saw) and, after each scoring micro-batch, writes the partials of the accounts in the batch
to one Redis hash per account, one field per replica (``PREFIX profile:ACCOUNT`` ->
``REPLICA`` -> state). It then reads every replica's field and merges them: accumulators are
mergeable, and since each replica writes only its own field no update is ever lost to a
race. The account is scored on the merged profile.

What other replicas learnt reaches this replica's score at its next batch with that
account. ``gap_cv`` of a merged profile misses the gaps between exchanges that went to
different replicas (see accounts/stream.py). Keys expire ``ttl_seconds`` after an account's
last exchange.
"""

from __future__ import annotations

from typing import Any

import orjson

from stillwatch.accounts.stream import OnlineBehaviour, ProfileAccumulator


class RedisProfiles:
    """Share and merge partial profiles (synchronous client: it runs in the scoring worker)."""

    def __init__(self, url: str, prefix: str, replica: str, ttl_seconds: int = 30 * 86400) -> None:
        from redis import Redis

        self.redis = Redis.from_url(url)
        self.prefix = prefix
        self.replica = replica
        self.ttl = ttl_seconds

    def __repr__(self) -> str:
        return f"RedisProfiles(prefix={self.prefix!r}, replica={self.replica!r})"  # no URL: password

    def share(self, behaviour: OnlineBehaviour, accounts: list[str]) -> dict[str, ProfileAccumulator]:
        """Publish this replica's partials for ``accounts``; returns their merged profiles."""
        if not accounts:
            return {}
        pipe = self.redis.pipeline(transaction=False)
        for account in accounts:
            key = f"{self.prefix}profile:{account}"
            pipe.hset(key, self.replica, orjson.dumps(behaviour.accounts_[account].to_state()))
            pipe.expire(key, self.ttl)
            pipe.hgetall(key)
        results: list[Any] = pipe.execute()
        merged = {}
        options = behaviour.options
        for i, account in enumerate(accounts):
            parts = results[3 * i + 2]
            acc = ProfileAccumulator(options, behaviour.k)
            for state in parts.values():
                acc.merge(ProfileAccumulator.from_state(orjson.loads(state), options))
            merged[account] = acc
        return merged
