"""Which URLs of a domain hold its policy: candidates from the listing, ranked (pure).

A candidate is one canonical URL with its captures. It earns a path score (its path names
a policy), links (homepage captures pointing at it, or the user's `--url`), and may have
turned into a redirect (the policy moved). `rank` orders them; the spider only feeds rows
and links in.

Discovery asks the archive for what the policy costs, not what the site costs: the
homepage's own captures (one a month), the domain's URLs whose path may name a policy
(one row a URL, `hint`), and then every capture of the few URLs worth fetching (an exact
listing each, `add_lookup_row`). A policy on another host (a parent company's) is a
candidate only through a link on the domain's own homepage or the user's `--url`; its
captures are listed over the period in which the homepage linked to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.discovery import (
    canonical_url,
    host_in_domain,
    is_homepage,
    path_score,
    registrable_host,
    url_path,
)
from webarchive.cdx import CdxRecord

# The user knows best: a `--url` outranks anything found by discovery.
USER_LINK_WEIGHT = 100
# Forms of one URL the archive keys apart (a session id in the path, an extra parameter)
# listed exactly, shortest first: each costs a CDX call, and past a few they are one
# page's noise.
MAX_FORMS = 3


@dataclass(slots=True)
class Candidate:
    rows: dict[tuple[str, str], CdxRecord] = field(default_factory=dict)
    score: int = 0
    linked: int = 0
    redirect: CdxRecord | None = None  # its latest captured redirect, if any
    # the host its captures may be on: the domain's, or another one (an off-domain policy)
    scope: str = ""
    # urlkey -> one original URL, from the hint listing: what an exact listing asks for
    hinted: dict[str, str] = field(default_factory=dict)
    url: str = ""  # the URL a link (to another host) named: what its listing asks for
    # the domain's homepage captures (timestamps) that link to it, for an off-domain URL
    linked_at: set[str] = field(default_factory=set)

    def add_row(self, record: CdxRecord) -> None:
        if record.statuscode.startswith("3"):
            if self.redirect is None or record.timestamp > self.redirect.timestamp:
                self.redirect = record
            return
        # (url, timestamp) is the capture; the same row again from another index shard,
        # page or archive, its URL written another way (`https`, `www.`), is the same
        # capture. A row with a digest is kept over one
        # without (a TimeMap's), so that captures sharing bytes are known as such.
        where = (canonical_url(record.original), record.timestamp)
        held = self.rows.get(where)
        if held is None or (held.digest in ("", "-") and record.digest not in ("", "-")):
            self.rows[where] = record


class Candidates:
    """The policy candidates of one domain and kind, plus one homepage capture a year."""

    def __init__(
        self, domain: str, kind: str, read: frozenset[tuple[str, str]] = frozenset()
    ) -> None:
        self.domain = domain
        self.kind = kind
        self.by_key: dict[str, Candidate] = {}
        # one homepage capture per year is all discovery reads: kept bounded while listing
        self.homepages: dict[str, CdxRecord] = {}
        # homepage captures (url, timestamp) read by an earlier run (their links are in
        # the index): a year that has one reads it again from there, not from the archive
        self.read = read
        self.read_homepages: dict[str, CdxRecord] = {}
        self.sampled: list[str] = []  # timestamps of the homepage captures read
        self.looked_up: set[str] = set()  # keys whose captures are listed (or asked for)

    def __len__(self) -> int:
        return len(self.by_key)

    def get(self, key: str) -> Candidate:
        candidate = self.by_key.get(key)
        if candidate is None:
            candidate = self.by_key[key] = Candidate()
        return candidate

    def collect(self, record: CdxRecord) -> bool:
        """Take one row of the domain's listing; False if it is off the domain."""
        host = urlsplit(record.original).hostname or ""
        if not host_in_domain(host, self.domain):
            # A prefix match on the SURT can pull in look-alike domains.
            return False
        if is_homepage(record.original) and record.statuscode == "200":
            self.homepage(record)
        score = path_score(record.original, self.kind)
        if score:
            candidate = self.get(canonical_url(record.original))
            candidate.score = max(candidate.score, score)
            candidate.add_row(record)
        return True

    def homepage(self, record: CdxRecord) -> None:
        """A capture of the domain's homepage, a candidate for reading: the year's first
        answered 200, else its first redirect (read by following it)."""
        year = record.timestamp[:4]
        kept = self.homepages.get(year)
        if kept is None or (kept.statuscode != "200" and record.statuscode == "200"):
            self.homepages[year] = record
        if (record.original, record.timestamp) in self.read:
            self.read_homepages.setdefault(year, record)

    def hint(self, record: CdxRecord) -> bool:
        """A URL whose path may name a policy (one row of the hint listing); False if it
        is off the domain or its path names no policy after all."""
        host = urlsplit(record.original).hostname or ""
        if not host_in_domain(host, self.domain):
            return False
        score = path_score(record.original, self.kind)
        if not score:
            return False
        candidate = self.get(canonical_url(record.original))
        candidate.score = max(candidate.score, score)
        candidate.hinted.setdefault(record.urlkey or record.original, record.original)
        return True

    def hinted_lookups(self, limit: int) -> list[tuple[str, str]]:
        """(key, URL) exact listings for the best hinted URLs: clearly named (score 2 or
        3, as `rank` asks), best score first, then the shortest path."""
        best = sorted(
            (
                (-c.score, len(url_path(next(iter(c.hinted.values())))), key)
                for key, c in self.by_key.items()
                if c.hinted and c.score >= 2 and key not in self.looked_up
            )
        )
        out: list[tuple[str, str]] = []
        for _, _, key in best[: max(limit, 0)]:
            self.looked_up.add(key)
            forms = sorted(self.by_key[key].hinted.items(), key=lambda kv: (len(kv[0]), kv[0]))
            out.extend((key, url) for _, url in forms[:MAX_FORMS])
        return out

    def _needs_lookup(self, key: str) -> bool:
        candidate = self.by_key[key]
        if candidate.rows or key in self.looked_up:
            return False
        self.looked_up.add(key)
        return True

    def link(self, url: str, scope: str = "") -> str | None:
        """Count a link to `url` (on `scope`, another host, if given); returns its key
        when its captures must be looked up (not listed yet), else None."""
        key = canonical_url(url)
        candidate = self.get(key)
        candidate.linked += 1
        if scope and scope != self.domain:
            candidate.scope = scope
        return key if self._needs_lookup(key) else None

    def off_domain_link(self, url: str, homepage_ts: str) -> None:
        """A link from the domain's homepage capture of `homepage_ts` to a policy on
        another host; listed once every homepage is read (`off_domain_lookups`)."""
        key = canonical_url(url)
        candidate = self.get(key)
        candidate.linked += 1
        candidate.scope = registrable_host(url)
        candidate.score = max(candidate.score, path_score(url, self.kind))
        candidate.url = candidate.url or url
        candidate.linked_at.add(homepage_ts)

    def off_domain_lookups(self) -> list[tuple[str, str, str, str | None]]:
        """(key, URL, from, to) for the off-domain policies homepages linked to: from the
        first linking homepage capture to the next homepage capture read after the last
        one (None: to the end), so a host's policy is taken only while the domain
        pointed at it."""
        read = sorted(set(self.sampled))
        out = []
        for key, candidate in self.by_key.items():
            if not candidate.linked_at or key in self.looked_up:
                continue
            self.looked_up.add(key)
            first, last = min(candidate.linked_at), max(candidate.linked_at)
            after = [ts for ts in read if ts > last]
            out.append((key, candidate.url, first, after[0] if after else None))
        return sorted(out)

    def user_link(self, url: str) -> str | None:
        """A policy URL the user gave; returns its key when its captures must be looked up."""
        key = canonical_url(url)
        candidate = self.get(key)
        candidate.linked += USER_LINK_WEIGHT
        host = urlsplit(url).hostname or ""
        if not host_in_domain(host, self.domain):
            candidate.scope = registrable_host(url)  # honoured: the user said so
        return key if self._needs_lookup(key) else None

    def scope(self, key: str) -> str:
        """The host a candidate's captures (and the redirects they make) may be on."""
        candidate = self.by_key.get(key)
        return candidate.scope if candidate is not None and candidate.scope else self.domain

    def add_lookup_row(self, key: str, record: CdxRecord) -> None:
        host = urlsplit(record.original).hostname or ""
        if host_in_domain(host, self.scope(key)):
            self.get(key).add_row(record)

    def sample_homepages(self, limit: int) -> list[CdxRecord]:
        """One homepage capture per year (one read before, if the year has one), spread
        evenly up to `limit`; forgets the rest."""
        self.homepages.update(self.read_homepages)
        self.read_homepages.clear()
        sample = [self.homepages[year] for year in sorted(self.homepages)]
        if limit <= 0:
            sample = []  # homepage reading switched off
        elif len(sample) > limit > 1:
            step = (len(sample) - 1) / (limit - 1)
            sample = [sample[round(i * step)] for i in range(limit)]
        elif len(sample) > limit:
            sample = sample[-limit:]
        self.homepages.clear()
        self.sampled = [record.timestamp for record in sample]
        return sample

    def moves(self) -> Iterator[tuple[str, CdxRecord]]:
        """Policy URLs that turned into a redirect after the last capture of any policy
        candidate: (key, latest redirect) to read for where it went. When another
        candidate shows a policy after the redirect, the listing already found the new
        place."""
        latest = max(
            (ts for c in self.by_key.values() if c.score >= 2 for _, ts in c.rows),
            default="",
        )
        for key, candidate in list(self.by_key.items()):
            redirect = candidate.redirect
            if redirect is not None and candidate.score >= 2 and redirect.timestamp > latest:
                yield key, redirect

    def rank(self, limit: int) -> list[str]:
        """The policy URLs to fetch: linked or clearly named, with captures, best first."""
        ranked = sorted(
            (
                (c.linked * 10 + c.score * 5 + min(len(c.rows), 50) / 50, key)
                for key, c in self.by_key.items()
                if c.rows and (c.linked or c.score >= 2)
            ),
            reverse=True,
        )
        return [key for _, key in ranked[:limit]]

    def rows(self, key: str) -> list[CdxRecord]:
        return list(self.by_key[key].rows.values())
