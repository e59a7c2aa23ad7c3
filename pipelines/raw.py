"""RawStorePipeline: append every fetched capture to the WARC raw store."""

from __future__ import annotations

from pathlib import Path

from scrapy.crawler import Crawler

from corpus.rawstore import RawWriter, new_run_id
from crawler.items import CaptureItem, DomainDoneItem
from pipelines import guarded


class RawStorePipeline:
    def __init__(self, crawler: Crawler, out: Path, run_id: str) -> None:
        self.crawler = crawler
        self.writer = RawWriter(out, run_id)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawStorePipeline:
        run_id = crawler.settings.get("POLICY_ARCHIVE_RUN_ID") or new_run_id()
        return cls(crawler, Path(crawler.settings.get("POLICY_ARCHIVE_OUT")), run_id)

    @guarded
    def process_item(self, item: object) -> object:
        if isinstance(item, CaptureItem):
            self.writer.write(item.capture)
        elif isinstance(item, DomainDoneItem):
            # bounded open files: a domain's file is closed when the domain is done
            self.writer.close_domain(item.domain)
        return item

    def close_spider(self) -> None:
        self.writer.close()
