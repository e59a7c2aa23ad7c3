"""The crawl frontier: which domains are left, taken, done or failed, and why.

A crawl takes domains from a frontier a few at a time, so memory does not grow with the
length of the domain list. `SqliteFrontier` keeps it in `DIR/frontier.sqlite` (one
machine; it survives the process, so a re-run continues where the last one stopped) or
in memory (`fetch`); `crawler.redis_frontier.RedisFrontier` shares one between machines.

States: pending -> in_progress -> done | failed (with a reason); a run that stops with a
domain unfinished marks it `interrupted`, which is taken again first by the next run.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

FRONTIER_NAME = "frontier.sqlite"
STATES = ("pending", "in_progress", "done", "failed", "interrupted")
FINISHED = ("done", "failed")


class FrontierError(Exception):
    """The frontier cannot be used (unreadable file, unreachable Redis)."""


class Frontier(Protocol):
    def add(self, domains: Iterable[str]) -> int: ...
    def claim(self, n: int) -> list[str]: ...
    def renew(self) -> None: ...
    def finish(
        self, domain: str, state: str, reason: str | None, summary: dict[str, int]
    ) -> None: ...
    def release(self, domain: str) -> None: ...
    def counts(self) -> dict[str, int]: ...
    def exhausted(self) -> bool: ...
    def results(self) -> Iterator[tuple[str, str, str | None, dict[str, int]]]: ...
    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS domains (
    position INTEGER PRIMARY KEY,
    domain TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'pending',
    -- interrupted domains go first: what a stopped run had begun is finished first
    priority INTEGER NOT NULL DEFAULT 1,
    reason TEXT,
    summary TEXT,
    updated TEXT,
    postponed_in TEXT  -- the run that met a passing fault on it: not taken again by it
);
CREATE INDEX IF NOT EXISTS domains_by_state ON domains (state, priority, position);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SqliteFrontier:
    """A frontier in one SQLite file (or `:memory:`), used by one process at a time (the
    data directory's lock sees to that)."""

    def __init__(self, path: Path | str = ":memory:") -> None:
        self.run = uuid.uuid4().hex
        try:
            self.db = sqlite3.connect(str(path), isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(_SCHEMA)
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(domains)")}
            if "postponed_in" not in columns:
                self.db.execute("ALTER TABLE domains ADD COLUMN postponed_in TEXT")
        except sqlite3.DatabaseError as exc:
            raise FrontierError(f"cannot use the crawl frontier {path}: {exc}") from exc

    @classmethod
    def in_dir(cls, root: Path) -> SqliteFrontier:
        return cls(root / FRONTIER_NAME)

    def begin(self) -> tuple[bool, int]:
        """Start a run: a previous run's unfinished domains (its process died, or was
        stopped) are interrupted and taken first. Returns (continuing, domains left):
        when every domain of the last round was finished, a new round starts over the
        whole list (a scheduled crawl fetches what is new for every domain again)."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "UPDATE domains SET state='interrupted', priority=0, updated=? "
                "WHERE state='in_progress'",
                (_now(),),
            )
            left = self._left()
            if left == 0:
                self.db.execute("DELETE FROM domains")
        return left > 0, left

    def _left(self) -> int:
        row = self.db.execute(
            "SELECT COUNT(*) FROM domains WHERE state IN ('pending', 'interrupted')"
        ).fetchone()
        return int(row[0])

    def add(self, domains: Iterable[str]) -> int:
        added = 0
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for domain in domains:
                added += self.db.execute(
                    "INSERT OR IGNORE INTO domains(domain, updated) VALUES (?, ?)",
                    (domain, _now()),
                ).rowcount
        return added

    def claim(self, n: int) -> list[str]:
        if n <= 0:
            return []
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            rows = self.db.execute(
                "SELECT domain FROM domains WHERE state IN ('pending', 'interrupted') "
                "AND postponed_in IS NOT ? ORDER BY priority, position LIMIT ?",
                (self.run, n),
            ).fetchall()
            domains = [domain for (domain,) in rows]
            self.db.executemany(
                "UPDATE domains SET state='in_progress', updated=? WHERE domain=?",
                [(_now(), d) for d in domains],
            )
        return domains

    def renew(self) -> None:
        """Leases are a Redis matter: one process owns this frontier."""

    def was_interrupted(self, domain: str) -> bool:
        """Did an earlier run stop (or die) in the middle of `domain`?"""
        row = self.db.execute("SELECT priority FROM domains WHERE domain=?", (domain,)).fetchone()
        return row is not None and row[0] == 0

    def finish(self, domain: str, state: str, reason: str | None, summary: dict[str, int]) -> None:
        if state not in FINISHED:
            raise ValueError(f"a domain finishes done or failed, not {state!r}")
        with self.db:
            self.db.execute(
                "UPDATE domains SET state=?, reason=?, summary=?, updated=? WHERE domain=?",
                (state, reason, json.dumps(summary, sort_keys=True), _now(), domain),
            )

    def postpone(self, domain: str, reason: str, summary: dict[str, int]) -> None:
        """A passing fault stopped `domain`: interrupted, for the next run to take first."""
        with self.db:
            self.db.execute(
                "UPDATE domains SET state='interrupted', priority=0, reason=?, summary=?, "
                "updated=?, postponed_in=? WHERE domain=?",
                (reason, json.dumps(summary, sort_keys=True), _now(), self.run, domain),
            )

    def release(self, domain: str) -> None:
        with self.db:
            self.db.execute(
                "UPDATE domains SET state='interrupted', priority=0, updated=? "
                "WHERE domain=? AND state='in_progress'",
                (_now(), domain),
            )

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        for state, n in self.db.execute("SELECT state, COUNT(*) FROM domains GROUP BY state"):
            counts[state] = n
        return counts

    def exhausted(self) -> bool:
        """Nothing left that this run could take."""
        row = self.db.execute(
            "SELECT 1 FROM domains WHERE state IN ('pending', 'interrupted', 'in_progress') "
            "AND postponed_in IS NOT ? LIMIT 1",
            (self.run,),
        ).fetchone()
        return row is None

    def results(self) -> Iterator[tuple[str, str, str | None, dict[str, int]]]:
        rows = self.db.execute(
            "SELECT domain, state, reason, summary FROM domains ORDER BY position"
        )
        for domain, state, reason, summary in rows:
            yield domain, state, reason, json.loads(summary or "{}")

    def close(self) -> None:
        self.db.close()
