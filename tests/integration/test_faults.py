"""An archive that fails in passing ways (5xx, dropped connections, bodies cut short):
faults are retried, never taken for a refusal, what still fails is left pending and
said so, and a second run completes a corpus equal to a fault-free crawl's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localarchive.server import NO_ANSWER, Faults, LocalArchive
from tests.integration.conftest import generated_world, masked_export, reference_crawl, run_cli

DOMAINS = 6
CAPTURES = 16


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return generated_world(tmp_path_factory, "fault-archive", DOMAINS, CAPTURES, seed=3)


@pytest.fixture(scope="module")
def world(generated: tuple[Path, Path]) -> Path:
    return generated[0]


@pytest.fixture(scope="module")
def listing(generated: tuple[Path, Path]) -> Path:
    return generated[1]


@pytest.fixture(scope="module")
def reference(world: Path, listing: Path, tmp_path_factory: pytest.TempPathFactory) -> list:
    return reference_crawl(world, listing, tmp_path_factory)[0]


def _report(out: Path) -> dict:
    latest = sorted((out / "runs").glob("*.json"))[-1]
    return json.loads(latest.read_text())


def test_passing_faults_are_retried_and_nothing_is_lost(
    world: Path, listing: Path, reference: list, tmp_path: Path
) -> None:
    out = tmp_path / "data"
    # periods prime to each other, so that no fault hides another on the same answer
    faults = Faults(error_5xx_every=10, drop_every=19, truncate_every=21)
    with LocalArchive(world, faults=faults) as archive:
        first = run_cli(
            "crawl", str(listing), "--archive", archive.url, "--out", str(out),
            "--retry-backoff", "0.05",
        )  # fmt: skip
        log = list(archive.requests)
        truncated = archive.truncated
    assert "Traceback" not in first.stderr
    assert truncated > 0
    assert first.code in (0, 1), first.stderr
    report = _report(out)
    # faults were met and asked again; a dropped connection is not a refusal: no pause
    assert report["requests"]["retries"] > 0
    assert report["requests"]["refused"] == 0 and report["backoff_seconds"] == 0
    assert any(r.status == NO_ANSWER for r in log) and any(r.status == 503 for r in log)
    pending = report["captures"]["pending"]
    if first.code == 1:  # what still failed is said, and left for the next run
        assert pending > 0 or report["domains"]["interrupted"] > 0
        assert "re-run" in first.stderr
    else:
        assert pending == 0
    with LocalArchive(world) as archive:
        second = run_cli("crawl", str(listing), "--archive", archive.url, "--out", str(out))
    assert second.code == 0, second.stderr
    assert masked_export(out) == reference  # every field, snapshots included


def test_captures_that_keep_failing_are_pending_and_the_run_says_so(
    world: Path, listing: Path, reference: list, tmp_path: Path
) -> None:
    out = tmp_path / "data"
    # every third answer is a 503 and nothing is asked again: some captures must fail
    with LocalArchive(world, faults=Faults(error_5xx_every=3)) as archive:
        first = run_cli(
            "crawl", str(listing), "--archive", archive.url, "--out", str(out), "--retries", "0",
        )  # fmt: skip
    assert first.code == 1, first.stdout + first.stderr
    assert "Traceback" not in first.stderr
    report = _report(out)
    assert report["captures"]["pending"] > 0 or report["domains"]["interrupted"] > 0
    assert report["exit_status"] == 1
    # a version's dates and counts never rest on a capture that failed: the pending ones
    # are in the index as pending, not as captures
    with LocalArchive(world) as archive:
        second = run_cli("crawl", str(listing), "--archive", archive.url, "--out", str(out))
    assert second.code == 0, second.stderr
    assert masked_export(out) == reference
    stats = run_cli("stats", "--out", str(out), "--json")
    assert stats.code == 0, stats.stderr
