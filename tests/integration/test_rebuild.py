"""Rebuild from the raw store alone: byte-identical to the crawl, and crash-consistent."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.export import write_jsonl
from corpus.rebuild import rebuild
from corpus.store import Store
from localarchive.server import LocalArchive
from localarchive.sites import DemoManifest
from tests.integration.conftest import ROOT, run_cli

# The tables that hold the corpus (runs and the change cache describe how it was made).
CORPUS_TABLES = ("captures", "payloads", "payload_documents", "texts", "versions")


def snapshot(out: Path) -> dict[str, bytes]:
    """Every corpus file, the export and the index's corpus tables: what must not differ."""
    # Exporting first: opening the store is what finishes or discards an interrupted swap.
    store = Store.open(out, create=False)
    exported = io.StringIO()
    write_jsonl(store, exported)
    store.close()
    state = {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted((out / "corpus").rglob("*"))
        if p.is_file()
    }
    state["export"] = exported.getvalue().encode()
    db = sqlite3.connect(out / "index.sqlite")
    for table in CORPUS_TABLES:
        rows = sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
        state[table] = repr(rows).encode()
    db.close()
    return state


@pytest.fixture(scope="module")
def crawled(
    tmp_path_factory: pytest.TempPathFactory,
    demo_archive: tuple[Path, DemoManifest],
    archive_server: LocalArchive,
) -> Path:
    out = tmp_path_factory.mktemp("crawled")
    domains = sorted(demo_archive[1].versions)
    result = run_cli("fetch", *domains, "--archive", archive_server.url, "--out", str(out))
    assert result.code == 0, result.stderr
    return out


def test_rebuild_is_byte_identical_to_the_crawl(
    crawled: Path, tmp_path: Path, archive_server: LocalArchive
) -> None:
    expected = snapshot(crawled)
    requests = len(archive_server.requests)
    for jobs in ("2", "1"):
        out = tmp_path / f"jobs{jobs}"
        shutil.copytree(crawled, out)
        result = run_cli("rebuild", "--out", str(out), "--jobs", jobs)
        assert result.code == 0, result.stderr
        assert "rebuilt" in result.stdout and "captures/s" in result.stdout
        assert snapshot(out) == expected
        assert not (out / ".rebuild-new").exists() and not (out / ".rebuild-old").exists()
    assert len(archive_server.requests) == requests  # no network


def test_rebuild_from_raw_alone(crawled: Path, tmp_path: Path) -> None:
    out = tmp_path / "data"
    shutil.copytree(crawled / "raw", out / "raw")  # no index, no corpus files
    result = run_cli("rebuild", "--out", str(out))
    assert result.code == 0, result.stderr
    assert snapshot(out) == snapshot(crawled)


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no CPU affinity here")
def test_rebuild_runs_one_job_per_usable_cpu_by_default(crawled: Path, tmp_path: Path) -> None:
    out = tmp_path / "data"
    shutil.copytree(crawled / "raw", out / "raw")
    assert run_cli("rebuild", "--out", str(out)).code == 0
    db = sqlite3.connect(out / "index.sqlite")
    (command,) = db.execute("SELECT command FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    db.close()
    assert command == f"rebuild --jobs {len(os.sched_getaffinity(0))}"


def test_a_fetch_after_a_rebuild_changes_nothing(
    crawled: Path,
    tmp_path: Path,
    archive_server: LocalArchive,
    demo_archive: tuple[Path, DemoManifest],
) -> None:
    out = tmp_path / "data"
    shutil.copytree(crawled / "raw", out / "raw")
    assert run_cli("rebuild", "--out", str(out), "--jobs", "2").code == 0
    before = snapshot(out)
    domains = sorted(demo_archive[1].versions)
    result = run_cli("fetch", *domains, "--archive", archive_server.url, "--out", str(out))
    assert result.code == 0, result.stderr
    assert snapshot(out) == before


# -- crash consistency --------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_sites(
    crawled: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, bytes]]:
    """A consistent corpus of two of the three sites."""
    out = tmp_path_factory.mktemp("two") / "data"
    shutil.copytree(crawled / "raw", out / "raw")
    shutil.rmtree(out / "raw" / "plainsite.net")
    assert run_cli("rebuild", "--out", str(out)).code == 0
    return out, snapshot(out)


@pytest.fixture
def old_and_new(
    crawled: Path, two_sites: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """The two-site corpus ("old") whose raw store has just received the third site, so
    that a rebuild produces "new" (the crawl of all three)."""
    out = tmp_path / "data"
    shutil.copytree(two_sites[0], out)
    shutil.copytree(crawled / "raw" / "plainsite.net", out / "raw" / "plainsite.net")
    return out, two_sites[1], snapshot(crawled)


# Runs `rebuild` with a rename of the swap or mark_complete dying hard (os._exit: no
# cleanup runs, as with a power cut) at the given call. One job: no orphaned workers.
_CRASHING_REBUILD = """
import os, sys
import corpus.staging as staging
from policy_archive.cli import main
target, at = sys.argv[1], int(sys.argv[2])
calls = [0]
def crash_at(original):
    def wrapper(*args, **kwargs):
        calls[0] += 1
        if calls[0] == at:
            os._exit(9)
        return original(*args, **kwargs)
    return wrapper
if target == "replace":
    staging._rename = crash_at(staging._rename)
else:
    staging.mark_complete = crash_at(staging.mark_complete)
    import corpus.rebuild
    corpus.rebuild.mark_complete = staging.mark_complete
sys.exit(main(["rebuild", "--out", sys.argv[3]]))
"""


def _crashing_rebuild(target: str, at: int, out: Path) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _CRASHING_REBUILD, target, str(at), str(out)],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    return done.returncode


@pytest.mark.parametrize(
    ("target", "at"),
    [("complete", 1), ("replace", 1), ("replace", 2), ("replace", 3), ("replace", 4)],
)
def test_a_crash_during_the_swap_leaves_the_old_or_the_new_corpus(
    old_and_new: tuple[Path, dict[str, bytes], dict[str, bytes]], target: str, at: int
) -> None:
    out, old, new = old_and_new
    assert _crashing_rebuild(target, at, out) == 9
    after = snapshot(out)  # opening the store finishes or discards the interrupted swap
    assert after in (old, new)
    if target == "complete":
        assert after == old  # not yet marked complete: thrown away
    else:
        assert after == new  # marked complete: rolled forward
    assert not (out / ".rebuild-new").exists() and not (out / ".rebuild-old").exists()
    rebuild(out)
    assert snapshot(out) == new


_SLOW_REBUILD = """
import sys, time
import corpus.rebuild as rebuild
from policy_archive.cli import main
original = rebuild.process_domain
def slow(folder):
    time.sleep(0.5)
    return original(folder)
rebuild.process_domain = slow
sys.exit(main(["rebuild", "--out", sys.argv[1], "--jobs", "1"]))  # the patch is in this process
"""


def test_killing_a_rebuild_midway_keeps_the_previous_corpus(
    old_and_new: tuple[Path, dict[str, bytes], dict[str, bytes]],
) -> None:
    out, old, new = old_and_new
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", _SLOW_REBUILD, str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        # Midway: the fresh index exists and holds the first domain's captures.
        while not (out / ".rebuild-new" / "corpus").exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert (out / ".rebuild-new").exists()
    assert snapshot(out) == old
    assert not (out / ".rebuild-new").exists()
    rebuild(out)
    assert snapshot(out) == new


# -- bad input ------------------------------------------------------------------------------


def test_rebuild_without_raw_captures(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    result = run_cli("rebuild", "--out", str(tmp_path / "data"))
    assert result.code != 0 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "no raw captures" in result.stderr
    assert list((tmp_path / "data").iterdir()) == []


def test_rebuild_refuses_while_another_writer_holds_the_directory(
    crawled: Path, tmp_path: Path
) -> None:
    from corpus.lock import DataDirLock

    out = tmp_path / "data"
    shutil.copytree(crawled, out)
    before = snapshot(out)
    with DataDirLock(out):
        result = run_cli("rebuild", "--out", str(out))
    assert result.code != 0 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(out) == before


# -- workers die with their parent ------------------------------------------------------------


@pytest.fixture(scope="module")
def big_raw_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A raw store that takes two workers several seconds (6,000 captures, 150 domains)."""
    from bench.rebuild import generate

    root = tmp_path_factory.mktemp("big") / "data"
    generate(root, domains=150, per_domain=40)
    return root


def _children(pid: int) -> set[int]:
    kids: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):  # the thread has just ended
            kids.update(int(n) for n in task.read_text().split())
    return kids


def _alive(pid: int) -> bool:
    """Running, sleeping or stopped; a zombie holds no files and no lock."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_killing_a_parallel_rebuild_kills_its_workers_and_frees_the_directory(
    big_raw_store: Path, tmp_path: Path
) -> None:
    from corpus.lock import DataDirLock

    out = tmp_path / "data"
    shutil.copytree(big_raw_store, out)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "policy_archive", "rebuild", "--out", str(out), "--jobs", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: set[int] = set()
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        # Midway: both workers run and the first domain's results are in.
        while not (len(workers) >= 2 and (out / ".rebuild-new" / "corpus").exists()):
            assert process.poll() is None, "the rebuild ended before it could be killed"
            assert time.monotonic() < deadline
            children |= _children(process.pid)
            # seen as workers while they run (once killed, /proc can no longer tell)
            workers |= {pid for pid in children if _is_worker(pid)}
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while alive := {pid for pid in children if _alive(pid)}:
        assert time.monotonic() < deadline, f"still alive after their parent: {alive}"
        time.sleep(0.02)
    assert len(workers) == 2
    with DataDirLock(out):  # free: no orphan holds it
        pass
    result = run_cli("stats", "--out", str(out))
    assert result.code != 3 and "Traceback" not in result.stderr


def test_a_worker_whose_parent_is_already_gone_exits_at_once() -> None:
    # Parent 1 is never this process's parent: as if the parent died before the
    # death signal was set.
    code = "from corpus.rebuild import die_with_parent; die_with_parent(1); print('alive')"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "alive" not in done.stdout
