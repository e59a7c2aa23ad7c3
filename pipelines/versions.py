"""VersioningPipeline: record captures in the index; at the end, refresh the timelines."""

from __future__ import annotations

from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from corpus.models import ROLE_POLICY
from corpus.store import Store
from crawler.items import CaptureItem


class VersioningPipeline:
    def __init__(self, out: Path, stats: StatsCollector) -> None:
        self.out = out
        self.stats = stats
        self.store: Store | None = None  # opened on the first item: a failed run writes nothing
        self.touched: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> VersioningPipeline:
        assert crawler.stats is not None
        return cls(Path(crawler.settings.get("POLICY_ARCHIVE_OUT")), crawler.stats)

    def process_item(self, item: CaptureItem) -> CaptureItem:
        capture = item.capture
        if capture.role != ROLE_POLICY:
            return item
        if self.store is None:
            self.store = Store.open(self.out)
        self.store.add_capture(capture, item.processed)
        self.touched.add((capture.domain, capture.kind))
        return item

    def close_spider(self) -> None:
        if self.store is None:
            return
        versions = 0
        for domain, kind in sorted(self.touched):
            versions += len(self.store.refresh_versions(domain, kind))
        self.stats.set_value("policy/versions", versions)
        # The run is logged with the libraries and settings that produced what it wrote.
        stats = self.stats.get_stats()
        started = stats.get("start_time")
        self.store.record_run(
            started.isoformat(timespec="seconds") if started else "",
            "fetch " + " ".join(sorted({f"{d}:{k}" for d, k in self.touched})),
            {k: v for k, v in stats.items() if k.startswith(("policy/", "wayback/"))},
        )
        self.store.close()
