"""Downloader middlewares that keep the crawl on the archive and polite to it."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.internet import reactor

from crawler.wayback import Archive

log = logging.getLogger(__name__)


class ArchiveOnlyMiddleware:
    """Refuse any request to a host other than the archive's: a captured redirect or a
    link must never reach the live web."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveOnlyMiddleware:
        return cls(Archive.parse(crawler.settings.get("WAYBACK_ARCHIVE")))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if not request.url.startswith(self.archive.base + "/"):
            assert spider is not None
            spider.crawler.stats.inc_value("wayback/refused_offsite")
            raise IgnoreRequest(f"not on the archive: {request.url}")


class ArchiveBackoffMiddleware:
    """On 429, stop all traffic to the archive for a while, doubling on each repeat."""

    def __init__(self, crawler: Crawler, backoff: float, cap: float) -> None:
        self.crawler = crawler
        self.base = backoff
        self.cap = cap
        self.current = backoff
        self.paused = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveBackoffMiddleware:
        settings = crawler.settings
        return cls(
            crawler, settings.getfloat("WAYBACK_BACKOFF"), settings.getfloat("WAYBACK_BACKOFF_MAX")
        )

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if response.status != 429:
            if not self.paused:
                self.current = self.base
            return response
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("wayback/rate_limited")
        self._pause(self.current)
        self.current = min(self.current * 2, self.cap)
        retry: Request = request.replace(dont_filter=True)
        return retry

    def _pause(self, seconds: float) -> None:
        engine: Any = self.crawler.engine
        if self.paused or engine is None:
            return
        log.warning("archive answered 429: pausing all requests for %.0f s", seconds)
        self.paused = True
        engine.pause()

        def resume() -> None:
            self.paused = False
            engine.unpause()

        clock: Any = reactor
        clock.callLater(seconds, resume)
