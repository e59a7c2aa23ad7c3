from __future__ import annotations

import sys
from pathlib import Path

from bench import suite
from bench.crawl import write_archive
from corpus.rawstore import read_raw, warc_files
from localarchive.server import CDX_PATH, LocalArchive


def test_distinct_store_gives_every_capture_its_own_bytes(tmp_path: Path) -> None:
    for weight in ("real", "light"):
        root = tmp_path / weight
        assert suite.distinct_store(root, 2, 8, weight) == 16
        captures = [c for path in warc_files(root) for c in read_raw(path)]
        assert len(captures) == 16
        assert all(c.body is not None for c in captures)  # no revisit: nothing repeats
        assert len({c.digest for c in captures}) == 16


def test_the_yardstick_extracts_every_capture_revisits_included(tmp_path: Path) -> None:
    assert suite.repeated_store(tmp_path, 2, 8) == 16
    assert any(c.body is None for p in warc_files(tmp_path) for c in read_raw(p))
    assert suite.yardstick(tmp_path) == 16


def test_the_naive_script_lists_with_waybackpy_and_writes_a_file_per_capture(
    tmp_path: Path,
) -> None:
    expected = write_archive(tmp_path / "warcs", 2, 5)
    out = tmp_path / "naive"
    with LocalArchive(tmp_path / "warcs") as archive:
        urls = [f"https://www.{domain}/privacy-policy" for domain in sorted(expected)]
        run = suite.run_process(
            [
                sys.executable,
                "-m",
                "bench.naive",
                "--archive",
                archive.url,
                "--out",
                str(out),
                *urls,
            ]
        )
        requests = list(archive.requests)
    assert run.stdout.strip() == "10"
    assert len(list(out.glob("*.md"))) == 10
    assert sum(1 for r in requests if r.path.startswith(CDX_PATH)) == 2  # one listing a URL
    assert sum(1 for r in requests if r.path.startswith("/web/")) == 10  # one at a time, all


def test_change_dates_are_found_exactly_or_within_half_a_year() -> None:
    from bench.crawl import Expected

    expected = {
        "a.example": [
            Expected("2016-01-04", "2016-06-01", 3),
            Expected("2016-07-01", "2017-01-01", 3),
            Expected("2017-03-01", "2018-01-01", 3),
        ]
    }
    rows: list[dict[str, object]] = [
        {"domain": "a.example", "version": 1, "first_seen": "2016-01-04"},
        {"domain": "a.example", "version": 2, "first_seen": "2016-07-01"},  # exact
        {"domain": "a.example", "version": 3, "first_seen": "2017-07-01"},  # 122 days late
    ]
    assert suite._changes_found(rows, expected) == (2, 1, 1)  # type: ignore[arg-type]
