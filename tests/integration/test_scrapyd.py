"""Deployed to a real Scrapyd the way the README's Operations section says, the history
spider builds a corpus from schedule.json's arguments, and a failed job exits non-zero.

Scrapyd and scrapyd-client are in the `dev` extra; without them the test skips, except
under CI (`CI` set), where a skip would hide a gap.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from localarchive.server import LocalArchive
from localarchive.sites import DemoManifest
from tests.integration.conftest import ROOT, free_port, run_cli

PROJECT = "policy-archive"  # scrapy.cfg's [deploy:local] project
DEFAULT_TARGET_URL = "url = http://127.0.0.1:6800/"
DEADLINE = 120.0  # seconds for Scrapyd to start, and for a job to finish


@dataclass(frozen=True)
class Scrapyd:
    url: str
    home: Path
    log: Path

    def get(self, endpoint: str, **params: str) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}/{endpoint}{query}", timeout=10) as response:
            return json.load(response)

    def post(self, endpoint: str, **fields: str) -> Any:
        data = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(f"{self.url}/{endpoint}", data=data, timeout=10) as response:
            return json.load(response)


def _deploy_command() -> Path:
    deploy = Path(sys.executable).parent / "scrapyd-deploy"
    if find_spec("scrapyd") is None or not deploy.exists():
        message = "scrapyd or scrapyd-client is not installed (pip install -e '.[dev]')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return deploy


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scrapyd]:
    _deploy_command()
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    # Scrapyd reads scrapyd.conf from its working directory (and /etc/scrapyd/, and
    # ~/.scrapyd.conf, kept out by HOME); its job processes read it again from there.
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\n"
        f"logs_dir = {home / 'logs'}\n"
        "items_dir =\n"
        f"dbs_dir = {home / 'dbs'}\n"
        "jobs_to_keep = 5\n"
        "max_proc = 1\n"  # as the README says: each job has its own request budget
        "poll_interval = 0.2\n"  # the default 5 s only slows the test down
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # jobs run the egg
    env["HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"  # its log is read while it runs
    log = home / "scrapyd.log"
    with open(log, "wb") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "scrapyd"],
            cwd=home,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    daemon = Scrapyd(f"http://127.0.0.1:{port}", home, log)
    try:
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                if daemon.get("daemonstatus.json")["status"] == "ok":
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"scrapyd did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield daemon
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def deployed(scrapyd: Scrapyd, tmp_path_factory: pytest.TempPathFactory) -> str:
    """`scrapyd-deploy local` from a copy of the checkout whose target points at the test's
    Scrapyd, as an operator edits scrapy.cfg (the copy keeps build files out of the tree)."""
    checkout = tmp_path_factory.mktemp("checkout") / "policy-archive"
    shutil.copytree(
        ROOT,
        checkout,
        ignore=shutil.ignore_patterns(
            ".*", "__pycache__", "build", "*.egg-info", "data", "demo-data", "tests", "bench"
        ),
    )
    config = checkout / "scrapy.cfg"
    text = config.read_text()
    assert DEFAULT_TARGET_URL in text, "scrapy.cfg's [deploy:local] target moved"
    config.write_text(text.replace(DEFAULT_TARGET_URL, f"url = {scrapyd.url}/"))
    done = subprocess.run(
        [str(_deploy_command()), "local"],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    answer = json.loads(done.stdout)
    assert answer["status"] == "ok" and answer["project"] == PROJECT, answer
    assert answer["spiders"] == 1
    assert scrapyd.get("listspiders.json", project=PROJECT)["spiders"] == ["history"]
    return str(answer["version"])


def _run_job(scrapyd: Scrapyd, **arguments: str) -> dict[str, Any]:
    """schedule.json, then listjobs.json until the job is finished; the finished entry."""
    scheduled = scrapyd.post("schedule.json", project=PROJECT, spider="history", **arguments)
    assert scheduled["status"] == "ok", scheduled
    job = scheduled["jobid"]
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        jobs = scrapyd.get("listjobs.json", project=PROJECT)
        for finished in jobs["finished"]:
            if finished["id"] == job:
                return dict(finished)
        time.sleep(0.2)
    pytest.fail(f"job {job} did not finish within {DEADLINE:.0f} s")


def _job_log(scrapyd: Scrapyd, job: str) -> str:
    return (scrapyd.home / "logs" / PROJECT / "history" / f"{job}.log").read_text()


def test_a_scheduled_job_builds_the_corpus(
    scrapyd: Scrapyd,
    deployed: str,
    tmp_path: Path,
    demo_archive: tuple[Path, DemoManifest],
    archive_server: LocalArchive,
) -> None:
    out = tmp_path / "data"
    job = _run_job(scrapyd, domain="acme-shop.com", archive=archive_server.url, out=str(out))
    log = _job_log(scrapyd, job["id"])
    assert "Spider closed (finished)" in log, log[-3000:]
    assert not re.search(rf"Process died: .*job='{job['id']}'", scrapyd.log.read_text())
    exported = run_cli("export", "--out", str(out))
    assert exported.code == 0, exported.stderr
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    expected = demo_archive[1].versions["acme-shop.com"]
    assert [(r["first_seen"], r["last_seen"], r["snapshots"]) for r in rows] == [
        (v.first_seen, v.last_seen, v.snapshots) for v in expected
    ]


def test_a_failed_job_exits_non_zero(scrapyd: Scrapyd, deployed: str, tmp_path: Path) -> None:
    out = tmp_path / "data"
    archive = f"http://127.0.0.1:{free_port()}"
    job = _run_job(scrapyd, domain="acme-shop.com", archive=archive, out=str(out))
    assert "cannot reach the archive" in _job_log(scrapyd, job["id"])
    # Scrapyd's listjobs.json has no exit status; its own log says which jobs failed.
    assert re.search(rf"Process died: exitstatus=1 .*job='{job['id']}'", scrapyd.log.read_text())
    assert not (out / "index.sqlite").exists()
