"""Downloader middleware that keeps the crawl on the archive.

Politeness (budgets, 429 pauses, refusals) is in crawler.handlers, right before the wire.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from webarchive.wayback import Archive, parse_archives

log = logging.getLogger(__name__)


class ArchiveOnlyMiddleware:
    """Refuse any request to a host other than the archives': a captured redirect or a
    link must never reach the live web."""

    def __init__(self, crawler: Crawler, archives: Sequence[Archive]) -> None:
        self.crawler = crawler
        self.archives = tuple(archives)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveOnlyMiddleware:
        return cls(crawler, parse_archives(crawler.settings.get("WAYBACK_ARCHIVE")))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if not any(request.url.startswith(a.base + "/") for a in self.archives):
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("wayback/refused_offsite")
            log.warning("not requesting %s: it is not on the archive", request.url)
            raise IgnoreRequest(f"not on the archive: {request.url}")
