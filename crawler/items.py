"""What the spiders hand to the pipelines."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from corpus.models import ROLE_POLICY, SOURCE_LISTED, Processed, RawCapture


@dataclass(slots=True)
class CaptureItem:
    capture: RawCapture
    processed: Processed | None = None
    links: tuple[str, ...] = ()  # policy links found on a discovery capture
    # the URL asked for when the archive served this capture through a captured redirect
    # (the policy had moved from there)
    moved_from: str | None = None


@dataclass(frozen=True, slots=True)
class HomepageLinksItem:
    """The policy links read on one homepage capture of a domain (`url`, `timestamp` as
    listed), kept in the index so that the next run takes them from there instead of
    fetching the homepage again."""

    domain: str
    kind: str
    url: str
    timestamp: str
    links: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CaptureOutcomeItem:
    """A listed capture that was not stored: `pending` (a passing fault; asked again next
    run) or `dropped` for good, with its reason."""

    domain: str
    kind: str
    url: str
    timestamp: str
    state: str
    reason: str


@dataclass(slots=True)
class DomainDoneItem:
    """A domain's crawl is over: the pipelines finish its files and versions, then the
    frontier records its state. Comes after every capture item of the domain."""

    domain: str
    kind: str
    state: str  # "done", "failed", or "interrupted" (a passing fault: next run)
    reason: str | None
    counts: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class CaptureSourceItem:
    """One more archive holding a capture the corpus already has (same URL, same second):
    recorded as a source of that capture, never as a second capture."""

    domain: str
    kind: str
    url: str
    timestamp: str
    archive_url: str  # the capture's replay URL in that archive
    digest: str  # the digest that archive lists ("-": it gives none)

    def as_capture(self) -> RawCapture:
        """The record raw/ and the index keep of it (no bytes: never fetched)."""
        return RawCapture(
            domain=self.domain,
            kind=self.kind,
            role=ROLE_POLICY,
            url=self.url,
            timestamp=self.timestamp,
            archive_url=self.archive_url,
            digest=self.digest,
            source=SOURCE_LISTED,
            cdx_digest=self.digest,
        )
