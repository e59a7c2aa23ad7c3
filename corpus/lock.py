"""One writer at a time per data directory: an overlapping scheduled run is refused.

The workers of one shared crawl (`crawl --redis`) on one machine may share a data
directory: they hold the lock together (shared mode, with the crawl's key written
beside it), and still refuse any other writer, and are refused by one.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

SHARED_KEY_FILE = ".shared-crawl"
GUARD_FILE = ".lock"


class LockedError(Exception):
    """Another policy-archive process is writing to this data directory."""


class DataDirLock:
    """An advisory lock on the data directory itself, released by the OS if the holder
    dies; a directory this lock created and nobody wrote into is removed again, so a
    run that fails early leaves nothing behind. `shared`: the key of a shared crawl
    whose workers may hold the lock together."""

    def __init__(self, root: Path, shared: str | None = None) -> None:
        self.root = root
        self.shared = shared
        self._fd: int | None = None
        self._created = False

    def __enter__(self) -> DataDirLock:
        self._created = not self.root.exists()
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root, os.O_RDONLY)
        try:
            if self.shared is None:
                self._exclusive(fd)
            else:
                self._join(fd, self.shared)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def _exclusive(self, fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(f"another policy-archive run is writing to {self.root}") from None

    def _join(self, fd: int, key: str) -> None:
        """Take the lock shared with the workers of crawl `key`, or refuse."""
        guard = os.open(self.root / GUARD_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(guard, fcntl.LOCK_EX)  # one joiner at a time; held for an instant
            key_file = self.root / SHARED_KEY_FILE
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pass  # someone holds it: join only a shared crawl with the same key
            else:
                key_file.write_text(key + "\n", encoding="utf-8")
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LockedError(f"another policy-archive run is writing to {self.root}") from None
            held = key_file.read_text(encoding="utf-8").strip() if key_file.exists() else ""
            if held != key:
                fcntl.flock(fd, fcntl.LOCK_UN)
                raise LockedError(
                    f"the workers of another shared crawl ({held or 'unknown'}) are writing to "
                    f"{self.root}"
                )
        finally:
            fcntl.flock(guard, fcntl.LOCK_UN)
            os.close(guard)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is None:
            return
        leftovers = {GUARD_FILE, SHARED_KEY_FILE}
        if self._created and not {p.name for p in self.root.iterdir()} - leftovers:
            for name in leftovers:
                (self.root / name).unlink(missing_ok=True)
            self.root.rmdir()
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
