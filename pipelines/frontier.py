"""FrontierPipeline: a finished domain's state goes to the frontier, after its files."""

from __future__ import annotations

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
            frontier = self.crawler.spider.frontier  # type: ignore[union-attr]
            frontier.finish(item.domain, item.state, item.reason, dict(item.counts))
        return item
