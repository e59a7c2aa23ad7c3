"""Running crawls in one Scrapy process and reporting on them."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO


@dataclass(frozen=True, slots=True)
class DomainResult:
    domain: str
    kind: str
    stats: dict[str, Any]
    fatal: str | None


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """The crawl's knobs from the command line; None keeps crawler/settings.py's default."""

    strategy: str | None = None
    every: str | None = None
    probe_every: str | None = None
    window_days: float | None = None
    cdx_per_minute: float | None = None
    replay_per_minute: float | None = None
    backoff: float | None = None

    def settings(self) -> dict[str, object]:
        names = {
            "WAYBACK_STRATEGY": self.strategy,
            "WAYBACK_EVERY": self.every,
            "WAYBACK_PROBE_EVERY": self.probe_every,
            "WAYBACK_WINDOW_DAYS": self.window_days,
            "WAYBACK_CDX_PER_MINUTE": self.cdx_per_minute,
            "WAYBACK_REPLAY_PER_MINUTE": self.replay_per_minute,
            "WAYBACK_BACKOFF": self.backoff,
        }
        return {name: value for name, value in names.items() if value is not None}


def run_crawl(
    domains: list[str],
    archive: str,
    out: Path,
    kind: str,
    urls: list[str],
    verbose: bool,
    options: FetchOptions | None = None,
) -> list[DomainResult]:
    """Crawl `domains` in one Scrapy process (one spider each) and report on each."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.politeness import reset_gates
    from crawler.spiders.history import DomainHistorySpider
    from webarchive.wayback import Archive

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("WAYBACK_ARCHIVE", archive, priority="cmdline")
    settings.set("POLICY_ARCHIVE_OUT", str(out), priority="cmdline")
    for name, value in (options or FetchOptions()).settings().items():
        settings.set(name, value, priority="cmdline")
    # Without -v the summary speaks for the crawl; Scrapy's own lines would only repeat it.
    settings.set("LOG_LEVEL", "INFO" if verbose else "CRITICAL", priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    # The pace is set per archive host by the token buckets (crawler.politeness); the
    # concurrency only decides how many round trips overlap.
    concurrency = (
        "WAYBACK_LOCAL_CONCURRENCY"
        if Archive.parse(archive).is_loopback
        else "WAYBACK_REMOTE_CONCURRENCY"
    )
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", settings.getint(concurrency))
    reset_gates()
    process = CrawlerProcess(settings)
    crawlers = []
    for domain in domains:
        crawler = process.create_crawler(DomainHistorySpider)
        process.crawl(crawler, domain=domain, kind=kind, archive=archive, out=str(out), urls=urls)
        crawlers.append((domain, crawler))
    process.start()
    results = []
    for domain, crawler in crawlers:
        spider = crawler.spider
        stats = crawler.stats.get_stats() if crawler.stats else {}
        results.append(DomainResult(domain, kind, stats, getattr(spider, "fatal", None)))
    return results


def print_summary(results: list[DomainResult], archive: str, out: Path, stream: TextIO) -> None:
    from corpus.store import INDEX_NAME, Store

    versions: dict[str, list[Any]] = {}
    if (out / INDEX_NAME).exists():
        store = Store.open(out, create=False)
        try:
            for row in store.versions():
                versions.setdefault(row.version.domain, []).append(row.version)
        finally:
            store.close()
    print(f"policy-archive fetch from {archive}", file=stream)
    total_fetched = total_versions = 0
    first_file: Path | None = None
    for result in results:
        s = result.stats
        fetched = int(s.get("policy/captures/fetched_policy", 0))
        listed = int(s.get("policy/captures/listed", 0))
        dropped = {k.split("/", 2)[2]: v for k, v in s.items() if k.startswith("policy/dropped/")}
        mine = [v for v in versions.get(result.domain, []) if v.kind == result.kind]
        langs = sorted({v.lang for v in mine})
        total_fetched += fetched
        total_versions += len(mine)
        status = "FAILED" if result.fatal else "ok"
        drops = ", ".join(f"{k} {n}" for k, n in sorted(dropped.items())) or "none"
        print(
            f"  {result.domain} [{status}]: {listed} policy captures listed, {fetched} fetched, "
            f"{_count(len(mine), 'version')} ({', '.join(langs) or '-'}); dropped: {drops}",
            file=stream,
        )
        if mine and first_file is None:
            first_file = out / mine[-1].path
    print(
        f"{_count(len(results), 'domain')}, {_count(total_fetched, 'capture')} fetched, "
        f"{_count(total_versions, 'version')} in {out / 'corpus'} (index: {out / INDEX_NAME})",
        file=stream,
    )
    if first_file is not None:
        print(f"open: {first_file}", file=stream)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def report_failures(results: list[DomainResult]) -> int:
    """One stderr line per failed domain; the exit status of the whole run."""
    failed = [r for r in results if r.fatal]
    for result in failed:
        print(f"policy-archive: error: {result.domain}: {result.fatal}", file=sys.stderr)
    errors = sum(int(r.stats.get("log_count/ERROR", 0)) for r in results if not r.fatal)
    if errors:
        print(
            f"policy-archive: warning: {errors} error(s) during the crawl; rerun with -v to see them",
            file=sys.stderr,
        )
    return 1 if failed else 0
