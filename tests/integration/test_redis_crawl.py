"""Several workers through a real Redis: a worker killed midway loses its domains to the
others, every capture is fetched once, and the corpus equals a one-process crawl's."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.redis_frontier import RedisFrontier
from localarchive.server import Faults, LocalArchive
from tests.integration.conftest import (
    ROOT,
    generated_world,
    masked_export,
    reference_crawl,
    run_cli,
)
from tests.redis_server import RedisServer, redis_server_binary

DOMAINS = 8
CAPTURES = 16
LEASE = 3.0  # seconds: a killed worker's domains come back quickly
# Requests a worker can have in flight (CONCURRENT_REQUESTS as the runner sets it): the
# most a killed worker may have asked for without recording the answer.
IN_FLIGHT = 16


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = redis_server_binary()
    with RedisServer(binary, tmp_path_factory.mktemp("redis")) as server:
        yield server.url


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return generated_world(tmp_path_factory, "redis-archive", DOMAINS, CAPTURES, seed=5)


@pytest.fixture(scope="module")
def world(generated: tuple[Path, Path]) -> Path:
    return generated[0]


@pytest.fixture(scope="module")
def listing(generated: tuple[Path, Path]) -> Path:
    return generated[1]


@pytest.fixture(scope="module")
def reference(world: Path, listing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """An uninterrupted crawl: its corpus and how many requests it took."""
    rows, requests = reference_crawl(world, listing, tmp_path_factory)
    return {"rows": rows, "requests": requests}


def _worker(
    listing: Path, archive: LocalArchive, out: Path, redis_url: str, crawl: str, name: str
) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "policy_archive", "crawl", str(listing)]
    command += ["--archive", archive.url, "--out", str(out), "--redis", redis_url]
    command += ["--crawl-id", crawl, "--worker", name, "--lease", str(LEASE), "--in-flight", "2"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _run_two_workers_kill_one(
    listing: Path, world: Path, outs: tuple[Path, Path], redis_url: str, crawl: str, kill_at: int
) -> tuple[subprocess.Popen[str], str, list[str]]:
    with LocalArchive(world, faults=Faults(delay=0.03)) as archive:
        doomed = _worker(listing, archive, outs[0], redis_url, crawl, "doomed")
        survivor = _worker(listing, archive, outs[1], redis_url, crawl, "survivor")
        try:
            deadline = time.monotonic() + 120
            while len(archive.requests) < kill_at:
                assert doomed.poll() is None, "the first worker ended before it could be killed"
                assert time.monotonic() < deadline, "the workers made no progress"
                time.sleep(0.01)
            doomed.kill()
            doomed.communicate()
            _out, err = survivor.communicate(timeout=240)
        finally:
            for process in (doomed, survivor):
                if process.poll() is None:
                    process.kill()
        paths = [r.path for r in archive.requests]
    assert doomed.returncode == -signal.SIGKILL
    return survivor, err, paths


def test_two_workers_share_one_dir_and_one_is_killed(
    world: Path, listing: Path, reference: dict, redis_url: str, tmp_path: Path
) -> None:
    shared = tmp_path / "shared"
    survivor, err, paths = _run_two_workers_kill_one(
        listing, world, (shared, shared), redis_url, "one-dir",
        kill_at=int(reference["requests"] * 0.3),
    )  # fmt: skip
    assert survivor.returncode == 0, err
    assert "Traceback" not in err
    frontier = RedisFrontier.connect(redis_url, "one-dir", "checker")
    try:
        assert frontier.counts()["done"] == DOMAINS
        assert frontier.exhausted()
    finally:
        frontier.close()
    # every policy capture fetched once, but for what the killed worker had in flight
    policy = Counter(p for p in paths if "/web/" in p and "privacy-policy" in p)
    twice = [p for p, n in policy.items() if n > 1]
    assert all(policy[p] == 2 for p in twice), "a capture was fetched three times"
    assert len(twice) <= IN_FLIGHT, f"{len(twice)} captures fetched twice"
    # ... and only captures of the (at most two) domains the killed worker had in flight
    assert len({re.search(r"bench\d+-shop", p)[0] for p in twice}) <= 2  # type: ignore[index]
    # raw files are named by worker: both wrote beside each other
    names = {p.name for p in (shared / "raw").glob("*/*.warc.gz")}
    assert any("doomed" in n for n in names) and any("survivor" in n for n in names)
    rebuilt = run_cli("rebuild", "--out", str(shared))
    assert rebuilt.code == 0, rebuilt.stderr
    assert masked_export(shared) == reference["rows"]


def test_workers_with_their_own_dirs_are_gathered_by_rebuild(
    world: Path, listing: Path, reference: dict, redis_url: str, tmp_path: Path
) -> None:
    mine, yours = tmp_path / "worker-a", tmp_path / "worker-b"
    survivor, err, _paths = _run_two_workers_kill_one(
        listing, world, (mine, yours), redis_url, "two-dirs",
        kill_at=int(reference["requests"] * 0.5),
    )  # fmt: skip
    assert survivor.returncode == 0, err
    merged = tmp_path / "merged"
    result = run_cli("rebuild", "--out", str(merged), "--from", str(mine), "--from", str(yours))
    assert result.code == 0, result.stderr
    assert masked_export(merged) == reference["rows"]


def test_a_shared_dir_refuses_other_writers(
    world: Path, listing: Path, redis_url: str, tmp_path: Path
) -> None:
    from corpus.lock import DataDirLock

    out = tmp_path / "data"
    # a worker of another shared crawl, and a plain run, are refused while one holds it
    with LocalArchive(world) as archive, DataDirLock(out, shared=f"{redis_url}#someone-else"):
        other = run_cli(
            "crawl", str(listing), "--archive", archive.url, "--out", str(out),
            "--redis", redis_url, "--crawl-id", "mine",
        )  # fmt: skip
        plain = run_cli("crawl", str(listing), "--archive", archive.url, "--out", str(out))
    assert other.code == 3 and "another shared crawl" in other.stderr
    assert plain.code == 3 and "another policy-archive run" in plain.stderr


def test_an_unreachable_redis_is_one_line(listing: Path, tmp_path: Path) -> None:
    result = run_cli(
        "crawl", str(listing), "--out", str(tmp_path / "data"), "--redis", "redis://127.0.0.1:1/0"
    )
    assert result.code == 2
    assert "cannot reach Redis" in result.stderr and "Traceback" not in result.stderr
