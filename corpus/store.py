"""The corpus store: an SQLite index of captures, payloads, texts and versions, plus one
markdown file per version. Every write is atomic and re-running a write is a no-op."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from corpus.models import ROLE_POLICY, Processed, RawCapture, TrackCapture, Version
from corpus.render import render_version, version_path
from corpus.versioning import build_runs
from crawler.wayback import citation_url, iso_date

log = logging.getLogger(__name__)

INDEX_NAME = "index.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS captures (
    domain TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL, timestamp TEXT NOT NULL,
    archive_url TEXT NOT NULL, digest TEXT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (domain, kind, url, timestamp)
);
CREATE TABLE IF NOT EXISTS payloads (
    kind TEXT NOT NULL, digest TEXT NOT NULL, drop_reason TEXT,
    PRIMARY KEY (kind, digest)
);
CREATE TABLE IF NOT EXISTS payload_documents (
    kind TEXT NOT NULL, digest TEXT NOT NULL, lang TEXT NOT NULL, text_sha TEXT NOT NULL,
    title TEXT NOT NULL, PRIMARY KEY (kind, digest, lang)
);
CREATE TABLE IF NOT EXISTS texts (sha256 TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
    domain TEXT NOT NULL, kind TEXT NOT NULL, lang TEXT NOT NULL, version INTEGER NOT NULL,
    first_ts TEXT NOT NULL, last_ts TEXT NOT NULL, snapshots INTEGER NOT NULL,
    url TEXT NOT NULL, archive_url TEXT NOT NULL, text_sha TEXT NOT NULL, path TEXT NOT NULL,
    PRIMARY KEY (domain, kind, lang, version)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started TEXT NOT NULL, command TEXT NOT NULL, stats TEXT
);
"""


class StoreError(Exception):
    """The data directory cannot be used as a corpus store."""


@dataclass(frozen=True, slots=True)
class ExportRow:
    version: Version
    text: str

    def as_dict(self) -> dict[str, object]:
        v = self.version
        return {
            "domain": v.domain,
            "kind": v.kind,
            "lang": v.lang,
            "version": v.number,
            "first_seen": iso_date(v.first_ts),
            "last_seen": iso_date(v.last_ts),
            "snapshots": v.snapshots,
            "url": v.url,
            "archive_url": v.archive_url,
            "sha256": v.text_sha,
            "path": v.path,
            "text": self.text,
        }


class Store:
    def __init__(self, root: Path, connection: sqlite3.Connection) -> None:
        self.root = root
        self.db = connection

    @classmethod
    def open(cls, root: Path, create: bool = True) -> Store:
        index = root / INDEX_NAME
        if not create and not index.exists():
            raise StoreError(f"{root} holds no corpus (no {INDEX_NAME}); run fetch first")
        if root.exists() and not root.is_dir():
            raise StoreError(f"{root} exists and is not a directory")
        try:
            root.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(index, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=10000")
            db.executescript(_SCHEMA)
        except (OSError, sqlite3.DatabaseError) as exc:
            raise StoreError(f"cannot open the corpus index in {root}: {exc}") from exc
        store = cls(root, db)
        store._check_schema()
        return store

    def close(self) -> None:
        self.db.close()

    def _check_schema(self) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            self.db.execute(
                "INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        elif int(row[0]) > SCHEMA_VERSION:
            raise StoreError(
                f"{self.root} was written by a newer policy-archive (schema {row[0]}); upgrade"
            )

    # -- captures -----------------------------------------------------------------

    def known_captures(self, domain: str, kind: str) -> set[tuple[str, str]]:
        rows = self.db.execute(
            "SELECT url, timestamp FROM captures WHERE domain=? AND kind=?", (domain, kind)
        )
        return {(url, ts) for url, ts in rows}

    def processed_digests(self, kind: str) -> set[str]:
        rows = self.db.execute("SELECT digest FROM payloads WHERE kind=?", (kind,))
        return {digest for (digest,) in rows}

    def add_capture(self, capture: RawCapture, processed: Processed | None) -> None:
        """Record one capture and, for a fetched payload, what it yielded."""
        with self._transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO captures VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    capture.domain,
                    capture.kind,
                    capture.url,
                    capture.timestamp,
                    capture.archive_url,
                    capture.digest,
                    capture.role,
                ),
            )
            if processed is None:
                return
            self.db.execute(
                "INSERT OR REPLACE INTO payloads VALUES (?, ?, ?)",
                (capture.kind, capture.digest, processed.drop_reason),
            )
            self.db.execute(
                "DELETE FROM payload_documents WHERE kind=? AND digest=?",
                (capture.kind, capture.digest),
            )
            for document in processed.documents:
                self.db.execute(
                    "INSERT OR IGNORE INTO texts VALUES (?, ?)", (document.sha256, document.text)
                )
                self.db.execute(
                    "INSERT INTO payload_documents VALUES (?, ?, ?, ?, ?)",
                    (capture.kind, capture.digest, document.lang, document.sha256, document.title),
                )

    # -- versions -----------------------------------------------------------------

    def refresh_versions(self, domain: str, kind: str) -> list[Version]:
        """Recompute the timelines of (domain, kind) from its captures; write their files."""
        tracks: dict[str, set[TrackCapture]] = defaultdict(set)
        rows = self.db.execute(
            """SELECT c.timestamp, c.url, c.archive_url, d.lang, d.text_sha
               FROM captures c
               JOIN payloads p ON p.kind = c.kind AND p.digest = c.digest
               JOIN payload_documents d ON d.kind = c.kind AND d.digest = c.digest
               WHERE c.domain=? AND c.kind=? AND c.role=? AND p.drop_reason IS NULL""",
            (domain, kind, ROLE_POLICY),
        )
        for timestamp, url, archive_url, lang, text_sha in rows:
            tracks[lang].add(TrackCapture(timestamp, url, archive_url, text_sha))
        versions: list[Version] = []
        for lang in sorted(tracks):
            used: dict[str, int] = defaultdict(int)
            for number, run in enumerate(build_runs(tracks[lang]), start=1):
                date = iso_date(run.first.timestamp)
                used[date] += 1
                versions.append(
                    Version(
                        domain=domain,
                        kind=kind,
                        lang=lang,
                        number=number,
                        first_ts=run.first.timestamp,
                        last_ts=run.last.timestamp,
                        snapshots=run.snapshots,
                        url=run.first.url,
                        archive_url=citation_url(run.first.archive_url, run.first.url),
                        text_sha=run.text_sha,
                        path=version_path(domain, kind, lang, date, used[date]),
                    )
                )
        self._write_files(domain, kind, versions)
        with self._transaction():
            self.db.execute("DELETE FROM versions WHERE domain=? AND kind=?", (domain, kind))
            self.db.executemany(
                "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        v.domain,
                        v.kind,
                        v.lang,
                        v.number,
                        v.first_ts,
                        v.last_ts,
                        v.snapshots,
                        v.url,
                        v.archive_url,
                        v.text_sha,
                        v.path,
                    )
                    for v in versions
                ],
            )
        return versions

    def _write_files(self, domain: str, kind: str, versions: list[Version]) -> None:
        wanted: dict[Path, str] = {}
        for v in versions:
            text = self.text(v.text_sha)
            wanted[self.root / v.path] = render_version(
                v.domain, v.kind, iso_date(v.first_ts), v.archive_url, text
            )
        for path, content in wanted.items():
            write_atomic(path, content)
        # Versions can merge or move (an earlier capture found later): remove stale files.
        track_dir = self.root / version_path(domain, kind, "x", "x", 1)
        kind_dir = track_dir.parent.parent
        if kind_dir.is_dir():
            for stale in kind_dir.glob("*/*.md"):
                if stale not in wanted:
                    stale.unlink()
                    log.info("removed stale version file %s", stale)

    def text(self, sha256: str) -> str:
        row = self.db.execute("SELECT text FROM texts WHERE sha256=?", (sha256,)).fetchone()
        if row is None:
            raise StoreError(f"text {sha256} is missing from the index")
        return str(row[0])

    def versions(self) -> Iterator[ExportRow]:
        rows = self.db.execute(
            """SELECT v.domain, v.kind, v.lang, v.version, v.first_ts, v.last_ts, v.snapshots,
                      v.url, v.archive_url, v.text_sha, v.path, t.text
               FROM versions v JOIN texts t ON t.sha256 = v.text_sha
               ORDER BY v.domain, v.kind, v.lang, v.version"""
        )
        for *fields, text in rows:
            yield ExportRow(Version(*fields), text)

    def drop_counts(self) -> dict[str, int]:
        rows = self.db.execute(
            """SELECT p.drop_reason, COUNT(*) FROM captures c
               JOIN payloads p ON p.kind = c.kind AND p.digest = c.digest
               WHERE c.role=? AND p.drop_reason IS NOT NULL GROUP BY p.drop_reason""",
            (ROLE_POLICY,),
        )
        return {reason: count for reason, count in rows}

    def record_run(self, started: str, command: str, stats: dict[str, object]) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT INTO runs(started, command, stats) VALUES (?, ?, ?)",
                (started, command, json.dumps(stats, sort_keys=True, default=str)),
            )

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def write_atomic(path: Path, content: str) -> None:
    """Write `content` to `path` so that readers see the old file or the new one, never half."""
    data = content.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
