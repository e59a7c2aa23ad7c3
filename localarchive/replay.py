"""Replay (`/web/<ts>id_/<url>`): captures by URL and timestamp, answered as IA does."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

from localarchive.surt import surt
from localarchive.timestamps import http_date, parse_timestamp
from localarchive.warcs import IndexEntry, StoredResponse, read_response

logger = logging.getLogger(__name__)

_REPLAY_PATH = re.compile(r"^/web/(?P<ts>\d{1,14})(?P<mod>[a-z]{2}_)?/(?P<url>.+)$", re.DOTALL)
# proxies and clients sometimes merge the `//` after the scheme
_SCHEME_SLASHES = re.compile(r"^(?P<scheme>https?):/+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Replayer:
    """Answers replay paths from an index; base_url is the archive's own address."""

    def __init__(
        self, index: Sequence[IndexEntry], base_url: str, blocked_prefixes: Iterable[str] = ()
    ) -> None:
        self._by_key: dict[str, list[IndexEntry]] = {}
        for entry in index:
            self._by_key.setdefault(entry.row.urlkey, []).append(entry)
        for entries in self._by_key.values():
            entries.sort(key=lambda e: e.row.timestamp)
        self._base_url = base_url.rstrip("/")
        self._blocked = tuple(blocked_prefixes)

    @staticmethod
    def handles(path: str) -> bool:
        return _REPLAY_PATH.match(path) is not None

    def answer(self, path: str) -> Reply:
        match = _REPLAY_PATH.match(path)
        if match is None:
            return not_found_reply()
        timestamp, mod, url = match["ts"], match["mod"] or "", _normalise_url(match["url"])
        key = surt(url)
        if self._blocked and key.startswith(self._blocked):
            return _excluded_reply()
        captures = self._by_key.get(key)
        if not captures:
            return _not_archived_reply(url)
        if len(timestamp) == 14:
            exact = [c for c in captures if c.row.timestamp == timestamp]
            if exact:
                preferred = [c for c in exact if c.row.original == url]
                return self._serve((preferred or exact)[0], mod)
        nearest = _nearest(captures, timestamp)
        location = self._memento_url(nearest.row.timestamp, mod, nearest.row.original)
        return Reply(
            302,
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Location", location),
                ("X-Archive-Redirect-Reason", f"found capture at {nearest.row.timestamp}"),
            ],
            b"",
        )

    def _memento_url(self, timestamp: str, mod: str, url: str) -> str:
        return f"{self._base_url}/web/{timestamp}{mod}/{url}"

    def _serve(self, entry: IndexEntry, mod: str) -> Reply:
        stored = read_response(entry.path, entry.offset)
        if entry.is_revisit:
            original = self._revisited(entry)
            if original is None:
                logger.warning(
                    "revisit without original: %s %s", entry.row.timestamp, entry.row.original
                )
                return _not_archived_reply(entry.row.original)
            payload = read_response(original.path, original.offset)
            # a revisit may keep its own HTTP headers; the payload is always the original's
            stored = StoredResponse(
                stored.status if stored.headers else payload.status,
                stored.reason if stored.headers else payload.reason,
                stored.headers or payload.headers,
                payload.body,
            )
        headers: list[tuple[str, str]] = []
        for name, value in stored.headers:
            lower = name.lower()
            if lower == "content-type":
                headers.append((name, value))
            elif lower == "location" and 300 <= stored.status < 400:
                target = urljoin(entry.row.original, value.strip())
                headers.append(("Location", self._memento_url(entry.row.timestamp, mod, target)))
            else:
                headers.append((f"X-Archive-Orig-{name}", value))
        headers.append(("Memento-Datetime", http_date(entry.row.timestamp)))
        return Reply(stored.status, headers, stored.body)

    def _revisited(self, revisit: IndexEntry) -> IndexEntry | None:
        same = [
            c
            for c in self._by_key.get(revisit.row.urlkey, [])
            if not c.is_revisit and c.row.digest == revisit.row.digest
        ]
        earlier = [c for c in same if c.row.timestamp <= revisit.row.timestamp]
        if earlier:
            return earlier[-1]
        return same[0] if same else None


def _normalise_url(url: str) -> str:
    if _SCHEME_SLASHES.match(url):
        return _SCHEME_SLASHES.sub(lambda m: m["scheme"].lower() + "://", url, count=1)
    return "http://" + url


def _nearest(captures: Sequence[IndexEntry], timestamp: str) -> IndexEntry:
    wanted = parse_timestamp(timestamp)
    # earlier capture wins a tie, like IA
    return min(
        captures,
        key=lambda c: (
            abs((parse_timestamp(c.row.timestamp) - wanted).total_seconds()),
            c.row.timestamp,
        ),
    )


def _page(title: str, heading: str, message: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><title>Wayback Machine</title></head>\n<body>\n'
        f'<div id="error">\n<h2>{html.escape(heading)}</h2>\n<p>{message}</p>\n</div>\n'
        f"<!-- {html.escape(title)} -->\n</body>\n</html>\n"
    ).encode()


def _not_archived_reply(url: str) -> Reply:
    body = _page(
        "not archived",
        "Hrm.",
        "The Wayback Machine has not archived that URL. "
        f"Wayback Machine doesn't have that page archived: {html.escape(url)}",
    )
    return Reply(404, [("Content-Type", "text/html; charset=utf-8")], body)


def _excluded_reply() -> Reply:
    # IA answers an excluded URL with 200 and this page (see the recorded exchanges)
    body = _page("excluded", "Sorry.", "This URL has been excluded from the Wayback Machine.")
    return Reply(200, [("Content-Type", "text/html; charset=utf-8")], body)


def not_found_reply() -> Reply:
    body = _page("not found", "Not Found", "The requested URL was not found on this server.")
    return Reply(404, [("Content-Type", "text/html; charset=utf-8")], body)
