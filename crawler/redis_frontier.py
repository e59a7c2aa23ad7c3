"""The frontier of a crawl spread over several machines: domains to crawl, kept in Redis.

Each domain is in one state: pending (queued), in_progress (leased to one worker until a
deadline), done, failed, or interrupted (given back unfinished, queued again first).
Every change is one Lua script, so it is atomic across workers, and every deadline is
Redis server time (`TIME`), so the workers' clocks do not matter. A worker that dies
keeps its leases only until their deadline; the next claim by any worker takes them
over. The worker's memory holds only the domains it has in flight: the queue, states
and results stay in Redis and are read in pages.
"""

from __future__ import annotations

import itertools
import json
import logging
import uuid
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis

from crawler.frontier import FrontierError

log = logging.getLogger(__name__)

STATES = ("pending", "in_progress", "done", "failed", "interrupted")
FINAL_STATES = ("done", "failed")
PAGE = 1000  # domains per round trip when adding or reading results: bounded memory

# Redis `TIME` as seconds (float) in a script; deadlines are written with `%.6f` because
# Lua's own number-to-string keeps only 14 digits (100 µs at today's epoch).
_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# KEYS: state, queue, counts. ARGV: domains. Returns how many were new.
_ADD = """
local new = 0
for _, domain in ipairs(ARGV) do
  if redis.call('HSETNX', KEYS[1], domain, 'pending') == 1 then
    redis.call('RPUSH', KEYS[2], domain)
    new = new + 1
  end
end
if new > 0 then redis.call('HINCRBY', KEYS[3], 'pending', new) end
return new
"""

# KEYS: state, queue, counts, leases, owner, stats. ARGV: owner token, n, lease seconds.
# Returns {number taken over, domains...}: expired leases first, then the queue's head.
_CLAIM = (
    _NOW
    + """
local deadline = string.format('%.6f', now + tonumber(ARGV[3]))
local n = tonumber(ARGV[2])
local claimed = {}
local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', string.format('%.6f', now),
                           'LIMIT', 0, n)
for _, domain in ipairs(expired) do
  redis.call('ZADD', KEYS[4], deadline, domain)
  -- this worker's own lapsed lease: it still has the domain in hand, renewed
  if redis.call('HGET', KEYS[5], domain) ~= ARGV[1] then
    redis.call('HSET', KEYS[5], domain, ARGV[1])
    table.insert(claimed, domain)
  end
end
local taken_over = #claimed
if taken_over > 0 then redis.call('HINCRBY', KEYS[6], 'taken_over', taken_over) end
while #claimed < n do
  local domain = redis.call('LPOP', KEYS[2])
  if not domain then break end
  local previous = redis.call('HGET', KEYS[1], domain)
  redis.call('HSET', KEYS[1], domain, 'in_progress')
  redis.call('HINCRBY', KEYS[3], previous, -1)
  redis.call('HINCRBY', KEYS[3], 'in_progress', 1)
  redis.call('ZADD', KEYS[4], deadline, domain)
  redis.call('HSET', KEYS[5], domain, ARGV[1])
  table.insert(claimed, domain)
end
table.insert(claimed, 1, taken_over)
return claimed
"""
)

# KEYS: leases, owner. ARGV: owner token, lease seconds, domains. Returns the domains
# this worker no longer holds (taken over by another worker).
_RENEW = (
    _NOW
    + """
local deadline = string.format('%.6f', now + tonumber(ARGV[2]))
local lost = {}
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then
    redis.call('ZADD', KEYS[1], 'XX', deadline, ARGV[i])
  else
    table.insert(lost, ARGV[i])
  end
end
return lost
"""
)

# KEYS: state, counts, leases, owner, results, finished, stale.
# ARGV: domain, owner token, new state, result JSON, stale record JSON.
# Only the lease holder may finish; anyone else's finish is kept aside in `stale`.
_FINISH = """
local domain = ARGV[1]
if redis.call('HGET', KEYS[4], domain) ~= ARGV[2] then
  redis.call('RPUSH', KEYS[7], ARGV[5])
  return 0
end
redis.call('HDEL', KEYS[4], domain)
redis.call('ZREM', KEYS[3], domain)
local previous = redis.call('HGET', KEYS[1], domain)
redis.call('HSET', KEYS[1], domain, ARGV[3])
redis.call('HINCRBY', KEYS[2], previous, -1)
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
redis.call('HSET', KEYS[5], domain, ARGV[4])
redis.call('RPUSH', KEYS[6], domain)
return 1
"""

# KEYS: state, counts, leases, owner, queue. ARGV: domain, owner token.
_RELEASE = """
local domain = ARGV[1]
if redis.call('HGET', KEYS[4], domain) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[4], domain)
redis.call('ZREM', KEYS[3], domain)
local previous = redis.call('HGET', KEYS[1], domain)
redis.call('HSET', KEYS[1], domain, 'interrupted')
redis.call('HINCRBY', KEYS[2], previous, -1)
redis.call('HINCRBY', KEYS[2], 'interrupted', 1)
redis.call('LPUSH', KEYS[5], domain)
return 1
"""


def redacted(url: str) -> str:
    """`url` without its password, fit for a message."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rsplit("@", 1)[1]
        user = f"{parts.username}:***@" if parts.username else ":***@"
        return urlunsplit(parts._replace(netloc=user + netloc))
    except ValueError:
        return "<unparsable URL>"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisFrontier:
    """The domains of crawl `crawl` for worker `worker`, leased `lease_seconds` at a time."""

    def __init__(
        self, client: redis.Redis, crawl: str, worker: str, lease_seconds: float = 60.0
    ) -> None:
        if not crawl or not worker:
            raise ValueError("a frontier needs a crawl name and a worker name")
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds must be positive, not {lease_seconds}")
        self.client = client
        self.crawl = crawl
        self.worker = worker
        self.lease_seconds = lease_seconds
        # Leases belong to this object, not to the worker's name: a worker restarted under
        # the same name must not renew the leases of the process it replaces.
        self.token = f"{worker}/{uuid.uuid4().hex}"
        self.held: set[str] = set()
        self._owns_client = False
        prefix = f"policy-archive:crawl:{crawl}:"
        self.keys = {
            name: prefix + name
            for name in (
                "state",  # hash domain -> state
                "queue",  # list of queued domains (pending, interrupted), head first
                "counts",  # hash state -> number of domains
                "leases",  # sorted set domain -> deadline (Redis time)
                "owner",  # hash domain -> owner token of the lease
                "results",  # hash domain -> {"state", "reason", "summary", "worker"}
                "finished",  # list of finished domains, in finishing order
                "stale",  # list of finishes by workers whose lease had been taken over
                "stats",  # hash of counters (taken_over)
            )
        }
        self._add = client.register_script(_ADD)
        self._claim = client.register_script(_CLAIM)
        self._renew = client.register_script(_RENEW)
        self._finish = client.register_script(_FINISH)
        self._release = client.register_script(_RELEASE)

    @classmethod
    def connect(
        cls, url: str, crawl: str, worker: str, lease_seconds: float = 60.0
    ) -> RedisFrontier:
        """A frontier on the Redis at `url`; FrontierError when it cannot be reached."""
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=30)
        except ValueError as exc:
            raise FrontierError(f"bad Redis URL {redacted(url)!r}: {exc}") from exc
        try:
            client.ping()
        except redis.RedisError as exc:
            client.close()
            raise FrontierError(f"cannot reach Redis at {redacted(url)}: {exc}") from exc
        frontier = cls(client, crawl, worker, lease_seconds)
        frontier._owns_client = True
        return frontier

    def _k(self, *names: str) -> list[str]:
        return [self.keys[name] for name in names]

    def add(self, domains: Iterable[str]) -> int:
        """Queue the domains this crawl does not know yet; returns how many were new."""
        cleaned = (domain.strip() for domain in domains)
        stream = (domain for domain in cleaned if domain)
        new = 0
        while page := list(itertools.islice(stream, PAGE)):
            new += int(self._add(keys=self._k("state", "queue", "counts"), args=page))
        return new

    def claim(self, n: int) -> list[str]:
        """Up to `n` domains leased to this worker: expired leases first, then the queue."""
        if n <= 0:
            return []
        reply = self._claim(
            keys=self._k("state", "queue", "counts", "leases", "owner", "stats"),
            args=[self.token, n, self.lease_seconds],
        )
        taken_over = int(reply[0])
        domains = [_text(domain) for domain in reply[1:]]
        for domain in domains[:taken_over]:
            log.warning("%s: lease expired (its worker stopped renewing); taken over", domain)
        self.held.update(domains)
        return domains

    def renew(self) -> None:
        """Extend the lease of every domain this worker holds."""
        if not self.held:
            return
        lost = self._renew(
            keys=self._k("leases", "owner"),
            args=[self.token, self.lease_seconds, *sorted(self.held)],
        )
        for domain in map(_text, lost):
            self.held.discard(domain)
            log.warning("%s: lease lost to another worker (renewed too late)", domain)

    def finish(self, domain: str, state: str, reason: str | None, summary: dict[str, int]) -> None:
        """Record the outcome of `domain` ("done" or "failed") and release its lease."""
        if state not in FINAL_STATES:
            raise ValueError(f"a finished domain is done or failed, not {state!r}")
        result = {"state": state, "reason": reason, "summary": summary, "worker": self.worker}
        stale = {"domain": domain, **result}
        self.held.discard(domain)
        recorded = self._finish(
            keys=self._k("state", "counts", "leases", "owner", "results", "finished", "stale"),
            args=[
                domain,
                self.token,
                state,
                json.dumps(result, sort_keys=True),
                json.dumps(stale, sort_keys=True),
            ],
        )
        if not int(recorded):
            log.warning(
                "%s: finished as %s by %s after its lease went to another worker; "
                "kept aside, the lease holder's outcome counts",
                domain,
                state,
                self.worker,
            )

    def release(self, domain: str) -> None:
        """Give `domain` back unfinished: it is queued again, ahead of everything else."""
        self.held.discard(domain)
        released = self._release(
            keys=self._k("state", "counts", "leases", "owner", "queue"),
            args=[domain, self.token],
        )
        if not int(released):
            log.warning("%s: not released, its lease had gone to another worker", domain)

    def counts(self) -> dict[str, int]:
        """Domains by state."""
        stored = self.client.hgetall(self.keys["counts"])
        by_state = {_text(state): int(count) for state, count in stored.items()}
        return {state: by_state.get(state, 0) for state in STATES}

    def exhausted(self) -> bool:
        """Nothing queued and nothing leased: the whole crawl is over."""
        with self.client.pipeline(transaction=True) as pipe:
            pipe.llen(self.keys["queue"])
            pipe.zcard(self.keys["leases"])
            queued, leased = pipe.execute()
        return int(queued) == 0 and int(leased) == 0

    def stale(self) -> Iterator[dict[str, Any]]:
        """Finishes that arrived after their lease had been taken over, oldest first."""
        for start in itertools.count(0, PAGE):
            page = self.client.lrange(self.keys["stale"], start, start + PAGE - 1)
            yield from (json.loads(record) for record in page)
            if len(page) < PAGE:
                return

    def results(self) -> Iterator[tuple[str, str, str | None, dict[str, int]]]:
        """(domain, state, reason, summary) of every finished domain, in finishing order."""
        for start in itertools.count(0, PAGE):
            domains = self.client.lrange(self.keys["finished"], start, start + PAGE - 1)
            if domains:
                records = self.client.hmget(self.keys["results"], domains)
                for domain, record in zip(domains, records, strict=True):
                    if record is None:  # cannot happen: one script writes both
                        continue
                    result = json.loads(record)
                    yield _text(domain), result["state"], result["reason"], result["summary"]
            if len(domains) < PAGE:
                return

    def close(self) -> None:
        """Close the connection if this frontier opened it (`connect`)."""
        if self._owns_client:
            self.client.close()
