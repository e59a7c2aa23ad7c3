"""The corpus's records: raw captures (what the archive served) and what is derived from them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

ROLE_POLICY = "policy"
ROLE_DISCOVERY = "discovery"
# How a capture's text is known (README: "What a capture rests on").
SOURCE_FETCHED = "fetched"  # its own bytes, as the archive sent them
SOURCE_SAME_BYTES = "same_bytes"  # not fetched: the archive lists a fetched capture's digest
SOURCE_INFERRED = "inferred"  # not fetched: `changes`, between two fetched equal texts
SOURCE_UNKNOWN = "unknown"  # recorded by a version that did not say (before schema 3)
# Not a capture record: one more archive listing a capture already recorded (same URL,
# same second); it adds a source to that capture and never a capture of its own.
SOURCE_LISTED = "listed"
# How firmly a capture's text is known: a record of a capture is only ever replaced by
# a firmer one (a later run reads a capture an earlier one inferred).
SOURCE_RANK = {SOURCE_UNKNOWN: 0, SOURCE_INFERRED: 1, SOURCE_SAME_BYTES: 2, SOURCE_FETCHED: 3}


@dataclass(frozen=True, slots=True)
class RawCapture:
    """One capture as fetched from the archive, or one recorded without a fetch whose
    text is a fetched capture's (`source` says by which rule).

    `digest` is the payload digest whose bytes give the capture's text (CDX `digest`):
    captures that share it share their bytes, so only one of them is fetched. A capture
    not fetched keeps its own CDX digest in `cdx_digest` (`own_digest`).
    """

    domain: str
    kind: str
    role: str
    url: str
    timestamp: str
    archive_url: str
    digest: str
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    refers_to: tuple[str, str] | None = None  # (url, timestamp) of the capture holding the body
    # how the text is known: "fetched", "same_bytes" (a fetched capture's CDX digest) or
    # "inferred" (`changes`: between two fetched captures showing the same text)
    source: str = "fetched"
    cdx_digest: str = ""  # its own CDX digest, when its text is another capture's
    # the same capture (URL, second) in other archives: (replay URL, the digest that
    # archive lists, "-" if none); one capture with every source, never counted twice
    also_in: tuple[tuple[str, str], ...] = ()

    @property
    def is_revisit(self) -> bool:
        return self.body is None

    @property
    def fetched(self) -> bool:
        return self.source == SOURCE_FETCHED

    @property
    def own_digest(self) -> str:
        """The digest the archive lists for this very capture."""
        return self.cdx_digest or self.digest

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Unfetched:
    """How a stored capture that was not fetched is known, and the fetched capture it rests
    on (None: not recorded)."""

    source: str  # same_bytes, inferred, unknown
    source_url: str | None = None
    source_ts: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """The policy text of one language found in one payload."""

    lang: str
    text: str
    title: str
    # ISO 15924 script where a language has two (zh: Hans or Hant), else ""
    script: str = ""

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)


@dataclass(frozen=True, slots=True)
class Processed:
    """What one payload yields: documents, or the reason it yields none."""

    documents: tuple[Document, ...] = ()
    drop_reason: str | None = None


@dataclass(frozen=True, slots=True)
class TrackCapture:
    """A capture placed on a timeline: its time, URL, the text it showed and that text's
    comparison key (captures with equal keys show the same version)."""

    timestamp: str
    url: str
    archive_url: str
    text_sha: str
    key: str
    source: str = SOURCE_FETCHED  # how its text is known (SOURCE_*)


@dataclass(frozen=True, slots=True)
class Version:
    domain: str
    kind: str
    lang: str
    number: int
    first_ts: str
    last_ts: str
    snapshots: int
    url: str
    archive_url: str
    text_sha: str
    path: str
    # Change against the previous version of the track (None for the first one).
    similarity: float | None = None
    words_added: int = 0
    words_removed: int = 0
    revert_of: int | None = None  # an earlier version whose text this one brings back
    flapping: bool = False  # the track keeps switching between texts it showed before
    # Captures the version's counts and dates rest on: how many were fetched (read) out of
    # `snapshots`, and how its first and last captures are known (SOURCE_*).
    snapshots_fetched: int = 0
    first_source: str = SOURCE_FETCHED
    last_source: str = SOURCE_FETCHED
    # The capture the provenance line cites (the first one read, README: "What a capture
    # rests on"); "": the first capture.
    cited_ts: str = ""


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
