"""DomainHistorySpider: a domain's policy history from a Wayback-compatible archive."""

from __future__ import annotations

import hashlib
import logging
from base64 import b32encode
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from corpus.models import ROLE_DISCOVERY, ROLE_POLICY, RawCapture
from corpus.store import INDEX_NAME, Store
from crawler.cdx import CdxError, CdxQuery, CdxRecord, parse_cdx, unique
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
from crawler.wayback import Archive

log = logging.getLogger(__name__)

# Listing filters: HTML answered 200, plus revisits (status "-"), which repeat a capture's
# bytes at a later date and so extend how long a version was seen.
LISTING_FILTERS = ("statuscode:200|-", "mimetype:text/html|application/xhtml\\+xml|warc/revisit")
ARCHIVE_HEADER_PREFIX = "x-archive-orig-"
KEEP_HEADERS = ("content-type",)


@dataclass(slots=True)
class _Candidate:
    rows: list[CdxRecord] = field(default_factory=list)
    score: int = 0
    linked: int = 0


class DomainHistorySpider(Spider):
    name = "history"

    def __init__(
        self,
        domain: str = "",
        kind: str = "privacy",
        archive: str | None = None,
        out: str | None = None,
        urls: str | Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.domain = normalise_domain(domain)
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
        self.kind = kind
        self._archive_arg = archive
        self._out_arg = out
        self.user_urls = [u for u in ([urls] if isinstance(urls, str) else urls) if u]
        self.fatal: str | None = None
        self.candidates: dict[str, _Candidate] = defaultdict(_Candidate)
        self.homepages: list[CdxRecord] = []
        self.pending_discovery = 0
        self.pending_lookups = 0
        self.known: set[tuple[str, str]] = set()
        self.done_digests: set[str] = set()
        self.waiting: dict[str, list[CdxRecord]] = {}

    # -- set-up ---------------------------------------------------------------------

    @property
    def archive(self) -> Archive:
        return Archive.parse(self._archive_arg or self.settings.get("WAYBACK_ARCHIVE"))

    def _load_known(self) -> None:
        out = Path(self._out_arg or self.settings.get("POLICY_ARCHIVE_OUT"))
        if not (out / INDEX_NAME).exists():
            return
        store = Store.open(out, create=False)
        try:
            self.known = store.known_captures(self.domain, self.kind)
            self.done_digests = store.processed_digests(self.kind)
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
        return Request(
            query.url_for(self.archive.cdx_endpoint, resume_key),
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

    def parse_listing(self, response: Response) -> Iterator[Request | CaptureItem]:
        page = self._cdx_page(response)
        for record in unique(page.records):
            self._collect(record)
        if page.resume_key:
            yield self._cdx_request(response.meta["query"], self.parse_listing, page.resume_key)
            return
        self.crawler.stats.set_value("policy/candidates", len(self.candidates))
        yield from self._user_url_lookups()
        yield from self._discover_from_homepages()
        if self.pending_discovery == 0 and self.pending_lookups == 0:
            yield from self._fetch_policies()

    def _collect(self, record: CdxRecord) -> None:
        host = urlsplit(record.original).hostname or ""
        if not host_in_domain(host, self.domain):
            # A prefix match on the SURT can pull in look-alike domains.
            self.crawler.stats.inc_value("policy/listing/off_domain")
            return
        self.crawler.stats.inc_value("policy/listing/rows")
        if is_homepage(record.original) and not record.is_revisit:
            self.homepages.append(record)
        score = path_score(record.original, self.kind)
        if score:
            candidate = self.candidates[canonical_url(record.original)]
            candidate.rows.append(record)
            candidate.score = max(candidate.score, score)

    def _user_url_lookups(self) -> Iterator[Request]:
        for url in self.user_urls:
            key = canonical_url(url)
            self.candidates[key].linked += 100  # the user knows best
            if not self.candidates[key].rows:
                self.pending_lookups += 1
                yield self._cdx_request(self._query(url, "exact"), self.parse_lookup, key=key)

    def _discover_from_homepages(self) -> Iterator[Request]:
        for record in self._sample_homepages():
            self.pending_discovery += 1
            yield self._replay_request(record, ROLE_DISCOVERY, self.parse_homepage)

    def _sample_homepages(self) -> list[CdxRecord]:
        """One homepage capture per year (distinct bytes), spread evenly up to the limit."""
        by_year: dict[str, CdxRecord] = {}
        seen: set[str] = set()
        for record in sorted(self.homepages, key=lambda r: r.timestamp):
            if record.digest in seen or record.timestamp[:4] in by_year:
                continue
            seen.add(record.digest)
            by_year[record.timestamp[:4]] = record
        sample = [by_year[year] for year in sorted(by_year)]
        limit = self.settings.getint("WAYBACK_HOMEPAGE_SAMPLES")
        if len(sample) > limit:
            step = (len(sample) - 1) / (limit - 1)
            sample = [sample[round(i * step)] for i in range(limit)]
        self.homepages.clear()
        return sample

    def parse_homepage(self, response: Response) -> Iterator[Request | CaptureItem]:
        self.pending_discovery -= 1
        item = self._capture_item(response)
        if item is not None and item.capture.body is not None:
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
                key = canonical_url(url)
                known = key in self.candidates
                self.candidates[key].linked += 1
                if not known:
                    self.pending_lookups += 1
                    yield self._cdx_request(self._query(url, "exact"), self.parse_lookup, key=key)
        yield from self._maybe_fetch_policies()

    def parse_lookup(self, response: Response) -> Iterator[Request | CaptureItem]:
        page = self._cdx_page(response)
        key = response.meta["key"]
        for record in unique(page.records):
            host = urlsplit(record.original).hostname or ""
            if host_in_domain(host, self.domain):
                self.candidates[key].rows.append(record)
        if page.resume_key:
            yield self._cdx_request(
                response.meta["query"], self.parse_lookup, page.resume_key, key=key
            )
            return
        self.pending_lookups -= 1
        yield from self._maybe_fetch_policies()

    def _maybe_fetch_policies(self) -> Iterator[Request | CaptureItem]:
        if self.pending_discovery == 0 and self.pending_lookups == 0:
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
        rows = sorted(
            {r for key in selected for r in self.candidates[key].rows},
            key=lambda r: (r.is_revisit, r.timestamp, r.original),
        )
        self.candidates.clear()
        self.crawler.stats.set_value("policy/captures/listed", len(rows))
        for record in rows:
            if (record.original, record.timestamp) in self.known:
                self.crawler.stats.inc_value("policy/captures/already_stored")
                continue
            if record.digest in self.done_digests:
                yield self._revisit_item(record, None)
            elif record.digest in self.waiting:
                self.waiting[record.digest].append(record)
            else:
                self.waiting[record.digest] = []
                yield self._replay_request(record, ROLE_POLICY, self.parse_policy)

    def parse_policy(self, response: Response) -> Iterator[Request | CaptureItem]:
        item = self._capture_item(response)
        record: CdxRecord = response.meta["record"]
        if item is None:
            yield from self._try_next(record)
            return
        yield item
        self.done_digests.add(record.digest)
        for other in self.waiting.pop(record.digest, []):
            yield self._revisit_item(other, item.capture)

    def _try_next(self, record: CdxRecord) -> Iterator[Request]:
        """A capture could not be fetched: its bytes may still come from a twin capture."""
        rest = self.waiting.get(record.digest) or []
        if rest:
            nxt = rest.pop(0)
            yield self._replay_request(nxt, ROLE_POLICY, self.parse_policy)
        else:
            self.waiting.pop(record.digest, None)

    def _revisit_item(self, record: CdxRecord, source: RawCapture | None) -> CaptureItem:
        self.crawler.stats.inc_value("policy/captures/same_bytes")
        capture = RawCapture(
            domain=self.domain,
            kind=self.kind,
            role=ROLE_POLICY,
            url=record.original,
            timestamp=record.timestamp,
            archive_url=self.archive.replay_url(record.timestamp, record.original),
            digest=record.digest,
            refers_to=(source.url, source.timestamp) if source else None,
        )
        return CaptureItem(capture)

    def _replay_request(self, record: CdxRecord, role: str, callback: Any) -> Request:
        self.crawler.stats.inc_value("wayback/replay_requests")
        return Request(
            self.archive.replay_url(record.timestamp, record.original),
            callback=callback,
            errback=self.on_replay_error,
            meta={"handle_httpstatus_all": True, "record": record, "role": role, "hops": 0},
            dont_filter=True,
        )

    def _capture_item(self, response: Response) -> CaptureItem | None:
        """The capture a replay response carries, or None (with a stat) when it has none."""
        record: CdxRecord = response.meta["record"]
        role: str = response.meta["role"]
        stats = self.crawler.stats
        if response.status in (301, 302, 303, 307, 308):
            stats.inc_value(f"policy/replay/redirect_{role}")
            stats.inc_value("policy/dropped/captured_redirect")
            log.info("skipping %s: the capture is a redirect", response.url)
            return None
        if response.status != 200:
            reason = "not_archived" if response.status == 404 else f"replay_http_{response.status}"
            stats.inc_value(f"policy/dropped/{reason}")
            log.warning("skipping %s: archive answered %d", response.url, response.status)
            return None
        stats.inc_value(f"policy/captures/fetched_{role}")
        body = bytes(response.body)
        digest = record.digest
        if not digest or digest == "-":
            digest = b32encode(hashlib.sha1(body).digest()).decode("ascii")
        capture = RawCapture(
            domain=self.domain,
            kind=self.kind,
            role=role,
            url=record.original,
            timestamp=record.timestamp,
            archive_url=response.url,
            digest=digest,
            status=response.status,
            headers=tuple(_original_headers(response)),
            body=body,
        )
        return CaptureItem(capture)

    # -- failures -------------------------------------------------------------------

    def _fail(self, message: str) -> None:
        self.fatal = self.fatal or message
        raise CloseSpider("fatal")

    def on_cdx_error(self, failure: Failure) -> None:
        self.fatal = (
            self.fatal or f"cannot reach the archive at {self.archive.base}: {failure.value}"
        )
        raise CloseSpider("fatal")

    def on_replay_error(self, failure: Failure) -> Iterator[Request | CaptureItem]:
        request = failure.request  # type: ignore[attr-defined]
        role = request.meta["role"]
        self.crawler.stats.inc_value("policy/dropped/replay_failed")
        log.warning("could not fetch %s: %s", request.url, failure.value)
        if role == ROLE_DISCOVERY:
            self.pending_discovery -= 1
            yield from self._maybe_fetch_policies()
        else:
            yield from self._try_next(request.meta["record"])


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
