"""Capture selection end to end, and a policy that moved, against the local archive."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from bench.crawl import Expected, synthetic_domain, write_archive
from localarchive.server import LocalArchive
from localarchive.sites import Capture, warc_bytes
from localarchive.timestamps import http_date
from tests.integration.conftest import run_cli


def _fetch(archive: LocalArchive, out: Path, *args: str) -> list[dict[str, Any]]:
    result = run_cli("fetch", *args, "--archive", archive.url, "--out", str(out))
    assert result.code == 0, result.stderr
    exported = run_cli("export", "--out", str(out))
    assert exported.code == 0, exported.stderr
    return [json.loads(line) for line in exported.stdout.splitlines()]


def _without(row: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in names}


def _policy_replays(archive: LocalArchive, start: int) -> int:
    return sum(1 for r in archive.requests[start:] if r.path.endswith("/privacy-policy"))


def test_changes_gives_the_versions_of_all_with_fewer_fetches(tmp_path: Path) -> None:
    expected = write_archive(tmp_path / "warcs", domains=2, captures=32)
    domains = sorted(expected)
    with LocalArchive(tmp_path / "warcs") as archive:
        start = len(archive.requests)
        every = _fetch(archive, tmp_path / "all", *domains, "--strategy", "all")
        fetched_all = _policy_replays(archive, start)
        start = len(archive.requests)
        changes = _fetch(archive, tmp_path / "changes", *domains)  # the default strategy
        fetched_changes = _policy_replays(archive, start)
        start = len(archive.requests)
        yearly = _fetch(
            archive, tmp_path / "interval", *domains, "--strategy", "interval", "--every", "1Y"
        )
        fetched_yearly = _policy_replays(archive, start)
    # the same versions; what they rest on differs: `all` read every capture
    read = ("snapshots_fetched", "first_seen_basis", "last_seen_basis")
    assert [_without(r, read) for r in changes] == [_without(r, read) for r in every]
    assert all(r["snapshots_fetched"] == r["snapshots"] for r in every)
    assert sum(r["snapshots_fetched"] for r in changes) == fetched_changes
    assert {
        d: [
            Expected(r["first_seen"], r["last_seen"], r["snapshots"])
            for r in changes
            if r["domain"] == d
        ]
        for d in domains
    } == expected
    assert fetched_all == 64 and fetched_changes <= 0.6 * fetched_all
    # interval: one capture a year (six years) and nothing else recorded
    assert fetched_yearly == 12
    assert sum(r["snapshots"] for r in yearly) == 12


def _page(url: str, timestamp: str, body: bytes, status: int = 200, **headers: str) -> Capture:
    fields = (
        ("Date", http_date(timestamp)),
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
        *headers.items(),
    )
    return Capture(url, timestamp, status, "OK" if status == 200 else "Moved", fields, body)


def test_a_policy_that_moved_is_followed_inside_the_archive(tmp_path: Path) -> None:
    """/privacy serves the policy until 2017, then redirects to a path no keyword names;
    only the redirect tells where the policy went."""
    old = "http://moved-shop.com/privacy"
    new = "http://moved-shop.com/legal/notice-2018"
    pages, _ = synthetic_domain("moved-shop.com", 8, random.Random(3))
    policy = [p for p in pages if p.url.endswith("/privacy-policy")]
    captures = [
        _page("http://moved-shop.com/", "20150105000000", b'<a href="/privacy">Privacy</a>'),
        *(_page(old, p.timestamp, p.body) for p in policy[:4]),
        *(_page(new, p.timestamp, p.body) for p in policy[4:]),
        _page(old, "20220101000000", b"moved", status=301, Location=new),
        # a move off the site is never followed
        _page("http://moved-shop.com/privacy-old", "20220102000000", b"", 301,
              Location="http://elsewhere.example/privacy"),
    ]  # fmt: skip
    folder = tmp_path / "warcs"
    folder.mkdir()
    (folder / "moved.warc.gz").write_bytes(warc_bytes(captures, "moved.warc.gz"))
    with LocalArchive(folder) as archive:
        result = run_cli(
            "fetch", "moved-shop.com", "--archive", archive.url, "--out", str(tmp_path / "d"), "-v"
        )
        assert result.code == 0, result.stderr
        assert f"policy moved from {old} to {new}" in result.stderr
        assert not any("elsewhere" in r.path for r in archive.requests)
        exported = run_cli("export", "--out", str(tmp_path / "d"))
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    urls = {r["url"] for r in rows}
    assert new in urls, rows
    assert sum(r["snapshots"] for r in rows) == 8
