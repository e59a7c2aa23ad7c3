"""The corpus's records: raw captures (what the archive served) and what is derived from them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

ROLE_POLICY = "policy"
ROLE_DISCOVERY = "discovery"


@dataclass(frozen=True, slots=True)
class RawCapture:
    """One capture as fetched from the archive, or a pointer to an identical earlier one.

    `digest` is the archive's payload digest (CDX `digest`): captures that share it share
    their bytes, so only one of them is fetched and the others refer to it.
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

    @property
    def is_revisit(self) -> bool:
        return self.body is None

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None


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


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
