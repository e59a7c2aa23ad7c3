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


def test_captures_added_to_the_archive_between_runs_are_counted_like_one_run(
    tmp_path: Path,
) -> None:
    """Inferred captures resting on a capture stored by an earlier run keep their text:
    a crawl of the archive as of 2019, then of the whole archive, gives the versions of
    one crawl of the whole archive (snapshots included)."""
    import json

    from tests.integration.test_crawl import archive_as_of

    world = tmp_path / "archive"
    write_archive(world, 3, 24, seed=4)
    domains = [f"bench{n:03d}-shop.com" for n in range(3)]

    def fetch(archive_dir: Path, out: Path) -> None:
        with LocalArchive(archive_dir) as archive:
            result = run_cli("fetch", *domains, "--archive", archive.url, "--out", str(out))
        assert result.code == 0, result.stderr

    def export(out: Path) -> list[dict[str, object]]:
        result = run_cli("export", "--out", str(out))
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        return [{k: v for k, v in r.items() if k != "archive_url"} for r in rows]

    fetch(world, tmp_path / "once")
    fetch(archive_as_of(world, tmp_path / "2019", "2019-01-01"), tmp_path / "twice")
    fetch(world, tmp_path / "twice")
    assert export(tmp_path / "twice") == export(tmp_path / "once")
