"""Shared state in Redis, so gateway replicas enforce one set of limits and decisions.

Token buckets are Redis hashes updated by a Lua script, atomically across all buckets of a
request and timed by the Redis server's clock (replicas' clocks may differ). Overrides, the
authorized list and inherited-risk links are plain hashes and sets under the ``prefix``.
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from stillwatch.gateway.state import Bucket

_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local levels, wait = {}, 0
for i = 1, #KEYS do
  local rate, need = tonumber(ARGV[3*i-2]), tonumber(ARGV[3*i])
  local v = redis.call('HMGET', KEYS[i], 'l', 't')
  local level = rate
  if v[1] then level = math.min(rate, tonumber(v[1]) + (now - tonumber(v[2])) * rate / 60) end
  levels[i] = level
  if level < need then wait = math.max(wait, (need - level) * 60 / rate) end
end
if wait > 0 then return tostring(wait) end
for i = 1, #KEYS do
  redis.call('HSET', KEYS[i], 'l', tostring(levels[i] - tonumber(ARGV[3*i-1])), 't', tostring(now))
  redis.call('EXPIRE', KEYS[i], 86400)
end
return '0'
"""

_CHARGE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate, amount = tonumber(ARGV[1]), tonumber(ARGV[2])
local v = redis.call('HMGET', KEYS[1], 'l', 't')
local level = rate
if v[1] then level = math.min(rate, tonumber(v[1]) + (now - tonumber(v[2])) * rate / 60) end
redis.call('HSET', KEYS[1], 'l', tostring(level - amount), 't', tostring(now))
redis.call('EXPIRE', KEYS[1], 86400)
return '0'
"""


class RedisState:
    """The ``State`` interface over one Redis database (``redis://host:port/db``)."""

    def __init__(self, url: str, prefix: str = "stillwatch:") -> None:
        self.url = url
        self.prefix = prefix
        self.redis = Redis.from_url(url, decode_responses=True)
        self._take = self.redis.register_script(_TAKE)
        self._charge = self.redis.register_script(_CHARGE)

    def __repr__(self) -> str:
        return f"RedisState(prefix={self.prefix!r})"  # the URL may hold a password

    def _k(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    async def take(self, buckets: Sequence[Bucket]) -> float:
        args: list[float] = []
        for b in buckets:
            args += [b.per_minute, b.cost, b.need]
        wait = await self._take(keys=[self._k("bucket", b.key) for b in buckets], args=args)
        return float(wait)

    async def charge(self, key: str, per_minute: float, amount: float) -> None:
        await self._charge(keys=[self._k("bucket", key)], args=[per_minute, amount])

    async def overrides(self) -> dict[str, str]:
        return dict(await self.redis.hgetall(self._k("overrides")))

    async def set_override(self, account: str, action: str | None) -> None:
        if action is None:
            await self.redis.hdel(self._k("overrides"), account)
        else:
            await self.redis.hset(self._k("overrides"), account, action)

    async def authorized(self) -> set[str]:
        return set(await self.redis.smembers(self._k("authorized")))

    async def set_authorized(self, name: str, present: bool) -> None:
        if present:
            await self.redis.sadd(self._k("authorized"), name)
        else:
            await self.redis.srem(self._k("authorized"), name)

    async def link(self, kind: str, value: str, campaign: str) -> None:
        await self.redis.hset(self._k("link", kind), value, campaign)

    async def linked(self, kind: str, value: str) -> str | None:
        found = await self.redis.hget(self._k("link", kind), value)
        return None if found is None else str(found)

    async def links(self, kind: str) -> dict[str, str]:
        return dict(await self.redis.hgetall(self._k("link", kind)))

    async def hit(self, account: str, campaign: str, n: int = 1) -> int:
        return int(await self.redis.hincrby(self._k("hits"), f"{account}|{campaign}", n))

    async def close(self) -> None:
        await self.redis.aclose()
