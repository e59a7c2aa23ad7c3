"""DomainHistorySpider: a domain's policy history from a Wayback-compatible archive."""

from __future__ import annotations

import hashlib
import logging
from base64 import b32encode
from collections import defaultdict
from collections.abc import AsyncIterator, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from corpus.models import ROLE_DISCOVERY, ROLE_POLICY, RawCapture
from corpus.process import process_capture
from corpus.store import INDEX_NAME, Store
from crawler.discovery import (
    KINDS,
    canonical_url,
    host_in_domain,
    is_homepage,
    normalise_domain,
    path_score,
    policy_links,
)
from crawler.items import CaptureItem
from crawler.politeness import ArchiveUnavailable
from crawler.replay import Dropped, Follow, Served, read_replay
from crawler.selection import STRATEGIES, Plan, Signature, make_plan, parse_duration
from webarchive.cdx import CdxError, CdxQuery, CdxRecord, parse_cdx, unique
from webarchive.wayback import Archive

log = logging.getLogger(__name__)

# Listing filters: HTML answered 200 or a redirect (a policy that moved), plus revisits
# (status "-"), which repeat a capture's bytes at a later date and so extend how long a
# version was seen. Applied again client-side: pywb reads filters differently.
LISTING_FILTERS = (
    "statuscode:200|30[1278]|-",
    "mimetype:text/html|application/xhtml\\+xml|warc/revisit",
)
ARCHIVE_HEADER_PREFIX = "x-archive-orig-"
KEEP_HEADERS = ("content-type",)
SECONDS_A_DAY = 86400.0


@dataclass(slots=True)
class _Candidate:
    rows: dict[tuple[str, str], CdxRecord] = field(default_factory=dict)
    score: int = 0
    linked: int = 0
    redirect: CdxRecord | None = None  # its latest captured redirect, if any


@dataclass(frozen=True, slots=True)
class _Holder:
    """The capture whose bytes a version's text came from."""

    url: str
    timestamp: str
    digest: str


def signature_of(processed: Any) -> Signature:
    return (
        processed.drop_reason,
        tuple(sorted((d.lang, d.sha256) for d in processed.documents)),
    )


class DomainHistorySpider(Spider):
    name = "history"

    def __init__(
        self,
        domain: str = "",
        kind: str = "privacy",
        archive: str | None = None,
        out: str | None = None,
        urls: str | Iterable[str] = (),
        strategy: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.domain = normalise_domain(domain)
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
        if strategy is not None and strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; choose one of {STRATEGIES}")
        self.kind = kind
        self._strategy_arg = strategy
        self._archive_arg = archive
        self._out_arg = out
        self.user_urls = [u for u in ([urls] if isinstance(urls, str) else urls) if u]
        self.fatal: str | None = None
        self.candidates: dict[str, _Candidate] = defaultdict(_Candidate)
        # one homepage capture per year is all discovery reads: kept bounded while listing
        self.homepages: dict[str, CdxRecord] = {}
        self.pending_discovery = 0
        self.pending_lookups = 0
        self.stored: dict[tuple[str, str], str] = {}  # (url, ts) -> digest, in the corpus
        self.signatures: dict[str, Signature] = {}  # digest -> what it showed
        self.plans: list[Plan] = []
        self.unfinished: set[int] = set()
        self.emitted: set[tuple[str, str]] = set()
        self.fetching = False
        self.finished = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DomainHistorySpider:
        # The download handler, the off-archive middleware and the pipelines read these
        # settings, not the spider's arguments, so `scrapy crawl history -a archive=URL`
        # (and Scrapyd's schedule.json) set them here: Scrapy >= 2.11 freezes settings only
        # after the spider is built. Priority "spider" stays below the command line.
        for name, argument in (("WAYBACK_ARCHIVE", "archive"), ("POLICY_ARCHIVE_OUT", "out")):
            if kwargs.get(argument):
                crawler.settings.set(name, kwargs[argument], priority="spider")
        spider: DomainHistorySpider = super().from_crawler(crawler, *args, **kwargs)
        return spider

    # -- set-up ---------------------------------------------------------------------

    @property
    def archive(self) -> Archive:
        return Archive.parse(self._archive_arg or self.settings.get("WAYBACK_ARCHIVE"))

    @property
    def strategy(self) -> str:
        return self._strategy_arg or str(self.settings.get("WAYBACK_STRATEGY"))

    @property
    def window_seconds(self) -> float:
        return self.settings.getfloat("WAYBACK_WINDOW_DAYS") * SECONDS_A_DAY

    def _load_known(self) -> None:
        out = Path(self._out_arg or self.settings.get("POLICY_ARCHIVE_OUT"))
        if not (out / INDEX_NAME).exists():
            return
        store = Store.open(out, create=False)
        try:
            self.stored = store.capture_digests(self.domain, self.kind)
            self.signatures = store.payload_signatures(self.kind)
        finally:
            store.close()

    async def start(self) -> AsyncIterator[Request]:
        self._load_known()
        query = self._query(self.domain, "domain")
        yield self._cdx_request(query, self.parse_listing)

    def _query(self, url: str, match_type: str) -> CdxQuery:
        return CdxQuery(
            url=url,
            match_type=match_type,
            filters=LISTING_FILTERS,
            limit=self.settings.getint("WAYBACK_CDX_PAGE_SIZE"),
        )

    def _cdx_request(
        self, query: CdxQuery, callback: Any, resume_key: str | None = None, **meta: Any
    ) -> Request:
        self.crawler.stats.inc_value("wayback/cdx_requests")
        archive = self.archive
        return Request(
            query.url_for(archive.cdx_endpoint, resume_key, archive.dialect),
            callback=callback,
            errback=self.on_cdx_error,
            meta={"handle_httpstatus_all": True, "query": query, **meta},
            dont_filter=True,
            priority=10,
        )

    # -- listing and discovery --------------------------------------------------------

    def _cdx_page(self, response: Response) -> Any:
        if response.status == 403:
            self._fail(f"the archive refuses to list {self.domain} (403: blocked site)")
        if response.status != 200:
            self._fail(
                f"the archive's CDX endpoint answered HTTP {response.status} for {response.url}"
            )
        try:
            return parse_cdx(response.body)
        except CdxError as exc:
            self._fail(f"{self.archive.base} is not a Wayback CDX endpoint: {exc}")

    def _rows(self, response: Response) -> Iterator[CdxRecord]:
        query: CdxQuery = response.meta["query"]
        page = self._cdx_page(response)
        response.meta["resume_key"] = page.resume_key
        for record in unique(page.records):
            if query.accepts(record):
                yield record
            else:
                self.crawler.stats.inc_value("policy/listing/filtered")

    def parse_listing(self, response: Response) -> Iterator[Request | CaptureItem]:
        for record in self._rows(response):
            self._collect(record)
        resume_key = response.meta["resume_key"]
        if resume_key:
            yield self._cdx_request(response.meta["query"], self.parse_listing, resume_key)
            return
        self.crawler.stats.set_value("policy/candidates", len(self.candidates))
        yield from self._user_url_lookups()
        yield from self._discover_from_homepages()
        yield from self._discover_moves()
        yield from self._maybe_fetch_policies()

    def _collect(self, record: CdxRecord) -> None:
        host = urlsplit(record.original).hostname or ""
        if not host_in_domain(host, self.domain):
            # A prefix match on the SURT can pull in look-alike domains.
            self.crawler.stats.inc_value("policy/listing/off_domain")
            return
        self.crawler.stats.inc_value("policy/listing/rows")
        year = record.timestamp[:4]
        homepage = is_homepage(record.original) and record.statuscode == "200"
        if homepage and year not in self.homepages:
            self.homepages[year] = record
        score = path_score(record.original, self.kind)
        if score:
            candidate = self.candidates[canonical_url(record.original)]
            candidate.score = max(candidate.score, score)
            self._add_row(candidate, record)

    @staticmethod
    def _add_row(candidate: _Candidate, record: CdxRecord) -> None:
        if record.statuscode.startswith("3"):
            if candidate.redirect is None or record.timestamp > candidate.redirect.timestamp:
                candidate.redirect = record
            return
        # (url, timestamp) is the capture; the same row again from another index shard
        # or page is the same capture
        candidate.rows.setdefault((record.original, record.timestamp), record)

    def _user_url_lookups(self) -> Iterator[Request]:
        for url in self.user_urls:
            key = canonical_url(url)
            self.candidates[key].linked += 100  # the user knows best
            if not self.candidates[key].rows:
                yield self._lookup(url, key)

    def _lookup(self, url: str, key: str) -> Request:
        self.pending_lookups += 1
        return self._cdx_request(self._query(url, "exact"), self.parse_lookup, key=key)

    def _discover_from_homepages(self) -> Iterator[Request]:
        for record in self._sample_homepages():
            yield self._discovery_request(record, self.parse_homepage)

    def _discovery_request(self, record: CdxRecord, callback: Any) -> Request:
        self.pending_discovery += 1
        return self._replay_request(record, ROLE_DISCOVERY, callback)

    def _sample_homepages(self) -> list[CdxRecord]:
        """One homepage capture per year, spread evenly up to the limit."""
        sample = [self.homepages[year] for year in sorted(self.homepages)]
        limit = self.settings.getint("WAYBACK_HOMEPAGE_SAMPLES")
        if len(sample) > limit:
            step = (len(sample) - 1) / (limit - 1)
            sample = [sample[round(i * step)] for i in range(limit)]
        self.homepages.clear()
        return sample

    def _discover_moves(self) -> Iterator[Request]:
        """A policy URL that turned into a redirect has moved: when no other candidate
        shows a policy after that, read the latest redirect (one fetch) to learn where
        to. (When one does, the listing already found the new place.)"""
        latest = max(
            (ts for c in self.candidates.values() if c.score >= 2 for _, ts in c.rows),
            default="",
        )
        for key, candidate in list(self.candidates.items()):
            redirect = candidate.redirect
            if redirect is not None and candidate.score >= 2 and redirect.timestamp > latest:
                request = self._discovery_request(redirect, self.parse_move)
                request.meta["key"] = key
                yield request

    def parse_homepage(self, response: Response) -> Iterator[Request | CaptureItem]:
        served = yield from self._follow_or_serve(response)
        if not isinstance(served, Served):
            return
        self.pending_discovery -= 1
        item = self._capture_item(response, served)
        if item.capture.body is not None:
            links = sorted(
                {
                    link.url
                    for link in policy_links(
                        item.capture.body, item.capture.url, self.domain, self.kind
                    )
                }
            )
            item.links = tuple(links)
            yield item
            for url in links:
                yield from self._link(url)
        yield from self._maybe_fetch_policies()

    def _link(self, url: str) -> Iterator[Request]:
        key = canonical_url(url)
        known = key in self.candidates
        self.candidates[key].linked += 1
        if not known:
            yield self._lookup(url, key)

    def parse_move(self, response: Response) -> Iterator[Request | CaptureItem]:
        self.pending_discovery -= 1
        outcome = self._read(response)
        if isinstance(outcome, Follow) and outcome.moved:
            record: CdxRecord = response.meta["record"]
            self.crawler.stats.inc_value("policy/discovery/moved")
            log.info(
                "%s: policy moved from %s to %s (capture of %s)",
                self.domain,
                record.original,
                outcome.url,
                record.timestamp,
            )
            yield from self._link(outcome.url)
        elif isinstance(outcome, Dropped):
            self.crawler.stats.inc_value(f"policy/discovery/dropped/{outcome.reason}")
        yield from self._maybe_fetch_policies()

    def parse_lookup(self, response: Response) -> Iterator[Request | CaptureItem]:
        key = response.meta["key"]
        for record in self._rows(response):
            host = urlsplit(record.original).hostname or ""
            if host_in_domain(host, self.domain):
                self._add_row(self.candidates[key], record)
        resume_key = response.meta["resume_key"]
        if resume_key:
            yield self._cdx_request(response.meta["query"], self.parse_lookup, resume_key, key=key)
            return
        self.pending_lookups -= 1
        yield from self._maybe_fetch_policies()

    def _maybe_fetch_policies(self) -> Iterator[Request | CaptureItem]:
        if self.pending_discovery == 0 and self.pending_lookups == 0 and not self.fetching:
            self.fetching = True
            yield from self._fetch_policies()

    # -- fetching policy captures ------------------------------------------------------

    def select_policy_urls(self) -> list[str]:
        ranked = sorted(
            (
                (c.linked * 10 + c.score * 5 + min(len(c.rows), 50) / 50, key)
                for key, c in self.candidates.items()
                if c.rows and (c.linked or c.score >= 2)
            ),
            reverse=True,
        )
        limit = self.settings.getint("WAYBACK_MAX_POLICY_URLS")
        return [key for _, key in ranked[:limit]]

    def _fetch_policies(self) -> Iterator[Request | CaptureItem]:
        selected = self.select_policy_urls()
        self.crawler.stats.set_value("policy/urls_selected", len(selected))
        log.info("%s: %d policy URL(s): %s", self.domain, len(selected), ", ".join(selected))
        every = parse_duration(str(self.settings.get("WAYBACK_EVERY")))
        probe = str(self.settings.get("WAYBACK_PROBE_EVERY") or "")
        probe_every = parse_duration(probe) if probe and probe != "0" else None
        listed = 0
        for key in selected:
            rows = list(self.candidates[key].rows.values())
            listed += len(rows)
            plan = make_plan(self.strategy, rows, every, probe_every)
            for index, slot in enumerate(plan.slots):
                digest = self.stored.get((slot.record.original, slot.record.timestamp))
                if digest is not None:
                    self.crawler.stats.inc_value("policy/captures/already_stored")
                    plan.know_stored(index, self.signatures.get(digest))
            for digest in plan.by_digest:
                if digest in self.signatures:
                    plan.learn_digest(digest, self.signatures[digest], None)
            self.unfinished.add(len(self.plans))
            self.plans.append(plan)
        self.candidates.clear()
        self.crawler.stats.set_value("policy/captures/listed", listed)
        yield from self._pump()

    def _pump(self, numbers: Iterable[int] | None = None) -> Iterator[Request | CaptureItem]:
        """Requests the plans `numbers` (default: all) want now; once every plan is done,
        the captures they assign. Only plans that learned something are asked: asking
        all of them on every answer costs quadratic time on large domains."""
        for number in range(len(self.plans)) if numbers is None else sorted(set(numbers)):
            if number not in self.unfinished:
                continue
            plan = self.plans[number]
            for index in plan.wanted():
                record = plan.slots[index].record
                request = self._replay_request(record, ROLE_POLICY, self.parse_policy)
                request.meta["plan"] = (number, index)
                yield request
            if plan.done:
                self.unfinished.discard(number)
        if self.finished or self.unfinished:
            return
        self.finished = True
        for plan in self.plans:
            for record, _signature, holder in plan.assignments():
                if (record.original, record.timestamp) in self.emitted:
                    continue
                yield self._assigned_item(record, holder)

    def _learn(self, response: Response, signature: Signature | None, holder: Any) -> list[int]:
        """Tells the plan what its fetch showed; returns the plans that changed."""
        number, index = response.meta["plan"]
        self.plans[number].learn(index, signature, holder)
        changed = [number]
        if signature is not None and isinstance(holder, _Holder):
            self.signatures.setdefault(holder.digest, signature)
            for other, plan in enumerate(self.plans):
                if plan.learn_digest(holder.digest, signature, holder):
                    changed.append(other)
        return changed

    def parse_policy(self, response: Response) -> Iterator[Request | CaptureItem]:
        served = yield from self._follow_or_serve(response)
        if served is None:
            return
        if isinstance(served, Dropped):
            yield from self._pump(self._learn(response, None, None))
            return
        item = self._capture_item(response, served)
        capture = item.capture
        item.processed = process_capture(capture)
        holder = _Holder(capture.url, capture.timestamp, capture.digest)
        if (capture.url, capture.timestamp) in self.emitted:
            self.crawler.stats.inc_value("policy/replay/served_twice")
        elif (capture.url, capture.timestamp) in self.stored:
            self.crawler.stats.inc_value("policy/captures/already_stored")
        else:
            self.emitted.add((capture.url, capture.timestamp))
            self.crawler.stats.inc_value("policy/captures/fetched_policy")
            yield item
        yield from self._pump(self._learn(response, signature_of(item.processed), holder))

    def _assigned_item(self, record: CdxRecord, holder: Any) -> CaptureItem:
        """A capture recorded without a fetch: same bytes as a fetched twin, or (`changes`)
        between two fetched captures showing the same text, so showing it too."""
        source = holder if isinstance(holder, _Holder) else None
        if source is None or source.digest == record.digest:
            self.crawler.stats.inc_value("policy/captures/same_bytes")
        else:
            self.crawler.stats.inc_value("policy/captures/inferred")
        self.emitted.add((record.original, record.timestamp))
        capture = RawCapture(
            domain=self.domain,
            kind=self.kind,
            role=ROLE_POLICY,
            url=record.original,
            timestamp=record.timestamp,
            archive_url=self.archive.replay_url(record.timestamp, record.original),
            digest=source.digest if source else record.digest,
            refers_to=(source.url, source.timestamp) if source else None,
        )
        return CaptureItem(capture)

    def _replay_request(self, record: CdxRecord, role: str, callback: Any) -> Request:
        self.crawler.stats.inc_value("wayback/replay_requests")
        return Request(
            self.archive.replay_url(record.timestamp, record.original),
            callback=callback,
            errback=self.on_replay_error,
            meta={
                "handle_httpstatus_all": True,
                "record": record,
                "role": role,
                "hops": 0,
                "moved_from": None,
            },
            dont_filter=True,
        )

    def _read(self, response: Response) -> Served | Follow | Dropped:
        record: CdxRecord = response.meta["record"]
        headers = {
            k.decode("latin-1").lower(): (response.headers.get(k) or b"").decode("latin-1")
            for k in response.headers
        }
        return read_replay(
            self.archive,
            response.url,
            response.status,
            headers,
            bytes(response.body),
            asked_timestamp=record.timestamp,
            domain=self.domain,
            window_seconds=self.window_seconds,
        )

    def _follow_or_serve(
        self, response: Response
    ) -> Generator[Request | CaptureItem, None, Served | Dropped | None]:
        """Follows the archive's redirects (yields the next request, returns None), or
        returns what the answer holds: Served, or Dropped (counted; a discovery fetch is
        also closed)."""
        outcome = self._read(response)
        role: str = response.meta["role"]
        stats = self.crawler.stats
        if isinstance(outcome, Follow):
            hops = response.meta["hops"] + 1
            if hops <= self.settings.getint("WAYBACK_MAX_REDIRECTS"):
                if outcome.moved:
                    stats.inc_value("policy/replay/moved")
                    log.info("%s moved to %s", response.url, outcome.url)
                else:
                    stats.inc_value("policy/replay/nearest")
                stats.inc_value("wayback/replay_requests")
                moved_from = response.meta["moved_from"]
                if outcome.moved and moved_from is None:
                    moved_from = response.meta["record"].original
                assert response.request is not None
                yield response.request.replace(
                    url=outcome.replay_url,
                    meta={**response.meta, "hops": hops, "moved_from": moved_from},
                )
                return None
            outcome = Dropped("redirect_loop")
        if isinstance(outcome, Dropped):
            stats.inc_value(f"policy/dropped/{outcome.reason}")
            log.info("no capture from %s: %s", response.url, outcome.reason)
            if role == ROLE_DISCOVERY:
                self.pending_discovery -= 1
                yield from self._maybe_fetch_policies()
                return None
        return outcome

    def _capture_item(self, response: Response, served: Served) -> CaptureItem:
        """The capture a replay response carries."""
        record: CdxRecord = response.meta["record"]
        role: str = response.meta["role"]
        self.crawler.stats.inc_value(f"policy/captures/served_{role}")
        body = bytes(response.body)
        url = served.url or record.original
        exact = served.timestamp == record.timestamp and url == record.original
        digest = record.digest
        if not exact or not digest or digest == "-":
            # not the bytes the CDX row describes (or no digest given): hash what came
            digest = b32encode(hashlib.sha1(body).digest()).decode("ascii")
        if not exact:
            self.crawler.stats.inc_value("policy/replay/other_capture_served")
        capture = RawCapture(
            domain=self.domain,
            kind=self.kind,
            role=role,
            url=url,
            timestamp=served.timestamp,
            archive_url=self.archive.replay_url(served.timestamp, url),
            digest=digest,
            status=response.status,
            headers=tuple(_original_headers(response)),
            body=body,
        )
        return CaptureItem(capture, moved_from=response.meta.get("moved_from"))

    # -- failures -------------------------------------------------------------------

    def _fail(self, message: str) -> None:
        if self.fatal is None:
            # `scrapy crawl` and Scrapyd show only the log; the CLI prints it itself
            log.error("%s: %s", self.domain, message)
        self.fatal = self.fatal or message
        self.exit_status = 1  # read by `scrapy crawl` (crawler.commands.crawl)
        raise CloseSpider("fatal")

    def on_cdx_error(self, failure: Failure) -> None:
        if isinstance(failure.value, ArchiveUnavailable):
            message = str(failure.value)
            if not message.startswith("cannot reach"):
                message += "; re-run later to resume (what was fetched is kept)"
            self._fail(message)
        self._fail(f"cannot reach the archive at {self.archive.base}: {failure.value}")

    def on_replay_error(self, failure: Failure) -> Iterator[Request | CaptureItem]:
        if isinstance(failure.value, ArchiveUnavailable):
            self._fail(f"{failure.value}; re-run later to resume (what was fetched is kept)")
        request = failure.request  # type: ignore[attr-defined]
        role = request.meta["role"]
        self.crawler.stats.inc_value("policy/dropped/replay_failed")
        log.warning("could not fetch %s: %s", request.url, failure.value)
        if role == ROLE_DISCOVERY:
            self.pending_discovery -= 1
            yield from self._maybe_fetch_policies()
            return
        number, index = request.meta["plan"]
        self.plans[number].learn(index, None, None)
        yield from self._pump([number])


def _original_headers(response: Response) -> Iterator[tuple[str, str]]:
    for raw_name, values in response.headers.items():
        name = raw_name.decode("latin-1")
        lower = name.lower()
        for raw_value in values:
            value = raw_value.decode("latin-1")
            if lower.startswith(ARCHIVE_HEADER_PREFIX):
                yield name[len(ARCHIVE_HEADER_PREFIX) :], value
            elif lower in KEEP_HEADERS:
                yield name, value
