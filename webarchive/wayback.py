"""Pure helpers for the Wayback Machine's URL scheme and timestamps (no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

DEFAULT_ARCHIVE = "https://web.archive.org"

_TS_DIGITS = re.compile(r"\d{1,14}")
_REPLAY_PATH = re.compile(r"^/web/(?P<ts>\d{1,14})(?P<mode>[a-z]{2}_)?/(?P<url>.+)$")


class ArchiveUrlError(ValueError):
    """The --archive value is not a usable http(s) base URL."""


DIALECT_IA = "ia"  # the Internet Archive's wayback (and the local archive): /cdx/search/cdx, /web/
DIALECT_PYWB = "pywb"  # Webrecorder pywb: /<collection>/cdx, /<collection>/<ts>id_/<url>
DIALECTS = (DIALECT_IA, DIALECT_PYWB)


@dataclass(frozen=True, slots=True)
class Archive:
    """A Wayback-compatible archive: where its CDX endpoint and replay live.

    `pywb+http://host:port/collection` names a pywb collection; a plain http(s) URL an
    archive with the Internet Archive's interface.
    """

    base: str
    dialect: str = DIALECT_IA

    @classmethod
    def parse(cls, value: str) -> Archive:
        raw = value.strip()
        dialect = DIALECT_IA
        scheme, sep, rest = raw.partition("+")
        if sep and scheme in DIALECTS and "://" in rest:
            dialect, raw = scheme, rest
        parts = urlsplit(raw)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ArchiveUrlError(f"not an http(s) archive URL: {value!r}")
        if parts.query or parts.fragment:
            raise ArchiveUrlError(f"archive URL must not have a query or fragment: {value!r}")
        base = raw.rstrip("/")
        if dialect == DIALECT_PYWB and not urlsplit(base).path.strip("/"):
            raise ArchiveUrlError(
                f"a pywb archive URL names its collection: pywb+http://HOST:PORT/COLLECTION, "
                f"not {value!r}"
            )
        return cls(base=base, dialect=dialect)

    @property
    def spec(self) -> str:
        """The form `parse` reads back, dialect included."""
        return self.base if self.dialect == DIALECT_IA else f"{self.dialect}+{self.base}"

    @property
    def host(self) -> str:
        return urlsplit(self.base).hostname or ""

    @property
    def netloc(self) -> str:
        return urlsplit(self.base).netloc

    @property
    def cdx_endpoint(self) -> str:
        if self.dialect == DIALECT_PYWB:
            return f"{self.base}/cdx"
        return f"{self.base}/cdx/search/cdx"

    @property
    def replay_prefix(self) -> str:
        return self.base if self.dialect == DIALECT_PYWB else f"{self.base}/web"

    @property
    def is_loopback(self) -> bool:
        return self.host in ("localhost", "::1") or self.host.startswith("127.")

    def is_cdx_url(self, url: str) -> bool:
        return url.split("?", 1)[0] == self.cdx_endpoint

    def replay_url(self, timestamp: str, original: str) -> str:
        """The `id_` URL that returns the capture's original bytes, no toolbar."""
        return f"{self.replay_prefix}/{timestamp}id_/{original}"

    def parse_replay(self, url: str) -> tuple[str, str] | None:
        """(timestamp, original URL) of a replay URL on this archive, else None."""
        parts = urlsplit(url)
        if parts.netloc != self.netloc:
            return None
        prefix = urlsplit(self.replay_prefix).path
        path = parts.path
        if not path.startswith(prefix + "/"):
            return None
        path = "/web" + path[len(prefix) :]
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


def timestamp_from_http_date(value: str) -> str | None:
    """The 14-digit timestamp of a `Memento-Datetime` header, or None if unreadable."""
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_timestamp(moment)


def seconds_between(a: str, b: str) -> float:
    return abs((parse_timestamp(a) - parse_timestamp(b)).total_seconds())
