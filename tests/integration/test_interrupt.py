"""Honest runs: a crawl stopped by a signal or killed outright, then run again, gives the
corpus of an uninterrupted run, and never fetches again a capture it has in raw/."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from localarchive.server import Faults, LocalArchive
from tests.integration.conftest import (
    ROOT,
    generated_world,
    masked_export,
    reference_crawl,
    run_cli,
)

DOMAINS = 6
CAPTURES = 20


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return generated_world(tmp_path_factory, "interrupt-archive", DOMAINS, CAPTURES, seed=11)


@pytest.fixture(scope="module")
def world(generated: tuple[Path, Path]) -> Path:
    return generated[0]


@pytest.fixture(scope="module")
def listing(generated: tuple[Path, Path]) -> Path:
    return generated[1]


@pytest.fixture(scope="module")
def reference(world: Path, listing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """An uninterrupted crawl: its corpus and how many requests it took."""
    rows, requests = reference_crawl(world, listing, tmp_path_factory)
    return {"rows": rows, "requests": requests}


def _start(listing: Path, archive: LocalArchive, out: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "policy_archive", "crawl", str(listing)]
    command += ["--archive", archive.url, "--out", str(out), *extra]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for_requests(archive: LocalArchive, process: subprocess.Popen[str], n: int) -> None:
    deadline = time.monotonic() + 120
    while len(archive.requests) < n:
        assert process.poll() is None, "the crawl ended before the point it was to be stopped at"
        assert time.monotonic() < deadline, "the crawl made no progress"
        time.sleep(0.01)


def _raw_policy_captures(out: Path) -> set[str]:
    """`<timestamp>id_/<url>` of every policy capture the raw store holds bytes of."""
    held: set[str] = set()
    for path in (out / "raw").glob("*/*.warc.gz"):
        with open(path, "rb") as handle:
            try:
                for record in ArchiveIterator(handle):
                    headers = record.rec_headers
                    if record.rec_type != "response":
                        continue
                    if headers.get_header("Policy-Archive-Role") != "policy":
                        continue
                    timestamp = headers.get_header("Policy-Archive-Timestamp")
                    held.add(f"{timestamp}id_/{headers.get_header('WARC-Target-URI')}")
            except Exception:
                pass
    return held


def _in_progress(out: Path) -> int:
    path = out / "frontier.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path) as db:
            row = db.execute("SELECT COUNT(*) FROM domains WHERE state='in_progress'").fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0])


def _fetched(paths: Iterator[str]) -> list[str]:
    return [p.split("/web/", 1)[1] for p in paths if "/web/" in p]


@pytest.mark.parametrize("share", [0.15, 0.45, 0.8])
def test_sigkill_then_the_same_command_gives_the_uninterrupted_corpus(
    share: float, world: Path, listing: Path, reference: dict, tmp_path: Path
) -> None:
    out = tmp_path / "data"
    # answers slowed down so that the kill lands in the middle of the crawl
    with LocalArchive(world, faults=Faults(delay=0.03)) as archive:
        process = _start(listing, archive, out)
        try:
            _wait_for_requests(archive, process, int(reference["requests"] * share))
        finally:
            process.kill()
            process.communicate()
    assert process.returncode == -signal.SIGKILL
    held = _raw_policy_captures(out)
    with LocalArchive(world) as archive:
        again = run_cli("crawl", str(listing), "--archive", archive.url, "--out", str(out))
        fetched_again = _fetched(r.path for r in archive.requests)
    assert again.code == 0, again.stderr
    assert "continuing the unfinished crawl" in again.stderr
    refetched = [p for p in fetched_again if p in held]
    assert refetched == [], "captures already in raw/ were fetched again"
    assert masked_export(out) == reference["rows"]
    # the killed run's report is left `running`; the listing shows that it died
    runs = run_cli("runs", "--out", str(out))
    assert runs.code == 0 and "died" in runs.stdout and "finished" in runs.stdout


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_signal_stops_gracefully_reports_and_resumes(
    signum: int, status: int, world: Path, listing: Path, reference: dict, tmp_path: Path
) -> None:
    out = tmp_path / "data"
    with LocalArchive(world, faults=Faults(delay=0.03)) as archive:
        # two domains at a time: some are done, some in flight, some not begun
        process = _start(listing, archive, out, "--in-flight", "2")
        try:
            _wait_for_requests(archive, process, int(reference["requests"] * 0.5))
            process.send_signal(signum)
            stdout, stderr = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == status, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr and "re-run the same command" in stderr
    # the summary tells finished, interrupted and untouched domains apart
    assert "[in progress]" not in stdout
    assert "[ok]" in stdout and "[interrupted]" in stdout
    report = json.loads(next((out / "runs").glob("*.json")).read_text())
    assert report["status"] == "interrupted" and report["exit_status"] == status
    assert report["domains"]["interrupted"] + report["domains"]["pending"] > 0
    with LocalArchive(world) as archive:
        again = run_cli("crawl", str(listing), "--archive", archive.url, "--out", str(out))
    assert again.code == 0, again.stderr
    assert masked_export(out) == reference["rows"]


def test_a_second_sigint_stops_at_once(world: Path, listing: Path, tmp_path: Path) -> None:
    out = tmp_path / "data"
    # the archive answers nothing for a minute: a graceful stop would wait for it
    with LocalArchive(world, faults=Faults(delay=60)) as archive:
        process = _start(listing, archive, out)
        try:
            deadline = time.monotonic() + 60
            # domains are taken from the frontier once the crawl runs
            while not _in_progress(out):
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
            started = time.monotonic()
            process.send_signal(signal.SIGINT)
            time.sleep(0.5)
            process.send_signal(signal.SIGINT)
            _stdout, stderr = process.communicate(timeout=50)
            took = time.monotonic() - started
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 130, stderr
    assert "stopped at once" in stderr and "Traceback" not in stderr
    assert took < 50
