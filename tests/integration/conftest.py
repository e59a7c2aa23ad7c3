from __future__ import annotations

import json
import os
import re
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


def run_command(command: list[str], cwd: Path | None = None) -> Result:
    """Run a command of the project in its own process, from the repository."""
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def run_cli(*args: str, cwd: Path | None = None) -> Result:
    """Run `policy-archive` as a user would: its own process, its own reactor."""
    return run_command([sys.executable, "-m", "policy_archive", *args], cwd)


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoManifest]:
    folder = tmp_path_factory.mktemp("demo-archive")
    return folder, write_demo_archive(folder)


@pytest.fixture(scope="session")
def archive_server(demo_archive: tuple[Path, DemoManifest]) -> Iterator[LocalArchive]:
    with LocalArchive(demo_archive[0]) as archive:
        yield archive


# The local archive's address differs from one server to the next: masked when corpora
# built through different servers are compared.
LOCAL_ARCHIVE = re.compile(r"http://127\.0\.0\.1:\d+")


def generated_world(
    factory: pytest.TempPathFactory, name: str, domains: int, captures: int, seed: int
) -> tuple[Path, Path]:
    """A generated archive (bench.crawl's synthetic shops) and its domain list."""
    from bench.crawl import write_archive

    folder = factory.mktemp(name)
    write_archive(folder, domains, captures, seed=seed)
    listing = folder.parent / f"{name}-domains.txt"
    listing.write_text("".join(f"bench{n:03d}-shop.com\n" for n in range(domains)))
    return folder, listing


# What a version rests on: which of its captures were read. Runs that reach the same
# versions by different reads (one interrupted and resumed, several workers, faults asked
# again) differ in these fields only.
READ_FIELDS = ("snapshots_fetched", "first_seen_basis", "last_seen_basis")


def masked_export(out: Path, reads: bool = False) -> list[dict[str, object]]:
    """Every field of every version, the archive's address masked; what the versions rest
    on (READ_FIELDS) only with `reads`."""
    result = run_cli("export", "--out", str(out))
    assert result.code == 0, result.stderr
    rows = [json.loads(LOCAL_ARCHIVE.sub("ARCHIVE", line)) for line in result.stdout.splitlines()]
    for row in rows:
        # one archive at several addresses (restarted between runs) is one archive here
        row["archives"] = sorted(set(row.get("archives", ())))
    if not reads:
        rows = [{k: v for k, v in row.items() if k not in READ_FIELDS} for row in rows]
    return rows


def reference_crawl(
    folder: Path, listing: Path, factory: pytest.TempPathFactory
) -> tuple[list[dict[str, object]], int]:
    """A fault-free, uninterrupted crawl: its versions and how many requests it took."""
    out = factory.mktemp("reference") / "data"
    with LocalArchive(folder) as archive:
        result = run_cli("crawl", str(listing), "--archive", archive.url, "--out", str(out))
        requests = len(archive.requests)
    assert result.code == 0, result.stderr
    return masked_export(out), requests
