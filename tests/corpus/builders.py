"""Captures for corpus tests, built one way."""

from __future__ import annotations

from corpus.models import ROLE_POLICY, RawCapture

ARCHIVE = "http://127.0.0.1:1/web"
HTML = (("Content-Type", "text/html; charset=utf-8"),)


def policy_capture(
    ts: str,
    digest: str,
    *,
    domain: str = "a.com",
    url: str | None = None,
    body: bytes | None = b"<html></html>",
    headers: tuple[tuple[str, str], ...] = (),
) -> RawCapture:
    url = url or f"https://www.{domain}/privacy"
    return RawCapture(
        domain=domain,
        kind="privacy",
        role=ROLE_POLICY,
        url=url,
        timestamp=ts,
        archive_url=f"{ARCHIVE}/{ts}id_/{url}",
        digest=digest,
        headers=headers,
        body=body,
    )
