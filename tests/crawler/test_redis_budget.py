"""Budgets and pauses shared through a real redis-server by the gates of a budget group."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from scrapy.settings import Settings

from crawler import settings as default_settings
from crawler.handlers import archive_gate
from crawler.politeness import CDX, REPLAY, ArchiveGate, ArchiveUnavailable, reset_gates
from crawler.redis_budget import Grant, RedisBudget, shared_budget
from tests.crawler.test_politeness import settings
from webarchive.wayback import Archive

HOST = "web.archive.org"


class RecordingBudget(RedisBudget):
    """Notes the Redis time of every token it hands out."""

    def __init__(self, client: redis.Redis, group: str, host: str) -> None:
        super().__init__(client, group, host)
        self.granted: list[float] = []

    def acquire(self, kind: str, per_minute: float | None, burst: float) -> Grant:
        grant = super().acquire(kind, per_minute, burst)
        if grant.wait == 0:
            self.granted.append(grant.at)
        return grant


@pytest.fixture
def clients(redis_url: str) -> Iterator[list[redis.Redis]]:
    """One connection per worker, as on several machines."""
    made = [redis.Redis.from_url(redis_url) for _ in range(3)]
    yield made
    for client in made:
        client.close()


def gates(
    clients: list[redis.Redis], groups: list[str], host: str = HOST, **kw: float | None
) -> list[ArchiveGate]:
    return [
        ArchiveGate(host, settings(**kw), RecordingBudget(client, group, host))
        for client, group in zip(clients, groups, strict=False)
    ]


def grants(gate: ArchiveGate) -> list[float]:
    assert isinstance(gate.shared, RecordingBudget)
    return gate.shared.granted


def hammer(group: list[ArchiveGate], kind: str, calls: int) -> None:
    """Every gate asks `calls` times at once, each from its own thread, never waiting."""
    start = threading.Barrier(len(group))

    def ask(gate: ArchiveGate) -> None:
        start.wait()
        for _ in range(calls):
            gate.delay(kind, time.monotonic())

    threads = [threading.Thread(target=ask, args=(gate,)) for gate in group]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_racing_gates_of_one_group_draw_from_one_bucket(clients: list[redis.Redis]) -> None:
    # One token a minute: none comes back while the test runs, so the burst is all there is.
    a, b = gates(clients, ["machine-1", "machine-1"], cdx_per_minute=1.0, burst=5.0)
    hammer([a, b], CDX, 50)
    assert len(grants(a)) + len(grants(b)) == 5
    assert a.delay(CDX, time.monotonic()) > 50  # the next token is about a minute away
    assert b.delay(REPLAY, time.monotonic()) == 0  # replay has a bucket of its own


def test_gates_of_one_group_together_keep_the_budget_over_time(
    clients: list[redis.Redis],
) -> None:
    per_minute, burst = 600.0, 2.0  # ten a second: the test sees many refills
    group = gates(clients, ["m", "m"], replay_per_minute=per_minute, burst=burst)

    def run(gate: ArchiveGate) -> None:
        until = time.monotonic() + 1.5
        while time.monotonic() < until:
            time.sleep(min(gate.delay(REPLAY, time.monotonic()), 0.05))

    threads = [threading.Thread(target=run, args=(gate,)) for gate in group]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = sorted(grants(group[0]) + grants(group[1]))
    assert len(times) > burst  # the bucket refilled, and both gates drew from it
    rate = per_minute / 60.0
    # Any stretch of grants, measured on Redis time, holds at most the burst plus what
    # the rate allows over its length (1e-3: the six decimals the times are kept with).
    for first in range(len(times)):
        for last in range(first, len(times)):
            allowed = burst + rate * (times[last] - times[first]) + 1e-3
            assert last - first + 1 <= allowed


def test_groups_and_hosts_have_budgets_of_their_own(clients: list[redis.Redis]) -> None:
    one, one_again, other = gates(clients, ["m1", "m1", "m2"], cdx_per_minute=1.0)
    assert one.delay(CDX, time.monotonic()) == 0
    assert one_again.delay(CDX, time.monotonic()) > 50  # the group's token is spent
    assert other.delay(CDX, time.monotonic()) == 0  # another group: its own token
    (elsewhere,) = gates(clients, ["m1"], host="archive.example.org", cdx_per_minute=1.0)
    assert elsewhere.delay(CDX, time.monotonic()) == 0  # another archive: its own budget


def test_a_429_pause_by_one_worker_silences_the_other(clients: list[redis.Redis]) -> None:
    hit, peer, other_group = gates(clients, ["m", "m", "n"], backoff=60.0)
    for gate in (hit, peer, other_group):
        gate.answered_ok(time.monotonic())
    sent_by_peer = peer.epoch
    assert hit.rate_limited(hit.epoch, time.monotonic()) == 60.0
    assert hit.delay(CDX, time.monotonic()) > 50  # its own pause, as without Redis

    assert peer.delay(REPLAY, time.monotonic()) > 50
    assert peer.delay(CDX, time.monotonic()) > 50  # now from its local copy of the pause
    assert peer.epoch == sent_by_peer + 1 and len(peer.pauses) == 1
    # The peer's request in flight meets the same 429: the same incident, no escalation.
    assert peer.rate_limited(sent_by_peer, time.monotonic()) == 0.0
    assert other_group.delay(CDX, time.monotonic()) == 0


def test_a_refusal_pauses_the_group_and_a_shorter_pause_keeps_the_longer(
    clients: list[redis.Redis],
) -> None:
    hit, peer = gates(clients, ["m", "m"], backoff=60.0, refused_factor=5.0)
    hit.answered_ok(time.monotonic())
    assert hit.connection_failed(hit.epoch, time.monotonic(), "ConnectionRefusedError") == 300.0
    assert hit.shared is not None
    longer = hit.shared.pause(300.0)
    assert hit.shared.pause(1.0) == longer  # a short pause does not cut a long one
    assert peer.delay(CDX, time.monotonic()) > 250


def test_an_unreachable_redis_stops_the_run() -> None:
    client = redis.Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    gate = ArchiveGate(HOST, settings(), RedisBudget(client, "m", HOST))
    with pytest.raises(ArchiveUnavailable, match="shared budget of group 'm'"):
        gate.delay(CDX, time.monotonic())


def test_the_shared_budget_comes_from_the_settings(redis_url: str) -> None:
    assert shared_budget(Settings({"WAYBACK_REDIS_URL": None}), HOST) is None
    by_host = shared_budget(Settings({"WAYBACK_REDIS_URL": redis_url}), HOST)
    assert by_host is not None and by_host.group == socket.gethostname()
    assert shared_budget(Settings({"WAYBACK_REDIS_URL": redis_url}), HOST) is by_host
    named = shared_budget(
        Settings({"WAYBACK_REDIS_URL": redis_url, "WAYBACK_BUDGET_GROUP": "nat-1"}), HOST
    )
    assert (
        named is not None
        and named.group == "nat-1"
        and named.prefix.startswith("policy-archive:budget:nat-1:")
    )
    with pytest.raises(ValueError, match="WAYBACK_REDIS_URL"):
        shared_budget(Settings({"WAYBACK_REDIS_URL": "http://u:secret@x/"}), HOST)


def project_settings(**overrides: object) -> Settings:
    values = Settings()
    values.setmodule(default_settings)
    values.update(overrides)
    return values


def test_the_handler_builds_the_shared_budget_only_when_asked(redis_url: str) -> None:
    archive = Archive.parse("https://web.archive.org")
    reset_gates()
    try:
        alone = archive_gate(project_settings(), archive)
        assert alone.shared is None
        shared = archive_gate(project_settings(WAYBACK_REDIS_URL=redis_url), archive)
        assert isinstance(shared.shared, RedisBudget) and shared.shared.host == archive.netloc
        assert shared.settings == alone.settings
    finally:
        reset_gates()
