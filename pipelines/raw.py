"""RawStorePipeline: append every fetched capture to the WARC raw store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from scrapy.crawler import Crawler

from corpus.rawstore import RawWriter
from crawler.items import CaptureItem


class RawStorePipeline:
    def __init__(self, out: Path, run_id: str) -> None:
        self.writer = RawWriter(out, run_id)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawStorePipeline:
        run_id = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + f"-{id(crawler) % 100000:05d}"
        return cls(Path(crawler.settings.get("POLICY_ARCHIVE_OUT")), run_id)

    def process_item(self, item: CaptureItem) -> CaptureItem:
        self.writer.write(item.capture)
        return item

    def close_spider(self) -> None:
        self.writer.close()
