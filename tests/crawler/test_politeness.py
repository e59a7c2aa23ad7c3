"""The per-host gate: token buckets, pauses, escalation and stopping (pure, fake clock)."""

from __future__ import annotations

import pytest

from crawler.politeness import (
    CDX,
    REPLAY,
    ArchiveGate,
    ArchiveUnavailable,
    GateSettings,
    TokenBucket,
)


def settings(**kw: float | None) -> GateSettings:
    values: dict[str, float | int | None] = {
        "cdx_per_minute": 20.0,
        "replay_per_minute": 60.0,
        "backoff": 60.0,
        "backoff_max": 3600.0,
        "backoff_reset": 900.0,
        "refused_factor": 5.0,
        "refused_limit": 4,
        "rate_limited_limit": 8,
    }
    values.update(kw)
    return GateSettings(**values)  # type: ignore[arg-type]


def sent_per_minute(gate: ArchiveGate, kind: str, seconds: float) -> int:
    now, sent = 0.0, 0
    while now < seconds:
        wait = gate.delay(kind, now)
        if wait == 0:
            sent += 1
        else:
            now += wait
    return sent


def test_buckets_hold_their_budgets_separately() -> None:
    gate = ArchiveGate("web.archive.org", settings())
    assert sent_per_minute(gate, CDX, 60.0) == 20
    assert sent_per_minute(gate, REPLAY, 60.0) == 60  # CDX spent nothing of replay's budget
    assert TokenBucket(None).wait_time(0.0) == 0.0 and not TokenBucket(None).limited


def test_a_429_pauses_everything_and_doubles_up_to_the_cap() -> None:
    gate = ArchiveGate("h", settings(backoff=60.0, backoff_max=200.0))
    gate.answered_ok(0.0)
    assert gate.rate_limited(gate.epoch, 10.0) == 60.0
    assert gate.delay(CDX, 11.0) == pytest.approx(59.0)
    assert gate.delay(REPLAY, 69.0) == pytest.approx(1.0)
    # a request sent before the pause meets the same 429: one incident, no doubling
    assert gate.rate_limited(gate.epoch - 1, 12.0) == 0.0
    assert gate.rate_limited(gate.epoch, 80.0) == 120.0
    assert gate.rate_limited(gate.epoch, 300.0) == 200.0  # capped
    # a long quiet spell and pauses start small again
    assert gate.rate_limited(gate.epoch, 300.0 + 901.0) == 60.0


def test_refusals_pause_longer_then_stop_the_run() -> None:
    gate = ArchiveGate("h", settings(backoff=1.0, refused_limit=2))
    gate.answered_ok(0.0)
    assert gate.connection_failed(gate.epoch, 0.0, "reset") == 5.0
    assert gate.connection_failed(gate.epoch, 6.0, "reset") == 10.0
    assert gate.connection_failed(gate.epoch, 17.0, "reset") == 0.0
    assert gate.stopped and "refused connections 3 times" in gate.stopped
    with pytest.raises(ArchiveUnavailable):
        gate.delay(CDX, 100.0)


def test_an_archive_that_never_answered_is_unreachable_at_once() -> None:
    gate = ArchiveGate("127.0.0.1:9", settings())
    assert gate.connection_failed(gate.epoch, 0.0, "ConnectionRefusedError") == 0.0
    assert gate.stopped is not None and gate.stopped.startswith("cannot reach the archive")


def test_endless_429s_stop_the_run() -> None:
    gate = ArchiveGate("h", settings(backoff=1.0, rate_limited_limit=2))
    for now in (0.0, 10.0):
        assert gate.rate_limited(gate.epoch, now) > 0
    assert gate.rate_limited(gate.epoch, 20.0) == 0.0 and gate.stopped


def test_a_refusal_on_loopback_pauses_briefly() -> None:
    from crawler.politeness import ArchiveGate

    gate = ArchiveGate("127.0.0.1:8080", settings(refused_pause_max=1.0))
    gate.answered_ok(0.0)
    assert gate.connection_failed(gate.epoch, 0.0, "ConnectionRefusedError") == 1.0
