"""Which URLs of a domain hold its policy: candidates from the listing, ranked (pure).

A candidate is one canonical URL with its captures. It earns a path score (its path names
a policy), links (homepage captures pointing at it, or the user's `--url`), and may have
turned into a redirect (the policy moved). `rank` orders them; the spider only feeds rows
and links in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.discovery import canonical_url, host_in_domain, is_homepage, path_score
from webarchive.cdx import CdxRecord

# The user knows best: a `--url` outranks anything found by discovery.
USER_LINK_WEIGHT = 100


@dataclass(slots=True)
class Candidate:
    rows: dict[tuple[str, str], CdxRecord] = field(default_factory=dict)
    score: int = 0
    linked: int = 0
    redirect: CdxRecord | None = None  # its latest captured redirect, if any

    def add_row(self, record: CdxRecord) -> None:
        if record.statuscode.startswith("3"):
            if self.redirect is None or record.timestamp > self.redirect.timestamp:
                self.redirect = record
            return
        # (url, timestamp) is the capture; the same row again from another index shard
        # or page is the same capture
        self.rows.setdefault((record.original, record.timestamp), record)


class Candidates:
    """The policy candidates of one domain and kind, plus one homepage capture a year."""

    def __init__(self, domain: str, kind: str) -> None:
        self.domain = domain
        self.kind = kind
        self.by_key: dict[str, Candidate] = {}
        # one homepage capture per year is all discovery reads: kept bounded while listing
        self.homepages: dict[str, CdxRecord] = {}

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
        year = record.timestamp[:4]
        if is_homepage(record.original) and record.statuscode == "200":
            self.homepages.setdefault(year, record)
        score = path_score(record.original, self.kind)
        if score:
            candidate = self.get(canonical_url(record.original))
            candidate.score = max(candidate.score, score)
            candidate.add_row(record)
        return True

    def link(self, url: str) -> str | None:
        """Count a link to `url`; returns its key when the URL is new (its captures must
        be looked up), else None."""
        key = canonical_url(url)
        known = key in self.by_key
        self.get(key).linked += 1
        return None if known else key

    def user_link(self, url: str) -> str | None:
        """A policy URL the user gave; returns its key when its captures must be looked up."""
        key = canonical_url(url)
        candidate = self.get(key)
        candidate.linked += USER_LINK_WEIGHT
        return None if candidate.rows else key

    def add_lookup_row(self, key: str, record: CdxRecord) -> None:
        host = urlsplit(record.original).hostname or ""
        if host_in_domain(host, self.domain):
            self.get(key).add_row(record)

    def sample_homepages(self, limit: int) -> list[CdxRecord]:
        """One homepage capture per year, spread evenly up to `limit`; forgets the rest."""
        sample = [self.homepages[year] for year in sorted(self.homepages)]
        if limit <= 0:
            sample = []  # homepage reading switched off
        elif len(sample) > limit > 1:
            step = (len(sample) - 1) / (limit - 1)
            sample = [sample[round(i * step)] for i in range(limit)]
        elif len(sample) > limit:
            sample = sample[-limit:]
        self.homepages.clear()
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
