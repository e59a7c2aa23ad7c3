"""Politeness towards one archive host: request budgets and pauses (pure, clock passed in).

The Internet Archive publishes no limits. Observed: about 60 CDX calls a minute were
fine in 2023, about 30 a minute get refused in 2026 (shared with timemaps); replay
tolerates several hundred a minute. A 429 carries no Retry-After, and an IP that keeps
asking while limited is refused at the TCP level for an hour, doubling each time. So CDX
and replay get separate token buckets, any 429 silences *all* traffic to the host, and
refused connections silence it for longer, until the run gives up and can be resumed.
Several processes behind one IP share their budgets and pauses through a SharedBudget
(crawler.redis_budget); without one, a gate keeps everything to itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

CDX = "cdx"
REPLAY = "replay"


class ArchiveUnavailable(Exception):
    """The archive cannot be used for the rest of this run (unreachable, or it keeps
    refusing us); everything stored so far stays, and a re-run resumes."""


class TransientFailure(Exception):
    """A request that kept failing in a way that passes (5xx of the archive, a dropped or
    reset connection, a body cut short) through its retries: the capture is *pending*,
    the next run asks again."""


class TokenBucket:
    """`per_minute` requests a minute on average, at most `burst` at once; None: no limit."""

    __slots__ = ("_last", "_rate", "_tokens", "burst")

    def __init__(self, per_minute: float | None, burst: float = 1.0) -> None:
        self._rate = per_minute / 60.0 if per_minute else None
        self.burst = max(burst, 1.0)
        self._tokens = self.burst
        self._last: float | None = None

    @property
    def limited(self) -> bool:
        return self._rate is not None

    def _refill(self, now: float) -> None:
        if self._rate is None:
            return
        if self._last is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self._rate)
        self._last = now

    def wait_time(self, now: float) -> float:
        """Seconds until a token is free (0: one is free now)."""
        if self._rate is None:
            return 0.0
        self._refill(now)
        return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self._rate

    def take(self, now: float) -> None:
        if self._rate is None:
            return
        self._refill(now)
        self._tokens -= 1.0


@dataclass(frozen=True, slots=True)
class GateSettings:
    cdx_per_minute: float | None
    replay_per_minute: float | None
    backoff: float  # first pause after a 429, seconds
    backoff_max: float  # the doubling stops here
    backoff_reset: float  # this long without a 429 and the next pause starts small again
    refused_factor: float  # a refused connection pauses this many times longer than a 429
    refused_limit: int  # this many refusal episodes in a row and the run stops
    rate_limited_limit: int  # this many 429 episodes in a row and the run stops
    burst: float = 1.0
    # longest pause after a refusal (None: no cap). On loopback nobody is protected by a
    # long silence: an archive of one's own that refuses is down or restarting.
    refused_pause_max: float | None = None


class SharedBudget(Protocol):
    """The budgets and pause of one archive host, shared with the other processes of a
    budget group (they share an IP); its clock is its own, not the gate's `now`."""

    def delay(
        self, kind: str, per_minute: float | None, burst: float
    ) -> tuple[float, float | None]:
        """Seconds to wait before a request of `kind` (0: go, a token was taken), and the
        end of the shared pause being waited out, if that is why."""
        ...

    def pause(self, seconds: float) -> float:
        """No request of the group for `seconds` (a longer pause under way stays); returns
        the end of the pause, as `delay` names it."""
        ...


class ArchiveGate:
    """Decides when the next request to one archive host may leave.

    A pause starts a new *epoch*; a failure of a request sent in an earlier epoch belongs
    to a pause already under way and does not escalate it (eight requests in flight that
    all meet the same 429 are one incident, not eight). With a shared budget, the buckets
    are the group's, and a pause another process started begins a new epoch here too.
    """

    def __init__(
        self, host: str, settings: GateSettings, shared: SharedBudget | None = None
    ) -> None:
        self.host = host
        self.settings = settings
        self.shared = shared
        self._shared_pause: float | None = None  # the group's pause this gate knows of
        self.buckets = {
            CDX: TokenBucket(settings.cdx_per_minute, settings.burst),
            REPLAY: TokenBucket(settings.replay_per_minute, settings.burst),
        }
        self.epoch = 0
        self.paused_until = 0.0
        self.answered = False  # has the host ever answered? If not, a refusal means "wrong URL"
        self.stopped: str | None = None
        self.pauses: list[tuple[float, float]] = []  # (start, end) of every pause, for tests
        self._backoff = settings.backoff
        self._last_rate_limit: float | None = None
        self._rate_strikes = 0
        self._refused_strikes = 0

    def delay(self, kind: str, now: float) -> float:
        """Seconds to wait before a request of `kind` may go; 0 means go (a token is taken)."""
        if self.stopped:
            raise ArchiveUnavailable(self.stopped)
        if now < self.paused_until:
            return self.paused_until - now
        if self.shared is not None:
            return self._shared_delay(self.shared, kind, now)
        bucket = self.buckets[kind]
        wait = bucket.wait_time(now)
        if wait > 0:
            return wait
        bucket.take(now)
        return 0.0

    def _shared_delay(self, shared: SharedBudget, kind: str, now: float) -> float:
        per_minute = (
            self.settings.cdx_per_minute if kind == CDX else self.settings.replay_per_minute
        )
        wait, paused_until = shared.delay(kind, per_minute, self.settings.burst)
        if paused_until is not None and paused_until != self._shared_pause:
            # Another process of the group met a 429 or a refusal: the 429s our requests
            # in flight meet now belong to that incident and must not escalate it.
            self._shared_pause = paused_until
            self.epoch += 1
            self.paused_until = max(self.paused_until, now + wait)
            self.pauses.append((now, self.paused_until))
            log.warning("%s paused by another worker of the group for %.3g s", self.host, wait)
        return wait

    def answered_ok(self, now: float) -> None:
        self.answered = True
        self._rate_strikes = 0
        self._refused_strikes = 0

    def rate_limited(self, sent_epoch: int, now: float) -> float:
        """A 429 from the archive (not an archived 429 page). Returns the pause length."""
        self.answered = True
        if sent_epoch != self.epoch:
            return 0.0
        if self._last_rate_limit is not None and now - self._last_rate_limit > (
            self.settings.backoff_reset
        ):
            self._backoff = self.settings.backoff
        self._last_rate_limit = now
        seconds = self._backoff
        self._backoff = min(self._backoff * 2, self.settings.backoff_max)
        self._rate_strikes += 1
        if self._rate_strikes > self.settings.rate_limited_limit:
            self._stop(
                f"{self.host} kept answering 429 (too many requests) through "
                f"{self.settings.rate_limited_limit} pauses"
            )
            return 0.0
        self._pause(now, seconds, "answered 429 (too many requests)")
        return seconds

    def connection_failed(self, sent_epoch: int, now: float, reason: str) -> float:
        """A refused or reset connection. Returns the pause length (0: none started)."""
        if not self.answered:
            self._stop(f"cannot reach the archive at {self.host}: {reason}")
            return 0.0
        if sent_epoch != self.epoch:
            return 0.0
        self._refused_strikes += 1
        if self._refused_strikes > self.settings.refused_limit:
            self._stop(
                f"{self.host} refused connections {self.settings.refused_limit + 1} times in a "
                f"row ({reason}); stopped"
            )
            return 0.0
        seconds = min(
            self.settings.backoff
            * self.settings.refused_factor
            * 2.0 ** (self._refused_strikes - 1),
            max(self.settings.backoff_max, self.settings.backoff * self.settings.refused_factor),
        )
        if self.settings.refused_pause_max is not None:
            seconds = min(seconds, self.settings.refused_pause_max)
        self._pause(now, seconds, f"refused the connection ({reason})")
        return seconds

    def _pause(self, now: float, seconds: float, why: str) -> None:
        self.epoch += 1
        self.paused_until = max(self.paused_until, now + seconds)
        self.pauses.append((now, self.paused_until))
        if self.shared is not None:
            self._shared_pause = self.shared.pause(seconds)
        log.warning("%s %s: no request to it for %.3g s", self.host, why, seconds)

    def _stop(self, message: str) -> None:
        if self.stopped is None:
            self.stopped = message
            log.error("%s", message)


# One gate per archive host for the whole process: every crawler (one per domain) in a
# run shares the IP, and the archive's limits count per IP, not per crawler.
_GATES: dict[str, ArchiveGate] = {}


def gate_for(host: str, settings: GateSettings, shared: SharedBudget | None = None) -> ArchiveGate:
    gate = _GATES.get(host)
    if gate is None or gate.settings != settings or gate.shared is not shared:
        gate = _GATES[host] = ArchiveGate(host, settings, shared)
    return gate


def reset_gates() -> None:
    """Forget every host's state (a new run in the same process starts fresh)."""
    _GATES.clear()


def current_gate(host: str) -> ArchiveGate | None:
    """The gate of `host` in this process, if a request has been sent to it (progress)."""
    return _GATES.get(host)
