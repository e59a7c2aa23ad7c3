"""VersioningPipeline: record captures in the index; a finished domain's timelines are
refreshed (its version files written) before the frontier hears it is done."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from corpus.models import ROLE_POLICY
from corpus.store import Store
from crawler.items import (
    CaptureItem,
    CaptureOutcomeItem,
    CaptureSourceItem,
    DomainDoneItem,
    HomepageLinksItem,
)
from pipelines import guarded


class VersioningPipeline:
    def __init__(self, crawler: Crawler, stats: StatsCollector) -> None:
        self.crawler = crawler
        self.stats = stats
        self.touched: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> VersioningPipeline:
        assert crawler.stats is not None
        return cls(crawler, crawler.stats)

    def _store(self) -> Store:
        # the spider's connection: one writer of the index per process
        store: Store = self.crawler.spider.corpus()  # type: ignore[union-attr]
        return store

    @guarded
    def process_item(self, item: object) -> object:
        if isinstance(item, DomainDoneItem):
            touched = (item.domain, item.kind) in self.touched
            self.touched.discard((item.domain, item.kind))
            if touched or self._left_pending(item.domain, item.kind):
                versions = self._store().refresh_versions(item.domain, item.kind)
                self.stats.inc_value("policy/versions_refreshed", len(versions))
            if getattr(self.crawler.spider, "store", None) is not None:
                by_lang = self._store().version_counts(item.domain, item.kind)
                item.counts["policy/versions"] = sum(by_lang.values())
                for lang in by_lang:
                    item.counts[f"lang/{lang}"] = 1
            return item
        if isinstance(item, HomepageLinksItem):
            self._store().add_homepage_links(
                [(item.domain, item.kind, item.url, item.timestamp, item.links)]
            )
            return item
        if isinstance(item, CaptureOutcomeItem):
            self._store().record_outcome(
                item.domain, item.kind, item.url, item.timestamp, item.state, item.reason
            )
            self.touched.add((item.domain, item.kind))
            return item
        if isinstance(item, CaptureSourceItem):
            # a source changes no version's text or dates, only the archives it names
            self._store().add_capture(item.as_capture(), None)
            self.touched.add((item.domain, item.kind))
            return item
        if not isinstance(item, CaptureItem):
            return item
        capture = item.capture
        if capture.role != ROLE_POLICY:
            return item
        self._store().add_capture(capture, item.processed)
        self.touched.add((capture.domain, capture.kind))
        return item

    def _left_pending(self, domain: str, kind: str) -> bool:
        """Captures stored (or recovered from raw/) by a run that stopped midway."""
        if getattr(self.crawler.spider, "store", None) is None:
            return False
        return self._store().is_pending(domain, kind)

    def close_spider(self) -> None:
        spider = self.crawler.spider
        if spider is None or getattr(spider, "store", None) is None:
            return
        store = self._store()
        # Domains left unfinished keep what they stored, marked for re-versioning
        # (`pending` in the index); the next run completes them.
        stats = self.stats.get_stats()
        started = stats.get("start_time")
        store.record_run(
            started.isoformat(timespec="seconds") if started else "",
            str(self.crawler.settings.get("POLICY_ARCHIVE_COMMAND") or "crawl"),
            {k: v for k, v in stats.items() if k.startswith(("policy/", "wayback/", "crawl/"))},
        )
