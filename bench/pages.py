"""Synthetic shop pages for the crawl benchmarks: a policy that grows a section per version."""

from __future__ import annotations

from html import escape

from localarchive import texts
from localarchive.sites import Capture
from localarchive.timestamps import http_date, iso_day


def policy_page(brand: str, version: int, timestamp: str, visitor: int) -> bytes:
    sections = list(texts.ACME_A.sections)
    for v in range(1, version + 1):  # each version adds a sentence: no text ever returns
        sections.append(
            texts.Section(
                f"Update {v}",
                (
                    f"Since update {v}, {brand} keeps the logs of its web servers for "
                    f"{30 * v} days and shares them with no one except the hosting provider "
                    f"that runs server number {v} for us.",
                ),
            )
        )
    body = []
    for section in sections:
        if section.heading:
            body.append(f"<h2>{escape(section.heading)}</h2>")
        for block in section.blocks:
            if isinstance(block, str):
                body.append(f"<p>{escape(block)}</p>")
            else:
                body.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block) + "</ul>")
    year = timestamp[:4]
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Privacy Policy | {escape(brand)}</title></head>
<body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/shop">Shop</a></li>
<li><a href="/privacy-policy">Privacy</a></li></ul></nav>
<p class="banner">Spring sale, visitor {visitor}: free delivery until {iso_day(timestamp)}</p></header>
<main><article><h1>Privacy Policy</h1>
{chr(10).join(body)}
</article></main>
<footer><p>&copy; {year} {escape(brand)} &middot; served {timestamp} &middot; {visitor} visits</p></footer>
</body></html>
"""
    return page.encode()


def home_page(brand: str, timestamp: str) -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>{escape(brand)}</title></head><body>"
        f"<h1>{escape(brand)}</h1><p>Welcome, it is {timestamp}.</p>"
        '<p><a href="/shop">Shop</a> <a href="/privacy-policy">Privacy policy</a></p>'
        "</body></html>"
    ).encode()


def html_capture(url: str, timestamp: str, body: bytes) -> Capture:
    headers = (
        ("Date", http_date(timestamp)),
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
    )
    return Capture(url, timestamp, 200, "OK", headers, body)
