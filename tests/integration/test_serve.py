"""`policy-archive serve` over a crawled corpus: it writes nothing to the data directory,
keeps serving while a crawl writes there, and refuses what it cannot serve in one line."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from localarchive.server import LocalArchive
from localarchive.sites import DemoManifest
from tests.integration.conftest import ROOT, run_cli
from tests.integration.serving import serving


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode("utf-8")


def listing(root: Path) -> list[tuple[str, int, int]]:
    return sorted(
        (str(p.relative_to(root)), p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*")
    )


def crawl(out: Path, archive: LocalArchive, *domains: str) -> None:
    result = run_cli("fetch", *domains, "--archive", archive.url, "--out", str(out))
    assert result.code == 0, result.stderr


def test_serve_writes_nothing_to_the_data_directory(
    tmp_path: Path, archive_server: LocalArchive, demo_archive: tuple[Path, DemoManifest]
) -> None:
    out = tmp_path / "data"
    crawl(out, archive_server, *sorted(demo_archive[1].versions))
    before = listing(out)
    with serving(out) as url:
        for path in (
            "",
            "acme-shop.com/",
            "shuangyu-tech.com/",
            "acme-shop.com/privacy/en/v2",
            "acme-shop.com/privacy/en/v1..v3?view=inline",
            "search?q=seven+years",
        ):
            assert get(url + path)[0] == 200
    assert listing(out) == before  # no file added, removed or touched (not even -wal/-shm)


def test_serve_keeps_serving_while_a_crawl_writes(
    tmp_path: Path, archive_server: LocalArchive
) -> None:
    out = tmp_path / "data"
    crawl(out, archive_server, "plainsite.net")
    with serving(out) as url:
        assert "acme-shop.com" not in get(url)[1]
        writer = subprocess.Popen(
            [sys.executable, "-m", "policy_archive", "fetch", "acme-shop.com", "shuangyu-tech.com",
             "oldtable.org", "--archive", archive_server.url, "--out", str(out)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        answered = 0
        while writer.poll() is None and answered < 2000:
            status, page = get(url)
            assert status == 200 and "plainsite.net" in page
            answered += 1
        _, stderr = writer.communicate(timeout=300)
        assert writer.returncode == 0, stderr
        assert answered > 0
        status, page = get(url)
        for domain in ("acme-shop.com", "shuangyu-tech.com", "oldtable.org", "plainsite.net"):
            assert f'data-domain="{domain}"' in page
        assert "/acme-shop.com/privacy/en/v1" in get(url + "search?q=seven+years")[1]
        assert get(url + "acme-shop.com/privacy/en/v1..v3")[0] == 200


def test_serve_refuses_a_folder_without_a_corpus(tmp_path: Path) -> None:
    result = run_cli("serve", "--out", str(tmp_path / "missing"))
    assert result.code == 2 and result.stderr.strip().count("\n") == 0
    assert "does not exist" in result.stderr
    (tmp_path / "empty").mkdir()
    result = run_cli("serve", "--out", str(tmp_path / "empty"))
    assert result.code == 2 and "holds no corpus" in result.stderr
    assert list((tmp_path / "empty").iterdir()) == []


def test_serve_refuses_a_damaged_index(tmp_path: Path) -> None:
    out = tmp_path / "data"
    out.mkdir()
    (out / "index.sqlite").write_bytes(b"not an index at all" * 100)
    result = run_cli("serve", "--out", str(out))
    assert result.code == 2 and result.stderr.count("\n") == 1
    assert "is damaged" in result.stderr and f"policy-archive rebuild --out {out}" in result.stderr


def test_serve_leaves_an_older_index_as_it_is(tmp_path: Path, archive_server: LocalArchive) -> None:
    out = tmp_path / "data"
    crawl(out, archive_server, "plainsite.net")
    with sqlite3.connect(out / "index.sqlite") as db:
        db.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
    db.close()
    before = listing(out)
    result = run_cli("serve", "--out", str(out))
    assert result.code == 2 and result.stderr.count("\n") == 1
    assert "has an index of schema 1" in result.stderr
    assert f"migrate it once with `policy-archive stats --out {out}`" in result.stderr
    assert listing(out) == before


def test_serve_says_when_the_port_is_taken(tmp_path: Path, archive_server: LocalArchive) -> None:
    out = tmp_path / "data"
    crawl(out, archive_server, "plainsite.net")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--out", str(out), "--port", str(port))
    assert result.code == 2, result.stderr
    assert result.stderr.strip() == (
        f"policy-archive: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (("--port", "70000"), "'70000' is not a port (0 to 65535)"),
        (("--port", "-1"), "'-1' is not a port (0 to 65535)"),
        (("--host", "no-such-host.invalid"), "cannot listen on no-such-host.invalid:8000: "),
    ],
)
def test_serve_refuses_a_bad_address(
    tmp_path: Path, archive_server: LocalArchive, option: tuple[str, str], message: str
) -> None:
    out = tmp_path / "data"
    crawl(out, archive_server, "plainsite.net")
    result = run_cli("serve", "--out", str(out), *option)
    assert result.code == 2 and message in result.stderr
    assert "Traceback" not in result.stderr
