"""One writer at a time per data directory: an overlapping scheduled run is refused."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class LockedError(Exception):
    """Another policy-archive process is writing to this data directory."""


class DataDirLock:
    """An advisory lock on the data directory itself, released by the OS if the holder
    dies; a directory this lock created and nobody wrote into is removed again, so a
    run that fails early leaves nothing behind."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._fd: int | None = None
        self._created = False

    def __enter__(self) -> DataDirLock:
        self._created = not self.root.exists()
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockedError(f"another policy-archive run is writing to {self.root}") from None
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is None:
            return
        if self._created and not any(self.root.iterdir()):
            self.root.rmdir()
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
