"""RawStorePipeline: append every fetched capture to the WARC raw store."""

from __future__ import annotations

from pathlib import Path

from scrapy.crawler import Crawler

from corpus.rawstore import RawWriter, new_run_id, warcinfo_fields
from crawler.items import CaptureItem, CaptureSourceItem, DomainDoneItem
from pipelines import guarded

# The settings a raw file's warcinfo record names as the run's options.
WARCINFO_SETTINGS = {
    "command": "POLICY_ARCHIVE_COMMAND",
    "strategy": "WAYBACK_STRATEGY",
    "every": "WAYBACK_EVERY",
    "probe-every": "WAYBACK_PROBE_EVERY",
    "window-days": "WAYBACK_WINDOW_DAYS",
    "max-policy-urls": "WAYBACK_MAX_POLICY_URLS",
}


class RawStorePipeline:
    def __init__(self, crawler: Crawler, out: Path, run_id: str) -> None:
        self.crawler = crawler
        settings = crawler.settings
        info = warcinfo_fields(
            {name: settings.get(setting) for name, setting in WARCINFO_SETTINGS.items()},
            archive=str(settings.get("WAYBACK_ARCHIVE") or ""),
            contact=str(settings.get("WAYBACK_CONTACT") or ""),
        )
        # Files are opened on the first record written: a run that stores nothing
        # leaves raw/ as it was.
        self.writer = RawWriter(out, run_id, info=info)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawStorePipeline:
        run_id = crawler.settings.get("POLICY_ARCHIVE_RUN_ID") or new_run_id()
        return cls(crawler, Path(crawler.settings.get("POLICY_ARCHIVE_OUT")), run_id)

    @guarded
    def process_item(self, item: object) -> object:
        if isinstance(item, CaptureItem):
            self.writer.write(item.capture)
        elif isinstance(item, CaptureSourceItem):
            self.writer.write(item.as_capture())
        elif isinstance(item, DomainDoneItem):
            # bounded open files: a domain's file is closed when the domain is done
            self.writer.close_domain(item.domain)
        return item

    def close_spider(self) -> None:
        self.writer.close()
