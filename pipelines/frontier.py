"""FrontierPipeline: a finished domain's state goes to the frontier, after its files."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawler.items import DomainDoneItem


class FrontierPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierPipeline:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        if isinstance(item, DomainDoneItem):
            spider: Any = self.crawler.spider
            frontier = spider.frontier
            error = spider.storage_errors.pop(item.domain, None)
            if error is not None:
                item.state, item.reason = "failed", error
                spider.exit_status = max(spider.exit_status, 1)
            if item.state == "interrupted":
                # a passing fault: tried again by the next run, not again in this one
                postpone = getattr(frontier, "postpone", None)
                if postpone is not None:
                    postpone(item.domain, item.reason or "", dict(item.counts))
                    return item
                # a frontier without postponing (Redis) would hand it out again at once:
                # failed with the passing reason, so that the next round retries it
                frontier.finish(
                    item.domain, "failed", f"passing fault: {item.reason}", dict(item.counts)
                )
                return item
            frontier.finish(item.domain, item.state, item.reason, dict(item.counts))
        return item
