"""Every capture says how its text is known: fetched, same bytes as a fetched capture,
or inferred by `changes` from the fetched capture it rests on; rebuild keeps it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.crawl import write_archive
from localarchive.server import LocalArchive
from tests.integration.conftest import run_cli

QUERY = (
    "SELECT url, timestamp, digest, source, source_url, source_ts, cdx_digest FROM captures "
    "WHERE role='policy' ORDER BY url, timestamp"
)


def _captures(out: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(out / "index.sqlite") as db:
        return db.execute(QUERY).fetchall()


def test_inferred_captures_are_recorded_as_such_and_rebuild_keeps_them(tmp_path: Path) -> None:
    world = tmp_path / "archive"
    write_archive(world, 2, 24, seed=9)
    out = tmp_path / "data"
    with LocalArchive(world) as archive:
        result = run_cli(
            "fetch", "bench000-shop.com", "bench001-shop.com", "--archive", archive.url,
            "--out", str(out),
        )  # fmt: skip
    assert result.code == 0, result.stderr
    rows = _captures(out)
    by_source = {row[3] for row in rows}
    assert by_source <= {"fetched", "same_bytes", "inferred"} and "inferred" in by_source
    for _url, _ts, digest, source, source_url, source_ts, cdx_digest in rows:
        if source == "fetched":
            assert source_url is None and cdx_digest is None
        else:  # it names the fetched capture it rests on, and keeps its own CDX digest
            assert source_url and source_ts and cdx_digest
            assert (cdx_digest != digest) == (source == "inferred")
    stats = run_cli("stats", "--out", str(out))
    assert "inferred" in stats.stdout and "fetched" in stats.stdout
    rebuilt = run_cli("rebuild", "--out", str(out))
    assert rebuilt.code == 0, rebuilt.stderr
    assert _captures(out) == rows
