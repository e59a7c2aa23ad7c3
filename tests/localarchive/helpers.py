"""A urllib client that never follows redirects, and a tiny hand-made archive."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from localarchive.sites import Capture, warc_bytes
from localarchive.timestamps import http_date


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Message
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def get(url: str, timeout: float = 5.0) -> Answer:
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, error.headers, error.read())


def page(url: str, timestamp: str, text: str, status: int = 200, **extra: str) -> Capture:
    body = f"<html><body><p>{text}</p></body></html>".encode()
    headers = [
        ("Date", http_date(timestamp)),
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
        *((name.replace("_", "-"), value) for name, value in extra.items()),
    ]
    reason = {200: "OK", 301: "Moved Permanently", 404: "Not Found"}.get(status, "OK")
    return Capture(url, timestamp, status, reason, tuple(headers), body)


# urlkeys chosen to trip naive prefix, host and domain matching
MINI_CAPTURES = [
    page("http://example.com/", "20100101000000", "root one"),
    page("https://www.example.com/", "20100601000000", "root one"),
    page("http://example.com/", "20110101000000", "root two"),
    page("http://example.com/", "20110301000000", "root one"),
    page("http://example.com/dir/", "20120101000000", "dir"),
    page("http://example.com/dirt", "20120102000000", "dirt"),
    page("http://example.com/page?b=2&a=1", "20120103000000", "query"),
    page("http://sub.example.com/x", "20130101000000", "sub"),
    page("http://example-shop.com/", "20130101000000", "shop"),
    page("http://example.com/gone", "20140101000000", "gone", status=404),
]


def write_mini_archive(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "mini.warc.gz").write_bytes(warc_bytes(MINI_CAPTURES, "mini.warc.gz"))
    return dest
