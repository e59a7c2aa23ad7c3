"""The corpus as `serve` reads it: opened read-only without creating a file in the data
directory, reopened when a writer appears or a rebuild swaps the index in, and a full-text
index of the versions kept outside the data directory."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from corpus.store import INDEX_NAME, ExportRow, Store
from corpus.timeline import YearFigure, year_figures

log = logging.getLogger(__name__)

SERVE_SEARCH_RESULTS = 50  # versions listed per search; a phrase common to all is no help
SERVE_SEARCH_MIN_CHARS = 3  # the trigram index finds nothing shorter


@dataclass(frozen=True, slots=True)
class TrackSummary:
    domain: str
    kind: str
    lang: str
    versions: int
    first_ts: str
    last_ts: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    domain: str
    kind: str
    lang: str
    number: int
    first_ts: str
    snippet: str  # plain text; the match between \x02 and \x03


def _signature(index: Path) -> tuple[int, ...]:
    """What tells that the store must be reopened: the index file replaced (rebuild swaps
    a new one in), a writer's WAL file appearing or going, or, while no WAL file is there
    (the index is read as immutable), the file itself changing."""
    wal = index.with_name(INDEX_NAME + "-wal")
    try:
        stat = index.stat()
    except FileNotFoundError:
        return (0, wal.exists())
    if wal.exists():
        # A live connection sees the writer's commits; only a swap needs a reopen.
        return (stat.st_ino, stat.st_dev, True)
    return (stat.st_ino, stat.st_dev, False, stat.st_mtime_ns, stat.st_size)


class CorpusReader:
    """One read-only view of `root`, used from one thread (the server's)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.index = root / INDEX_NAME
        self.store = self._open()
        self._signature = _signature(self.index)
        self._data_version: int | None = None
        self._figures: list[YearFigure] | None = None
        self._tracks: list[TrackSummary] | None = None
        self._searchable: bool | None = None  # the search index holds the current texts
        # The search index lives in a temporary folder, never in the data directory.
        self._search_dir = Path(tempfile.mkdtemp(prefix="policy-archive-serve-"))
        self._search = sqlite3.connect(self._search_dir / "search.sqlite")
        self._search.execute("PRAGMA journal_mode=OFF")
        self._search.execute("PRAGMA synchronous=OFF")
        self._search.execute(
            "CREATE VIRTUAL TABLE texts USING fts5(sha UNINDEXED, text, tokenize='trigram')"
        )
        self._indexed: dict[str, int] = {}  # text sha256 -> rowid in the search index
        self.refresh()

    def _open(self) -> Store:
        return Store.open(self.root, readonly=True, snapshot_when_idle=True)

    def close(self) -> None:
        self.store.close()
        self._search.close()
        shutil.rmtree(self._search_dir, ignore_errors=True)

    def refresh(self) -> None:
        """Bring the view up to date with the index: cheap when nothing changed."""
        signature = _signature(self.index)
        if signature != self._signature:
            log.info("the index of %s changed hands; reopening it", self.root)
            fresh = self._open()
            self.store.close()
            self.store, self._signature, self._data_version = fresh, signature, None
        # data_version changes whenever another connection commits to the index.
        version = int(self.store.db.execute("PRAGMA data_version").fetchone()[0])
        if version == self._data_version:
            return
        self._data_version = version
        # What is derived from the whole corpus is redone when a page needs it, not on
        # every commit of a crawl: a domain's page reads only that domain's rows.
        self._tracks = self._figures = self._searchable = None

    def _index_texts(self) -> None:
        wanted = {
            str(sha) for (sha,) in self.store.db.execute("SELECT DISTINCT text_sha FROM versions")
        }
        gone = set(self._indexed) - wanted
        with self._search:
            for sha in gone:
                self._search.execute("DELETE FROM texts WHERE rowid=?", (self._indexed.pop(sha),))
            for sha in sorted(wanted - set(self._indexed)):
                cursor = self._search.execute(
                    "INSERT INTO texts(sha, text) VALUES (?, ?)", (sha, self.store.text(sha))
                )
                self._indexed[sha] = int(cursor.lastrowid or 0)

    @property
    def tracks(self) -> list[TrackSummary]:
        if self._tracks is None:
            self._tracks = [
                TrackSummary(*row)
                for row in self.store.db.execute(
                    "SELECT domain, kind, lang, COUNT(*), MIN(first_ts), MAX(last_ts) "
                    "FROM versions GROUP BY domain, kind, lang ORDER BY domain, kind, lang"
                )
            ]
        return self._tracks

    @property
    def figures(self) -> list[YearFigure]:
        if self._figures is None:
            self._figures = year_figures(self.store.versions())
        return self._figures

    def domain_rows(self, domain: str) -> list[ExportRow]:
        return list(self.store.versions(domain))

    def search(self, query: str) -> list[SearchHit]:
        """Versions whose text holds `query` as typed (case-insensitive), newest text first."""
        phrase = " ".join(query.split())
        if len(phrase) < SERVE_SEARCH_MIN_CHARS:
            return []
        if not self._searchable:
            self._index_texts()
            self._searchable = True
        # One quoted FTS5 string: the words as a phrase, never as query syntax.
        quoted = '"' + phrase.replace('"', '""') + '"'
        matches = self._search.execute(
            "SELECT sha, text FROM texts WHERE texts MATCH ? ORDER BY rank LIMIT ?",
            (quoted, SERVE_SEARCH_RESULTS),
        ).fetchall()
        hits: list[SearchHit] = []
        for sha, text in matches:
            snippet = _snippet(str(text), phrase)
            for domain, kind, lang, number, first_ts in self.store.db.execute(
                "SELECT domain, kind, lang, version, first_ts FROM versions WHERE text_sha=? "
                "ORDER BY domain, kind, lang, version",
                (sha,),
            ):
                hits.append(SearchHit(domain, kind, lang, int(number), first_ts, str(snippet)))
        return hits[:SERVE_SEARCH_RESULTS]


def _snippet(text: str, phrase: str, around: int = 90) -> str:
    """The first place `phrase` occurs in `text` (case-insensitive, as the trigram index
    matches), with some words either side and the match between \\x02 and \\x03.
    FTS5's own snippet() counts trigrams, not words, with this index."""
    at = text.lower().find(phrase.lower())
    if at < 0:  # a case fold that changes lengths: show the start
        return " ".join(text[: 2 * around].split()) + "…"
    start, end = max(0, at - around), min(len(text), at + len(phrase) + around)
    before = " ".join(text[start:at].split())
    after = " ".join(text[at + len(phrase) : end].split())
    return (
        ("…" if start else "")
        + before
        + (" " if before and text[at - 1].isspace() else "")
        + "\x02"
        + text[at : at + len(phrase)]
        + "\x03"
        + (" " if after and text[at + len(phrase)].isspace() else "")
        + after
        + ("…" if end < len(text) else "")
    )
