"""Running a crawl: one Scrapy process, one spider, domains from a frontier; signals,
progress, the run report, the summary and the exit status."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from crawler.frontier import Frontier
from policy_archive.progress import LiveProgress, LogProgress, RateMeter, Snapshot
from policy_archive.runs import MAX_LISTED_FAILURES, RunReport, now_iso

# Exit statuses (README: "Exit codes").
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_SIGINT = 130
EXIT_SIGTERM = 143
# How often the run report is rewritten while the crawl runs.
REPORT_EVERY = 60.0


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
    in_flight: int | None = None
    retries: int | None = None
    retry_backoff: float | None = None
    contact: str | None = None

    def settings(self) -> dict[str, object]:
        names = {
            "WAYBACK_STRATEGY": self.strategy,
            "WAYBACK_EVERY": self.every,
            "WAYBACK_PROBE_EVERY": self.probe_every,
            "WAYBACK_WINDOW_DAYS": self.window_days,
            "WAYBACK_CDX_PER_MINUTE": self.cdx_per_minute,
            "WAYBACK_REPLAY_PER_MINUTE": self.replay_per_minute,
            "WAYBACK_BACKOFF": self.backoff,
            "CRAWL_DOMAINS_IN_FLIGHT": self.in_flight,
            "WAYBACK_RETRY_TIMES": self.retries,
            "WAYBACK_RETRY_BACKOFF": self.retry_backoff,
            "WAYBACK_CONTACT": self.contact,
        }
        return {name: value for name, value in names.items() if value is not None}


@dataclass(slots=True)
class CrawlOutcome:
    stats: dict[str, Any] = field(default_factory=dict)
    signal: int | None = None  # the first stop signal received
    forced: bool = False  # a second signal stopped the crawl at once
    stop_reason: str | None = None  # the archive became unusable
    unfinished: list[str] = field(default_factory=list)
    # several archives: label -> None (it answered to the end) or why it was given up
    archives: dict[str, str | None] = field(default_factory=dict)


def run_crawl(
    frontier: Frontier,
    archive: str,
    out: Path,
    kind: str,
    urls: list[str],
    verbose: bool,
    options: FetchOptions | None = None,
    report: RunReport | None = None,
    extra_settings: dict[str, object] | None = None,
) -> CrawlOutcome:
    """Crawl every domain `frontier` hands out, in one Scrapy process."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings
    from twisted.internet.task import LoopingCall

    from crawler.politeness import current_gate, reset_gates
    from crawler.spiders.history import PolicyHistorySpider
    from webarchive.wayback import parse_archives

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("WAYBACK_ARCHIVE", archive, priority="cmdline")
    settings.set("POLICY_ARCHIVE_OUT", str(out), priority="cmdline")
    if report is not None:
        settings.set("POLICY_ARCHIVE_RUN_ID", report.run_id, priority="cmdline")
        settings.set("POLICY_ARCHIVE_COMMAND", report.command, priority="cmdline")
    for name, value in {**(options or FetchOptions()).settings(), **(extra_settings or {})}.items():
        settings.set(name, value, priority="cmdline")
    # Without -v the progress and the summary speak for the crawl.
    settings.set("LOG_LEVEL", "INFO" if verbose else "CRITICAL", priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    parsed = parse_archives(archive)[0]
    # The pace is set per archive host by the token buckets (crawler.politeness); the
    # concurrency only decides how many round trips overlap.
    concurrency = (
        "WAYBACK_LOCAL_CONCURRENCY" if parsed.is_loopback else "WAYBACK_REMOTE_CONCURRENCY"
    )
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", settings.getint(concurrency))
    settings.set("CONCURRENT_REQUESTS", max(16, settings.getint(concurrency)))
    reset_gates()
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PolicyHistorySpider)
    outcome = CrawlOutcome()

    def on_signal(signum: int, _frame: Any) -> None:
        from twisted.internet import reactor as installed

        reactor: Any = installed

        if outcome.signal is None:
            outcome.signal = signum
            print(
                f"policy-archive: {signal.Signals(signum).name}: stopping once the requests in "
                "flight are answered (what was fetched is kept); press Ctrl-C again to stop at once",
                file=sys.stderr,
                flush=True,
            )
            reactor.callFromThread(lambda: crawler.stop())
        else:
            outcome.forced = True
            reactor.callFromThread(reactor.stop)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    # the crawl's start installs the reactor Scrapy asks for: import it only then
    process.crawl(crawler, kind=kind, urls=urls, frontier=frontier)
    from twisted.internet import reactor as twisted_reactor

    reactor: Any = twisted_reactor
    display = _display(verbose)
    meters = (RateMeter(), RateMeter())
    started = time.monotonic()
    last_report = [started]

    def tick() -> None:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        now = time.monotonic()
        if display is not None:
            display.update(
                _snapshot(
                    stats, frontier, now - started, meters, current_gate(parsed.netloc), outcome
                )
            )
        if report is not None and now - last_report[0] >= REPORT_EVERY:
            last_report[0] = now
            report.update_from_stats(stats)
            report.domains = frontier.counts()
            report.write(out)

    ticker = LoopingCall(tick)
    renewer = LoopingCall(frontier.renew)
    reactor.callWhenRunning(ticker.start, 1.0, now=False)
    reactor.callWhenRunning(renewer.start, 5.0, now=False)
    try:
        process.start(install_signal_handlers=False)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        for loop in (ticker, renewer):
            if loop.running:
                loop.stop()
        if display is not None:
            display.close()
    spider: Any = crawler.spider
    outcome.stats = crawler.stats.get_stats() if crawler.stats else {}
    if spider is not None:
        outcome.stop_reason = spider.stop_reason
        archives = getattr(spider, "_archives", ())
        if len(archives) > 1:
            outcome.archives = {a.label: spider.down.get(i) for i, a in enumerate(archives)}
        # a forced stop skips the spider's own close: give its domains back here
        outcome.unfinished = list(spider.active)
        for domain in spider.active:
            frontier.release(domain)
        if spider.store is not None:
            spider.store.close()
    return outcome


def _display(verbose: bool) -> LiveProgress | LogProgress | None:
    if verbose:
        return None  # the crawl's own log is on the terminal
    if sys.stderr.isatty():
        return LiveProgress(sys.stderr)
    return LogProgress(sys.stderr)


def _snapshot(
    stats: dict[str, Any],
    frontier: Frontier,
    elapsed: float,
    meters: tuple[RateMeter, RateMeter],
    gate: Any,
    outcome: CrawlOutcome,
) -> Snapshot:
    counts = frontier.counts()
    now = time.monotonic()

    def n(key: str) -> int:
        return int(stats.get(key, 0) or 0)

    return Snapshot(
        elapsed=elapsed,
        domains_total=sum(counts.values()),
        domains_done=counts.get("done", 0),
        domains_failed=counts.get("failed", 0),
        domains_in_flight=counts.get("in_progress", 0),
        captures_listed=n("policy/captures/listed"),
        captures_fetched=n("policy/captures/fetched_policy"),
        versions=n("policy/versions_refreshed"),
        errors=n("log_count/ERROR") + n("policy/dropped/replay_failed"),
        cdx_per_minute=meters[0].per_minute(now, n("wayback/requests/cdx")),
        replay_per_minute=meters[1].per_minute(now, n("wayback/requests/replay")),
        cdx_budget=gate.settings.cdx_per_minute if gate else None,
        replay_budget=gate.settings.replay_per_minute if gate else None,
        backoff_left=max(0.0, gate.paused_until - now) if gate else 0.0,
        stopping=outcome.signal is not None,
    )


# -- after the crawl ------------------------------------------------------------------


def exit_status(outcome: CrawlOutcome, counts: dict[str, int]) -> int:
    if outcome.signal == signal.SIGINT:
        return EXIT_SIGINT
    if outcome.signal is not None:
        return EXIT_SIGTERM
    unfinished = counts.get("pending", 0) + counts.get("interrupted", 0)
    unfinished += counts.get("in_progress", 0)
    if outcome.stop_reason or counts.get("failed", 0) or unfinished:
        return EXIT_FAILED
    if any(reason is not None for reason in outcome.archives.values()):
        return EXIT_FAILED  # an archive's captures are missing: the next run fills the gap
    if outcome.stats.get("policy/captures/pending"):
        return EXIT_FAILED  # captures left for the next run: this one is not complete
    if outcome.stats.get("policy/discovery/hint_listing_failed"):
        # discovery went on with homepage links alone: a policy may have been missed,
        # and the next run asks the archive again
        return EXIT_FAILED
    return EXIT_OK


def close_report(report: RunReport, outcome: CrawlOutcome, frontier: Frontier, status: int) -> None:
    report.update_from_stats(outcome.stats)
    report.domains = frontier.counts()
    report.ended = now_iso()
    report.exit_status = status
    report.stop_reason = outcome.stop_reason
    report.archives = [
        {"archive": label, "state": "ok"}
        if reason is None
        else {"archive": label, "state": "given up", "reason": reason}
        for label, reason in outcome.archives.items()
    ]
    if outcome.signal is not None:
        report.status = "interrupted"
    elif outcome.stop_reason:
        report.status = "stopped"
    elif status == EXIT_OK:
        report.status = "finished"
    else:
        report.status = "failed" if report.domains.get("failed") else "unfinished"
    failures = [
        {"domain": domain, "reason": reason or ""}
        for domain, state, reason, _ in frontier.results()
        if state == "failed"
    ]
    report.failures_total = len(failures)
    report.failures = failures[:MAX_LISTED_FAILURES]


def print_summary(
    frontier: Frontier,
    outcome: CrawlOutcome,
    archive: str,
    out: Path,
    stream: TextIO,
    detail_limit: int = 25,
) -> None:
    """Per domain (when there are few), then the totals of the run."""
    from corpus.store import INDEX_NAME

    results = list(_results_head(frontier, detail_limit + 1))
    counts = frontier.counts()
    total = sum(counts.values())
    from webarchive.wayback import archives_label

    print(f"policy-archive crawl from {archives_label(archive)}", file=stream)
    first_file: str | None = None
    if total <= detail_limit:
        for domain, state, _reason, summary in results:
            print(f"  {domain} [{_status(state)}]: {_domain_line(summary)}", file=stream)
    stats = outcome.stats
    fetched = int(stats.get("policy/captures/fetched_policy", 0) or 0)
    versions = sum(int(s.get("policy/versions", 0)) for _, _, _, s in frontier.results())
    states = ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in counts.items() if n)
    print(
        f"{_count(total, 'domain')} ({states or 'none'}), {_count(fetched, 'capture')} fetched, "
        f"{_count(versions, 'version')} in {out / 'corpus'} (index: {out / INDEX_NAME})",
        file=stream,
    )
    if total <= detail_limit and versions:
        first_file = _latest_file(out, [d for d, *_ in results])
    if first_file is not None:
        print(f"open: {first_file}", file=stream)


def _results_head(frontier: Frontier, limit: int) -> Any:
    for number, result in enumerate(frontier.results()):
        if number >= limit:
            return
        yield result


def _status(state: str) -> str:
    return {"done": "ok", "failed": "FAILED"}.get(state, state.replace("_", " "))


def _domain_line(summary: dict[str, int]) -> str:
    listed = summary.get("policy/captures/listed", 0)
    fetched = summary.get("policy/captures/fetched_policy", 0)
    versions = summary.get("policy/versions", 0)
    langs = sorted(k.split("/", 1)[1] for k in summary if k.startswith("lang/"))
    dropped = {k.split("/", 2)[2]: v for k, v in summary.items() if k.startswith("policy/dropped/")}
    drops = ", ".join(f"{k} {n}" for k, n in sorted(dropped.items())) or "none"
    confirmed = summary.get("policy/captures/inferred_confirmed", 0)
    refuted = summary.get("policy/captures/inferred_refuted", 0)
    checked = (
        f"; read what an earlier run inferred: {confirmed} confirmed, {refuted} showed another text"
        if confirmed or refuted
        else ""
    )
    return (
        f"{listed} policy captures listed, {fetched} fetched, "
        f"{_count(versions, 'version')} ({', '.join(langs) or '-'}); dropped: {drops}{checked}"
    )


def _latest_file(out: Path, domains: list[str]) -> str | None:
    from corpus.store import Store, StoreError

    try:
        store = Store.open(out, create=False)
    except StoreError:
        return None
    try:
        for domain in domains:
            rows = list(store.versions(domain))
            if rows:
                return str(out / rows[-1].version.path)
    finally:
        store.close()
    return None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def report_problems(
    frontier: Frontier, outcome: CrawlOutcome, status: int, say: Callable[[str], None]
) -> None:
    """One line per failed domain, then what stopped the run and how to resume."""
    for domain, state, reason, _ in frontier.results():
        if state == "failed":
            say(f"policy-archive: error: {domain}: {reason}")
        elif state == "interrupted" and reason:
            say(f"policy-archive: warning: {domain}: {reason}; the next run tries it again")
    pending = int(outcome.stats.get("policy/captures/pending", 0) or 0)
    if pending:
        say(
            f"policy-archive: warning: {_count(pending, 'capture')} pending (the archive "
            "failed on them through every retry); re-run the same command to fetch them"
        )
    unsearched = int(outcome.stats.get("policy/discovery/hint_listing_failed", 0) or 0)
    if unsearched:
        say(
            f"policy-archive: warning: the archive failed on {_count(unsearched, 'listing')} "
            "of policy-like URLs (after asking again in time slices); those domains' "
            "policies were looked for through their homepage links alone (see the run report); "
            "re-run the same command to ask again"
        )
    for label, reason in outcome.archives.items():
        if reason is not None:
            say(
                f"policy-archive: warning: gave up on {label} for this run ({reason}); the "
                "other archives' captures are kept, and the next run asks it again"
            )
    if outcome.stop_reason:
        say(
            f"policy-archive: error: {outcome.stop_reason}; re-run the same command to resume "
            "(what was fetched is kept)"
        )
    counts = frontier.counts()
    unfinished = sum(counts.get(s, 0) for s in ("pending", "interrupted", "in_progress"))
    if status in (EXIT_SIGINT, EXIT_SIGTERM) or (unfinished and not outcome.stop_reason):
        how = "stopped at once" if outcome.forced else "stopped"
        say(
            f"policy-archive: interrupted ({how}): {_count(unfinished, 'domain')} left "
            "unfinished; re-run the same command to continue"
        )
    errors = int(outcome.stats.get("log_count/ERROR", 0) or 0)
    if errors:
        say(
            f"policy-archive: warning: {errors} error(s) during the crawl; rerun with -v to see them"
        )
