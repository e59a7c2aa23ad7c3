"""Nothing lost, nothing silent: damaged raw files, a damaged index and a read-only data
directory, through the command line."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from corpus.rawstore import read_raw
from corpus.rebuild import Loss, describe_losses
from localarchive.server import LocalArchive
from localarchive.sites import DemoManifest
from tests.integration.conftest import Result, run_cli, run_command
from tests.integration.test_rebuild import snapshot


@pytest.fixture(scope="module")
def crawled(
    tmp_path_factory: pytest.TempPathFactory,
    demo_archive: tuple[Path, DemoManifest],
    archive_server: LocalArchive,
) -> Path:
    out = tmp_path_factory.mktemp("crawled")
    domains = sorted(demo_archive[1].versions)
    result = run_cli("fetch", *domains, "--archive", archive_server.url, "--out", str(out))
    assert result.code == 0, result.stderr
    return out


def index_captures(out: Path) -> set[tuple[str, str, str, str]]:
    db = sqlite3.connect(f"file:{out / 'index.sqlite'}?mode=ro", uri=True)
    rows = db.execute("SELECT domain, kind, url, timestamp FROM captures").fetchall()
    db.close()
    return set(rows)


def largest_warc(out: Path) -> Path:
    return max((out / "raw").glob("*/*.warc.gz"), key=lambda p: p.stat().st_size)


def readable(path: Path) -> set[tuple[str, str, str, str]]:
    return {
        (c.domain, c.kind, c.url, c.timestamp)
        for c in read_raw(path, lambda damage: None)
        if c.role == "policy"
    }


# -- damaged raw files ----------------------------------------------------------------------


def cut_in_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def zero_a_chunk(path: Path) -> None:
    data = path.read_bytes()
    middle = len(data) // 2
    path.write_bytes(data[:middle] + b"\0" * 512 + data[middle + 512 :])


def empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [cut_in_half, zero_a_chunk, empty])
def test_rebuild_refuses_to_lose_captures_and_accept_loss_swaps(
    crawled: Path, tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    out = tmp_path / "data"
    shutil.copytree(crawled, out)
    before = snapshot(out)
    warc = largest_warc(out)
    domain = warc.parent.name
    intact = readable(warc)
    damage(warc)
    lost = intact - readable(warc)
    assert lost and {c[0] for c in lost} == {domain}
    if damage is zero_a_chunk:
        # the records after the damaged stretch are read, not only those before it
        assert max(c[3] for c in readable(warc)) == max(c[3] for c in intact)

    refused = run_cli("rebuild", "--out", str(out))
    assert refused.code == 1 and "Traceback" not in refused.stderr
    errors = [line for line in refused.stderr.splitlines() if "error" in line]
    assert len(errors) == 1
    counted = describe_losses([Loss(domain, "privacy", len(lost))])  # "1 capture (a.com 1)"
    assert f"would lose {counted}" in errors[0]
    assert "--accept-loss" in errors[0]
    if damage is not empty:
        assert f"{warc}: skipped" in refused.stderr and "offset" in refused.stderr
    assert snapshot(out) == before  # the live corpus untouched
    assert not (out / ".rebuild-new").exists() and not (out / ".rebuild-old").exists()

    accepted = run_cli("rebuild", "--out", str(out), "--accept-loss")
    assert accepted.code == 0, accepted.stderr
    assert f"lost {counted}" in accepted.stderr
    assert index_captures(out) == index_captures(crawled) - lost
    again = run_cli("rebuild", "--out", str(out))  # nothing more to lose
    assert again.code == 0, again.stderr


def test_an_undamaged_store_rebuilds_without_a_word(crawled: Path, tmp_path: Path) -> None:
    out = tmp_path / "data"
    shutil.copytree(crawled, out)
    before = snapshot(out)
    result = run_cli("rebuild", "--out", str(out))
    assert result.code == 0 and result.stderr == ""
    assert snapshot(out) == before


# -- a damaged index ------------------------------------------------------------------------


def truncate_index(index: Path) -> None:
    index.write_bytes(index.read_bytes()[: index.stat().st_size // 2])


def garble_index(index: Path) -> None:
    data = index.read_bytes()
    index.write_bytes(os.urandom(4096) + data[4096:])


@pytest.mark.parametrize("damage", [truncate_index, garble_index, empty])
def test_a_damaged_index_is_one_line_naming_rebuild(
    crawled: Path,
    tmp_path: Path,
    archive_server: LocalArchive,
    damage: Callable[[Path], None],
) -> None:
    out = tmp_path / "data"
    shutil.copytree(crawled, out)
    before = snapshot(out)
    damage(out / "index.sqlite")
    damaged = (out / "index.sqlite").read_bytes()
    domain = sorted(p.name for p in (out / "raw").iterdir())[0]
    requests = len(archive_server.requests)
    for args in (
        ["stats"],
        ["export"],
        ["diff", domain],
        ["fetch", domain, "--archive", archive_server.url],
    ):
        result = run_cli(*args, "--out", str(out))
        assert result.code in (1, 2) and "Traceback" not in result.stderr, (args, result)
        assert result.stdout == ""
        (line,) = result.stderr.strip().splitlines()
        assert "damaged" in line and f"policy-archive rebuild --out {out}" in line, args
    assert len(archive_server.requests) == requests  # nothing fetched
    assert (out / "index.sqlite").read_bytes() == damaged

    result = run_cli("rebuild", "--out", str(out))
    assert result.code == 0, result.stderr
    assert snapshot(out) == before


# -- a read-only data directory ----------------------------------------------------------------


@cache
def _read_only_mounts() -> str | None:
    """Why read-only bind mounts cannot be made here, or None when they can."""
    if shutil.which("unshare") is None:
        return "no unshare command"
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind / /mnt && mount -o remount,bind,ro / /mnt"],
        capture_output=True,
        text=True,
        check=False,
    )
    return None if probe.returncode == 0 else f"unshare/mount failed: {probe.stderr.strip()}"


def run_read_only(out: Path, *args: str) -> Result:
    """`policy-archive ARGS` in a mount namespace where `out` is a read-only bind mount."""
    reason = _read_only_mounts()
    if reason is not None:
        pytest.skip(f"a read-only data directory cannot be made here ({reason})")
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'
    command = [sys.executable, "-m", "policy_archive", *args]
    return run_command(["unshare", "-m", "sh", "-c", script, "sh", str(out), *command])


def test_readers_work_on_a_read_only_directory(
    crawled: Path, tmp_path: Path, archive_server: LocalArchive
) -> None:
    out = tmp_path / "data"
    shutil.copytree(crawled, out)
    before = snapshot(out)
    domain = sorted(p.name for p in (out / "raw").iterdir())[0]
    for args in (["stats"], ["export"], ["diff", domain]):
        writable = run_cli(*args, "--out", str(out))
        read_only = run_read_only(out, *args, "--out", str(out))
        assert read_only.code == 0, (args, read_only.stderr)
        assert read_only.stdout == writable.stdout
    plots = run_read_only(out, "timeline", domain, "--out", str(out))
    assert plots.code == 2 and "Traceback" not in plots.stderr
    (line,) = plots.stderr.strip().splitlines()
    assert "cannot write the plot" in line and "Read-only file system" in line
    elsewhere = tmp_path / "plots" / "timeline"
    plots = run_read_only(out, "timeline", domain, "--out", str(out), "--output", str(elsewhere))
    assert plots.code == 0, plots.stderr
    written = [Path(line) for line in plots.stdout.splitlines()]
    assert written and all(p.parent == elsewhere.parent and p.exists() for p in written)

    for args in (["rebuild"], ["fetch", domain, "--archive", archive_server.url]):
        result = run_read_only(out, *args, "--out", str(out))
        assert result.code == 2 and "Traceback" not in result.stderr, (args, result)
        (line,) = result.stderr.strip().splitlines()
        assert "read-only" in line, args
    assert snapshot(out) == before
