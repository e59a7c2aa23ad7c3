"""The fault soak, reduced: an archive failing in every passing way loses nothing."""

from __future__ import annotations

from pathlib import Path

from bench.soak import soak


def test_a_faulty_archive_then_a_second_run_gives_the_fault_free_corpus(tmp_path: Path) -> None:
    figures = soak(tmp_path, domains=16, slow_delay=1.0)
    assert figures["faults_injected"]["503"] > 0
    assert figures["faults_injected"]["dropped_connections"] > 0
    assert figures["faults_injected"]["truncated"] > 0
    assert figures["crashes"] == 0
    assert figures["first_run"]["exit"] in (0, 1)  # 1 only with captures left pending
    assert figures["second_run"]["exit"] == 0
    assert figures["lost_snapshots"] == 0
    assert figures["equal_to_fault_free"]
