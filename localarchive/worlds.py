"""Archives of given pages: (url, timestamp, bytes) written as one WARC file the local
archive serves, for tests and benchmarks that bring their own pages."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from localarchive.sites import Capture, warc_bytes
from localarchive.timestamps import http_date


@dataclass(frozen=True, slots=True)
class Page:
    url: str  # as the crawler recorded it (non-ASCII percent-encoded)
    timestamp: str  # 14 digits
    body: bytes
    content_type: str = "text/html"  # no charset: the page's own <meta> says it, if anything


def page_capture(page: Page) -> Capture:
    """The capture of a page answered 200, with the headers a plain web server sends."""
    headers = (
        ("Date", http_date(page.timestamp)),
        ("Server", "Apache"),
        ("Content-Type", page.content_type),
        ("Content-Length", str(len(page.body))),
        ("Connection", "close"),
    )
    return Capture(page.url, page.timestamp, 200, "OK", headers, page.body)


def write_world(dest: Path, pages: Sequence[Page], name: str = "world.warc.gz") -> Path:
    """Writes `pages` as the WARC file `dest/name` (atomically); returns its path."""
    if not pages:
        raise ValueError("a world needs at least one page")
    seen: set[tuple[str, str]] = set()
    for page in pages:
        if (page.url, page.timestamp) in seen:
            raise ValueError(f"two pages at {page.url} {page.timestamp}")
        seen.add((page.url, page.timestamp))
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / name
    tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(warc_bytes([page_capture(p) for p in pages], name))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
