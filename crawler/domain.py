"""One domain's crawl as a state object with explicit phases (no Scrapy, no I/O).

The spider turns the calls this object asks for (`CdxCall`, `ReplayCall`) into requests
and hands the answers back; everything else (what to list, which homepages to read, which
URLs hold the policy, which captures to fetch, what to record) is decided here:

    DISCOVER  LIST: the homepage's captures (one a month) and the domain's URLs whose
              path may name a policy (one row a URL, filtered by the archive);
              READ: homepage captures (or their links, kept from an earlier run), exact
              listings of the best hinted, linked and user-given URLs;
              SPREAD: exact listings of policies on another host that homepages linked
              to (over the period they did), moved policies' redirects
    FETCH     fetch the captures the plans (crawler.selection) want, until all are done
    DONE      every capture is recorded; FAILED: the domain could not be crawled

A phase ends when no call of it is outstanding: one counter, kept in one place
(`_calls`/`_answered`), instead of a counter per kind of call.
"""

from __future__ import annotations

import hashlib
import logging
from base64 import b32encode
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from corpus.decoding import decode_content
from corpus.limits import PageRefused
from corpus.models import (
    ROLE_DISCOVERY,
    ROLE_POLICY,
    SOURCE_INFERRED,
    SOURCE_SAME_BYTES,
    Processed,
    RawCapture,
    Unfetched,
)
from corpus.process import process_capture
from crawler.candidates import Candidates
from crawler.discovery import canonical_url, host_in_domain, path_hint_regex, policy_links
from crawler.items import CaptureItem, CaptureOutcomeItem, CaptureSourceItem, HomepageLinksItem
from crawler.replay import Dropped, Follow, Served, read_replay
from crawler.selection import Plan, Signature, make_plan, parse_duration
from webarchive.cdx import CdxError, CdxPage, CdxQuery, CdxRecord, parse_cdx, unique
from webarchive.timemap import parse_timemap
from webarchive.wayback import DIALECT_MEMENTO, Archive

log = logging.getLogger(__name__)

# Listing filters: HTML (or a PDF: some policies are published only so) answered 200 or a redirect (a policy that moved), plus revisits
# (status "-"), which repeat a capture's bytes at a later date and so extend how long a
# version was seen. Applied again client-side: pywb reads filters differently.
LISTING_FILTERS = (
    "statuscode:200|30[1278]|-",
    "mimetype:text/html|application/xhtml\\+xml|application/pdf|warc/revisit",
)
# The homepage's own captures: in HTML, one a month (`collapse` keeps the first row of
# each month), so a site captured every hour costs 12 rows a year. Redirects too: many
# roots only ever redirect (to /en/, /home, https); reading one follows it.
HOMEPAGE_FILTERS = ("statuscode:200|30[1278]", "mimetype:text/html|application/xhtml\\+xml")
HOMEPAGE_COLLAPSE = ("timestamp:6",)
# The hint listing: one row per distinct URL (`collapse=urlkey`, adjacent rows share it).
HINT_COLLAPSE = ("urlkey",)
# A hint listing the archive fails on (IA times out on huge domains) is asked again in
# time slices from the first year the Wayback Machine holds.
FIRST_ARCHIVE_YEAR = 1996
ARCHIVE_HEADER_PREFIX = "x-archive-orig-"
KEEP_HEADERS = ("content-type",)
SECONDS_A_DAY = 86400.0
SHA1_BASE32_LENGTH = 32  # a CDX digest that is a SHA-1 in base 32 (IA's, pywb's)


class Phase(Enum):
    DISCOVER = "discover"
    FETCH = "fetch"
    DONE = "done"
    FAILED = "failed"


class Stage(Enum):
    """The steps of DISCOVER, each started once the previous one has no call out."""

    LIST = "list"
    READ = "read"
    SPREAD = "spread"


@dataclass(frozen=True, slots=True)
class CrawlConfig:
    """The per-domain knobs (crawler/settings.py holds the defaults and their reasons)."""

    strategy: str
    every: timedelta
    probe_every: timedelta | None
    window_seconds: float
    page_size: int
    homepage_samples: int
    max_policy_urls: int
    max_redirects: int
    hint_lookups: int = 10
    hint_max_pages: int = 20
    hint_slice_years: int = 5

    @classmethod
    def from_settings(cls, settings: Any, strategy: str | None = None) -> CrawlConfig:
        probe = str(settings.get("WAYBACK_PROBE_EVERY") or "")
        return cls(
            strategy=strategy or str(settings.get("WAYBACK_STRATEGY")),
            every=parse_duration(str(settings.get("WAYBACK_EVERY"))),
            probe_every=parse_duration(probe) if probe and probe != "0" else None,
            window_seconds=settings.getfloat("WAYBACK_WINDOW_DAYS") * SECONDS_A_DAY,
            page_size=settings.getint("WAYBACK_CDX_PAGE_SIZE"),
            homepage_samples=settings.getint("WAYBACK_HOMEPAGE_SAMPLES"),
            max_policy_urls=settings.getint("WAYBACK_MAX_POLICY_URLS"),
            max_redirects=settings.getint("WAYBACK_MAX_REDIRECTS"),
            hint_lookups=settings.getint("WAYBACK_HINT_LOOKUPS"),
            hint_max_pages=settings.getint("WAYBACK_HINT_MAX_PAGES"),
            hint_slice_years=settings.getint("WAYBACK_HINT_SLICE_YEARS"),
        )


@dataclass(frozen=True, slots=True)
class Known:
    """What the corpus already holds for a domain: stored captures (url, timestamp) ->
    digest of the payload whose text they show, the ones among them never fetched, and a
    loader of what given payload digests showed."""

    stored: Mapping[tuple[str, str], str] = field(default_factory=dict)
    signatures: Callable[[Iterable[str]], Mapping[str, Signature]] = lambda _digests: {}
    dropped: Mapping[tuple[str, str], str] = field(default_factory=dict)  # -> reason
    unread: Mapping[tuple[str, str], Unfetched] = field(default_factory=dict)
    # homepage captures (url, timestamp) read before -> the policy links found on them
    homepages: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    # stored captures (url, timestamp) -> the archives (base URLs) known to hold them
    sources: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CdxCall:
    query: CdxQuery
    resume_key: str | None = None
    key: str | None = None  # a lookup's candidate key
    purpose: str = "lookup"  # "homepages", "hints" (the LIST stage) or "lookup"
    page: int = 1
    archive: int = 0  # which of the crawl's archives is asked (its index)


@dataclass(frozen=True, slots=True)
class ReplayCall:
    record: CdxRecord
    role: str  # ROLE_DISCOVERY or ROLE_POLICY
    purpose: str  # "homepage", "move" or "policy"
    url: str  # the replay URL to request
    hops: int = 0
    moved_from: str | None = None
    key: str | None = None  # "move": the candidate that moved
    plan: tuple[int, int] | None = None  # "policy": (plan number, slot index)
    # the SHA-1 of a first answer whose bytes did not match the CDX digest
    mismatched: str | None = None
    # the host whose captures a redirect may lead to: None, the domain's; an off-domain
    # policy's own host for its captures
    scope: str | None = None
    archive: int = 0  # which of the crawl's archives is asked (its index)
    # archives already asked for this capture (a capture several archives hold is asked
    # of the next one when one fails on it)
    tried: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Answer:
    """A replay answer as it came: final URL, status, headers (lower-case names) and body."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header_map(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers}


Call = CdxCall | ReplayCall
Output = (
    CdxCall | ReplayCall | CaptureItem | CaptureOutcomeItem | HomepageLinksItem | CaptureSourceItem
)

# Answers of the archive itself that pass (the handler has already asked again): the
# capture is pending, not dropped.
TRANSIENT_DROPS = frozenset(
    {"archive_http_500", "archive_http_502", "archive_http_503", "archive_http_504",
     "archive_http_520", "archive_http_522", "archive_http_524", "archive_http_408",
     "archive_http_429"}
)  # fmt: skip


# Drops that are the archive's own doing, not the capture's: another archive listing the
# same capture may well serve it.
ARCHIVE_SIDE_DROPS = frozenset({"not_archived", "blocked", "archive_page"})


@dataclass(frozen=True, slots=True)
class Holder:
    """The capture whose bytes a version's text came from."""

    url: str
    timestamp: str
    digest: str


def signature_of(processed: Processed) -> Signature:
    return (
        processed.drop_reason,
        tuple(sorted((d.lang, d.sha256) for d in processed.documents)),
    )


class DomainCrawl:
    def __init__(
        self,
        domain: str,
        kind: str,
        archive: Archive | Sequence[Archive],
        config: CrawlConfig,
        known: Known | None = None,
        urls: Iterable[str] = (),
        count: Callable[[str, int], None] | None = None,
    ) -> None:
        self.domain = domain
        self.kind = kind
        # several archives make one timeline: listings merged by time, each capture asked
        # of the first archive (in the given order) that lists it
        self.archives = (archive,) if isinstance(archive, Archive) else tuple(archive)
        self.archive = self.archives[0]
        # archives that failed for this domain (their index -> why): the domain ends
        # `interrupted`, so that the next run fills the gap; the others go on
        self.archive_failures: dict[int, str] = {}
        # archives the whole run gave up on (shared by the spider with every domain)
        self.down: set[int] = set()
        # every listed capture (url, timestamp) -> archive index -> that archive's row
        self.listed: dict[tuple[str, str], dict[int, CdxRecord]] = {}
        self.config = config
        self.known = known or Known()
        self.user_urls = [u for u in urls if u]
        self.phase = Phase.DISCOVER
        self.failure: str | None = None
        self.transient = False  # the failure passes: the domain is tried again next run
        self.counts: Counter[str] = Counter()
        self._count_hook = count
        self.outstanding = 0
        self.stage = Stage.LIST
        self.candidates = Candidates(domain, kind, read=frozenset(self.known.homepages))
        self.signatures: dict[str, Signature] = {}  # digest -> what it showed
        self.plans: list[Plan] = []
        self.plan_scopes: list[str | None] = []  # per plan: ReplayCall.scope
        self.unfinished: set[int] = set()
        self.emitted: set[tuple[str, str]] = set()
        # stored captures `changes` inferred that this run (`all`) fetches: (url,
        # timestamp) -> what they were taken to show
        self.to_confirm: dict[tuple[str, str], Signature | None] = {}

    # -- bookkeeping ------------------------------------------------------------------

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] += n
        if self._count_hook is not None:
            self._count_hook(key, n)

    @property
    def finished(self) -> bool:
        return self.phase in (Phase.DONE, Phase.FAILED)

    def fail(self, message: str, transient: bool = False) -> list[Output]:
        """The domain cannot be finished: for good, or (`transient`) not in this run."""
        if not self.finished:
            self.failure = message
            self.transient = transient
            self.phase = Phase.FAILED
            log.warning("%s: %s", self.domain, message)
        return []

    def _calls(self, outputs: Iterable[Output]) -> list[Output]:
        out = list(outputs)
        for item in out:
            if isinstance(item, CdxCall):
                self.outstanding += 1
                self.count("wayback/cdx_requests")
            elif isinstance(item, ReplayCall):
                self.outstanding += 1
                self.count("wayback/replay_requests")
        return out

    def _answered(self) -> None:
        self.outstanding -= 1

    def _advance(self) -> list[Output]:
        """Moves to the next phase once nothing of the current one is outstanding."""
        out: list[Output] = []
        if self.phase is Phase.DISCOVER and self.outstanding == 0 and self.stage is Stage.LIST:
            self.stage = Stage.READ
            out.extend(self._calls(self._read()))
        if self.phase is Phase.DISCOVER and self.outstanding == 0 and self.stage is Stage.READ:
            self.stage = Stage.SPREAD
            out.extend(self._calls(self._spread()))
        if self.phase is Phase.DISCOVER and self.outstanding == 0:
            self.phase = Phase.FETCH
            out.extend(self._calls(self._start_fetching()))
        if self.phase is Phase.FETCH and self.outstanding == 0 and not self.unfinished:
            self.phase = Phase.DONE
            out.extend(self._assigned_items())
            out.extend(self._new_sources())
            if self.archive_failures and self.failure is None:
                # the other archives' captures are recorded; the next run asks again
                self.failure = "; ".join(
                    f"{self.archives[i].label}: {why}"
                    for i, why in sorted(self.archive_failures.items())
                )
                self.transient = True
        return out

    # -- the calls --------------------------------------------------------------------

    def _query(
        self,
        url: str,
        match_type: str = "exact",
        filters: tuple[str, ...] = LISTING_FILTERS,
        collapse: tuple[str, ...] = (),
        from_ts: str | None = None,
        to_ts: str | None = None,
    ) -> CdxQuery:
        return CdxQuery(
            url=url,
            match_type=match_type,
            filters=filters,
            collapse=collapse,
            from_ts=from_ts,
            to_ts=to_ts,
            limit=self.config.page_size,
        )

    def _hint_query(self, from_ts: str | None = None, to_ts: str | None = None) -> CdxQuery:
        hint = f"original:{path_hint_regex(self.kind)}"
        return self._query(
            self.domain, "domain", (*LISTING_FILTERS, hint), HINT_COLLAPSE, from_ts, to_ts
        )

    def _replay(
        self,
        record: CdxRecord,
        role: str,
        purpose: str,
        tried: tuple[int, ...] = (),
        **extra: object,
    ) -> ReplayCall | None:
        """The replay call of a capture from the first archive listing it not tried yet
        (and not given up on); None when none is left."""
        holders = self.listed.get(capture_key(record.original, record.timestamp), {})
        choices = [i for i in sorted(holders) if i not in tried and i not in self.down]
        if not holders and not tried:
            choices = [0]
        if not choices:
            return None
        index = choices[0]
        own = holders.get(index, record)
        url = self.archives[index].replay_url(own.timestamp, own.original)
        return ReplayCall(
            own,
            role,
            purpose,
            url,
            archive=index,
            tried=(*tried, index),
            **extra,  # type: ignore[arg-type]
        )

    def _replays(self, *args: Any, **extra: Any) -> list[Output]:
        call = self._replay(*args, **extra)
        return [] if call is None else [call]

    def cdx_url(self, call: CdxCall) -> str:
        archive = self.archives[call.archive]
        if archive.dialect == DIALECT_MEMENTO:
            return archive.timemap_url(call.query.url)
        return call.query.url_for(archive.cdx_endpoint, call.resume_key, archive.dialect)

    def _listings(self, query: CdxQuery, **extra: Any) -> list[Output]:
        """One listing call per archive (not given up on) that can answer `query`: a
        TimeMap lists exact URLs only."""
        return [
            CdxCall(query, archive=i, **extra)
            for i, archive in enumerate(self.archives)
            if i not in self.down
            and (archive.dialect != DIALECT_MEMENTO or query.match_type == "exact")
        ]

    def _archive_failed(self, index: int, reason: str) -> list[Output]:
        """One archive failed for this domain: noted (the domain ends interrupted, so the
        next run asks again), and the other archives go on. With one archive, the domain
        fails as before."""
        if len(self.archives) == 1:
            return self.fail(reason, transient=True)
        label = self.archives[index].label
        if index not in self.archive_failures:
            self.archive_failures[index] = reason
            self.count("archives/failed_for_domain")
            log.warning(
                "%s: %s failed (%s); going on with the other archives", self.domain, label, reason
            )
        return []

    def start(self) -> list[Output]:
        """The LIST stage: the homepage's captures and the domain's policy-like URLs. The
        whole domain is never listed: on a site of millions of captures that costs hours
        of the archive's budget, and the archive times out on it."""
        homepages = self._query(
            f"{self.domain}/", filters=HOMEPAGE_FILTERS, collapse=HOMEPAGE_COLLAPSE
        )
        return self._calls(
            [
                *self._listings(homepages, purpose="homepages"),
                *self._listings(self._hint_query(), purpose="hints"),
            ]
        )

    # -- answers ----------------------------------------------------------------------

    def on_cdx(self, call: CdxCall, status: int, body: bytes) -> list[Output]:
        self._answered()
        if self.finished:
            return []
        archive = self.archives[call.archive]
        memento = archive.dialect == DIALECT_MEMENTO
        several = len(self.archives) > 1
        if status == 404 and memento:
            status, body = 200, b""  # no TimeMap: the archive holds no capture of the URL
        if status == 403:
            if several:
                return (
                    self._archive_failed(call.archive, f"refuses to list {self.domain} (403)")
                    + self._advance()
                )
            return self.fail(f"the archive refuses to list {self.domain} (403: blocked site)")
        if status != 200:
            transient = f"archive_http_{status}" in TRANSIENT_DROPS
            if call.purpose == "hints" and transient:
                return self._calls(self._hints_failed(call, f"HTTP {status}")) + self._advance()
            reason = f"the archive's CDX endpoint answered HTTP {status} for {self.cdx_url(call)}"
            if several:
                return self._archive_failed(call.archive, reason) + self._advance()
            return self.fail(reason, transient=transient)
        page: CdxPage
        try:
            page = parse_timemap(body) if memento else parse_cdx(body)
        except CdxError as exc:
            kind = "Memento TimeMap" if memento else "Wayback CDX endpoint"
            reason = f"{archive.base} is not a {kind}: {exc}"
            if several:
                return self._archive_failed(call.archive, reason) + self._advance()
            return self.fail(reason)
        self.count("policy/listing/rows_received", len(page.records))
        out: list[Output] = []
        for record in unique(page.records):
            if memento and not _in_range(record, call.query):
                self.count("policy/listing/filtered")
            elif not memento and not call.query.accepts(record):
                # (a TimeMap gives no status or type to filter on: its captures are
                # judged when fetched)
                self.count("policy/listing/filtered")
            elif call.purpose == "homepages":
                self._list(call.archive, record)
                self.candidates.homepage(record)
                self.count("policy/listing/homepage_rows")
            elif call.purpose == "hints":
                self._list(call.archive, record)
                if self.candidates.hint(record):
                    self.count("policy/listing/hint_rows")
                else:
                    self.count("policy/listing/off_domain")
            elif call.key is not None:
                self._list(call.archive, record)
                self.candidates.add_lookup_row(call.key, record)
        if page.resume_key:
            if call.purpose != "hints" or call.page < self.config.hint_max_pages:
                out.append(replace(call, resume_key=page.resume_key, page=call.page + 1))
            else:
                # more policy-like URLs than this is a site of articles about privacy:
                # the best-named URLs are in by now
                self.count("policy/discovery/hint_pages_capped")
                log.warning(
                    "%s: hint listing stopped after %d pages of %d rows",
                    self.domain,
                    call.page,
                    self.config.page_size,
                )
        return self._calls(out) + self._advance()

    def _hints_failed(self, call: CdxCall, reason: str) -> list[Output]:
        """The archive failed on the hint listing: asked again in time slices; a slice
        that fails too leaves discovery with the homepage links alone (said, counted)."""
        if call.query.from_ts is None and call.resume_key is None:
            self.count("policy/discovery/hint_listing_sliced")
            log.warning(
                "%s: the archive failed on the hint listing (%s); asking again in slices "
                "of %d years",
                self.domain,
                reason,
                self.config.hint_slice_years,
            )
            step = max(self.config.hint_slice_years, 1)
            last = datetime.now(UTC).year
            return [
                CdxCall(
                    self._hint_query(str(year), str(min(year + step - 1, last))),
                    purpose="hints",
                    archive=call.archive,
                )
                for year in range(FIRST_ARCHIVE_YEAR, last + 1, step)
            ]
        if self.counts["policy/discovery/hint_listing_failed"]:
            return []  # said once for the domain
        self.count("policy/discovery/hint_listing_failed")
        log.warning(
            "%s: the archive failed on the hint listing from %s to %s (%s); going on with "
            "the homepage links alone",
            self.domain,
            call.query.from_ts or "the start",
            call.query.to_ts or "now",
            reason,
        )
        return []

    def _read(self) -> list[Output]:
        """The READ stage: user URLs, the best hinted URLs, the sampled homepages."""
        out: list[Output] = []
        for url in self.user_urls:
            key = self.candidates.user_link(url)
            scope = self.candidates.scope(canonical_url(url))
            if scope != self.domain:
                self.count("policy/discovery/user_url_off_domain")
                log.info("%s: --url %s is on another host (%s); followed", self.domain, url, scope)
            if key is not None:
                out.extend(self._listings(self._query(url), key=key))
        for key, url in self.candidates.hinted_lookups(self.config.hint_lookups):
            out.extend(self._listings(self._query(url), key=key))
        for record in self.candidates.sample_homepages(self.config.homepage_samples):
            links = self.known.homepages.get((record.original, record.timestamp))
            if links is None:
                out.extend(self._replays(record, ROLE_DISCOVERY, "homepage"))
            else:
                self.count("policy/discovery/homepages_from_index")
                out.extend(self._links_found(record.timestamp, links))
        return out

    def _spread(self) -> list[Output]:
        """The SPREAD stage: off-domain policies homepages linked to, moved policies."""
        out: list[Output] = []
        for key, url, first, last in self.candidates.off_domain_lookups():
            self.count("policy/discovery/off_domain_urls")
            log.info(
                "%s: policy on another host, %s, linked from %s to %s",
                self.domain,
                url,
                first,
                last or "the end",
            )
            out.extend(self._listings(self._query(url, from_ts=first, to_ts=last), key=key))
        for key, redirect in self.candidates.moves():
            scope = self._scope_of(key)
            out.extend(self._replays(redirect, ROLE_DISCOVERY, "move", key=key, scope=scope))
        return out

    def _scope_of(self, key: str) -> str | None:
        scope = self.candidates.scope(key)
        return None if scope == self.domain else scope

    def on_replay(self, call: ReplayCall, answer: Answer) -> list[Output]:
        self._answered()
        if self.finished:
            return []
        outcome = read_replay(
            self.archives[call.archive],
            answer.url,
            answer.status,
            answer.header_map(),
            answer.body,
            asked_timestamp=call.record.timestamp,
            domain=call.scope or self.domain,
            window_seconds=self.config.window_seconds,
        )
        if isinstance(outcome, Follow) and call.purpose != "move":
            if call.hops < self.config.max_redirects:
                self.count("policy/replay/moved" if outcome.moved else "policy/replay/nearest")
                if outcome.moved:
                    log.info("%s moved to %s", answer.url, outcome.url)
                moved_from = call.moved_from
                if outcome.moved and moved_from is None:
                    moved_from = call.record.original
                follow = replace(
                    call, url=outcome.replay_url, hops=call.hops + 1, moved_from=moved_from
                )
                return self._calls([follow])
            outcome = Dropped("redirect_loop")
        if call.purpose == "move":
            return self._calls(self._moved(call, outcome)) + self._advance()
        if isinstance(outcome, Dropped):
            log.info("no capture from %s: %s", answer.url, outcome.reason)
            again = None
            if outcome.reason in ARCHIVE_SIDE_DROPS or outcome.reason in TRANSIENT_DROPS:
                again = self._elsewhere(call, outcome.reason)
            if again is not None:
                return again
            if call.plan is not None:
                pending = outcome.reason in TRANSIENT_DROPS
                unsettled = self._unstored(call, outcome.reason, pending)
                return unsettled + self._calls(self._learn(call, None, None)) + self._advance()
            self.count(f"policy/dropped/{outcome.reason}")
            kept: list[Output] = []
            if call.purpose == "homepage" and outcome.reason not in TRANSIENT_DROPS:
                # read for good (never archived, blocked...): not asked again next run
                kept.append(self._homepage_read(call, ()))
            return kept + self._advance()
        assert isinstance(outcome, Served)
        check = self._check_digest(call, answer, outcome)
        if check is not None:
            return check
        item = self._capture_item(call, answer, outcome)
        if call.purpose == "homepage":
            return self._calls(self._homepage(call, item)) + self._advance()
        return self._calls(self._policy(call, item)) + self._advance()

    def on_error(self, call: Call, reason: str, transient: bool = True) -> list[Output]:
        """A call that got no answer: a passing fault whose retries are spent
        (`transient`), or one that asking again would not change (`reason` is then a
        drop reason such as too_large)."""
        self._answered()
        if self.finished:
            return []
        if isinstance(call, CdxCall):
            if call.archive in self.down:
                message = f"{self.archives[call.archive].label} unavailable: {reason}"
                return self._archive_failed(call.archive, message) + self._advance()
            if call.purpose == "hints" and transient:
                return self._calls(self._hints_failed(call, reason)) + self._advance()
            message = f"cannot list captures at {self.archives[call.archive].base}: {reason}"
            if len(self.archives) > 1:
                return self._archive_failed(call.archive, message) + self._advance()
            return self.fail(message, transient=transient)
        log.warning("could not fetch %s: %s", call.url, reason)
        again = self._elsewhere(call, reason) if transient else None
        if again is not None:
            return again
        if call.plan is not None:
            unsettled = self._unstored(
                call, reason if not transient else "replay_failed", transient
            )
            return unsettled + self._calls(self._learn(call, None, None)) + self._advance()
        self.count("policy/discovery/failed")
        return self._advance()

    def _unstored(self, call: ReplayCall, reason: str, pending: bool) -> list[Output]:
        """The record of a listed policy capture that was not stored, and why."""
        state = "pending" if pending else "dropped"
        self.count(f"policy/captures/{state}")
        if not pending:
            self.count(f"policy/dropped/{reason}")
        record = call.record
        return [
            CaptureOutcomeItem(
                self.domain, self.kind, record.original, record.timestamp, state, reason
            )
        ]

    # -- discovery --------------------------------------------------------------------

    def _homepage(self, call: ReplayCall, item: CaptureItem) -> list[Output]:
        out: list[Output] = []
        if item.capture.body is None:
            return out
        try:  # the homepage's own bytes, as the text side reads a policy
            body = decode_content(item.capture.body, item.capture.header("content-encoding"))
        except PageRefused as refused:
            self.count(f"policy/discovery/dropped/{refused.reason}")
            return out
        links = sorted(
            {link.url for link in policy_links(body, item.capture.url, self.domain, self.kind)}
        )
        item.links = tuple(links)
        out.append(item)
        out.append(self._homepage_read(call, item.links))
        out.extend(self._links_found(call.record.timestamp, item.links))
        return out

    def _homepage_read(self, call: ReplayCall, links: tuple[str, ...]) -> HomepageLinksItem:
        record = call.record
        return HomepageLinksItem(self.domain, self.kind, record.original, record.timestamp, links)

    def _links_found(self, homepage_ts: str, links: Iterable[str]) -> list[Output]:
        """Lookups for the policy links of one homepage capture. Links to another host
        count only from a homepage that links to no policy of its own: a footer's
        "partner privacy" beside the site's own policy is not the site's policy."""
        own = [u for u in links if host_in_domain(urlsplit(u).hostname or "", self.domain)]
        out: list[Output] = []
        for url in own:
            key = self.candidates.link(url)
            if key is not None:
                out.extend(self._listings(self._query(url), key=key))
        if not own:
            for url in links:
                self.candidates.off_domain_link(url, homepage_ts)
        return out

    def _moved(self, call: ReplayCall, outcome: Served | Follow | Dropped) -> list[Output]:
        if isinstance(outcome, Follow) and outcome.moved:
            self.count("policy/discovery/moved")
            log.info(
                "%s: policy moved from %s to %s (capture of %s)",
                self.domain,
                call.record.original,
                outcome.url,
                call.record.timestamp,
            )
            scope = self.candidates.scope(call.key) if call.key else ""
            key = self.candidates.link(outcome.url, scope)
            if key is not None:
                return self._listings(self._query(outcome.url), key=key)
        elif isinstance(outcome, Dropped):
            self.count(f"policy/discovery/dropped/{outcome.reason}")
        return []

    # -- fetching policy captures -----------------------------------------------------

    def _start_fetching(self) -> list[Output]:
        selected = self.candidates.rank(self.config.max_policy_urls)
        self.count("policy/candidates", len(self.candidates))
        self.count("policy/urls_selected", len(selected))
        log.info("%s: %d policy URL(s): %s", self.domain, len(selected), ", ".join(selected))
        listed = 0
        for key in selected:
            rows = self.candidates.rows(key)
            listed += len(rows)
            self.plans.append(
                make_plan(self.config.strategy, rows, self.config.every, self.config.probe_every)
            )
            self.plan_scopes.append(self._scope_of(key))
        self.candidates = Candidates(self.domain, self.kind)  # released: not needed again
        digests = {d for plan in self.plans for d in plan.by_digest}
        digests.update(self.known.stored.values())
        self.signatures.update(self.known.signatures(digests))
        # A stored payload's bytes, as a fetched capture of this domain holds them: what
        # captures sharing its digest rest on.
        read: dict[str, Holder] = {}
        for (url, ts), digest in sorted(self.known.stored.items()):
            if (url, ts) not in self.known.unread:
                read.setdefault(digest, Holder(url, ts, digest))
        for number, plan in enumerate(self.plans):
            for index, slot in enumerate(plan.slots):
                record = slot.record
                where = (record.original, record.timestamp)
                if where in self.known.dropped:
                    self.count("policy/captures/dropped_before")
                    plan.know_stored(index, None)
                    continue
                shows = self.known.stored.get(where)
                if shows is None:
                    continue
                unread = self.known.unread.get(where)
                if unread is not None and self._fetch_unread(unread):
                    # `all` reads what an earlier run only inferred: the fetch confirms
                    # the text or splits the version
                    self.count("policy/captures/inferred_to_fetch")
                    self.to_confirm[where] = self.signatures.get(shows)
                    continue
                self.count("policy/captures/already_stored")
                holder = Holder(record.original, record.timestamp, shows)
                if unread is not None and unread.source_url and unread.source_ts:
                    holder = Holder(unread.source_url, unread.source_ts, shows)
                plan.know_stored(index, self.signatures.get(shows), holder)
            for digest in plan.by_digest:
                if digest in self.signatures:
                    plan.learn_digest(digest, self.signatures[digest], read.get(digest))
            self.unfinished.add(number)
        self.count("policy/captures/listed", listed)
        return self._pump()

    def _fetch_unread(self, unread: Unfetched) -> bool:
        """Is a stored capture that was not fetched fetched by this run? With `all`, an
        inferred one is: the archive never said it holds the same bytes. A same_bytes
        capture needs no fetch (the archive's own digest says so)."""
        return self.config.strategy == "all" and unread.source == SOURCE_INFERRED

    def _pump(self, numbers: Iterable[int] | None = None) -> list[Output]:
        """Requests the plans `numbers` (default: all) want now. Only plans that learned
        something are asked: asking all of them on every answer costs quadratic time on
        large domains."""
        out: list[Output] = []
        for number in range(len(self.plans)) if numbers is None else sorted(set(numbers)):
            if number not in self.unfinished:
                continue
            plan = self.plans[number]
            for index in plan.wanted():
                record = plan.slots[index].record
                call = self._replay(
                    record,
                    ROLE_POLICY,
                    "policy",
                    plan=(number, index),
                    scope=self.plan_scopes[number],
                )
                if call is None:
                    # every archive listing it has been given up on in this run
                    out.extend(self._unstored_record(record, "archive_unavailable"))
                    plan.learn(index, None, None)
                else:
                    out.append(call)
            if plan.done:
                self.unfinished.discard(number)
        return out

    def _learn(
        self, call: ReplayCall, signature: Signature | None, holder: Holder | None
    ) -> list[Output]:
        """Tells the plan what its fetch showed; then asks the plans that changed."""
        assert call.plan is not None
        number, index = call.plan
        self.plans[number].learn(index, signature, holder)
        changed = [number]
        if signature is not None and holder is not None:
            self.signatures.setdefault(holder.digest, signature)
            for other, plan in enumerate(self.plans):
                if plan.learn_digest(holder.digest, signature, holder):
                    changed.append(other)
        return self._pump(changed)

    def _policy(self, call: ReplayCall, item: CaptureItem) -> list[Output]:
        capture = item.capture
        item.processed = process_capture(capture)
        if item.processed.drop_reason:
            self.count(f"policy/dropped/{item.processed.drop_reason}")
            log.info("not a policy: %s (%s)", capture.archive_url, item.processed.drop_reason)
        holder = Holder(capture.url, capture.timestamp, capture.digest)
        out: list[Output] = []
        where = (capture.url, capture.timestamp)
        if where in self.emitted:
            self.count("policy/replay/served_twice")
        elif where in self.to_confirm:
            # an inferred capture, read at last: it replaces the inference in the index
            inferred = self.to_confirm.pop(where)
            outcome = "confirmed" if inferred == signature_of(item.processed) else "refuted"
            self.count(f"policy/captures/inferred_{outcome}")
            log.info("%s: the text inferred for %s is %s", self.domain, capture.url, outcome)
            self.emitted.add(where)
            self.count("policy/captures/fetched_policy")
            out.append(item)
        elif where in self.known.stored:
            self.count("policy/captures/already_stored")
        else:
            self.emitted.add((capture.url, capture.timestamp))
            self.count("policy/captures/fetched_policy")
            out.append(item)
        return out + self._learn(call, signature_of(item.processed), holder)

    def _assigned_items(self) -> Iterable[CaptureItem]:
        for plan in self.plans:
            for record, _signature, holder in plan.assignments():
                if (record.original, record.timestamp) in self.emitted:
                    continue
                yield self._assigned_item(record, holder)

    def _new_sources(self) -> Iterable[CaptureSourceItem]:
        """Archives that list a capture the corpus already held, not yet known to. Only
        a run over several archives adds them: a run over one (the same archive, perhaps
        at a new address) records what it stores and, with nothing new, writes nothing."""
        if len(self.archives) == 1:
            return
        for _key, holders in sorted(self.listed.items()):
            where = next(
                (
                    w
                    for r in holders.values()
                    if (w := (r.original, r.timestamp)) in self.known.stored
                ),
                None,
            )
            if where is None or where in self.emitted:
                continue
            known = self.known.sources.get(where, frozenset())
            for index, record in sorted(holders.items()):
                archive = self.archives[index]
                if archive.base not in known:
                    self.count("policy/captures/sources_added")
                    yield CaptureSourceItem(  # the stored capture, in that archive's form
                        self.domain,
                        self.kind,
                        *where,
                        archive.replay_url(record.timestamp, record.original),
                        record.digest,
                    )

    def _also_in(self, url: str, timestamp: str, served_by: int) -> tuple[tuple[str, str], ...]:
        """(replay URL, listed digest) of the capture in every other archive listing it:
        the same capture (same URL, same second), kept once with all its sources."""
        holders = self.listed.get(capture_key(url, timestamp), {})
        also = tuple(
            (self.archives[i].replay_url(r.timestamp, r.original), r.digest)
            for i, r in sorted(holders.items())
            if i != served_by
        )
        if also:
            self.count("policy/captures/in_several_archives")
        return also

    def _list(self, index: int, record: CdxRecord) -> None:
        holders = self.listed.setdefault(capture_key(record.original, record.timestamp), {})
        if index not in holders and record.digest not in ("", "-"):
            known = {r.digest for r in holders.values()} - {"", "-"}
            if known and record.digest not in known:
                # the same URL and second with other bytes: still one capture (read from
                # the first archive); each source keeps the digest its archive lists
                self.count("policy/listing/same_capture_other_digest")
                log.info(
                    "%s: %s %s is listed with other digests by other archives",
                    self.domain,
                    record.original,
                    record.timestamp,
                )
        holders.setdefault(index, record)

    def _elsewhere(self, call: ReplayCall, reason: str) -> list[Output] | None:
        """A policy capture one archive could not give, asked of the next archive that
        lists it; None when there is none."""
        if call.role != ROLE_POLICY or call.plan is None or len(self.archives) == 1:
            return None
        again = self._replay(
            call.record,
            call.role,
            call.purpose,
            tried=call.tried or (call.archive,),
            plan=call.plan,
            scope=call.scope,
        )
        if again is None:
            return None
        self.count("policy/replay/asked_elsewhere")
        log.info(
            "%s: %s failed on %s (%s); asking %s",
            self.domain,
            call.record.original,
            self.archives[call.archive].label,
            reason,
            self.archives[again.archive].label,
        )
        return self._calls([again])

    def _unstored_record(self, record: CdxRecord, reason: str) -> list[Output]:
        """A listed capture no archive of this run could be asked for: pending."""
        self.count("policy/captures/pending")
        return [
            CaptureOutcomeItem(
                self.domain, self.kind, record.original, record.timestamp, "pending", reason
            )
        ]

    def _assigned_item(self, record: CdxRecord, holder: object) -> CaptureItem:
        """A capture recorded without a fetch: same bytes as a fetched twin, or (`changes`)
        between two fetched captures showing the same text, so showing it too."""
        source = holder if isinstance(holder, Holder) else None
        same = source is None or source.digest == record.digest
        known_as = SOURCE_SAME_BYTES if same else SOURCE_INFERRED
        self.count(f"policy/captures/{known_as}")
        self.emitted.add((record.original, record.timestamp))
        holders = self.listed.get(capture_key(record.original, record.timestamp), {})
        index = min((i for i in holders if i not in self.down), default=min(holders, default=0))
        capture = RawCapture(
            domain=self.domain,
            kind=self.kind,
            role=ROLE_POLICY,
            url=record.original,
            timestamp=record.timestamp,
            archive_url=self.archives[index].replay_url(record.timestamp, record.original),
            also_in=self._also_in(record.original, record.timestamp, index),
            digest=source.digest if source else record.digest,
            refers_to=(source.url, source.timestamp) if source else None,
            source=known_as,
            cdx_digest=record.digest,
        )
        return CaptureItem(capture)

    def _check_digest(
        self, call: ReplayCall, answer: Answer, served: Served
    ) -> list[Output] | None:
        """Bytes that do not match the CDX digest of the capture asked for were cut short
        or damaged on the way: asked again once. The same bytes twice are what the
        archive holds (some digests are of other bytes), and are kept. None: go on."""
        record = call.record
        exact = served.timestamp == record.timestamp and (served.url or record.original) == (
            record.original
        )
        if not exact or call.role != ROLE_POLICY or len(record.digest) != SHA1_BASE32_LENGTH:
            return None
        if any(name.lower().endswith("content-encoding") for name, _ in answer.headers):
            return None  # the digest is of the encoded payload, the body came decoded
        sha1 = b32encode(hashlib.sha1(answer.body).digest()).decode("ascii")
        if sha1 == record.digest or sha1 == call.mismatched:
            return None
        self.count("policy/replay/digest_mismatch")
        if call.mismatched is None:
            log.info("%s: bytes do not match the CDX digest; asking again", call.url)
            archive = self.archives[call.archive]
            again = replace(call, url=archive.replay_url(record.timestamp, record.original))
            return self._calls([replace(again, hops=0, mismatched=sha1)])
        reason = "digest_mismatch"
        unsettled = self._unstored(call, reason, pending=True)
        return unsettled + self._calls(self._learn(call, None, None)) + self._advance()

    def _capture_item(self, call: ReplayCall, answer: Answer, served: Served) -> CaptureItem:
        """The capture a replay answer carries."""
        record = call.record
        self.count(f"policy/captures/served_{call.role}")
        url = served.url or record.original
        exact = served.timestamp == record.timestamp and url == record.original
        digest = record.digest
        if not exact or not digest or digest == "-":
            # not the bytes the CDX row describes (or no digest given): hash what came
            digest = b32encode(hashlib.sha1(answer.body).digest()).decode("ascii")
        if not exact:
            self.count("policy/replay/other_capture_served")
        also: tuple[tuple[str, str], ...] = ()
        if call.role == ROLE_POLICY:
            also = self._also_in(url, served.timestamp, call.archive)
        capture = RawCapture(
            domain=self.domain,
            kind=self.kind,
            role=call.role,
            url=url,
            timestamp=served.timestamp,
            archive_url=self.archives[call.archive].replay_url(served.timestamp, url),
            also_in=also,
            digest=digest,
            status=answer.status,
            headers=tuple(original_headers(answer.headers)),
            body=answer.body,
        )
        return CaptureItem(capture, moved_from=call.moved_from)


def _in_range(record: CdxRecord, query: CdxQuery) -> bool:
    """The query's from/to applied client-side (a TimeMap lists every time)."""
    ts = record.timestamp
    low = (query.from_ts or "").ljust(14, "0")
    high = (query.to_ts or "").ljust(14, "9") if query.to_ts else "99999999999999"
    return low <= ts <= high


def capture_key(url: str, timestamp: str) -> tuple[str, str]:
    """One capture however archives write its URL (`http`/`https`, `www.`, a session
    parameter): its canonical URL and second."""
    return canonical_url(url), timestamp


def original_headers(headers: Iterable[tuple[str, str]]) -> Iterable[tuple[str, str]]:
    """The captured page's own headers (the archive sends them prefixed), plus the ones
    the archive answers as the page's (content type)."""
    for name, value in headers:
        lower = name.lower()
        if lower.startswith(ARCHIVE_HEADER_PREFIX):
            yield name[len(ARCHIVE_HEADER_PREFIX) :], value
        elif lower in KEEP_HEADERS:
            yield name, value
