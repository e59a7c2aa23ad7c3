"""`scrapy crawl history` from the project root: it honours -a archive/out and its exit
status says whether the crawl did its job (cron and Scrapyd's callers read it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from localarchive.server import LocalArchive
from localarchive.sites import DemoManifest
from tests.integration.conftest import Result, free_port, run_cli, run_command


def scrapy_crawl(*arguments: str) -> Result:
    """`scrapy crawl history -a ...` in its own process, from the project root."""
    spider_args = [part for argument in arguments for part in ("-a", argument)]
    return run_command([sys.executable, "-m", "scrapy", "crawl", "history", *spider_args])


def test_a_good_domain_exits_0_with_its_versions(
    tmp_path: Path, demo_archive: tuple[Path, DemoManifest], archive_server: LocalArchive
) -> None:
    out = tmp_path / "data"
    result = scrapy_crawl("domain=acme-shop.com", f"archive={archive_server.url}", f"out={out}")
    assert result.code == 0, result.stderr[-3000:]
    assert "Spider closed (finished)" in result.stderr
    assert (out / "index.sqlite").exists()
    exported = run_cli("export", "--out", str(out))
    assert exported.code == 0, exported.stderr
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [(r["first_seen"], r["last_seen"], r["snapshots"]) for r in rows] == [
        (v.first_seen, v.last_seen, v.snapshots) for v in demo_archive[1].versions["acme-shop.com"]
    ]


def test_an_unreachable_archive_exits_1(tmp_path: Path) -> None:
    out = tmp_path / "data"
    archive = f"http://127.0.0.1:{free_port()}"
    result = scrapy_crawl("domain=acme-shop.com", f"archive={archive}", f"out={out}")
    assert result.code == 1
    assert f"cannot reach the archive at {archive.removeprefix('http://')}" in result.stderr
    assert "Traceback" not in result.stderr
    assert "not on the archive" not in result.stderr  # the argument reached the middleware
    assert not (out / "index.sqlite").exists()


def test_a_blocked_domain_exits_1(tmp_path: Path, demo_archive: tuple[Path, DemoManifest]) -> None:
    out = tmp_path / "data"
    with LocalArchive(demo_archive[0], blocked={"net,plainsite)"}) as archive:
        result = scrapy_crawl("domain=plainsite.net", f"archive={archive.url}", f"out={out}")
    assert result.code == 1
    assert "refuses to list plainsite.net (403: blocked site)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_job_on_a_busy_data_directory_exits_3(
    tmp_path: Path, archive_server: LocalArchive
) -> None:
    """A Scrapyd job (or `scrapy crawl`) locks the data directory like any run."""
    from corpus.lock import DataDirLock

    out = tmp_path / "data"
    with DataDirLock(out):
        result = scrapy_crawl("domain=plainsite.net", f"archive={archive_server.url}", f"out={out}")
    assert result.code == 3, result.stderr[-2000:]
    assert "another policy-archive run is writing to" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (out / "index.sqlite").exists()


def test_several_domains_in_one_job(tmp_path: Path, archive_server: LocalArchive) -> None:
    out = tmp_path / "data"
    result = scrapy_crawl(
        "domain=plainsite.net,oldtable.org", f"archive={archive_server.url}", f"out={out}"
    )
    assert result.code == 0, result.stderr[-3000:]
    exported = run_cli("export", "--out", str(out))
    assert {json.loads(line)["domain"] for line in exported.stdout.splitlines()} == {
        "plainsite.net",
        "oldtable.org",
    }


def test_a_job_on_a_damaged_index_exits_2_before_any_request(
    tmp_path: Path, archive_server: LocalArchive
) -> None:
    out = tmp_path / "data"
    out.mkdir()
    (out / "index.sqlite").write_bytes(b"not an index" * 1000)
    requests = len(archive_server.requests)
    result = scrapy_crawl("domain=plainsite.net", f"archive={archive_server.url}", f"out={out}")
    assert result.code == 2, result.stderr[-2000:]
    assert "damaged (file is not a database); rebuild it from the raw captures: " in result.stderr
    assert f"policy-archive rebuild --out {out}" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(archive_server.requests) == requests
