"""Rebuild: the index and every version file regenerated from `DIR/raw/` alone.

Domains are processed in parallel (each worker reads one domain's WARC files, processes
each distinct payload once and measures the changes between its versions); the main
process records the results into a fresh tree beside the live one and swaps it in at the
end. The crawl and rebuild share `process_capture` and `Store`, so their corpora are equal.
"""

from __future__ import annotations

import ctypes
import json
import logging
import multiprocessing
import os
import shutil
import signal
import sqlite3
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from corpus.diff import Change, measure_change
from corpus.lock import DataDirLock, LockedError
from corpus.models import ROLE_POLICY, SOURCE_LISTED, Processed, RawCapture, TrackCapture
from corpus.normalise import comparison_key
from corpus.process import process_capture
from corpus.rawstore import RAW_DIR, RawDamage, domain_folders, firmest, read_raw
from corpus.render import safe_segment
from corpus.staging import (
    RebuildLock,
    mark_complete,
    promote,
    recover_locked,
    staged_root,
)
from corpus.store import INDEX_NAME, Store, atomic_file
from corpus.versioning import build_versions

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# How often a worker on a system without PR_SET_PDEATHSIG checks that its parent lives.
PARENT_POLL_SECONDS = 1.0


class RebuildError(Exception):
    """The data directory cannot be rebuilt (no raw store, another rebuild running)."""


@dataclass(frozen=True, slots=True)
class Loss:
    """Captures of the live index that a rebuild's index lacks (damaged or missing raw)."""

    domain: str
    kind: str
    captures: int


class RebuildLossError(RebuildError):
    """The rebuilt index would lack captures the live one has; nothing was swapped."""

    def __init__(self, root: Path, losses: list[Loss], damaged: tuple[RawDamage, ...]) -> None:
        self.losses = losses
        self.damaged = damaged
        super().__init__(
            f"rebuild would lose {describe_losses(losses)} that {root / INDEX_NAME} holds "
            "(damaged or missing raw files); the corpus is unchanged. Rebuild anyway with "
            f"policy-archive rebuild --out {root} --accept-loss"
        )


def describe_losses(losses: list[Loss]) -> str:
    """'7 captures (example.com 5, example.org 2)'."""
    total = sum(loss.captures for loss in losses)
    per_domain: dict[str, int] = defaultdict(int)
    for loss in losses:
        per_domain[loss.domain] += loss.captures
    domains = ", ".join(f"{domain} {n}" for domain, n in sorted(per_domain.items()))
    return f"{total} capture{'' if total == 1 else 's'} ({domains})"


@dataclass(frozen=True, slots=True)
class DomainWork:
    """What one worker hands back for one domain folder: no payload bytes, only results."""

    folder: str
    captures: list[tuple[RawCapture, Processed | None]]
    keys: dict[str, str]  # text sha256 -> comparison key
    changes: list[tuple[str, str, Change]]
    processed: int  # payloads run through process_capture
    complete: bool  # False when a revisit points at a payload stored under another domain
    damaged: list[RawDamage]  # unreadable stretches of the domain's raw files, skipped


@dataclass(frozen=True, slots=True)
class RebuildProgress:
    domains_done: int
    domains_total: int
    captures: int
    seconds: float


@dataclass(frozen=True, slots=True)
class RebuildReport:
    domains: int
    captures: int
    payloads: int
    versions: int
    seconds: float
    damaged: tuple[RawDamage, ...] = ()
    lost: tuple[Loss, ...] = ()  # swapped in anyway (accept_loss)

    @property
    def captures_per_second(self) -> float:
        return self.captures / self.seconds if self.seconds else 0.0


def process_domain(folder: Path) -> DomainWork:
    """Read one domain's raw files and process each distinct payload once."""
    captures: list[RawCapture] = []
    # One body per payload, the earliest capture's: the choice must not depend on file order.
    chosen: dict[tuple[str, str], RawCapture] = {}
    damaged: list[RawDamage] = []
    for path in sorted(folder.glob("*.warc.gz")):
        for capture in read_raw(path, damaged.append):
            if capture.role != ROLE_POLICY:
                continue
            if capture.body is not None:
                key = (capture.kind, capture.digest)
                held = chosen.get(key)
                if held is None or (capture.timestamp, capture.url) < (held.timestamp, held.url):
                    chosen[key] = capture
            captures.append(replace(capture, body=None, headers=()))
    captures = firmest(captures)  # a capture inferred, then fetched by a later run
    results = {key: process_capture(capture) for key, capture in chosen.items()}
    firsts = {(c.url, c.timestamp) for c in chosen.values()}
    batch: list[tuple[RawCapture, Processed | None]] = []
    for capture in captures:
        own = (capture.url, capture.timestamp) in firsts
        batch.append((capture, results[(capture.kind, capture.digest)] if own else None))
    keys: dict[str, str] = {}
    texts: dict[str, str] = {}
    for processed in results.values():
        for document in processed.documents:
            if document.sha256 not in keys:
                keys[document.sha256] = comparison_key(document.text)
                texts[document.sha256] = document.text
    changes, complete = _measure_changes(captures, results, keys, texts)
    return DomainWork(str(folder), batch, keys, changes, len(results), complete, damaged)


def _measure_changes(
    captures: list[RawCapture],
    results: dict[tuple[str, str], Processed],
    keys: dict[str, str],
    texts: dict[str, str],
) -> tuple[list[tuple[str, str, Change]], bool]:
    """The change sizes the domain's versions need, measured here rather than in the
    single main process (difflib is the slow part of versioning)."""
    tracks: dict[tuple[str, str], dict[str, set[TrackCapture]]] = defaultdict(
        lambda: defaultdict(set)
    )
    complete = True
    for capture in captures:
        processed = results.get((capture.kind, capture.digest))
        if processed is None:
            complete = False
            continue
        if processed.drop_reason is not None:
            continue
        for document in processed.documents:
            sha = document.sha256
            track = tracks[(capture.domain, capture.kind)][document.lang]
            track.add(
                TrackCapture(capture.timestamp, capture.url, capture.archive_url, sha, keys[sha])
            )
    changes: list[tuple[str, str, Change]] = []

    def change(old: str, new: str) -> Change:
        measured = measure_change(texts[old], texts[new])
        changes.append((old, new, measured))
        return measured

    for (domain, kind), langs in sorted(tracks.items()):
        build_versions(domain, kind, langs, change)
    return changes, complete


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, as taskset or a container's
    cpuset sets it), which is rebuild's default number of jobs."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _domain_results(folders: list[Path], jobs: int) -> Iterator[DomainWork]:
    # A worker more than there are domains would only cost its start-up (a fresh
    # interpreter importing lxml, trafilatura and langdetect's profiles).
    if min(jobs, len(folders)) <= 1:
        for folder in folders:
            yield process_domain(folder)
        return
    # Largest domains first so that no worker is left with a big one at the end.
    ordered = sorted(folders, key=_folder_size, reverse=True)
    # spawn, not fork: a forked worker would share the data directory's lock (and the staged
    # index's connection) with this process, and hold the lock on if it outlived it.
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(folders)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=die_with_parent,
        initargs=(os.getpid(), _log_setup()),
    )
    with pool:
        futures = [pool.submit(process_domain, folder) for folder in ordered]
        for future in as_completed(futures):
            yield future.result()


def die_with_parent(
    parent: int, log_setup: tuple[int, str | None] = (logging.WARNING, None)
) -> None:
    """A pool worker's initializer: the worker is killed when `parent` dies, however it dies
    (SIGKILL runs no cleanup), rather than living on as an orphan."""
    if sys.platform == "linux":
        # The kernel sends SIGKILL when the thread that started this worker exits: the
        # pool starts its workers from the thread that submits, rebuild's main thread.
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    else:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    # The parent may have died before the line above: then nothing will signal this worker.
    if os.getppid() != parent:
        os._exit(1)
    level, fmt = log_setup
    logging.basicConfig(level=level, format=fmt or logging.BASIC_FORMAT)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _log_setup() -> tuple[int, str | None]:
    """The root logger's level and format, for workers that start without the CLI's setup."""
    root = logging.getLogger()
    formatter = root.handlers[0].formatter if root.handlers else None
    return root.level, formatter._fmt if formatter is not None else None


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.warc.gz"))


def recover_domain(store: Store, root: Path, domain: str, kind: str) -> int:
    """Record the policy captures of `domain` that are in `root`'s raw store but not in
    the index (a run died between the two writes); returns how many."""
    known = store.capture_digests(domain, kind)
    recovered = 0
    for path in sorted((root / RAW_DIR / safe_segment(domain)).glob("*.warc.gz")):
        for capture in read_raw(path):
            if capture.role != ROLE_POLICY or capture.kind != kind:
                continue
            if (capture.url, capture.timestamp) in known:
                continue
            processed = process_capture(capture) if capture.body is not None else None
            store.add_capture(capture, processed)
            if capture.source == SOURCE_LISTED:
                continue  # one more source of a capture, not a capture of its own
            known[(capture.url, capture.timestamp)] = capture.digest
            recovered += 1
    return recovered


def gather_raw(root: Path, sources: list[Path]) -> int:
    """Copy the raw WARC files of other data directories (the workers of a shared crawl,
    each on its own machine) into `root`'s raw store; returns how many were new. Files
    are named by run and worker, so a name already present is the same file (a copy
    interrupted midway is a temporary file, never under that name)."""
    copied = 0
    for source in sources:
        if source.resolve() == root.resolve():
            continue
        if not (source / RAW_DIR).is_dir():
            raise RebuildError(f"--from {source} has no raw store ({source / RAW_DIR})")
        for path in sorted((source / RAW_DIR).glob("*/*.warc.gz")):
            target = root / RAW_DIR / path.parent.name / path.name
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "rb") as src, atomic_file(target) as out:
                shutil.copyfileobj(src, out, 1 << 20)
            copied += 1
    return copied


def rebuild(
    root: Path,
    jobs: int = 1,
    progress: Callable[[RebuildProgress], None] | None = None,
    sources: list[Path] | None = None,
    accept_loss: bool = False,
) -> RebuildReport:
    """Regenerate `root`'s index and version files from its raw store (plus the raw
    stores of `sources`, gathered into it first); swap them in, unless the new index
    lacks captures the live one has (`RebuildLossError`) and not `accept_loss`."""
    started = time.monotonic()
    if sources:
        try:
            with DataDirLock(root):
                gather_raw(root, sources)
        except LockedError as exc:
            raise RebuildError(str(exc)) from exc
        except OSError as exc:
            raise RebuildError(f"cannot gather the raw stores into {root}: {exc}") from exc
    folders = domain_folders(root)
    if not folders:
        raise RebuildError(f"{root} has no raw captures (no {root / 'raw'}/<domain>/*.warc.gz)")
    # The data directory's writer lock keeps fetch and crawl out while the tree is replaced;
    # the rebuild lock tells readers' recovery that the staged folders are in use.
    writer = DataDirLock(root)
    lock = RebuildLock(root)
    try:
        writer.__enter__()
    except LockedError as exc:
        raise RebuildError(str(exc)) from exc
    if not lock.acquire():
        writer.__exit__(None, None, None)
        raise RebuildError(f"another rebuild of {root} is running")
    staged = staged_root(root)
    try:
        recover_locked(root)
        staged.mkdir()
        store = Store.open(staged, durable=False)
        try:
            _copy_runs(root / INDEX_NAME, store)
            _copy_outcomes(root / INDEX_NAME, store)
            _copy_homepage_links(root / INDEX_NAME, store)
            report = _fill(store, folders, jobs, started, progress)
            store.record_run(
                datetime.now(UTC).isoformat(timespec="seconds"),
                f"rebuild --jobs {jobs}",
                {
                    "domains": report.domains,
                    "captures": report.captures,
                    "payloads_processed": report.payloads,
                    "versions": report.versions,
                },
            )
        finally:
            store.close()
        lost = compare_indexes(root / INDEX_NAME, staged / INDEX_NAME)
        if lost and not accept_loss:
            raise RebuildLossError(root, lost, report.damaged)
        report = replace(report, lost=tuple(lost))
        mark_complete(root)
        promote(root)
    except BaseException:
        # The staged tree is thrown away (a refused swap included): the live one is as it was.
        if staged.exists() and not (staged / "COMPLETE").exists():
            shutil.rmtree(staged, ignore_errors=True)
        raise
    finally:
        lock.release()
        writer.__exit__(None, None, None)
    return replace(report, seconds=time.monotonic() - started)


def _fill(
    store: Store,
    folders: list[Path],
    jobs: int,
    started: float,
    progress: Callable[[RebuildProgress], None] | None,
) -> RebuildReport:
    captures = payloads = 0
    damaged: list[RawDamage] = []
    for done, work in enumerate(_domain_results(folders, jobs), start=1):
        damaged.extend(work.damaged)
        store.add_captures(work.captures, work.keys)
        store.add_changes(work.changes)
        captures += len(work.captures)
        payloads += work.processed
        tracks = sorted({(c.domain, c.kind) for c, _ in work.captures})
        # Refresh as results arrive, overlapping the workers; a domain whose revisits point
        # at another domain's payload stays pending until every domain is in.
        if work.complete:
            for domain, kind in tracks:
                store.refresh_versions(domain, kind)
        if progress is not None:
            progress(RebuildProgress(done, len(folders), captures, time.monotonic() - started))
    store.heal()
    versions = store.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
    damaged.sort(key=lambda d: (str(d.path), d.offset))  # workers finish in any order
    return RebuildReport(len(folders), captures, payloads, int(versions), 0.0, tuple(damaged))


def _copy_outcomes(old_index: Path, store: Store) -> None:
    """Keep the pending and dropped captures: raw/ holds only what was stored."""
    if not old_index.exists():
        return
    try:
        old = sqlite3.connect(f"file:{old_index}?mode=ro", uri=True)
        try:
            rows = old.execute("SELECT * FROM capture_outcomes").fetchall()
        finally:
            old.close()
    except sqlite3.DatabaseError as exc:
        log.warning("the old index's pending and dropped captures cannot be read (%s)", exc)
        return
    store.add_outcomes(rows)


def _copy_homepage_links(old_index: Path, store: Store) -> None:
    """Keep what discovery read on homepages (raw/ holds the pages, not the links found
    on them): without it the next crawl would fetch every homepage again."""
    if not old_index.exists():
        return
    try:
        old = sqlite3.connect(f"file:{old_index}?mode=ro", uri=True)
        try:
            rows = old.execute(
                "SELECT domain, kind, url, timestamp, links FROM homepage_links"
            ).fetchall()
        finally:
            old.close()
    except sqlite3.DatabaseError as exc:  # an index from before the cache: nothing to keep
        log.info("no homepage links to keep from the old index (%s)", exc)
        return
    store.add_homepage_links((d, k, u, ts, json.loads(links)) for d, k, u, ts, links in rows)


def _copy_runs(old_index: Path, store: Store) -> None:
    """Keep the history of runs: it describes the corpus's past, which raw alone cannot."""
    if not old_index.exists():
        return
    try:
        old = sqlite3.connect(f"file:{old_index}?mode=ro", uri=True)
        try:
            rows = old.execute("SELECT started, command, stats FROM runs ORDER BY id").fetchall()
            columns = {r[1] for r in old.execute("PRAGMA table_info(runs)")}
            producers = (
                [r[0] for r in old.execute("SELECT producer FROM runs ORDER BY id")]
                if "producer" in columns
                else [None] * len(rows)
            )
        finally:
            old.close()
    except sqlite3.DatabaseError as exc:
        log.warning("the old index's run history cannot be read (%s); starting afresh", exc)
        return
    store.add_runs([(*row, producer) for row, producer in zip(rows, producers, strict=True)])


def compare_indexes(old_index: Path, new_index: Path) -> list[Loss]:
    """The captures (domain, kind, url, timestamp) of `old_index` missing from `new_index`,
    counted per domain and kind. An old index that cannot be read has nothing to compare
    (rebuild is its remedy): a warning says so."""
    if not old_index.exists():
        return []
    try:
        old = sqlite3.connect(f"file:{old_index}?mode=ro", uri=True)
        try:
            old.execute("ATTACH DATABASE ? AS new", (str(new_index),))
            rows = old.execute(
                """SELECT o.domain, o.kind, COUNT(*) FROM main.captures o
                   WHERE NOT EXISTS (
                       SELECT 1 FROM new.captures n WHERE n.domain = o.domain
                       AND n.kind = o.kind AND n.url = o.url AND n.timestamp = o.timestamp)
                   GROUP BY o.domain, o.kind ORDER BY o.domain, o.kind"""
            ).fetchall()
        finally:
            old.close()
    except sqlite3.DatabaseError as exc:
        log.warning(
            "the old index %s cannot be read (%s): captures it held and the raw store lacks "
            "cannot be counted",
            old_index,
            exc,
        )
        return []
    return [Loss(domain, kind, int(n)) for domain, kind, n in rows]
