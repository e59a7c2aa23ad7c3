"""Reading a replay answer: a capture to keep, a redirect to follow, or a reason to drop.

Pure (no I/O). The one rule that tells the archive's own answers from captures: a
capture comes with `Memento-Datetime` (even an archived 404 or 429 page); the archive's
redirect to the nearest capture, its 404 "never archived" page and its "excluded" or
error pages never have it (see the recorded IA exchanges).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from crawler.discovery import canonical_url, host_in_domain
from webarchive.wayback import Archive, seconds_between, timestamp_from_http_date

REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Words of the archive's own pages for excluded or blocked sites (IA answers them 200).
_BLOCKED_MARKERS = (b"has been excluded from the Wayback Machine", b"Blocked Site Error")


@dataclass(frozen=True, slots=True)
class Served:
    """The capture the archive actually served (it may differ from the one asked for)."""

    timestamp: str
    url: str


@dataclass(frozen=True, slots=True)
class Follow:
    """Request this replay URL next. `moved`: a captured redirect (the page moved), not
    the archive pointing at its nearest capture."""

    replay_url: str
    timestamp: str
    url: str
    moved: bool


@dataclass(frozen=True, slots=True)
class Dropped:
    reason: str  # a stat key segment: policy/dropped/<reason>


ReplayOutcome = Served | Follow | Dropped


def read_replay(
    archive: Archive,
    response_url: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    asked_timestamp: str,
    domain: str,
    window_seconds: float,
) -> ReplayOutcome:
    """What to do with one replay answer. `headers` are keyed in lower case;
    `asked_timestamp` is the capture first asked for, so redirect chains cannot drift
    out of the window one hop at a time."""
    memento = headers.get("memento-datetime")
    served_ts = timestamp_from_http_date(memento) if memento else None
    location = headers.get("location")
    if served_ts is None:
        return _archive_answer(
            archive, response_url, status, location, body, asked_timestamp, domain, window_seconds
        )
    if seconds_between(served_ts, asked_timestamp) > window_seconds:
        return Dropped("outside_window")
    if status in REDIRECTS and location:
        target = _redirect_target(archive, response_url, location, domain)
        if isinstance(target, Dropped):
            return target
        ts, url = target
        return Follow(archive.replay_url(ts, url), ts, url, moved=True)
    if status != 200:
        return Dropped(f"captured_http_{status}")
    # pywb serves an inexact timestamp's nearest capture directly and names it in
    # Content-Location; IA redirects first, so the response URL names it.
    where = archive.parse_replay(urljoin(response_url, headers.get("content-location", "")))
    url = where[1] if where else (archive.parse_replay(response_url) or ("", ""))[1]
    return Served(served_ts, url)


def _redirect_target(
    archive: Archive, response_url: str, location: str, domain: str
) -> tuple[str, str] | Dropped:
    """(timestamp, URL) a redirect leads to, or why it is not followed."""
    target = archive.parse_replay(urljoin(response_url, location))
    if target is None:
        # IA rewrites captured Locations into the archive; one that points at the live web
        # is never requested.
        return Dropped("redirect_off_archive")
    if not host_in_domain(urlsplit(target[1]).hostname or "", domain):
        return Dropped("moved_off_domain")
    return target


def _archive_answer(
    archive: Archive,
    response_url: str,
    status: int,
    location: str | None,
    body: bytes,
    asked_timestamp: str,
    domain: str,
    window_seconds: float,
) -> ReplayOutcome:
    if status in REDIRECTS and location:
        target = _redirect_target(archive, response_url, location, domain)
        if isinstance(target, Dropped):
            return target
        ts, url = target
        if seconds_between(ts, asked_timestamp) > window_seconds:
            return Dropped("outside_window")
        asked = archive.parse_replay(response_url)
        moved = asked is not None and canonical_url(asked[1]) != canonical_url(url)
        return Follow(archive.replay_url(ts, url), ts, url, moved=moved)
    if status == 404:
        return Dropped("not_archived")
    if status in (403, 451) or any(marker in body for marker in _BLOCKED_MARKERS):
        return Dropped("blocked")
    if status == 200:
        return Dropped("archive_page")  # an archive page, not a capture: never text
    return Dropped(f"archive_http_{status}")
