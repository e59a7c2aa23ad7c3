"""Politeness budgets shared through Redis by every worker of a budget group.

The archive limits each IP, so the processes behind one IP (a *budget group*, by default
one machine) must draw CDX and replay requests from one token bucket each and fall
silent together after a 429. Each decision is one Lua script on Redis server time
(`TIME`): atomic across workers, and the workers' clocks do not matter. Groups never
see each other's budgets. The calls block the reactor for one round trip, well under
a millisecond on a local network and nothing beside the seconds between requests.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from typing import Any

import redis

from crawler.politeness import ArchiveUnavailable
from crawler.redis_frontier import redacted

log = logging.getLogger(__name__)

# KEYS: bucket (hash tokens, last), pause (the group's pause end, Redis time).
# ARGV: tokens a second (0: no limit), burst.
# Returns {wait, pause end or '', server time}, numbers as strings (Lua returns
# integers otherwise). Like TokenBucket: full when first used, one token a request.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local stamp = string.format('%.6f', now)
local paused = redis.call('GET', KEYS[2])
if paused and now < tonumber(paused) then
  return {string.format('%.6f', tonumber(paused) - now), paused, stamp}
end
local rate = tonumber(ARGV[1])
if rate <= 0 then return {'0', '', stamp} end
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = burst
if state[1] then
  tokens = math.min(burst, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) * rate)
end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.9f', tokens), 'last', stamp)
-- an idle bucket refills to full; past that point the key says nothing and may go
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {string.format('%.6f', wait), '', stamp}
"""

# KEYS: pause. ARGV: seconds. Returns the pause end: this one, or a later one under way.
_PAUSE = """
local t = redis.call('TIME')
local ends = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) >= ends then return current end
local value = string.format('%.6f', ends)
redis.call('SET', KEYS[1], value, 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
return value
"""


@dataclass(frozen=True, slots=True)
class Grant:
    """One answer of the shared budget; `at` is Redis server time, seconds."""

    wait: float  # 0: go, a token was taken
    paused_until: float | None  # the group's pause, when that is why we wait
    at: float


class RedisBudget:
    """The CDX and replay buckets and the pause of archive `host` for budget `group`."""

    def __init__(self, client: redis.Redis, group: str, host: str) -> None:
        self.client = client
        self.group = group
        self.host = host
        self.prefix = f"policy-archive:budget:{group}:{host}:"
        self._acquire = client.register_script(_ACQUIRE)
        self._pause = client.register_script(_PAUSE)

    def acquire(self, kind: str, per_minute: float | None, burst: float) -> Grant:
        """A token of `kind` if the group has one and is not paused, else how long to wait."""
        rate = per_minute / 60.0 if per_minute else 0.0
        try:
            wait, paused, at = self._acquire(
                keys=[self.prefix + kind, self.prefix + "paused"], args=[rate, max(burst, 1.0)]
            )
        except redis.RedisError as exc:
            raise self._unavailable(exc) from exc
        return Grant(float(wait), float(paused) if paused else None, float(at))

    def delay(
        self, kind: str, per_minute: float | None, burst: float
    ) -> tuple[float, float | None]:
        grant = self.acquire(kind, per_minute, burst)
        return grant.wait, grant.paused_until

    def pause(self, seconds: float) -> float:
        try:
            ends = self._pause(keys=[self.prefix + "paused"], args=[seconds])
        except redis.RedisError as exc:
            raise self._unavailable(exc) from exc
        return float(ends)

    def _unavailable(self, exc: redis.RedisError) -> ArchiveUnavailable:
        # Without the shared budget the group would exceed the IP's limit: stop, and let
        # a re-run resume, rather than go on alone.
        return ArchiveUnavailable(
            f"the shared budget of group {self.group!r} for {self.host} in Redis failed: {exc}"
        )


# One budget object per (Redis URL, group, host) in a process, like the gates: the gate
# cache recognises its shared budget by identity.
_BUDGETS: dict[tuple[str, str, str], RedisBudget] = {}


def budget_for(url: str, group: str, host: str) -> RedisBudget:
    budget = _BUDGETS.get((url, group, host))
    if budget is None:
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=10)
        except ValueError as exc:
            raise ValueError(f"WAYBACK_REDIS_URL {redacted(url)!r}: {exc}") from exc
        budget = _BUDGETS[(url, group, host)] = RedisBudget(client, group, host)
    return budget


def shared_budget(settings: Any, host: str) -> RedisBudget | None:
    """The budget group's shared budget for `host` when WAYBACK_REDIS_URL is set, else None."""
    url = settings.get("WAYBACK_REDIS_URL")
    if not url:
        return None
    group = settings.get("WAYBACK_BUDGET_GROUP") or socket.gethostname()
    return budget_for(url, group, host)
