"""`policy-archive serve` run as a user runs it: its own process, a free port, stopped by
the test."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.integration.conftest import ROOT

START_TIMEOUT = 60.0  # s: the server prints its address once it listens


@contextmanager
def serving(out: Path) -> Iterator[str]:
    """The base URL of `serve --out OUT` on 127.0.0.1, port chosen by the system."""
    process = subprocess.Popen(
        [sys.executable, "-m", "policy_archive", "serve", "--out", str(out), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + START_TIMEOUT
        line = ""
        while not line and time.monotonic() < deadline and process.poll() is None:
            if selector.select(timeout=1.0):
                line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert found, (
            f"serve did not start: {line!r} {process.stderr.read() if process.poll() is not None else ''}"
        )
        yield found.group(0)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    assert code == 0, process.stderr.read() if process.stderr else code
