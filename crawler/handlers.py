"""The HTTP download handler that every request to the archive passes through last.

Politeness lives here, not in a downloader middleware: a middleware lets a request go
into the downloader's per-slot queue, from which it can leave later, in the middle of a
pause that began after it was let through. Here nothing stands between the gate and the
wire, so during a pause no request at all reaches the archive.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import error as net_error
from twisted.internet.task import deferLater
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler.politeness import (
    CDX,
    REPLAY,
    ArchiveGate,
    ArchiveUnavailable,
    GateSettings,
    TransientFailure,
    gate_for,
)
from crawler.redis_budget import shared_budget
from webarchive.wayback import Archive, archive_for, parse_archives

log = logging.getLogger(__name__)


# Answers of the archive itself (no Memento-Datetime) that pass: asked again with back-off.
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504, 520, 522, 524, 408})


def refusal(exc: BaseException) -> str | None:
    """The name of the refusal `exc` is (the connection refused: how the archive blocks
    an IP), else None.

    Scrapy wraps Twisted's errors (a refusal becomes DownloadConnectionRefusedError); the
    cause tells which. A connection dropped or reset after it was made, or a body cut
    short, is not a refusal: that is a flaky transfer, retried (`transient`).
    """
    for error in (exc, exc.__cause__):
        if isinstance(error, DownloadConnectionRefusedError | net_error.ConnectionRefusedError):
            return type(error).__name__
    return None


def transient(exc: BaseException) -> str | None:
    """The name of the passing fault `exc` is (dropped, reset, timed out, cut short),
    else None (a refusal, a stop, a page over the size limit: not retried)."""
    if isinstance(exc, IgnoreRequest | ArchiveUnavailable | DownloadCancelledError):
        return None  # stopping, off the archive, or over DOWNLOAD_MAXSIZE: permanent
    if refusal(exc) is not None:
        return None
    for error in (exc, exc.__cause__):
        if isinstance(
            error,
            net_error.ConnectError
            | net_error.ConnectionLost
            | net_error.ConnectionDone
            | net_error.TimeoutError
            | ResponseNeverReceived
            | ResponseFailed
            | DownloadFailedError
            | DownloadTimeoutError
            | ResponseDataLossError,
        ):
            return type(error).__name__
    return None


def gate_settings(settings: Any, archive: Archive) -> GateSettings:
    """The gate's numbers: the archive's own budgets (archives file) win, then explicit
    settings; else remote defaults, none on loopback."""

    def per_minute(name: str) -> float | None:
        own = archive.cdx_per_minute if name == "WAYBACK_CDX_PER_MINUTE" else None
        if name == "WAYBACK_REPLAY_PER_MINUTE":
            own = archive.replay_per_minute
        value = own if own is not None else settings.get(name)
        if value is not None:
            rate = float(value)
            return rate if rate > 0 else None
        if archive.is_loopback:
            return None
        return float(settings.getfloat(name.replace("WAYBACK_", "WAYBACK_REMOTE_", 1)))

    return GateSettings(
        cdx_per_minute=per_minute("WAYBACK_CDX_PER_MINUTE"),
        replay_per_minute=per_minute("WAYBACK_REPLAY_PER_MINUTE"),
        backoff=settings.getfloat("WAYBACK_BACKOFF"),
        backoff_max=settings.getfloat("WAYBACK_BACKOFF_MAX"),
        backoff_reset=settings.getfloat("WAYBACK_BACKOFF")
        * settings.getfloat("WAYBACK_BACKOFF_RESET_FACTOR"),
        refused_factor=settings.getfloat("WAYBACK_REFUSED_FACTOR"),
        refused_pause_max=(
            settings.getfloat("WAYBACK_LOOPBACK_REFUSED_PAUSE") if archive.is_loopback else None
        ),
        refused_limit=settings.getint("WAYBACK_REFUSED_LIMIT"),
        rate_limited_limit=settings.getint("WAYBACK_RATE_LIMITED_LIMIT"),
        burst=settings.getfloat("WAYBACK_BURST"),
    )


def archive_gate(settings: Any, archive: Archive) -> ArchiveGate:
    """The process's gate for `archive`, sharing the budget group's budgets through Redis
    when WAYBACK_REDIS_URL is set."""
    return gate_for(
        archive.netloc,
        gate_settings(settings, archive),
        shared_budget(settings, archive.netloc),
    )


def is_memento(response: Response) -> bool:
    """Does the response carry a capture (even an archived 429 page) rather than an answer
    of the archive itself? Captures come with Memento-Datetime; archive answers never."""
    return b"Memento-Datetime" in response.headers


class ArchiveDownloadHandler(HTTP11DownloadHandler):
    """HTTP(S) downloads gated per archive host: token buckets, 429 pauses, refusals;
    shared with the budget group through Redis when WAYBACK_REDIS_URL is set."""

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.archives = parse_archives(crawler.settings.get("WAYBACK_ARCHIVE"))
        # One gate per archive host (the archives' limits count per IP and host), with the
        # budgets of the first archive listed on that host.
        self.gates: dict[str, ArchiveGate] = {}
        for archive in self.archives:
            if archive.netloc not in self.gates:
                self.gates[archive.netloc] = archive_gate(crawler.settings, archive)
        self.retry_times = crawler.settings.getint("WAYBACK_RETRY_TIMES")
        self.retry_backoff = crawler.settings.getfloat("WAYBACK_RETRY_BACKOFF")

    @property
    def archive(self) -> Archive:
        return self.archives[0]

    @property
    def gate(self) -> ArchiveGate:
        return self.gates[self.archive.netloc]

    async def download_request(self, request: Request) -> Response:
        archive = archive_for(self.archives, request.url) or self.archive
        gate = self.gates[archive.netloc]
        kind = CDX if archive.is_cdx_url(request.url) else REPLAY
        stats = self.crawler.stats
        assert stats is not None
        attempt = 0
        while True:
            await self._wait(kind, gate)
            epoch = gate.epoch
            stats.inc_value(f"wayback/requests/{kind}")
            try:
                response = await super().download_request(request)
            except Exception as exc:
                reason = refusal(exc)
                if reason is None:
                    fault = transient(exc)
                    if fault is None:
                        raise
                    attempt += 1
                    if attempt > self.retry_times:
                        raise TransientFailure(f"{fault} ({attempt} tries)") from exc
                    await self._retry_pause(attempt, fault, request)
                    continue
                stats.inc_value("wayback/refused")
                paused = gate.connection_failed(epoch, time.monotonic(), reason)
                stats.inc_value("wayback/paused_seconds", round(paused))
                if gate.stopped:
                    raise ArchiveUnavailable(gate.stopped) from exc
                continue  # the same request again once the pause is over
            if response.status == 429 and not is_memento(response):
                # Never retried at once (the stock RetryMiddleware would): everything to
                # this archive waits out the pause, then this request goes again.
                stats.inc_value("wayback/rate_limited")
                paused = gate.rate_limited(epoch, time.monotonic())
                stats.inc_value("wayback/paused_seconds", round(paused))
                if gate.stopped:
                    raise ArchiveUnavailable(gate.stopped)
                continue
            gate.answered_ok(time.monotonic())
            if response.status in TRANSIENT_STATUSES and not is_memento(response):
                # the archive's own 5xx (an archived 5xx page is a capture, kept as such)
                attempt += 1
                if attempt <= self.retry_times:
                    await self._retry_pause(attempt, f"HTTP {response.status}", request)
                    continue
            return response

    async def _retry_pause(self, attempt: int, fault: str, request: Request) -> None:
        """Back-off before asking again: 1, 2, 4 s (WAYBACK_RETRY_BACKOFF, doubling)."""
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("wayback/retries")
        stats.inc_value(f"wayback/faults/{fault.split(' ')[0]}")
        seconds = self.retry_backoff * 2 ** (attempt - 1)
        log.info("%s: %s; again in %.3g s (try %d)", request.url, fault, seconds, attempt + 1)
        await self._sleep(seconds)

    async def _sleep(self, seconds: float) -> None:
        from twisted.internet import reactor

        slice_seconds = self.crawler.settings.getfloat("WAYBACK_WAIT_SLICE")
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if not self.crawler.crawling:
                raise IgnoreRequest("the crawl is stopping")
            await maybe_deferred_to_future(
                deferLater(reactor, min(left, slice_seconds), lambda: None)
            )

    async def _wait(self, kind: str, gate: ArchiveGate) -> None:
        from twisted.internet import reactor

        slice_seconds = self.crawler.settings.getfloat("WAYBACK_WAIT_SLICE")
        while True:
            if not self.crawler.crawling:
                raise IgnoreRequest("the crawl is stopping")
            delay = gate.delay(kind, time.monotonic())
            if delay <= 0:
                return
            await maybe_deferred_to_future(
                deferLater(reactor, min(delay, slice_seconds), lambda: None)
            )
