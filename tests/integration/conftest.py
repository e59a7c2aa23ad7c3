from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from localarchive.server import LocalArchive
from localarchive.sites import DemoManifest, write_demo_archive

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(*args: str, cwd: Path | None = None) -> Result:
    """Run `policy-archive` as a user would: its own process, its own reactor."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "policy_archive", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoManifest]:
    folder = tmp_path_factory.mktemp("demo-archive")
    return folder, write_demo_archive(folder)


@pytest.fixture(scope="session")
def archive_server(demo_archive: tuple[Path, DemoManifest]) -> Iterator[LocalArchive]:
    with LocalArchive(demo_archive[0]) as archive:
        yield archive
