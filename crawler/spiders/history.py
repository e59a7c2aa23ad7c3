"""PolicyHistorySpider: the policy history of every domain a frontier hands out.

Thin by design: it turns each domain's calls (crawler.domain) into requests and the
answers back into calls of the domain's state object, keeps at most
`CRAWL_DOMAINS_IN_FLIGHT` domains going, and takes the next one from the frontier when a
domain finishes. `scrapy crawl history -a domain=example.com[,other.org] -a archive=URL
-a out=DIR` crawls the given domains; the `policy-archive` CLI hands it a persistent
frontier instead.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from corpus.lock import DataDirLock, LockedError
from corpus.rawstore import RAW_DIR
from corpus.rebuild import recover_domain
from corpus.store import INDEX_NAME, Store, StoreError, check_index
from crawler.discovery import KINDS, normalise_domain
from crawler.domain import (
    Answer,
    CdxCall,
    CrawlConfig,
    DomainCrawl,
    Known,
    Output,
    ReplayCall,
)
from crawler.frontier import Frontier, SqliteFrontier
from crawler.items import DomainDoneItem
from crawler.politeness import ArchiveUnavailable
from crawler.selection import STRATEGIES
from policy_archive import user_agent
from webarchive.wayback import Archive, archive_for, parse_archives

log = logging.getLogger(__name__)


class PolicyHistorySpider(Spider):
    name = "history"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PolicyHistorySpider:
        # Arguments name the archive and the data directory; the download handler, the
        # middlewares and the pipelines read them as settings (still modifiable here).
        for argument, setting in (
            ("archive", "WAYBACK_ARCHIVE"),
            ("out", "POLICY_ARCHIVE_OUT"),
            ("contact", "WAYBACK_CONTACT"),
        ):
            if kwargs.get(argument):
                crawler.settings.set(setting, kwargs[argument], priority="spider")
        contact = str(crawler.settings.get("WAYBACK_CONTACT") or "")
        if contact and crawler.settings.get("USER_AGENT") == user_agent():
            # the contact joins the default User-Agent; one set by hand is left as it is
            crawler.settings.set("USER_AGENT", user_agent(contact), priority="spider")
        spider: PolicyHistorySpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signals.spider_idle)
        crawler.signals.connect(spider.on_closed, signals.spider_closed)
        return spider

    def __init__(
        self,
        domain: str = "",
        kind: str = "privacy",
        archive: str | None = None,
        out: str | None = None,
        urls: str | Iterable[str] = (),
        strategy: str | None = None,
        frontier: Frontier | None = None,
        contact: str | None = None,  # read as the WAYBACK_CONTACT setting (from_crawler)
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
        if strategy is not None and strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; choose one of {STRATEGIES}")
        self.kind = kind
        self._strategy = strategy
        self.user_urls = [u for u in ([urls] if isinstance(urls, str) else urls) if u]
        self._lock: DataDirLock | None = None
        if frontier is None:
            domains = [normalise_domain(d) for d in domain.split(",") if d.strip()]
            if not domains:
                raise ValueError("name a domain: -a domain=example.com")
            frontier = SqliteFrontier()
            frontier.add(domains)
            # run on its own (`scrapy crawl`, Scrapyd): it locks the data directory itself
            self._needs_lock = True
        else:
            self._needs_lock = False  # the CLI holds the lock
        self.frontier = frontier
        self.active: dict[str, DomainCrawl] = {}
        self.stop_reason: str | None = None  # why the whole crawl stopped early
        # domain -> why one of its items could not be stored (a pipeline failed): the
        # domain then fails, it is never reported done with a capture missing
        self.storage_errors: dict[str, str] = {}
        self.exit_status = 0  # for `scrapy crawl`: 0 all done, 1 some failed, 130 stopped
        # archives given up on for the rest of the run (index -> why), when there are
        # several: the others go on, every domain is told, the run report names them
        self.down: dict[int, str] = {}
        self._down_set: set[int] = set()  # the same indices, shared with every domain
        self.store: Store | None = None

    # -- set-up ---------------------------------------------------------------------

    @property
    def archive(self) -> Archive:
        return self.archives[0]

    @property
    def archives(self) -> tuple[Archive, ...]:
        return parse_archives(self.settings.get("WAYBACK_ARCHIVE"))

    @property
    def out(self) -> Path:
        return Path(self.settings.get("POLICY_ARCHIVE_OUT"))

    def corpus(self) -> Store:
        """The one connection to the index this process writes through (opened on the
        first capture: a run that stores nothing writes nothing)."""
        if self.store is None:
            self.store = Store.open(self.out)
        return self.store

    def _known(self, domain: str) -> Known:
        if self.store is None and not (self.out / INDEX_NAME).exists():
            return Known()
        store = self.corpus()
        kind = self.kind
        return Known(
            stored=store.capture_digests(domain, kind),
            signatures=lambda digests: store.signatures_of(kind, digests),
            dropped=store.dropped_captures(domain, kind),
            unread=store.unfetched_captures(domain, kind),
            homepages=store.homepage_links(domain, kind),
            sources=store.capture_sources(domain, kind),
        )

    def _recover_raw(self, domain: str) -> None:
        """A run stopped in the middle of `domain`: a capture written to `raw/` right
        before the process died may have missed the index. Record it now rather than
        fetch it again."""
        if self.store is None and not (self.out / RAW_DIR).is_dir():
            return
        recovered = recover_domain(self.corpus(), self.out, domain, self.kind)
        if recovered:
            self.crawler.stats.inc_value("policy/captures/recovered_from_raw", recovered)
            log.info("%s: %d capture(s) recovered from raw/ into the index", domain, recovered)

    async def start(self) -> AsyncIterator[Request]:
        self.config = CrawlConfig.from_settings(self.settings, self._strategy)
        self._archives = self.archives
        if self._needs_lock:
            try:
                self._lock = DataDirLock(self.out).__enter__()
            except LockedError as exc:
                self.exit_status = 3
                self._stop(str(exc))
                return
            # The CLI checks before it starts; here, before any request to the archive.
            try:
                check_index(self.out)
            except StoreError as exc:
                self.exit_status = 2
                self._stop(str(exc))
                return
        for request in self._take_domains():
            yield request

    def _take_domains(self) -> Iterator[Request]:
        if self.stop_reason is not None or not self.crawler.crawling:
            return
        room = self.settings.getint("CRAWL_DOMAINS_IN_FLIGHT") - len(self.active)
        # every claimed domain is in `active` before the first request leaves: a stop
        # while the rest are still to be started gives them all back
        started = []
        for domain in self.frontier.claim(room):
            interrupted = getattr(self.frontier, "was_interrupted", None)
            if interrupted is not None and interrupted(domain):
                self._recover_raw(domain)
            state = DomainCrawl(
                domain,
                self.kind,
                self._archives,
                self.config,
                self._known(domain),
                self.user_urls,
                self._count,
            )
            state.down = self._down_set
            self.active[domain] = state
            self.crawler.stats.inc_value("crawl/domains/started")
            started.append(state)
        for state in started:
            yield from self._outputs(state, state.start())

    def _count(self, key: str, n: int) -> None:
        self.crawler.stats.inc_value(key, n)

    # -- requests and answers ---------------------------------------------------------

    def _outputs(self, state: DomainCrawl, outputs: list[Output]) -> Iterator[Any]:
        for output in outputs:
            if isinstance(output, CdxCall):
                yield Request(
                    state.cdx_url(output),
                    callback=self.parse_cdx,
                    errback=self.on_failure,
                    meta={"handle_httpstatus_all": True, "domain": state.domain, "call": output},
                    dont_filter=True,
                    priority=10,
                )
            elif isinstance(output, ReplayCall):
                yield Request(
                    output.url,
                    callback=self.parse_replay,
                    errback=self.on_failure,
                    meta={"handle_httpstatus_all": True, "domain": state.domain, "call": output},
                    dont_filter=True,
                )
            else:
                yield output
        if state.finished:
            yield from self._finish(state)

    def _dispatch(self, domain: str, step: Callable[[DomainCrawl], list[Output]]) -> Iterator[Any]:
        state = self.active.get(domain)
        if state is None:  # a late answer for a domain that failed: nothing to do
            return
        try:
            outputs = step(state)
        except Exception as exc:  # a bug costs one domain, not the crawl
            log.exception("%s: internal error", domain)
            outputs = state.fail(f"internal error: {exc!r}")
        yield from self._outputs(state, outputs)

    def parse_cdx(self, response: Response) -> Iterator[Any]:
        call: CdxCall = response.meta["call"]
        body = bytes(response.body)
        yield from self._dispatch(
            response.meta["domain"], lambda s: s.on_cdx(call, response.status, body)
        )

    def parse_replay(self, response: Response) -> Iterator[Any]:
        call: ReplayCall = response.meta["call"]
        headers = tuple(
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, values in response.headers.items()
            for value in values
        )
        answer = Answer(response.url, response.status, headers, bytes(response.body))
        yield from self._dispatch(response.meta["domain"], lambda s: s.on_replay(call, answer))

    def on_failure(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        if not self.crawler.crawling:
            return  # stopping: the domain is given back unfinished, nothing is dropped
        call = request.meta["call"]
        if isinstance(failure.value, ArchiveUnavailable):
            # The archive refuses us (or cannot be reached at all): every domain would
            # meet the same. With one archive, stop and let a re-run resume; with several,
            # give up on that one for this run and go on with the others.
            archive = archive_for(self._archives, request.url)
            if len(self._archives) == 1 or archive is None:
                self._stop(str(failure.value))
                return
            index = self._archives.index(archive)
            if index not in self.down:
                self.down[index] = str(failure.value)
                self._down_set.add(index)
                self.crawler.stats.inc_value("archives/given_up")
                log.error("giving up on %s for this run: %s", archive.label, failure.value)
            if len(self.down) == len(self._archives):
                self._stop("every archive failed: " + "; ".join(self.down.values()))
                return
            reason = f"{archive.label} unavailable: {failure.value}"
            yield from self._dispatch(
                request.meta["domain"], lambda s: s.on_error(call, reason, True)
            )
            return
        error = failure.value
        if isinstance(error, DownloadCancelledError):
            reason, transient = "too_large", False  # over DOWNLOAD_MAXSIZE
        elif isinstance(error, IgnoreRequest):
            reason, transient = "not_requested", False  # off the archive
        else:
            reason, transient = f"{type(error).__name__}: {error}", True
        yield from self._dispatch(
            request.meta["domain"], lambda s: s.on_error(call, reason, transient)
        )

    def _finish(self, state: DomainCrawl) -> Iterator[Any]:
        del self.active[state.domain]
        pending = state.counts.get("policy/captures/pending", 0)
        if state.failure is None and pending:
            # finished, but the archive failed on some captures through every retry: the
            # next run comes back for them
            state.failure, state.transient = f"{pending} capture(s) pending", True
        if state.failure is None:
            outcome = "done"
        else:
            outcome = "interrupted" if state.transient else "failed"
            self.exit_status = max(self.exit_status, 1)
        self.crawler.stats.inc_value(f"crawl/domains/{outcome}")
        yield DomainDoneItem(state.domain, state.kind, outcome, state.failure, state.counts)
        yield from self._take_domains()

    def _stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
            self.exit_status = self.exit_status or 1
            log.error("stopping the crawl: %s", reason)
            self.crawler.engine.close_spider(self, "archive_unavailable")

    # -- the crawl's end ----------------------------------------------------------------

    def on_idle(self) -> None:
        """Nothing in flight: take more domains, or wait while other workers still hold
        some (their leases may expire and come back)."""
        requests = [r for r in self._take_domains() if isinstance(r, Request)]
        for request in requests:
            self.crawler.engine.crawl(request)
        waiting = requests or self.active or not self.frontier.exhausted()
        if waiting and self.stop_reason is None and self.crawler.crawling:
            raise DontCloseSpider

    def on_closed(self, spider: Spider, reason: str) -> None:
        if reason == "shutdown":
            self.exit_status = 130
        for domain in list(self.active):
            self.frontier.release(domain)
            self.crawler.stats.inc_value("crawl/domains/interrupted")
        if self.active:
            log.warning(
                "%d domain(s) left unfinished: %s", len(self.active), ", ".join(self.active)
            )
        self.active.clear()
        if self.store is not None:
            self.store.close()
            self.store = None
        if self._needs_lock and self._lock is not None:
            self._lock.__exit__(None, None, None)
