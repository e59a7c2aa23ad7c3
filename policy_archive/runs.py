"""Run reports: `DIR/runs/<run-id>.json` for every crawl, and `policy-archive runs`.

A report is written when the run starts (status `running`), rewritten with the figures
every minute and at the end. A process killed outright leaves `running` behind: the
listing shows it as `died` once no process holds the data directory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corpus.store import atomic_file

RUNS_DIR = "runs"
# Failures listed by name in a report; the rest are counted (a report stays readable).
MAX_LISTED_FAILURES = 1000


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class RunReport:
    run_id: str
    command: str
    options: dict[str, Any]
    archive: str
    started: str = field(default_factory=now_iso)
    ended: str | None = None
    status: str = "running"  # running, finished, failed, interrupted, stopped
    exit_status: int | None = None
    domains: dict[str, int] = field(default_factory=dict)
    captures: dict[str, Any] = field(default_factory=dict)
    versions_refreshed: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    # what finding the policies cost and where it fell short: CDX rows received, hint
    # listings sliced or given up (the archive failed on them), policies on other hosts
    discovery: dict[str, int] = field(default_factory=dict)
    backoff_seconds: float = 0.0
    failures: list[dict[str, str]] = field(default_factory=list)
    failures_total: int = 0
    stop_reason: str | None = None
    invalid_lines: list[dict[str, Any]] = field(default_factory=list)
    # with several archives: each one's state in this run (`ok`, or `given up` with the
    # reason: it failed, the others went on, and the next run asks it again)
    archives: list[dict[str, str]] = field(default_factory=list)

    def update_from_stats(self, stats: Mapping[str, Any]) -> None:
        def n(key: str) -> int:
            return int(stats.get(key, 0) or 0)

        dropped = {
            key.split("/", 2)[2]: int(value)
            for key, value in stats.items()
            if key.startswith("policy/dropped/")
        }
        self.captures = {
            "listed": n("policy/captures/listed"),
            "fetched": n("policy/captures/fetched_policy"),
            "stored_as_same_bytes": n("policy/captures/same_bytes"),
            "inferred": n("policy/captures/inferred"),
            "already_stored": n("policy/captures/already_stored"),
            # captures an earlier run inferred, read by this one (`--strategy all`)
            "inferred_confirmed": n("policy/captures/inferred_confirmed"),
            "inferred_refuted": n("policy/captures/inferred_refuted"),
            "pending": n("policy/captures/pending"),
            "dropped_before": n("policy/captures/dropped_before"),
            "dropped": dropped,
            "homepages_read": n("policy/captures/served_discovery"),
        }
        self.versions_refreshed = n("policy/versions_refreshed")
        self.requests = {
            "cdx": n("wayback/requests/cdx"),
            "replay": n("wayback/requests/replay"),
            "rate_limited": n("wayback/rate_limited"),
            "refused": n("wayback/refused"),
            "retries": n("wayback/retries"),
        }
        self.backoff_seconds = float(stats.get("wayback/paused_seconds", 0) or 0)
        self.discovery = {
            "cdx_rows_received": n("policy/listing/rows_received"),
            "homepages_from_index": n("policy/discovery/homepages_from_index"),
            "off_domain_urls": n("policy/discovery/off_domain_urls"),
            "user_urls_off_domain": n("policy/discovery/user_url_off_domain"),
            "hint_listings_sliced": n("policy/discovery/hint_listing_sliced"),
            "hint_listings_failed": n("policy/discovery/hint_listing_failed"),
            "hint_listings_capped": n("policy/discovery/hint_pages_capped"),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.run_id,
            "command": self.command,
            "options": self.options,
            "archive": self.archive,
            "started": self.started,
            "ended": self.ended,
            "status": self.status,
            "exit_status": self.exit_status,
            "pid": os.getpid(),
            "domains": self.domains,
            "captures": self.captures,
            "versions_refreshed": self.versions_refreshed,
            "requests": self.requests,
            "discovery": self.discovery,
            "backoff_seconds": self.backoff_seconds,
            "failures": self.failures,
            "failures_total": self.failures_total,
            "stop_reason": self.stop_reason,
            "invalid_lines": self.invalid_lines,
            "archives": self.archives,
        }

    def write(self, root: Path) -> Path:
        path = root / RUNS_DIR / f"{self.run_id}.json"
        data = json.dumps(self.as_dict(), indent=2, sort_keys=True).encode("utf-8") + b"\n"
        with atomic_file(path, durable=False) as handle:
            handle.write(data)
        return path


def read_reports(root: Path) -> list[dict[str, Any]]:
    """Every run report of `root`, oldest first; unreadable files are named, not fatal."""
    reports: list[dict[str, Any]] = []
    folder = root / RUNS_DIR
    if not folder.is_dir():
        return reports
    for path in sorted(folder.glob("*.json")):
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            report = {"id": path.stem, "status": f"unreadable ({exc})"}
        if isinstance(report, dict):
            reports.append(report)
    reports.sort(key=lambda r: (str(r.get("started") or ""), str(r.get("id"))))
    return reports


def format_reports(reports: list[dict[str, Any]], locked: bool) -> str:
    """One line per run. A `running` report while nobody holds the directory is a run
    that died without a word (killed, out of memory, power cut)."""
    if not reports:
        return "no runs yet"
    lines = []
    for report in reports:
        status = str(report.get("status"))
        if status == "running" and not locked:
            status = "died"
        domains = report.get("domains") or {}
        captures = report.get("captures") or {}
        started = str(report.get("started") or "?")
        ended = report.get("ended")
        took = ""
        if ended:
            seconds = (
                datetime.fromisoformat(str(ended)) - datetime.fromisoformat(started)
            ).total_seconds()
            took = f" ({_duration(seconds)})"
        dropped = sum((captures.get("dropped") or {}).values())
        lines.append(
            f"{report.get('id')}  {status:<11} {started}{took}  {report.get('command', '')}\n"
            f"    domains: {domains.get('done', 0)} done, {domains.get('failed', 0)} failed, "
            f"{domains.get('interrupted', 0) + domains.get('in_progress', 0)} interrupted, "
            f"{domains.get('pending', 0)} pending; captures: {captures.get('fetched', 0)} "
            f"fetched, {captures.get('inferred', 0)} inferred, {dropped} dropped; "
            f"exit {report.get('exit_status')}"
        )
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
