"""The corpus store: an SQLite index of captures, payloads, texts and versions, plus one
markdown file per version. Every write is atomic and re-running a write is a no-op."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from corpus.diff import Change, measure_change
from corpus.models import (
    ROLE_POLICY,
    SOURCE_FETCHED,
    SOURCE_LISTED,
    SOURCE_RANK,
    Processed,
    RawCapture,
    TrackCapture,
    Unfetched,
    Version,
)
from corpus.normalise import comparison_key
from corpus.producer import producer_info
from corpus.render import render_version, version_path
from corpus.staging import recover
from corpus.versioning import build_versions
from webarchive.wayback import archive_base, iso_date

log = logging.getLogger(__name__)

INDEX_NAME = "index.sqlite"
OPEN_GUARD_NAME = ".index-open.lock"  # see _OpenGuard
_IN_CHUNK = 500  # parameters per IN (...) query: well under SQLite's limit
SCHEMA_VERSION = 5

# The current schema; older indexes reach it through _MIGRATIONS.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS captures (
    domain TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL, timestamp TEXT NOT NULL,
    -- digest: the capture's own (the archive's CDX digest, or the SHA-1 of what it sent)
    archive_url TEXT NOT NULL, digest TEXT NOT NULL, role TEXT NOT NULL,
    -- how its text is known: fetched (its own bytes), same_bytes (not fetched: a fetched
    -- capture has its CDX digest), inferred (not fetched: between two fetched captures
    -- showing the same text, `changes`), for the last two with the fetched capture it
    -- rests on (unknown: recorded before this was kept, until a rebuild reads raw/).
    -- text_digest: the payload its text comes from (its own digest when fetched)
    source TEXT NOT NULL DEFAULT 'unknown', source_url TEXT, source_ts TEXT, text_digest TEXT,
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
CREATE TABLE IF NOT EXISTS texts (sha256 TEXT PRIMARY KEY, text TEXT NOT NULL, key TEXT);
CREATE TABLE IF NOT EXISTS versions (
    domain TEXT NOT NULL, kind TEXT NOT NULL, lang TEXT NOT NULL, version INTEGER NOT NULL,
    first_ts TEXT NOT NULL, last_ts TEXT NOT NULL, snapshots INTEGER NOT NULL,
    url TEXT NOT NULL, archive_url TEXT NOT NULL, text_sha TEXT NOT NULL, path TEXT NOT NULL,
    similarity REAL, words_added INTEGER NOT NULL DEFAULT 0,
    words_removed INTEGER NOT NULL DEFAULT 0, revert_of INTEGER,
    flapping INTEGER NOT NULL DEFAULT 0,
    -- what the counts and dates rest on: captures read, how first and last are known, and
    -- the capture the version file cites (a read one where the version has one)
    snapshots_fetched INTEGER NOT NULL DEFAULT 0, first_source TEXT NOT NULL DEFAULT 'unknown',
    last_source TEXT NOT NULL DEFAULT 'unknown', cited_ts TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (domain, kind, lang, version)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started TEXT NOT NULL, command TEXT NOT NULL, stats TEXT,
    producer TEXT
);
CREATE TABLE IF NOT EXISTS changes (
    old_sha TEXT NOT NULL, new_sha TEXT NOT NULL, similarity REAL NOT NULL,
    words_added INTEGER NOT NULL, words_removed INTEGER NOT NULL,
    PRIMARY KEY (old_sha, new_sha)
);
CREATE TABLE IF NOT EXISTS pending (
    domain TEXT NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (domain, kind)
);
-- Listed captures that are not stored: `pending` (a passing fault: the next run asks
-- again) or `dropped` (with a reason: never asked again). A stored capture has no row.
-- (No semicolon in these comments: the schema is run statement by statement.)
CREATE TABLE IF NOT EXISTS capture_outcomes (
    domain TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL, timestamp TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'dropped')), reason TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (domain, kind, url, timestamp)
);
-- Homepage captures discovery read, with the policy links found on them (a JSON list),
-- so that a later run takes the links from here instead of fetching the page again.
CREATE TABLE IF NOT EXISTS homepage_links (
    domain TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL, timestamp TEXT NOT NULL,
    links TEXT NOT NULL, PRIMARY KEY (domain, kind, url, timestamp)
);
-- Every archive holding a capture: the one it was read (or cited) from and any other
-- listing the same URL at the same second, with the replay URL and digest that archive
-- gives ("-": none, a TimeMap). One capture, several sources: never counted twice.
CREATE TABLE IF NOT EXISTS capture_sources (
    domain TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL, timestamp TEXT NOT NULL,
    archive TEXT NOT NULL, archive_url TEXT NOT NULL, digest TEXT NOT NULL,
    PRIMARY KEY (domain, kind, url, timestamp, archive)
);
CREATE VIEW IF NOT EXISTS drops AS
    SELECT c.domain, c.kind, c.url, c.timestamp, p.drop_reason AS reason
    FROM captures c JOIN payloads p ON p.kind = c.kind AND p.digest = c.text_digest
    WHERE p.drop_reason IS NOT NULL;
"""


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    """Comparison keys, change sizes and flip flags; every track is re-versioned."""
    db.execute("ALTER TABLE texts ADD COLUMN key TEXT")
    for sha, text in db.execute("SELECT sha256, text FROM texts").fetchall():
        db.execute("UPDATE texts SET key=? WHERE sha256=?", (comparison_key(text), sha))
    for column in (
        "similarity REAL",
        "words_added INTEGER NOT NULL DEFAULT 0",
        "words_removed INTEGER NOT NULL DEFAULT 0",
        "revert_of INTEGER",
        "flapping INTEGER NOT NULL DEFAULT 0",
    ):
        db.execute(f"ALTER TABLE versions ADD COLUMN {column}")
    db.execute("ALTER TABLE runs ADD COLUMN producer TEXT")
    _create_schema(db)
    db.execute("INSERT OR IGNORE INTO pending SELECT DISTINCT domain, kind FROM captures")


def _migrate_2_to_3(db: sqlite3.Connection) -> None:
    """Pending and dropped captures are recorded (capture_outcomes); a capture records
    how its text is known (source). Older captures without a fetch of their own were
    recorded alike, so they are `unknown` until a rebuild reads the raw store."""
    for column in (
        "source TEXT NOT NULL DEFAULT 'unknown'",
        "source_url TEXT",
        "source_ts TEXT",
        "cdx_digest TEXT",
    ):
        db.execute(f"ALTER TABLE captures ADD COLUMN {column}")
    _create_schema(db)


def _migrate_3_to_4(db: sqlite3.Connection) -> None:
    """A capture not fetched keeps its own CDX digest (`digest`), and the payload its text
    comes from moves to `text_digest`; versions say what their counts and dates rest on,
    so every track is re-versioned."""
    db.execute("DROP VIEW IF EXISTS drops")
    # Schema 3 held the source's digest in `digest` and the own one in `cdx_digest` (the
    # right-hand sides of one UPDATE read the row as it was: a swap).
    db.execute(
        "UPDATE captures SET digest = cdx_digest, cdx_digest = digest "
        "WHERE source != 'fetched' AND cdx_digest IS NOT NULL"
    )
    db.execute("UPDATE captures SET cdx_digest = digest WHERE cdx_digest IS NULL")
    db.execute("ALTER TABLE captures RENAME COLUMN cdx_digest TO text_digest")
    for column in (
        "snapshots_fetched INTEGER NOT NULL DEFAULT 0",
        "first_source TEXT NOT NULL DEFAULT 'unknown'",
        "last_source TEXT NOT NULL DEFAULT 'unknown'",
        "cited_ts TEXT NOT NULL DEFAULT ''",
    ):
        db.execute(f"ALTER TABLE versions ADD COLUMN {column}")
    _create_schema(db)
    db.execute("INSERT OR IGNORE INTO pending SELECT DISTINCT domain, kind FROM captures")


def _migrate_4_to_5(db: sqlite3.Connection) -> None:
    """Captures keep their sources (capture_sources): until now each came from the one
    archive its replay URL names."""
    _create_schema(db)
    rows = db.execute(
        "SELECT domain, kind, url, timestamp, archive_url, digest FROM captures"
    ).fetchall()
    db.executemany(
        "INSERT OR IGNORE INTO capture_sources VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(d, k, u, ts, archive_base(a) or a, a, g) for d, k, u, ts, a, g in rows],
    )


# _MIGRATIONS[n] takes an index from schema n to n + 1, inside one transaction.
_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _migrate_1_to_2,
    2: _migrate_2_to_3,
    3: _migrate_3_to_4,
    4: _migrate_4_to_5,
}


def _create_schema(db: sqlite3.Connection) -> None:
    # executescript would commit the surrounding transaction; run statement by statement
    # (comments taken out first: a semicolon in one would split a statement).
    script = "\n".join(line.split("--", 1)[0] for line in _SCHEMA.splitlines())
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


class StoreError(Exception):
    """The data directory cannot be used as a corpus store."""


class DamagedIndexError(StoreError):
    """The index is corrupt, truncated or empty: rebuild it from the raw store."""

    def __init__(self, index: Path, why: str) -> None:
        super().__init__(
            f"the corpus index {index} is damaged ({why}); rebuild it from the raw captures: "
            f"policy-archive rebuild --out {index.parent}"
        )


class OldSchemaError(StoreError):
    """A read-only open found an index of an older schema: it needs a writing open."""


# Tables every schema version has; a missing one means a damaged index, not an old one.
_REQUIRED_TABLES = frozenset(
    {"meta", "captures", "payloads", "payload_documents", "texts", "versions", "runs"}
)


def verify_index(db: sqlite3.Connection, index: Path) -> int:
    """The schema version of an existing index, once it is found intact (SQLite's
    quick_check, the expected tables, a schema version); else DamagedIndexError."""
    try:
        problems = [str(row[0]) for row in db.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise DamagedIndexError(index, "; ".join(problems))
        tables = {str(row[0]) for row in db.execute("SELECT name FROM sqlite_master")}
        missing = sorted(_REQUIRED_TABLES - tables)
        if missing:
            raise DamagedIndexError(index, f"no {', '.join(missing)} table")
        row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        # Only corruption calls for a rebuild; a lock held too long or a file that cannot
        # be opened is no reason to throw the index away.
        if getattr(exc, "sqlite_errorname", None) in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
            raise DamagedIndexError(index, str(exc)) from exc
        raise StoreError(f"cannot read the corpus index {index}: {exc}") from exc
    if row is None or not str(row[0]).isdigit():
        raise DamagedIndexError(index, "no schema version")
    return int(row[0])


def _has_tables(db: sqlite3.Connection) -> bool:
    try:
        return db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None
    except sqlite3.DatabaseError:
        return True  # unreadable: verify_index says how


class _OpenGuard:
    """Writers open (create, check, migrate) the index one at a time: two workers of a
    shared crawl starting together would otherwise see each other's index half made
    (a file with no tables yet) and take it for a damaged one. An advisory lock on a
    file beside the index, released by the OS if its holder dies."""

    def __init__(self, root: Path) -> None:
        self._fd = os.open(root / OPEN_GUARD_NAME, os.O_RDWR | os.O_CREAT, 0o644)

    def __enter__(self) -> _OpenGuard:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *_exc: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


def _check_not_empty(index: Path) -> None:
    # SQLite takes a 0-byte file for a new database: a corpus would silently start afresh.
    if index.exists() and index.stat().st_size == 0:
        raise DamagedIndexError(index, "the file is empty")


def check_index(root: Path) -> None:
    """Raise StoreError if `root` holds an index that cannot be used; writes nothing.
    Crawls call it before any network traffic."""
    index = root / INDEX_NAME
    if index.exists():
        Store.open(root, readonly=True).close()


EXPORT_FIELDS = (
    "domain",
    "kind",
    "lang",
    "version",
    "first_seen",
    "last_seen",
    "snapshots",
    "snapshots_fetched",
    "first_seen_basis",
    "last_seen_basis",
    "url",
    "archive_url",
    "archive",
    "archives",
    "sha256",
    "path",
    "text",
    "title",
    "similarity",
    "words_added",
    "words_removed",
    "revert_of",
    "flapping",
)


@dataclass(frozen=True, slots=True)
class ExportRow:
    version: Version
    text: str
    title: str = ""
    # base URLs of every archive holding one of the version's captures
    archives: tuple[str, ...] = ()

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
            "snapshots_fetched": v.snapshots_fetched,
            "first_seen_basis": v.first_source,
            "last_seen_basis": v.last_source,
            "url": v.url,
            "archive_url": v.archive_url,
            # the archive the cited capture was read from, and all that hold its captures
            "archive": archive_base(v.archive_url),
            "archives": list(self.archives),
            "sha256": v.text_sha,
            "path": v.path,
            "text": self.text,
            "title": self.title,
            "similarity": v.similarity,
            "words_added": v.words_added,
            "words_removed": v.words_removed,
            "revert_of": v.revert_of,
            "flapping": v.flapping,
        }


_VERSION_COLUMNS = (
    "v.domain, v.kind, v.lang, v.version, v.first_ts, v.last_ts, v.snapshots, v.url, "
    "v.archive_url, v.text_sha, v.path, v.similarity, v.words_added, v.words_removed, "
    "v.revert_of, v.flapping, v.snapshots_fetched, v.first_source, v.last_source, v.cited_ts"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _version(row: tuple[object, ...]) -> Version:
    # sqlite has no booleans: `flapping` comes back as 0 or 1.
    head, (flapping, fetched, first_source, last_source, cited_ts) = row[:15], row[15:]
    # (the ignore: mypy cannot know the length of `head`, so it fears a keyword twice)
    return Version(
        *head,  # type: ignore[arg-type, misc]
        flapping=bool(flapping),
        snapshots_fetched=int(str(fetched)),
        first_source=str(first_source),
        last_source=str(last_source),
        cited_ts=str(cited_ts),
    )


def _rank(column: str) -> str:
    """SQL for SOURCE_RANK of `column`."""
    cases = " ".join(f"WHEN '{source}' THEN {rank}" for source, rank in SOURCE_RANK.items())
    return f"(CASE {column} {cases} ELSE 0 END)"


class Store:
    def __init__(self, root: Path, connection: sqlite3.Connection, durable: bool = True) -> None:
        self.root = root
        self.db = connection
        # A staged rebuild tree is made durable once, as a whole, before it goes live.
        self.durable = durable

    @classmethod
    def open(
        cls,
        root: Path,
        create: bool = True,
        durable: bool = True,
        readonly: bool = False,
        snapshot_when_idle: bool = False,
    ) -> Store:
        """The store in `root`; an existing index is checked first (DamagedIndexError).

        `readonly`: for readers; writes nothing at all (no healing, no recovery of an
        interrupted rebuild, no migration), so it works on a read-only data directory.
        `snapshot_when_idle` (with `readonly`): when no writer's WAL file is there, read
        the index as immutable so that not even SQLite's -wal and -shm files are created;
        the caller must reopen once a writer appears (`serve` checks before each request).
        """
        if root.exists() and not root.is_dir():
            raise StoreError(f"{root} exists and is not a directory")
        if readonly:
            return cls._open_readonly(root, snapshot_when_idle)
        if root.is_dir():
            try:
                recover(root)
            except OSError as exc:
                raise StoreError(f"cannot finish an interrupted rebuild in {root}: {exc}") from exc
        index = root / INDEX_NAME
        if not create and not index.exists():
            raise StoreError(f"{root} holds no corpus (no {INDEX_NAME}); run fetch first")
        try:
            root.mkdir(parents=True, exist_ok=True)
            guard = _OpenGuard(root)
        except OSError as exc:
            raise StoreError(f"cannot open the corpus index in {root}: {exc}") from exc
        with guard:
            return cls._open_writing(root, index, durable)

    @classmethod
    def _open_writing(cls, root: Path, index: Path, durable: bool) -> Store:
        _check_not_empty(index)
        existing = index.exists()
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(index, isolation_level=None)
            db.execute("PRAGMA busy_timeout=10000")
            if existing and _has_tables(db):
                verify_index(db, index)  # before anything is written to it
            elif existing:
                # tables never committed: its creator died before its first commit, and
                # nothing can have been stored in it
                log.info("%s holds no tables yet: creating them", index)
            db.execute("PRAGMA journal_mode=WAL")
            if not durable:
                db.execute("PRAGMA synchronous=OFF")
            store = cls(root, db, durable)
            store._check_schema()
            store.heal()
        except (OSError, sqlite3.DatabaseError, StoreError) as exc:
            if db is not None:
                db.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"cannot open the corpus index in {root}: {exc}") from exc
        return store

    @classmethod
    def _open_readonly(cls, root: Path, snapshot_when_idle: bool = False) -> Store:
        index = root / INDEX_NAME
        if not index.exists():
            raise StoreError(f"{root} holds no corpus (no {INDEX_NAME}); run fetch first")
        _check_not_empty(index)
        # A WAL index is read through its -shm file, which SQLite creates beside it: on a
        # directory it cannot write to, read the file as immutable (no writer can change
        # it there either). Where a writer may be at work, immutable would read torn pages.
        writable = os.access(root, os.W_OK)
        wal = index.with_name(INDEX_NAME + "-wal")
        if not writable and wal.exists() and wal.stat().st_size:
            log.warning(
                "%s holds transactions not yet merged into %s (a writer died or runs); "
                "read-only, they cannot be read: the corpus is shown without them",
                wal,
                index,
            )
        idle = snapshot_when_idle and not wal.exists()
        mode = "mode=ro" if writable and not idle else "immutable=1"
        db = sqlite3.connect(f"{index.resolve().as_uri()}?{mode}", uri=True)
        try:
            db.execute("PRAGMA busy_timeout=10000")
            found = verify_index(db, index)
            if found > SCHEMA_VERSION:
                raise StoreError(
                    f"{root} was written by a newer policy-archive (schema {found}); upgrade"
                )
            if found < SCHEMA_VERSION:
                raise OldSchemaError(
                    f"{root} has an index of schema {found}, which needs migrating to schema "
                    f"{SCHEMA_VERSION} in a writable directory"
                )
            if db.execute("SELECT 1 FROM pending LIMIT 1").fetchone() is not None:
                # Normal while a crawl runs; after a crash, the next writing open heals them.
                log.info("%s has tracks whose versions are not refreshed yet; read as is", root)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StoreError(f"cannot read the corpus index {index}: {exc}") from exc
        except BaseException:
            db.close()
            raise
        return cls(root, db, durable=False)

    def close(self) -> None:
        self.db.close()

    def _check_schema(self) -> None:
        with self._transaction():
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            found = SCHEMA_VERSION if row is None else int(row[0])
            if found > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.root} was written by a newer policy-archive (schema {found}); upgrade"
                )
            if row is None:
                _create_schema(self.db)
            for version in range(found, SCHEMA_VERSION):
                log.info("migrating %s from schema %d to %d", self.root, version, version + 1)
                _MIGRATIONS[version](self.db)
            self.db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )

    def heal(self) -> None:
        """Re-version the tracks a crash or a migration left unrefreshed."""
        for domain, kind in self.db.execute("SELECT domain, kind FROM pending").fetchall():
            log.info("refreshing the versions of %s %s left pending", domain, kind)
            self.refresh_versions(domain, kind)

    # -- captures -----------------------------------------------------------------

    def known_captures(self, domain: str, kind: str) -> set[tuple[str, str]]:
        rows = self.db.execute(
            "SELECT url, timestamp FROM captures WHERE domain=? AND kind=?", (domain, kind)
        )
        return {(url, ts) for url, ts in rows}

    def processed_digests(self, kind: str) -> set[str]:
        rows = self.db.execute("SELECT digest FROM payloads WHERE kind=?", (kind,))
        return {digest for (digest,) in rows}

    def payload_signatures(
        self, kind: str
    ) -> dict[str, tuple[str | None, tuple[tuple[str, str], ...]]]:
        """Per processed payload digest: (drop reason, ((lang, text sha256), ...)), what
        the crawler's `changes` strategy compares captures by across runs."""
        documents: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for digest, lang, text_sha in self.db.execute(
            "SELECT digest, lang, text_sha FROM payload_documents WHERE kind=?", (kind,)
        ):
            documents[digest].append((lang, text_sha))
        return {
            digest: (reason, tuple(sorted(documents.get(digest, ()))))
            for digest, reason in self.db.execute(
                "SELECT digest, drop_reason FROM payloads WHERE kind=?", (kind,)
            )
        }

    def signatures_of(
        self, kind: str, digests: Iterable[str]
    ) -> dict[str, tuple[str | None, tuple[tuple[str, str], ...]]]:
        """`payload_signatures` for the given digests only: a crawl asks for one
        domain's, so its memory does not grow with the corpus."""
        wanted = sorted(set(digests))
        documents: dict[str, list[tuple[str, str]]] = defaultdict(list)
        reasons: dict[str, str | None] = {}
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start : start + _IN_CHUNK]
            marks = ", ".join("?" * len(chunk))
            for digest, lang, text_sha in self.db.execute(
                "SELECT digest, lang, text_sha FROM payload_documents "
                f"WHERE kind=? AND digest IN ({marks})",
                (kind, *chunk),
            ):
                documents[digest].append((lang, text_sha))
            for digest, reason in self.db.execute(
                f"SELECT digest, drop_reason FROM payloads WHERE kind=? AND digest IN ({marks})",
                (kind, *chunk),
            ):
                reasons[digest] = reason
        return {
            digest: (reason, tuple(sorted(documents.get(digest, ()))))
            for digest, reason in reasons.items()
        }

    def capture_digests(self, domain: str, kind: str) -> dict[tuple[str, str], str]:
        """(url, timestamp) -> digest of the payload whose text each capture the corpus
        has shows (its own for a fetched capture)."""
        rows = self.db.execute(
            "SELECT url, timestamp, text_digest FROM captures WHERE domain=? AND kind=?",
            (domain, kind),
        )
        return {(url, ts): digest for url, ts, digest in rows}

    def unfetched_captures(self, domain: str, kind: str) -> dict[tuple[str, str], Unfetched]:
        """(url, timestamp) -> how each capture the corpus holds without a fetch is known."""
        rows = self.db.execute(
            "SELECT url, timestamp, source, source_url, source_ts FROM captures "
            "WHERE domain=? AND kind=? AND source != ?",
            (domain, kind, SOURCE_FETCHED),
        )
        return {
            (url, ts): Unfetched(source, source_url, source_ts)
            for url, ts, source, source_url, source_ts in rows
        }

    def add_capture(self, capture: RawCapture, processed: Processed | None) -> None:
        """Record one capture and, for a fetched payload, what it yielded."""
        self.add_captures([(capture, processed)])

    def add_captures(
        self,
        batch: Iterable[tuple[RawCapture, Processed | None]],
        keys: Mapping[str, str] | None = None,
    ) -> None:
        """Record captures in one transaction; their tracks are marked for re-versioning.

        `keys` maps text sha256 to comparison keys already computed (by rebuild workers).
        """
        with self._transaction():
            for capture, processed in batch:
                self._insert_capture(capture, processed, keys or {})

    def _add_sources(self, capture: RawCapture) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO capture_sources VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    capture.domain,
                    capture.kind,
                    capture.url,
                    capture.timestamp,
                    archive_base(url) or url,
                    url,
                    digest,
                )
                for url, digest in ((capture.archive_url, capture.own_digest), *capture.also_in)
            ],
        )

    def capture_sources(self, domain: str, kind: str) -> dict[tuple[str, str], frozenset[str]]:
        """(url, timestamp) -> the archives (base URLs) known to hold the capture."""
        if not self.has_table("capture_sources"):
            return {}
        found: dict[tuple[str, str], set[str]] = defaultdict(set)
        rows = self.db.execute(
            "SELECT url, timestamp, archive FROM capture_sources WHERE domain=? AND kind=?",
            (domain, kind),
        )
        for url, ts, archive in rows:
            found[(url, ts)].add(archive)
        return {where: frozenset(archives) for where, archives in found.items()}

    def _insert_capture(
        self, capture: RawCapture, processed: Processed | None, keys: Mapping[str, str]
    ) -> None:
        self._add_sources(capture)
        if capture.source == SOURCE_LISTED:
            return  # one more source of a capture already recorded, never a capture
        # A capture is recorded once, and replaced only by a firmer record of it (a later
        # `--strategy all` run reads the captures `changes` inferred).
        self.db.execute(
            "INSERT INTO captures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (domain, kind, url, timestamp) DO UPDATE SET "
            "archive_url=excluded.archive_url, digest=excluded.digest, "
            "source=excluded.source, source_url=excluded.source_url, "
            "source_ts=excluded.source_ts, text_digest=excluded.text_digest "
            f"WHERE {_rank('excluded.source')} > {_rank('captures.source')}",
            (
                capture.domain,
                capture.kind,
                capture.url,
                capture.timestamp,
                capture.archive_url,
                capture.own_digest,
                capture.role,
                capture.source,
                capture.refers_to[0] if capture.refers_to and not capture.fetched else None,
                capture.refers_to[1] if capture.refers_to and not capture.fetched else None,
                capture.digest,
            ),
        )
        self.db.execute(
            "INSERT OR IGNORE INTO pending VALUES (?, ?)", (capture.domain, capture.kind)
        )
        self.db.execute(
            "DELETE FROM capture_outcomes WHERE domain=? AND kind=? AND url=? AND timestamp=?",
            (capture.domain, capture.kind, capture.url, capture.timestamp),
        )
        if processed is None:
            return
        # The first result for a payload stands: the same bytes always yield the same
        # documents, and keeping the first makes a repeated fetch a no-op.
        inserted = self.db.execute(
            "INSERT OR IGNORE INTO payloads VALUES (?, ?, ?)",
            (capture.kind, capture.digest, processed.drop_reason),
        ).rowcount
        if not inserted:
            return
        for document in processed.documents:
            sha = document.sha256
            if self.db.execute("SELECT 1 FROM texts WHERE sha256=?", (sha,)).fetchone() is None:
                self.db.execute(
                    "INSERT INTO texts VALUES (?, ?, ?)",
                    (sha, document.text, keys.get(sha) or comparison_key(document.text)),
                )
            self.db.execute(
                "INSERT OR IGNORE INTO payload_documents VALUES (?, ?, ?, ?, ?)",
                (capture.kind, capture.digest, document.lang, sha, document.title),
            )

    def record_outcome(
        self, domain: str, kind: str, url: str, timestamp: str, state: str, reason: str
    ) -> None:
        """A listed capture that was not stored: pending (asked again next run) or
        dropped (never asked again). A capture already stored keeps no outcome."""
        with self._transaction():
            stored = self.db.execute(
                "SELECT 1 FROM captures WHERE domain=? AND kind=? AND url=? AND timestamp=?",
                (domain, kind, url, timestamp),
            ).fetchone()
            if stored is not None:
                return
            self.db.execute(
                "INSERT OR REPLACE INTO capture_outcomes VALUES (?, ?, ?, ?, ?, ?, ?)",
                (domain, kind, url, timestamp, state, reason, _now()),
            )

    def add_outcomes(self, rows: Iterable[tuple[str, str, str, str, str, str, str]]) -> None:
        """Carry over another index's outcomes (rebuild: raw/ does not hold them)."""
        with self._transaction():
            self.db.executemany(
                "INSERT OR IGNORE INTO capture_outcomes VALUES (?, ?, ?, ?, ?, ?, ?)", rows
            )

    def source_counts(self) -> dict[str, int]:
        """Policy captures by how their text is known (fetched, same_bytes, inferred)."""
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(captures)")}
        if "source" not in columns:
            return {}
        rows = self.db.execute(
            "SELECT source, COUNT(*) FROM captures WHERE role=? GROUP BY source", (ROLE_POLICY,)
        )
        return {source: n for source, n in rows}

    def has_table(self, name: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)
        ).fetchone()
        return row is not None

    def dropped_captures(self, domain: str, kind: str) -> dict[tuple[str, str], str]:
        """(url, timestamp) -> reason of the captures dropped for good."""
        rows = self.db.execute(
            "SELECT url, timestamp, reason FROM capture_outcomes "
            "WHERE domain=? AND kind=? AND state='dropped'",
            (domain, kind),
        )
        return {(url, ts): reason for url, ts, reason in rows}

    def outcome_counts(self, domains: Iterable[str] | None = None) -> dict[str, int]:
        """Captures pending and dropped (of `domains`, default all)."""
        counts = {"pending": 0, "dropped": 0}
        if not self.has_table("capture_outcomes"):
            return counts  # an older index opened read-only: nothing recorded yet
        if domains is None:
            rows = self.db.execute(
                "SELECT state, COUNT(*) FROM capture_outcomes GROUP BY state"
            ).fetchall()
        else:
            wanted = sorted(set(domains))
            rows = []
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start : start + _IN_CHUNK]
                rows += self.db.execute(
                    "SELECT state, COUNT(*) FROM capture_outcomes WHERE domain IN "
                    f"({', '.join('?' * len(chunk))}) GROUP BY state",
                    chunk,
                ).fetchall()
        for state, n in rows:
            counts[state] += n
        return counts

    def add_changes(self, changes: Iterable[tuple[str, str, Change]]) -> None:
        """Seed the change cache with sizes measured elsewhere (rebuild workers)."""
        with self._transaction():
            self.db.executemany(
                "INSERT OR IGNORE INTO changes VALUES (?, ?, ?, ?, ?)",
                [
                    (old, new, c.similarity, c.words_added, c.words_removed)
                    for old, new, c in changes
                ],
            )

    # -- versions -----------------------------------------------------------------

    def tracks(self, domain: str, kind: str) -> dict[str, set[TrackCapture]]:
        """The policy captures of (domain, kind) that yielded text, per language."""
        tracks: dict[str, set[TrackCapture]] = defaultdict(set)
        rows = self.db.execute(
            # CROSS JOIN fixes the loop order (SQLite's rule): from the domain's captures
            # outwards. Left to itself the planner scans every document of the kind, which
            # makes each refresh slower as the corpus grows.
            """SELECT c.timestamp, c.url, c.archive_url, d.lang, d.text_sha, t.key, c.source
               FROM captures c
               CROSS JOIN payloads p ON p.kind = c.kind AND p.digest = c.text_digest
               CROSS JOIN payload_documents d ON d.kind = c.kind AND d.digest = c.text_digest
               CROSS JOIN texts t ON t.sha256 = d.text_sha
               WHERE c.domain=? AND c.kind=? AND c.role=? AND p.drop_reason IS NULL""",
            (domain, kind, ROLE_POLICY),
        )
        for timestamp, url, archive_url, lang, text_sha, key, source in rows:
            tracks[lang].add(TrackCapture(timestamp, url, archive_url, text_sha, key, source))
        return tracks

    def refresh_versions(self, domain: str, kind: str) -> list[Version]:
        """Recompute the timelines of (domain, kind) from its captures; write their files."""
        # One write transaction around the files too: two processes refreshing the same
        # track would otherwise delete each other's new files as stale.
        with self._transaction():
            versions = build_versions(domain, kind, self.tracks(domain, kind), self.change)
            self._write_files(domain, kind, versions)
            self.db.execute("DELETE FROM versions WHERE domain=? AND kind=?", (domain, kind))
            self.db.executemany(
                f"INSERT INTO versions VALUES ({', '.join('?' * 20)})",
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
                        v.similarity,
                        v.words_added,
                        v.words_removed,
                        v.revert_of,
                        int(v.flapping),
                        v.snapshots_fetched,
                        v.first_source,
                        v.last_source,
                        v.cited_ts,
                    )
                    for v in versions
                ],
            )
            self.db.execute("DELETE FROM pending WHERE domain=? AND kind=?", (domain, kind))
        return versions

    def change(self, old_sha: str, new_sha: str) -> Change:
        """The change from one stored text to another, measured once and kept."""
        row = self.db.execute(
            "SELECT similarity, words_added, words_removed FROM changes "
            "WHERE old_sha=? AND new_sha=?",
            (old_sha, new_sha),
        ).fetchone()
        if row is not None:
            return Change(float(row[0]), int(row[1]), int(row[2]))
        measured = measure_change(self.text(old_sha), self.text(new_sha))
        self.db.execute(
            "INSERT OR IGNORE INTO changes VALUES (?, ?, ?, ?, ?)",
            (old_sha, new_sha, measured.similarity, measured.words_added, measured.words_removed),
        )
        return measured

    def _write_files(self, domain: str, kind: str, versions: list[Version]) -> None:
        wanted: dict[Path, str] = {}
        for v in versions:
            text = self.text(v.text_sha)
            # the date of the capture it cites: the first one, unless that one was not
            # read (README: "What a capture rests on")
            wanted[self.root / v.path] = render_version(
                v.domain, v.kind, iso_date(v.cited_ts or v.first_ts), v.archive_url, text
            )
        for path, content in wanted.items():
            write_atomic(path, content, durable=self.durable)
        # Versions can merge or move (an earlier capture found later): remove stale files.
        kind_dir = (self.root / version_path(domain, kind, "x", "x", 1)).parent.parent
        if kind_dir.is_dir():
            for stale in kind_dir.glob("*/*.md"):
                if stale not in wanted:
                    stale.unlink()
                    log.info("removed stale version file %s", stale)

    def is_pending(self, domain: str, kind: str) -> bool:
        """Has (domain, kind) captures its versions do not reflect yet?"""
        row = self.db.execute(
            "SELECT 1 FROM pending WHERE domain=? AND kind=?", (domain, kind)
        ).fetchone()
        return row is not None

    def version_counts(self, domain: str, kind: str) -> dict[str, int]:
        """Versions of (domain, kind) per language."""
        rows = self.db.execute(
            "SELECT lang, COUNT(*) FROM versions WHERE domain=? AND kind=? GROUP BY lang",
            (domain, kind),
        )
        return {lang: n for lang, n in rows}

    def text(self, sha256: str) -> str:
        row = self.db.execute("SELECT text FROM texts WHERE sha256=?", (sha256,)).fetchone()
        if row is None:
            raise StoreError(f"text {sha256} is missing from the index")
        return str(row[0])

    def versions(self, domain: str | None = None) -> Iterator[ExportRow]:
        where = "WHERE v.domain = ?" if domain is not None else ""
        rows = self.db.execute(
            f"""SELECT {_VERSION_COLUMNS}, t.text, (
                       SELECT MIN(d.title) FROM payload_documents d
                       JOIN captures c ON c.kind = d.kind AND c.text_digest = d.digest
                       WHERE c.domain = v.domain AND c.kind = v.kind AND d.lang = v.lang
                         AND d.text_sha = v.text_sha AND c.timestamp = v.first_ts
                         AND c.url = v.url)
               FROM versions v JOIN texts t ON t.sha256 = v.text_sha {where}
               ORDER BY v.domain, v.kind, v.lang, v.version""",
            () if domain is None else (domain,),
        )
        for row in rows:
            *fields, text, title = row
            version = _version(tuple(fields))
            yield ExportRow(version, text, title or "", self.version_archives(version))

    def capture_rows(self) -> Iterator[dict[str, object]]:
        """Every policy capture with the archive it was read (or cited) from and every
        archive holding it, in (domain, kind, time) order: `export --captures`."""
        sources: dict[tuple[str, str, str, str], list[dict[str, str]]] = defaultdict(list)
        if self.has_table("capture_sources"):
            for d, k, u, ts, archive, archive_url, digest in self.db.execute(
                "SELECT domain, kind, url, timestamp, archive, archive_url, digest "
                "FROM capture_sources ORDER BY archive"
            ):
                sources[(d, k, u, ts)].append(
                    {"archive": archive, "archive_url": archive_url, "digest": digest}
                )
        rows = self.db.execute(
            "SELECT domain, kind, url, timestamp, archive_url, digest, source, text_digest "
            "FROM captures WHERE role=? ORDER BY domain, kind, timestamp, url",
            (ROLE_POLICY,),
        )
        for domain, kind, url, ts, archive_url, digest, source, text_digest in rows:
            key = (domain, kind, url, ts)
            yield {
                "domain": domain,
                "kind": kind,
                "url": url,
                "timestamp": ts,
                "date": iso_date(ts),
                "basis": source,
                "archive": archive_base(archive_url),
                "archive_url": archive_url,
                "digest": digest,
                "text_digest": text_digest,
                "sources": sources.get(key)
                or [
                    {
                        "archive": archive_base(archive_url),
                        "archive_url": archive_url,
                        "digest": digest,
                    }
                ],
            }

    def version_archives(self, v: Version) -> tuple[str, ...]:
        """The archives holding any capture of version `v`: the captures of its track
        between its first and last, whose payload shows text in its language."""
        if not self.has_table("capture_sources"):
            return (archive_base(v.archive_url),)
        rows = self.db.execute(
            """SELECT DISTINCT s.archive FROM captures c
               CROSS JOIN payload_documents d ON d.kind = c.kind AND d.digest = c.text_digest
               CROSS JOIN capture_sources s ON s.domain = c.domain AND s.kind = c.kind
                    AND s.url = c.url AND s.timestamp = c.timestamp
               WHERE c.domain=? AND c.kind=? AND c.role=? AND d.lang=? AND d.text_sha=?
                 AND c.timestamp BETWEEN ? AND ? ORDER BY s.archive""",
            (v.domain, v.kind, ROLE_POLICY, v.lang, v.text_sha, v.first_ts, v.last_ts),
        )
        return tuple(str(archive) for (archive,) in rows)

    def drop_counts(self) -> dict[str, int]:
        rows = self.db.execute(
            """SELECT p.drop_reason, COUNT(*) FROM captures c
               JOIN payloads p ON p.kind = c.kind AND p.digest = c.text_digest
               WHERE c.role=? AND p.drop_reason IS NOT NULL GROUP BY p.drop_reason""",
            (ROLE_POLICY,),
        )
        return {reason: count for reason, count in rows}

    def record_run(self, started: str, command: str, stats: dict[str, object]) -> None:
        """Log a run with the libraries and settings that produced what it wrote."""
        producer = json.dumps(producer_info(), sort_keys=True)
        with self._transaction():
            self.db.execute(
                "INSERT INTO runs(started, command, stats, producer) VALUES (?, ?, ?, ?)",
                (started, command, json.dumps(stats, sort_keys=True, default=str), producer),
            )
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('producer', ?)", (producer,))

    def add_runs(self, rows: list[tuple[str, str, str | None, str | None]]) -> None:
        """Carry over another index's run history (started, command, stats, producer)."""
        with self._transaction():
            self.db.executemany(
                "INSERT INTO runs(started, command, stats, producer) VALUES (?, ?, ?, ?)", rows
            )

    def runs(self) -> list[tuple[str, str, dict[str, object]]]:
        rows = self.db.execute("SELECT started, command, stats FROM runs ORDER BY id")
        return [(started, command, json.loads(stats or "{}")) for started, command, stats in rows]

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- the homepage cache of discovery -------------------------------------------
    # Not in any migration: an index made before it gets the table on its first write,
    # and reads of an index without it find nothing cached.

    def homepage_links(self, domain: str, kind: str) -> dict[tuple[str, str], tuple[str, ...]]:
        """(url, timestamp) of the homepage captures read -> the policy links found."""
        if not self.has_table("homepage_links"):
            return {}
        rows = self.db.execute(
            "SELECT url, timestamp, links FROM homepage_links WHERE domain=? AND kind=?",
            (domain, kind),
        )
        return {(url, ts): tuple(json.loads(links)) for url, ts, links in rows}

    def add_homepage_links(self, rows: Iterable[tuple[str, str, str, str, Iterable[str]]]) -> None:
        """Record (domain, kind, url, timestamp, links) of homepage captures read."""
        with self._transaction():
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS homepage_links (domain TEXT NOT NULL, "
                "kind TEXT NOT NULL, url TEXT NOT NULL, timestamp TEXT NOT NULL, "
                "links TEXT NOT NULL, PRIMARY KEY (domain, kind, url, timestamp))"
            )
            self.db.executemany(
                "INSERT OR REPLACE INTO homepage_links VALUES (?, ?, ?, ?, ?)",
                (
                    (domain, kind, url, ts, json.dumps(list(links), ensure_ascii=False))
                    for domain, kind, url, ts, links in rows
                ),
            )

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, nesting into an enclosing transaction if there is one."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.outer = False

    def __enter__(self) -> None:
        self.outer = not self.db.in_transaction
        if self.outer:
            self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.outer:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")


@contextmanager
def atomic_file(path: Path, durable: bool = True) -> Iterator[IO[bytes]]:
    """A file that appears at `path` only once completely written: readers see the old
    file or the new one, never half (`durable`: synced to disk before it appears)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _new_temp_file(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _new_temp_file(path: Path) -> tuple[int, str]:
    """A fresh hidden file beside `path`, created with mode 0666 so that the kernel applies
    the user's umask (and the folder's default ACL): mkstemp's 0600 would hide a corpus
    from the research group it is for. O_EXCL and O_NOFOLLOW: never open what was there."""
    # The name's prefix is cut so that the temporary name fits where `path` itself fits.
    stem = os.fsdecode(os.fsencode(path.name)[:200])
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    while True:
        tmp = str(path.parent / f".{stem}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def write_atomic(path: Path, content: str, durable: bool = True) -> None:
    """Write `content` to `path` atomically; an unchanged file is not touched."""
    data = content.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return
    with atomic_file(path, durable) as handle:
        handle.write(data)
