"""What one payload may cost the text pipeline: bytes, elements, depth, text, time.

A payload past a limit is dropped with the limit's reason (`too_large`, `too_deep`,
`extraction_timeout`), never cut short: a policy with its end missing would be a wrong
version, and one the archive keeps answering with is recorded as dropped, not retried.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

TOO_LARGE = "too_large"
TOO_DEEP = "too_deep"
EXTRACTION_TIMEOUT = "extraction_timeout"
BINARY = "binary"

# The largest of some 200 real policy pages (OTA, Princeton-Leuven) is 1.4 MB, with
# 4,600 elements, 47 levels deep; the limits sit far above, where memory still holds.
#
# Processing holds a handful of copies of a page (bytes, text, tree): 16 MiB keeps that
# near 100 MB. Also the most a compressed body may inflate to: a gzip bomb stops here.
MAX_PAGE_BYTES = 16 * 1024 * 1024
# trafilatura and its fallbacks copy the text of every element several times (about 30
# bytes of memory per byte of text); the longest policies run to some 100,000 words
# (under a million characters), so 4 million characters bound memory, not policies.
MAX_TEXT_CHARS = 4_000_000
# Each element costs trafilatura and the language split about 2 KB even when nearly
# empty: 100,000 keep a page near 200 MB.
MAX_ELEMENTS = 100_000
# libxml2's own default; below it, trafilatura's and our readers' recursion is safe
# (nested lists hit Python's recursion limit near 900 levels). Deeper elements, from
# unclosed tags repeated line after line, are unwrapped to this depth, keeping their
# text; past 2048 levels libxml2 stops parsing even with huge_tree: `too_deep`.
MAX_DEPTH = 256
# A page that takes longer than this is pathological (real ones take well under a
# second), and a crawl or rebuild must not wait on it.
EXTRACTION_SECONDS = 30.0


class PageRefused(Exception):
    """A payload that processing refuses, with the drop reason to record."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class ExtractionTimeout(BaseException):
    """The time limit ran out. A BaseException, like KeyboardInterrupt, so that the
    libraries' `except Exception` clauses let it through."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ExtractionTimeout in the body after `seconds`, by SIGALRM.

    Signals reach only the main thread, which is where the crawl's reactor and each
    rebuild worker process run `process_capture`; elsewhere the body runs unbounded.
    The previous handler and any alarm pending outside are put back on every path.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise ExtractionTimeout(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    started = time.monotonic()
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        while True:
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
                break
            except ExtractionTimeout:
                continue  # it fired as the body ended: the body's result stands
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        if outer > 0:  # someone else's alarm was pending: give back what is left of it
            left = outer - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))
