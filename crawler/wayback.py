"""Pure helpers for the Wayback Machine's URL scheme and timestamps (no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

DEFAULT_ARCHIVE = "https://web.archive.org"

_TS_DIGITS = re.compile(r"\d{1,14}")
_REPLAY_PATH = re.compile(r"^/web/(?P<ts>\d{1,14})(?P<mode>[a-z]{2}_)?/(?P<url>.+)$")


class ArchiveUrlError(ValueError):
    """The --archive value is not a usable http(s) base URL."""


@dataclass(frozen=True, slots=True)
class Archive:
    """A Wayback-compatible archive: where its CDX endpoint and replay live."""

    base: str

    @classmethod
    def parse(cls, value: str) -> Archive:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ArchiveUrlError(f"not an http(s) archive URL: {value!r}")
        if parts.query or parts.fragment:
            raise ArchiveUrlError(f"archive URL must not have a query or fragment: {value!r}")
        return cls(base=value.strip().rstrip("/"))

    @property
    def host(self) -> str:
        return urlsplit(self.base).hostname or ""

    @property
    def netloc(self) -> str:
        return urlsplit(self.base).netloc

    @property
    def cdx_endpoint(self) -> str:
        return f"{self.base}/cdx/search/cdx"

    @property
    def is_loopback(self) -> bool:
        return self.host in ("localhost", "::1") or self.host.startswith("127.")

    def replay_url(self, timestamp: str, original: str) -> str:
        """The `id_` URL that returns the capture's original bytes, no toolbar."""
        return f"{self.base}/web/{timestamp}id_/{original}"

    def parse_replay(self, url: str) -> tuple[str, str] | None:
        """(timestamp, original URL) of a replay URL on this archive, else None."""
        parts = urlsplit(url)
        if parts.netloc != self.netloc:
            return None
        prefix = urlsplit(self.base).path
        path = parts.path
        if prefix and not path.startswith(prefix + "/"):
            return None
        path = path[len(prefix) :]
        if parts.query:
            path += "?" + parts.query
        match = _REPLAY_PATH.match(path)
        if not match:
            return None
        return match["ts"], match["url"]


def citation_url(replay_url: str, original: str) -> str:
    """A replay URL in the reference corpus's form: the original URL percent-quoted
    (`.../id_/https%3A//www.example.com/privacy`), so it survives markdown and CSV."""
    if not replay_url.endswith(original):
        return replay_url
    return replay_url[: len(replay_url) - len(original)] + quote(original, safe="/%")


def normalise_timestamp(value: str) -> str:
    """A 1-14 digit Wayback timestamp padded to 14 digits; month or day 00 become 01."""
    if not _TS_DIGITS.fullmatch(value):
        raise ValueError(f"not a Wayback timestamp: {value!r}")
    ts = value.ljust(14, "0")
    year, month, day, rest = ts[:4], ts[4:6], ts[6:8], ts[8:]
    # IA has captures dated with month or day 00 (imprecise crawl dates in old ARCs).
    month = "01" if month == "00" else month
    day = "01" if day == "00" else day
    return year + month + day + rest


def parse_timestamp(value: str) -> datetime:
    ts = normalise_timestamp(value)
    try:
        return datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        # Out-of-range fields (hour 24, second 60, day 31 of a 30-day month) still name a
        # real capture; keep its date and drop the impossible time.
        day = min(int(ts[6:8]), 28)
        return datetime(int(ts[:4]), int(ts[4:6]), day, tzinfo=UTC)


def iso_date(timestamp: str) -> str:
    return parse_timestamp(timestamp).date().isoformat()


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")
