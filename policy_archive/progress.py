"""What a running crawl shows: a live display on a terminal (rich), one line a minute in
a log (cron, systemd), from the same snapshot."""

from __future__ import annotations

import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, TextIO


@dataclass(frozen=True, slots=True)
class Snapshot:
    elapsed: float
    domains_total: int
    domains_done: int
    domains_failed: int
    domains_in_flight: int
    captures_listed: int
    captures_fetched: int
    versions: int
    errors: int
    cdx_per_minute: float
    replay_per_minute: float
    cdx_budget: float | None
    replay_budget: float | None
    backoff_left: float  # seconds of the current pause still to go (0: none)
    stopping: bool = False

    def line(self) -> str:
        def budget(rate: float, limit: float | None) -> str:
            return f"{rate:.0f}/min" + (f" of {limit:.0f}" if limit else "")

        pause = f"; paused {self.backoff_left:.0f} s more" if self.backoff_left > 0 else ""
        return (
            f"[{_clock(self.elapsed)}] domains {self.domains_done + self.domains_failed}/"
            f"{self.domains_total} ({self.domains_failed} failed, {self.domains_in_flight} in "
            f"flight); captures {self.captures_listed} listed, {self.captures_fetched} fetched; "
            f"{self.versions} versions; {self.errors} errors; CDX "
            f"{budget(self.cdx_per_minute, self.cdx_budget)}, replay "
            f"{budget(self.replay_per_minute, self.replay_budget)}{pause}"
            + (" (stopping)" if self.stopping else "")
        )


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}"


class RateMeter:
    """Requests in the last minute, from a counter sampled now and then."""

    def __init__(self, window: float = 60.0) -> None:
        self.window = window
        self.samples: deque[tuple[float, int]] = deque()

    def per_minute(self, now: float, count: int) -> float:
        self.samples.append((now, count))
        while len(self.samples) > 1 and now - self.samples[0][0] > self.window:
            self.samples.popleft()
        first_time, first_count = self.samples[0]
        span = now - first_time
        if span <= 0:
            return 0.0
        return (count - first_count) * 60.0 / span


class LogProgress:
    """One progress line every `every` seconds on a stream (not a terminal)."""

    def __init__(self, stream: TextIO = sys.stderr, every: float = 60.0) -> None:
        self.stream = stream
        self.every = every
        self._last = time.monotonic()

    def update(self, snapshot: Snapshot) -> None:
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            print(snapshot.line(), file=self.stream, flush=True)

    def close(self) -> None:
        pass


class LiveProgress:
    """A live panel on the terminal, redrawn every second."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        from rich.console import Console
        from rich.live import Live

        self.console = Console(file=stream)
        self.live = Live(console=self.console, auto_refresh=False, transient=False)
        self.live.start()

    def update(self, snapshot: Snapshot) -> None:
        self.live.update(self._render(snapshot), refresh=True)

    def _render(self, s: Snapshot) -> Any:
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        finished = s.domains_done + s.domains_failed
        share = finished / s.domains_total if s.domains_total else 0.0
        bar_width = 30
        filled = round(bar_width * share)
        table.add_row(
            "domains",
            f"[green]{'█' * filled}[/green]{'░' * (bar_width - filled)} {finished}/"
            f"{s.domains_total}  ({s.domains_in_flight} in flight, {s.domains_failed} failed)",
        )
        table.add_row("captures", f"{s.captures_listed} listed, {s.captures_fetched} fetched")
        table.add_row("versions", str(s.versions))
        table.add_row("errors", f"[red]{s.errors}[/red]" if s.errors else "0")

        def budget(rate: float, limit: float | None) -> str:
            return f"{rate:.0f}/min" + (f" (budget {limit:.0f})" if limit else " (no budget)")

        table.add_row(
            "requests",
            f"CDX {budget(s.cdx_per_minute, s.cdx_budget)}, "
            f"replay {budget(s.replay_per_minute, s.replay_budget)}",
        )
        if s.backoff_left > 0:
            table.add_row("back-off", f"[yellow]paused, {s.backoff_left:.0f} s to go[/yellow]")
        status = "stopping: finishing requests in flight" if s.stopping else "crawling"
        table.add_row("elapsed", f"{_clock(s.elapsed)}  {status}")
        return table

    def close(self) -> None:
        self.live.stop()
