"""Pure helpers for the Wayback Machine's URL scheme and timestamps (no I/O)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
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
# An archive that offers only Memento (RFC 7089): a TimeMap per URL at
# <base>/timemap/link/<url> (or /timemap/json/), replay at <base>/<ts>id_/<url>. A TimeMap
# lists exact URLs only, and gives no digest, length, status or type.
DIALECT_MEMENTO = "memento"
DIALECTS = (DIALECT_IA, DIALECT_PYWB, DIALECT_MEMENTO)
TIMEMAP_FORMATS = ("link", "json")
# A replay URL with its archive base: .../web/<ts>id_/<url> (IA) or .../<ts>id_/<url>.
_REPLAY_BASE = re.compile(r"^(?P<base>https?://.+?)(?:/web)?/\d{14}[a-z]{2}_/")


@dataclass(frozen=True, slots=True)
class Archive:
    """A Wayback-compatible archive: where its CDX endpoint and replay live.

    `pywb+http://host:port/collection` names a pywb collection, `memento+URL` an archive
    known by its TimeMaps alone; a plain http(s) URL an archive with the Internet
    Archive's interface. The budgets (requests a minute, None: the defaults) are this
    archive host's own, from the archives file.
    """

    base: str
    dialect: str = DIALECT_IA
    name: str = ""
    cdx_per_minute: float | None = None
    replay_per_minute: float | None = None
    timemap: str = "link"  # memento: the TimeMap format asked for

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
    def label(self) -> str:
        """How reports and exports name the archive: its name in the archives file, else
        its base URL."""
        return self.name or self.base

    @property
    def cdx_endpoint(self) -> str:
        if self.dialect == DIALECT_PYWB:
            return f"{self.base}/cdx"
        if self.dialect == DIALECT_MEMENTO:
            return f"{self.base}/timemap/{self.timemap}"
        return f"{self.base}/cdx/search/cdx"

    @property
    def replay_prefix(self) -> str:
        return f"{self.base}/web" if self.dialect == DIALECT_IA else self.base

    def timemap_url(self, original: str) -> str:
        return f"{self.cdx_endpoint}/{original}"

    def owns(self, url: str) -> bool:
        """Is `url` a request to this archive (its listing or its replay)?"""
        return url == self.base or url.startswith(self.base + "/")

    @property
    def is_loopback(self) -> bool:
        return self.host in ("localhost", "::1") or self.host.startswith("127.")

    def is_cdx_url(self, url: str) -> bool:
        if self.dialect == DIALECT_MEMENTO:
            # TimeMaps count against the listing budget (IA: they share the CDX limit)
            return url.startswith(self.cdx_endpoint + "/")
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


def archive_base(replay_url: str) -> str:
    """The base URL of the archive a replay URL points into ("" if it is none)."""
    match = _REPLAY_BASE.match(replay_url)
    return match["base"] if match else ""


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


def parse_archives(value: str) -> tuple[Archive, ...]:
    """The archives of a crawl as the WAYBACK_ARCHIVE setting holds them: one spec, specs
    separated by spaces, or a JSON list of archives (archives_setting)."""
    text = value.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
            archives = tuple(_archive_from_json(item) for item in items)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ArchiveUrlError(f"not a list of archives: {exc}") from exc
    else:
        archives = tuple(Archive.parse(spec) for spec in text.split())
    if not archives:
        raise ArchiveUrlError("no archive given")
    return archives


def _archive_from_json(item: dict[str, object]) -> Archive:
    parsed = Archive.parse(str(item["spec"]))

    def rate(name: str) -> float | None:
        value = item.get(name)
        return None if value is None else float(str(value))

    return replace(
        parsed,
        name=str(item.get("name") or ""),
        cdx_per_minute=rate("cdx_per_minute"),
        replay_per_minute=rate("replay_per_minute"),
        timemap=str(item.get("timemap") or "link"),
    )


def archives_setting(archives: Sequence[Archive]) -> str:
    """The WAYBACK_ARCHIVE value naming `archives`: a plain spec when one archive says
    all, else JSON that keeps names, budgets and TimeMap formats."""
    plain = all(
        not a.name and a.cdx_per_minute is None and a.replay_per_minute is None for a in archives
    ) and all(a.timemap == "link" for a in archives)
    if plain:
        return " ".join(a.spec for a in archives)
    return json.dumps(
        [
            {
                "spec": a.spec,
                "name": a.name,
                "cdx_per_minute": a.cdx_per_minute,
                "replay_per_minute": a.replay_per_minute,
                "timemap": a.timemap,
            }
            for a in archives
        ]
    )


def archive_for(archives: Sequence[Archive], url: str) -> Archive | None:
    """The archive a request URL goes to (the longest base that owns it)."""
    owners = [a for a in archives if a.owns(url)]
    return max(owners, key=lambda a: len(a.base)) if owners else None


def archives_label(value: str) -> str:
    """The archives of a WAYBACK_ARCHIVE value as people read them: names or base URLs."""
    return ", ".join(a.label for a in parse_archives(value))
