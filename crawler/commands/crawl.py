"""`scrapy crawl` whose exit status says whether the spider did its job.

Scrapy's own `crawl` exits 0 whenever the crawler started, even when the spider closed
with reason "fatal"; cron, systemd and Scrapyd's callers need a failed run to exit
non-zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

if TYPE_CHECKING:
    import argparse

    from scrapy import Spider
    from scrapy.crawler import Crawler


def spider_exit_status(spider: Any) -> int | None:
    """The exit status a finished spider asks for, or None to keep Scrapy's.

    `exit_status` (0 done, 1 some domain failed, 130 interrupted) wins; a spider that only
    records `fatal` (a message) failed.
    """
    status = getattr(spider, "exit_status", None)
    if isinstance(status, int) and not isinstance(status, bool):
        return status
    if getattr(spider, "fatal", None):
        return 1
    return None


class Command(ScrapyCrawlCommand):
    def __init__(self) -> None:
        super().__init__()
        self._crawlers: list[Crawler] = []

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        # Scrapy's run() forgets the crawler once the process stops; keep it to read the
        # spider afterwards. The hook is private: tests/integration/test_scrapy_crawl.py
        # fails (exit 0 where 1 is expected) if a Scrapy upgrade stops calling it.
        crawler: Crawler = super()._create_crawler(spidercls)
        self._crawlers.append(crawler)
        return crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        for crawler in self._crawlers:
            status = spider_exit_status(crawler.spider)
            if status is not None:
                self.exitcode = status
