"""A real pywb over the demo WARC files, crawled in its own dialect, gives the same corpus.

pywb pins old versions of libraries Scrapy also uses (pyOpenSSL, werkzeug, redis), so
it is best installed in a venv of its own: `python3 -m venv .venv-pywb &&
.venv-pywb/bin/pip install pywb`. The test finds `wayback` next to the running Python,
on PATH, or in `.venv-pywb/`, and skips when there is none.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localarchive.server import LocalArchive
from localarchive.sites import DemoManifest
from tests.integration.conftest import ROOT, run_cli

COLLECTION = "demo"


def _pywb_bin() -> Path | None:
    for folder in (Path(sys.executable).parent, ROOT / ".venv-pywb" / "bin"):
        if (folder / "wayback").exists() and (folder / "wb-manager").exists():
            return folder
    found = shutil.which("wayback")
    return Path(found).parent if found and shutil.which("wb-manager") else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def pywb(
    tmp_path_factory: pytest.TempPathFactory, demo_archive: tuple[Path, DemoManifest]
) -> Iterator[str]:
    bin_dir = _pywb_bin()
    if bin_dir is None:
        message = "pywb is not installed (`make install` puts it in .venv-pywb)"
        if os.environ.get("CI"):  # `make test` installs it: under CI a skip would hide a gap
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("pywb")
    warcs = sorted(str(p) for p in demo_archive[0].glob("*.warc.gz"))
    for args in (["init", COLLECTION], ["add", COLLECTION, *warcs]):
        subprocess.run(
            [str(bin_dir / "wb-manager"), *args], cwd=home, check=True, capture_output=True
        )
    port = _free_port()
    server = subprocess.Popen(
        [str(bin_dir / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/{COLLECTION}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/cdx?url=plainsite.net", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("pywb did not start")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def _corpus(
    out: Path, archive: str, domains: list[str]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    result = run_cli("fetch", *domains, "--archive", archive, "--out", str(out))
    assert result.code == 0, result.stderr
    exported = run_cli("export", "--out", str(out))
    assert exported.code == 0, exported.stderr
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    files = {
        str(p.relative_to(out)): p.read_text(encoding="utf-8")
        for p in sorted((out / "corpus").rglob("*.md"))
    }
    return rows, files


def _without_base(text: str) -> str:
    # the archives differ only in where they live: http://host:port/web/ vs .../demo/
    text = re.sub(r"http://127\.0\.0\.1:\d+/(web|demo)/(\d{14})id_/", r"ARCHIVE/\2id_/", text)
    # and the archive a version names (`archive`, `archives`): its base
    return re.sub(r"\"http://127\.0\.0\.1:\d+(/demo)?\"", '"ARCHIVE"', text)


def test_pywb_corpus_is_identical_to_the_local_archives(
    tmp_path: Path,
    pywb: str,
    archive_server: LocalArchive,
    demo_archive: tuple[Path, DemoManifest],
) -> None:
    domains = sorted(demo_archive[1].versions)
    ia_rows, ia_files = _corpus(tmp_path / "ia", archive_server.url, domains)
    pywb_rows, pywb_files = _corpus(tmp_path / "pywb", f"pywb+{pywb}", domains)
    assert ia_rows, "the demo archive should give versions"
    assert _without_base(json.dumps(pywb_rows)) == _without_base(json.dumps(ia_rows))
    assert {k: _without_base(v) for k, v in pywb_files.items()} == {
        k: _without_base(v) for k, v in ia_files.items()
    }
    assert all(f"/{COLLECTION}/" in row["archive_url"] for row in pywb_rows)
