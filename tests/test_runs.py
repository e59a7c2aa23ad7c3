"""Run reports (`DIR/runs/*.json`, `policy-archive runs`) and the progress line of a crawl."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from policy_archive import progress
from policy_archive.progress import LogProgress, RateMeter, Snapshot
from policy_archive.runs import RUNS_DIR, RunReport, format_reports, read_reports


def report(run_id: str = "20240501-120000-ab12", **changes: Any) -> RunReport:
    base = RunReport(
        run_id=run_id,
        command="crawl",
        options={"strategy": "changes", "domains": 2},
        archive="http://127.0.0.1:9",
        started="2024-05-01T12:00:00+00:00",
    )
    for name, value in changes.items():
        setattr(base, name, value)
    return base


def snapshot(**changes: Any) -> Snapshot:
    values: dict[str, Any] = {
        "elapsed": 3661.0,
        "domains_total": 10,
        "domains_done": 4,
        "domains_failed": 1,
        "domains_in_flight": 2,
        "captures_listed": 30,
        "captures_fetched": 12,
        "versions": 5,
        "errors": 0,
        "cdx_per_minute": 12.0,
        "replay_per_minute": 40.4,
        "cdx_budget": 24.0,
        "replay_budget": None,
        "backoff_left": 0.0,
    }
    values.update(changes)
    return Snapshot(**values)


# -- reports ------------------------------------------------------------------------------


def test_report_is_written_as_json_under_runs_and_rewritten_in_place(tmp_path: Path) -> None:
    run = report()
    path = run.write(tmp_path)
    assert path == tmp_path / RUNS_DIR / "20240501-120000-ab12.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["id"] == run.run_id and data["status"] == "running"
    assert data["options"] == {"strategy": "changes", "domains": 2}

    run.status, run.exit_status, run.ended = "finished", 0, "2024-05-01T12:05:00+00:00"
    assert run.write(tmp_path) == path
    data = json.loads(path.read_text(encoding="utf-8"))
    assert (data["status"], data["exit_status"]) == ("finished", 0)
    assert [p.name for p in (tmp_path / RUNS_DIR).iterdir()] == [path.name]  # no temp files


def test_a_write_that_fails_leaves_the_previous_report_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = report()
    path = run.write(tmp_path)
    before = path.read_bytes()

    def no_rename(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", no_rename)
    run.status = "finished"
    with pytest.raises(OSError, match="disk full"):
        run.write(tmp_path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in (tmp_path / RUNS_DIR).iterdir()] == [path.name]


def test_update_from_stats_gathers_the_figures_a_reader_looks_for() -> None:
    run = report()
    run.update_from_stats(
        {
            "policy/captures/listed": 40,
            "policy/captures/fetched_policy": 12,
            "policy/captures/same_bytes": 20,
            "policy/captures/inferred": 5,
            "policy/captures/already_stored": 3,
            "policy/captures/inferred_confirmed": 2,
            "policy/captures/inferred_refuted": 1,
            "policy/captures/served_discovery": 6,
            "policy/dropped/replay_failed": 2,
            "policy/dropped/not_policy": 1,
            "policy/versions_refreshed": 4,
            "wayback/requests/cdx": 7,
            "wayback/requests/replay": 30,
            "wayback/rate_limited": 1,
            "wayback/paused_seconds": 61,
            "crawl/domains/done": 2,
        }
    )
    assert run.captures == {
        "listed": 40,
        "fetched": 12,
        "stored_as_same_bytes": 20,
        "inferred": 5,
        "already_stored": 3,
        "inferred_confirmed": 2,
        "inferred_refuted": 1,
        "pending": 0,
        "dropped_before": 0,
        "dropped": {"replay_failed": 2, "not_policy": 1},
        "homepages_read": 6,
    }
    assert run.versions_refreshed == 4
    assert run.requests == {"cdx": 7, "replay": 30, "rate_limited": 1, "refused": 0, "retries": 0}
    assert run.backoff_seconds == 61.0


def test_update_from_empty_stats_gives_zeros() -> None:
    run = report()
    run.update_from_stats({})
    assert run.captures["fetched"] == 0 and run.captures["dropped"] == {}
    assert run.requests["cdx"] == 0 and run.backoff_seconds == 0.0


def test_read_reports_oldest_first_and_names_an_unreadable_file(tmp_path: Path) -> None:
    assert read_reports(tmp_path) == []  # no runs directory yet
    report("b-run", started="2024-05-02T12:00:00+00:00").write(tmp_path)
    report("a-run", started="2024-05-03T12:00:00+00:00").write(tmp_path)
    (tmp_path / RUNS_DIR / "broken.json").write_text('{"id": "broken", "sta', encoding="utf-8")
    (tmp_path / RUNS_DIR / "list.json").write_text("[1, 2]", encoding="utf-8")

    reports = read_reports(tmp_path)
    assert [r["id"] for r in reports] == ["broken", "b-run", "a-run"]
    assert reports[0]["status"].startswith("unreadable (")


def test_format_reports_shows_a_running_report_as_died_when_nobody_holds_the_dir() -> None:
    assert format_reports([], locked=False) == "no runs yet"
    running = report(domains={"done": 3, "failed": 1, "interrupted": 1, "pending": 2})
    running.captures = {"fetched": 12, "inferred": 5, "dropped": {"a": 2, "b": 1}}
    data = running.as_dict()

    died = format_reports([data], locked=False)
    assert "died" in died and "running" not in died
    assert "3 done, 1 failed, 1 interrupted, 2 pending" in died
    assert "12 fetched, 5 inferred, 3 dropped" in died
    assert "running" in format_reports([data], locked=True)


def test_format_reports_gives_a_finished_run_its_duration() -> None:
    finished = report(status="finished", exit_status=0, ended="2024-05-01T14:30:00+00:00")
    text = format_reports([finished.as_dict()], locked=False)
    assert "finished" in text and "(2 h 30 min)" in text and "exit 0" in text


def test_format_reports_lists_an_unreadable_report(tmp_path: Path) -> None:
    text = format_reports([{"id": "broken", "status": "unreadable (bad JSON)"}], locked=False)
    assert text.startswith("broken  unreadable (bad JSON)")


# -- progress -----------------------------------------------------------------------------


def test_rate_meter_counts_requests_per_minute_over_its_window() -> None:
    meter = RateMeter(window=60.0)
    assert meter.per_minute(0.0, 0) == 0.0  # one sample: no rate yet
    assert meter.per_minute(30.0, 10) == pytest.approx(20.0)
    assert meter.per_minute(60.0, 30) == pytest.approx(30.0)
    # the sample at 0 s falls out of the window: the rate is over the last 60 s
    assert meter.per_minute(90.0, 40) == pytest.approx(30.0)
    assert meter.per_minute(90.0, 40) == pytest.approx(30.0)  # sampled twice at once


def test_rate_meter_after_a_long_silence_is_zero_not_a_division_by_zero() -> None:
    meter = RateMeter(window=60.0)
    meter.per_minute(0.0, 5)
    assert meter.per_minute(500.0, 5) == 0.0


def test_snapshot_line_says_where_the_crawl_is() -> None:
    line = snapshot().line()
    assert line.startswith("[1:01:01] ")
    assert "domains 5/10 (1 failed, 2 in flight)" in line
    assert "captures 30 listed, 12 fetched" in line
    assert "5 versions; 0 errors" in line
    assert "CDX 12/min of 24" in line
    assert "replay 40/min" in line and "replay 40/min of" not in line  # no budget
    assert "paused" not in line and "stopping" not in line


def test_snapshot_line_shows_a_pause_and_a_stop() -> None:
    line = snapshot(backoff_left=42.4, stopping=True).line()
    assert "; paused 42 s more" in line
    assert line.endswith(" (stopping)")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_log_progress_prints_at_most_one_line_per_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(progress, "time", clock)
    stream = io.StringIO()
    display = LogProgress(stream, every=60.0)
    for step, now in enumerate([1010.0, 1059.0, 1060.0, 1061.0, 1119.0, 1120.0, 1300.0]):
        clock.now = now
        display.update(snapshot(domains_done=step))
    display.close()
    lines = stream.getvalue().splitlines()
    # at 1060 (60 s in), 1120 (60 s after that) and 1300; never twice within a minute
    assert [line.split("domains ")[1][:4] for line in lines] == ["3/10", "6/10", "7/10"]


def test_log_progress_with_no_interval_prints_every_update() -> None:
    stream = io.StringIO()
    display = LogProgress(stream, every=0)
    display.update(snapshot())
    display.update(snapshot(stopping=True))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and lines[1].endswith("(stopping)")
