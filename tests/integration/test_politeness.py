"""Politeness end to end: a local archive that answers 429 or refuses connections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from localarchive.server import NO_ANSWER, Faults, LocalArchive, RequestLog
from localarchive.sites import DemoManifest
from tests.integration.conftest import run_cli

BACKOFF = 0.5
# Requests already on the wire when the 429 came back cannot be recalled; they arrive
# within milliseconds on loopback. Anything later than this is a new request.
IN_FLIGHT = 0.15
# What may still reach the archive after it answered 429: the requests in flight (8, the
# local concurrency), plus one for each answer the client read before the 429 (each frees
# a slot): 2 x 8. Without the pause, a crawl on loopback sends far more in BACKOFF.
IN_FLIGHT_REQUESTS = 16


def _versions(out: Path) -> list[dict[str, Any]]:
    exported = run_cli("export", "--out", str(out))
    assert exported.code == 0, exported.stderr
    return [json.loads(line) for line in exported.stdout.splitlines()]


def _assert_matches_manifest(rows: list[dict[str, Any]], manifest: DemoManifest) -> None:
    for domain, expected in manifest.versions.items():
        got = [r for r in rows if r["domain"] == domain]
        assert [(r["first_seen"], r["last_seen"], r["snapshots"]) for r in got] == [
            (v.first_seen, v.last_seen, v.snapshots) for v in expected
        ], domain


def _silent_after(log: list[RequestLog], start: float, seconds: float) -> list[RequestLog]:
    """Requests that reached the archive inside (start + IN_FLIGHT, start + seconds)."""
    return [r for r in log if start + IN_FLIGHT < r.time < start + seconds]


def test_429_pauses_all_traffic_and_the_crawl_still_completes(
    tmp_path: Path, demo_archive: tuple[Path, DemoManifest]
) -> None:
    folder, manifest = demo_archive
    # every few replays in a short window are refused, and CDX calls too
    faults = Faults(replay_limit=6, replay_window=0.3, cdx_limit=2, cdx_window=0.3)
    with LocalArchive(folder, faults=faults) as archive:
        result = run_cli(
            "fetch",
            *sorted(manifest.versions),
            "--archive",
            archive.url,
            "--out",
            str(tmp_path),
            "--backoff",
            str(BACKOFF),
        )
        log = list(archive.requests)
    assert result.code == 0, result.stderr
    limited = [r for r in log if r.status == 429]
    assert limited, "the faults should have produced 429s"
    for hit in limited:
        # during the pause nothing new is sent, CDX or replay: what reaches the archive
        # then left before the client read the 429 (see IN_FLIGHT_REQUESTS), however slow
        # a loaded machine makes the trip; never a stream of new requests
        late = [r for r in log if hit.time < r.time < hit.time + BACKOFF]
        assert len(late) <= IN_FLIGHT_REQUESTS, (hit, late)
    # the refused request was not retried at once: its next try came after the pause
    first = limited[0]
    again = [r for r in log if r.path == first.path and r.time > first.time]
    assert again and again[0].time - first.time >= BACKOFF - 0.05
    _assert_matches_manifest(_versions(tmp_path), manifest)


def test_refusals_stop_the_run_cleanly_and_a_rerun_resumes(
    tmp_path: Path, demo_archive: tuple[Path, DemoManifest]
) -> None:
    folder, manifest = demo_archive
    domains = sorted(manifest.versions)
    backoff = 0.1  # refusals pause 5x longer, doubling: 0.5 + 1 + 2 + 4 s before stopping
    with LocalArchive(folder, faults=Faults(refuse_after=12)) as archive:
        stopped = run_cli(
            "fetch", *domains, "--archive", archive.url, "--out", str(tmp_path),
            "--backoff", str(backoff),
        )  # fmt: skip
        log = list(archive.requests)
        assert stopped.code != 0
        assert "Traceback" not in stopped.stderr + stopped.stdout
        errors = [line for line in stopped.stderr.splitlines() if "error" in line]
        assert errors and all("refused connections" in e for e in errors), stopped.stderr
        assert all("re-run the same command to resume" in e for e in errors)
        refusals = [r for r in log if r.status == NO_ANSWER]
        # the first refusal starts a pause 5x the 429 backoff: nothing reaches the archive
        assert _silent_after(log, refusals[0].time, 5 * backoff) == []

        archive.faults = Faults()
        resumed = run_cli("fetch", *domains, "--archive", archive.url, "--out", str(tmp_path))
        assert resumed.code == 0, resumed.stderr
    _assert_matches_manifest(_versions(tmp_path), manifest)
