"""A fresh corpus tree built beside the live one and swapped in whole.

The live tree is `DIR/corpus` plus `DIR/index.sqlite`; two renames cannot be one atomic
step, so the swap is journalled: the staged tree is complete once its `COMPLETE` marker
exists, and from then on any interrupted swap is rolled forward (each step can be redone).
A staged tree without the marker is an interrupted build and is thrown away. Either way
readers find the old corpus or the new one, never a mix once recovery has run.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

STAGED_DIR = ".rebuild-new"
RETIRED_DIR = ".rebuild-old"
LOCK_NAME = ".rebuild.lock"
COMPLETE = "COMPLETE"
# What a swap replaces, in order; the index's WAL files belong to the old index only.
LIVE_ENTRIES = ("corpus", "index.sqlite")
OLD_ONLY = ("index.sqlite-wal", "index.sqlite-shm", "index.sqlite-journal")


# The swap's renames go through this name so tests can cut power between any two of them.
_rename = os.replace


class StagingBusy(Exception):
    """Another process is rebuilding this data directory."""


class RebuildLock:
    """An exclusive, non-blocking lock on a data directory's rebuild (released on exit or crash)."""

    def __init__(self, root: Path) -> None:
        self.path = root / LOCK_NAME
        self.handle: IO[bytes] | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "ab")  # noqa: SIM115  (held for the lock's lifetime)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None

    def __enter__(self) -> RebuildLock:
        if not self.acquire():
            raise StagingBusy(f"another rebuild of {self.path.parent} is running")
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def staged_root(root: Path) -> Path:
    return root / STAGED_DIR


def recover(root: Path) -> None:
    """Finish or discard a swap that a crash interrupted; a no-op when there is none."""
    staged = staged_root(root)
    retired = root / RETIRED_DIR
    if not staged.exists() and not retired.exists():
        return
    lock = RebuildLock(root)
    if not lock.acquire():
        return  # a rebuild is running and owns these folders
    try:
        recover_locked(root)
    finally:
        lock.release()


def recover_locked(root: Path) -> None:
    staged = staged_root(root)
    if (staged / COMPLETE).exists():
        log.warning("finishing an interrupted rebuild swap in %s", root)
        promote(root)
    elif staged.exists():
        log.warning("discarding an unfinished rebuild in %s", staged)
        shutil.rmtree(staged)
    shutil.rmtree(root / RETIRED_DIR, ignore_errors=True)


def mark_complete(root: Path) -> None:
    """Make the staged tree durable, then mark it complete: the point of no return."""
    staged = staged_root(root)
    os.sync()  # one flush for the whole tree instead of an fsync per version file
    marker = staged / COMPLETE
    with open(marker, "wb") as handle:
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_dir(staged)


def promote(root: Path) -> None:
    """Swap the complete staged tree in; safe to repeat after a crash at any step."""
    staged = staged_root(root)
    retired = root / RETIRED_DIR
    retired.mkdir(exist_ok=True)
    for name in LIVE_ENTRIES:
        new = staged / name
        if not new.exists():
            continue  # already swapped in before the crash
        old = root / name
        if name == "index.sqlite":
            for extra in OLD_ONLY:
                if (root / extra).exists():
                    _rename(root / extra, retired / extra)
        if old.exists():
            _rename(old, retired / name)
        _rename(new, old)
    _fsync_dir(root)
    (staged / COMPLETE).unlink(missing_ok=True)
    shutil.rmtree(staged, ignore_errors=True)
    shutil.rmtree(retired, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
