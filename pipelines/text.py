"""ExtractionPipeline: a fetched policy capture to its documents, or a drop reason."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from corpus.models import ROLE_POLICY
from corpus.process import process_capture
from crawler.items import CaptureItem
from pipelines import guarded

log = logging.getLogger(__name__)


class ExtractionPipeline:
    def __init__(self, crawler: Crawler, stats: StatsCollector) -> None:
        self.crawler = crawler
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPipeline:
        assert crawler.stats is not None
        return cls(crawler, crawler.stats)

    @guarded
    def process_item(self, item: object) -> object:
        if not isinstance(item, CaptureItem):
            return item
        capture = item.capture
        if capture.role != ROLE_POLICY or capture.body is None:
            return item
        if item.processed is None:  # the spider has usually done it (and counted drops)
            item.processed = process_capture(capture)
            if item.processed.drop_reason:
                self.stats.inc_value(f"policy/dropped/{item.processed.drop_reason}")
                log.info("not a policy: %s (%s)", capture.archive_url, item.processed.drop_reason)
        if not item.processed.drop_reason:
            self.stats.inc_value("policy/documents", len(item.processed.documents))
        return item
