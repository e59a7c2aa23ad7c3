"""Scheduled crawls: a domain list, incremental runs, and no overlapping runs."""

from __future__ import annotations

import json
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from corpus.lock import DataDirLock
from localarchive.server import LocalArchive
from localarchive.sites import DemoManifest
from tests.integration.conftest import run_cli


def archive_as_of(source: Path, dest: Path, cutoff: str) -> Path:
    """A copy of the demo archive holding only the records captured before `cutoff`."""
    dest.mkdir(parents=True, exist_ok=True)
    for warc in sorted(source.glob("*.warc.gz")):
        with open(warc, "rb") as src, open(dest / warc.name, "wb") as out:
            writer = WARCWriter(out, gzip=True)
            for record in ArchiveIterator(src):
                if record.rec_headers.get_header("WARC-Date") < cutoff:
                    writer.write_record(record)
    return dest


def export(out: Path) -> list[dict[str, object]]:
    result = run_cli("export", "--out", str(out))
    assert result.code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_incremental_crawls_append_what_is_new(
    tmp_path: Path, demo_archive: tuple[Path, DemoManifest], archive_server: LocalArchive
) -> None:
    source, manifest = demo_archive
    listing = tmp_path / "domains.txt"
    listing.write_text("# demo sites\nacme-shop.com\n\nwww.oldtable.org  # old one\n")
    out = tmp_path / "data"
    with LocalArchive(archive_as_of(source, tmp_path / "2018", "2018-01-01")) as past:
        first = run_cli("crawl", str(listing), "--archive", past.url, "--out", str(out))
    assert first.code == 0, first.stderr
    early = export(out)
    assert [(r["domain"], r["first_seen"], r["last_seen"]) for r in early] == [
        ("acme-shop.com", "2015-03-14", "2016-06-21"),
        ("acme-shop.com", "2017-04-09", "2017-04-09"),
        ("oldtable.org", "1999-05-08", "2002-02-11"),
        ("oldtable.org", "2004-07-04", "2006-12-01"),
    ]
    start = len(archive_server.requests)
    second = run_cli("crawl", str(listing), "--archive", archive_server.url, "--out", str(out))
    assert second.code == 0, second.stderr
    rows = export(out)
    expected = [v for d in ("acme-shop.com", "oldtable.org") for v in manifest.versions[d]]
    assert [(r["first_seen"], r["last_seen"], r["snapshots"]) for r in rows] == [
        (v.first_seen, v.last_seen, v.snapshots) for v in expected
    ]
    # The second run fetched only captures from 2018 on (plus homepages, read for links).
    fetched = [
        log.path.split("/web/")[1][:4]
        for log in archive_server.requests[start:]
        if "/web/" in log.path and "privacy" in log.path
    ]
    assert fetched and min(fetched) >= "2018"


def test_an_overlapping_run_is_refused(tmp_path: Path, archive_server: LocalArchive) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text("plainsite.net\n")
    out = tmp_path / "data"
    with DataDirLock(out):
        result = run_cli("crawl", str(listing), "--archive", archive_server.url, "--out", str(out))
    assert result.code == 3
    assert "another policy-archive run is writing to" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (out / "index.sqlite").exists()
    # Once the other run is over, the same command goes through.
    result = run_cli("crawl", str(listing), "--archive", archive_server.url, "--out", str(out))
    assert result.code == 0, result.stderr


def test_bad_lines_are_reported_and_skipped_and_the_rest_is_crawled(
    tmp_path: Path, archive_server: LocalArchive
) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text(
        "plainsite.net\nnot a domain\n../../etc\n" + "x" * 10000 + "\noldtable.org\n"
    )
    out = tmp_path / "data"
    result = run_cli("crawl", str(listing), "--archive", archive_server.url, "--out", str(out))
    # a typo in one line must not cancel the crawl; the run still says it was not clean
    assert result.code == 1, result.stderr
    assert "line 2: 'not a domain'" in result.stderr and "line 3: '../../etc'" in result.stderr
    assert "line 4: '(a line over 4096 bytes)'" in result.stderr
    assert "Traceback" not in result.stderr
    assert "plainsite.net [ok]" in result.stdout and "oldtable.org [ok]" in result.stdout
    assert {r["domain"] for r in export(out)} == {"plainsite.net", "oldtable.org"}
    report = json.loads(next((out / "runs").glob("*.json")).read_text())
    assert [line["line"] for line in report["invalid_lines"]] == [2, 3, 4]
    assert report["exit_status"] == 1 and report["domains"]["done"] == 2


def test_a_list_with_no_domain_is_a_usage_error(tmp_path: Path) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text("# nothing here\nnot a domain\n")
    result = run_cli("crawl", str(listing), "--out", str(tmp_path / "data"))
    assert result.code == 2 and "lists no domains" in result.stderr


def test_a_huge_line_without_end_is_not_read_into_memory(tmp_path: Path) -> None:
    """`crawl /dev/zero`: the list is read as a stream with a size limit."""
    result = run_cli("crawl", "/dev/zero", "--out", str(tmp_path / "data"))
    assert result.code == 2, result.stderr
    assert "not a domain list" in result.stderr and "Traceback" not in result.stderr


def test_missing_list_file(tmp_path: Path) -> None:
    result = run_cli("crawl", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "data"))
    assert result.code == 2 and "cannot read the domain list" in result.stderr
