"""Memento TimeMaps (RFC 7089) read as CDX records: link format and JSON (no I/O).

A TimeMap names each capture (memento) of one URL with its time and its replay URL, and
nothing else: no payload digest, no length, no status, no type. Its records say so
(`digest` "-", `statuscode` and `mimetype` ""), so that nothing downstream takes two of
them for the same bytes or filters them on a status they never had.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from webarchive.cdx import CdxFormatError, CdxPage, CdxRecord, parse_cdx
from webarchive.wayback import normalise_timestamp, timestamp_from_http_date

# One link: <uri> followed by its ;-separated attributes, up to the next "," at top level.
_LINK = re.compile(r"<(?P<uri>[^>]*)>(?P<params>(?:\s*;\s*[^;,<]+?=\s*(?:\"[^\"]*\"|[^;,<\s]+))*)")
_PARAM = re.compile(r";\s*(?P<name>[^;=\s]+)\s*=\s*(?:\"(?P<quoted>[^\"]*)\"|(?P<bare>[^;,\s]+))")
# The time and the original URL inside a wayback-style memento URI: .../<ts>[mode]/<url>
_MEMENTO_URI = re.compile(r"/(?P<ts>\d{14})(?:[a-z]{2}_)?/(?P<url>https?:.*)$")
UNKNOWN = ""  # a field the TimeMap does not give


def parse_timemap(body: bytes | str) -> CdxPage:
    """The mementos of one TimeMap, link format or JSON, as CDX records in time order."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    stripped = text.lstrip()
    if not stripped:
        return CdxPage()
    head = stripped[:2048].lower()
    if not stripped.startswith("<http") and ("<html" in head or stripped.startswith("<!")):
        raise CdxFormatError("the archive answered an HTML page, not a TimeMap")
    if stripped.startswith("{") and '"mementos"' in stripped[:4096]:
        return _parse_memento_json(stripped)
    if stripped.startswith(("{", "[")):
        # pywb's /timemap/json/ is its CDX JSON: one object a line
        return parse_cdx(stripped)
    return CdxPage(records=sorted(_parse_links(stripped), key=lambda r: r.timestamp))


def _parse_links(text: str) -> Iterator[CdxRecord]:
    original = ""
    mementos: list[tuple[str, dict[str, str]]] = []
    found = False
    for match in _LINK.finditer(text):
        found = True
        params = {
            m["name"].lower(): (m["quoted"] if m["quoted"] is not None else m["bare"])
            for m in _PARAM.finditer(match["params"])
        }
        rels = params.get("rel", "").split()
        if "original" in rels:
            original = match["uri"]
        if "memento" in rels:
            mementos.append((match["uri"], params))
    if not found:
        raise CdxFormatError("the answer is not a TimeMap in link format")
    for uri, params in mementos:
        record = _record(uri, params.get("datetime"), original)
        if record is not None:
            yield record


def _parse_memento_json(text: str) -> CdxPage:
    """The JSON TimeMap of Memento aggregators and archives: `original_uri` and
    `mementos.list` of {datetime, uri}."""
    try:
        obj: Any = json.loads(text)
        original = str(obj.get("original_uri", ""))
        listed = obj["mementos"]["list"]
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise CdxFormatError(f"not a JSON TimeMap: {exc}") from exc
    records = []
    for item in listed if isinstance(listed, list) else []:
        if isinstance(item, dict):
            record = _record(str(item.get("uri", "")), item.get("datetime"), original)
            if record is not None:
                records.append(record)
    return CdxPage(records=sorted(records, key=lambda r: r.timestamp))


def _record(uri: str, when: object, original: str) -> CdxRecord | None:
    inside = _MEMENTO_URI.search(uri)
    timestamp = None
    if isinstance(when, str) and when:
        # JSON TimeMaps write ISO 8601; link TimeMaps RFC 1123
        timestamp = timestamp_from_http_date(when) or _iso_timestamp(when)
    if timestamp is None and inside is not None:
        timestamp = inside["ts"]
    # the URL inside the memento URI is the capture's own (scheme, www), the TimeMap's
    # `original` only the one asked for
    url = (inside["url"] if inside is not None else "") or original
    if timestamp is None or not url:
        return None
    return CdxRecord(
        urlkey=UNKNOWN,
        timestamp=normalise_timestamp(timestamp),
        original=url,
        mimetype=UNKNOWN,
        statuscode=UNKNOWN,
        digest="-",
        length="-",
    )


def _iso_timestamp(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)[:14]
    return digits if len(digits) >= 8 else None
