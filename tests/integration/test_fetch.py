"""End to end: the CLI crawls the local archive serving the synthetic sites."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crawler.discovery import canonical_url
from localarchive.server import LocalArchive
from localarchive.sites import DemoManifest
from tests.integration.conftest import run_cli

PROVENANCE = "> *The following text is extracted and transformed from the {domain} privacy policy that was archived on {date}. Please check the [original snapshot on the Wayback Machine]("


@pytest.fixture(scope="module")
def crawled(
    tmp_path_factory: pytest.TempPathFactory,
    demo_archive: tuple[Path, DemoManifest],
    archive_server: LocalArchive,
) -> tuple[Path, DemoManifest, list[dict[str, Any]], str]:
    _, manifest = demo_archive
    out = tmp_path_factory.mktemp("data")
    domains = sorted(manifest.versions)
    result = run_cli("fetch", *domains, "--archive", archive_server.url, "--out", str(out))
    assert result.code == 0, result.stderr
    exported = run_cli("export", "--out", str(out), "--format", "jsonl")
    assert exported.code == 0, exported.stderr
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    return out, manifest, rows, exported.stdout


def test_versions_match_the_sites_exactly(
    crawled: tuple[Path, DemoManifest, list[dict[str, Any]], str],
) -> None:
    _, manifest, rows, _ = crawled
    for domain, expected in manifest.versions.items():
        got = [r for r in rows if r["domain"] == domain]
        assert [(r["first_seen"], r["last_seen"], r["snapshots"]) for r in got] == [
            (v.first_seen, v.last_seen, v.snapshots) for v in expected
        ], domain
        # versions are numbered per language track (a bilingual page makes two tracks)
        for lang in {v.lang for v in expected}:
            count = sum(1 for v in expected if v.lang == lang)
            numbers = [r["version"] for r in got if r["lang"] == lang]
            assert numbers == list(range(1, count + 1)), (domain, lang)
        for row, version in zip(got, expected, strict=True):
            assert row["lang"] == version.lang
            assert row["kind"] == "privacy"
            assert canonical_url(row["url"]) == canonical_url(version.url)
            for phrase in version.phrases:
                assert phrase in row["text"], (domain, phrase)
            for noise in version.absent:
                assert noise not in row["text"], (domain, noise)


def test_every_file_carries_the_provenance_line(
    crawled: tuple[Path, DemoManifest, list[dict[str, Any]], str],
) -> None:
    out, _, rows, _ = crawled
    files = sorted((out / "corpus").rglob("*.md"))
    assert len(files) == len(rows) > 0
    for row in rows:
        content = (out / row["path"]).read_text(encoding="utf-8")
        head = PROVENANCE.format(domain=row["domain"], date=row["first_seen"])
        assert content.startswith(head + row["archive_url"] + ") for the most accurate")
        assert content.endswith("\n\n" + row["text"] + "\n")
        assert "id_/http%3A//" in row["archive_url"] or "id_/https%3A//" in row["archive_url"]


def test_contract_fields_and_hashes(
    crawled: tuple[Path, DemoManifest, list[dict[str, Any]], str],
) -> None:
    import hashlib

    _, _, rows, _ = crawled
    fields = {"domain", "kind", "lang", "version", "first_seen", "last_seen", "snapshots", "url"}
    fields |= {"archive_url", "sha256", "path", "text"}
    for row in rows:
        assert fields <= set(row)
        assert row["sha256"] == hashlib.sha256(row["text"].encode("utf-8")).hexdigest()


def test_nothing_from_decoys_or_soft_404s(
    crawled: tuple[Path, DemoManifest, list[dict[str, Any]], str],
    archive_server: LocalArchive,
) -> None:
    out, manifest, rows, text = crawled
    assert manifest.decoy_marker not in text
    assert not {r["domain"] for r in rows} & set(manifest.decoys)
    for decoy in manifest.decoys:
        assert not (out / "corpus" / decoy).exists()
        assert not any(decoy in log.path for log in archive_server.requests if "/web/" in log.path)
    assert not any("partner-ads" in log.path for log in archive_server.requests)
    soft = {ts for _, ts in manifest.soft404}
    assert not any(r["archive_url"].split("/web/")[1][:14] in soft for r in rows)


def test_a_second_fetch_changes_nothing(
    crawled: tuple[Path, DemoManifest, list[dict[str, Any]], str],
    archive_server: LocalArchive,
) -> None:
    out, manifest, _, exported = crawled
    before = {
        p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and "raw" not in p.parts
    }
    start = len(archive_server.requests)
    domains = sorted(manifest.versions)
    result = run_cli("fetch", *domains, "--archive", archive_server.url, "--out", str(out))
    assert result.code == 0, result.stderr
    corpus_after = {p: p.stat().st_mtime_ns for p in (out / "corpus").rglob("*.md")}
    assert corpus_after == {p: m for p, m in before.items() if p.suffix == ".md"}
    assert run_cli("export", "--out", str(out)).stdout == exported
    # Only homepages are read again for links; no policy capture is fetched twice.
    policy_replays = [
        log.path
        for log in archive_server.requests[start:]
        if "/web/" in log.path and not log.path.rstrip("/").endswith((".com", ".org", ".net"))
    ]
    assert policy_replays == []


def test_fetch_prints_a_summary(
    tmp_path: Path, archive_server: LocalArchive, demo_archive: tuple[Path, DemoManifest]
) -> None:
    result = run_cli(
        "fetch", "plainsite.net", "--archive", archive_server.url, "--out", str(tmp_path)
    )
    assert result.code == 0, result.stderr
    assert "plainsite.net [ok]" in result.stdout
    assert "open: " in result.stdout
    opened = Path(result.stdout.split("open: ")[1].strip())
    assert opened.read_text(encoding="utf-8").startswith("> *The following text")


# -- bad input --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _HtmlHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!DOCTYPE html><html><body><h1>Welcome to our portal</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def html_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HtmlHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _assert_clean_failure(result: Any, out: Path, words: str) -> None:
    assert result.code != 0
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and words in errors[0], result.stderr
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("domain", ["not a domain", "../../etc", "exa mple.com"])
def test_bad_domains(tmp_path: Path, domain: str) -> None:
    out = tmp_path / "data"
    _assert_clean_failure(run_cli("fetch", domain, "--out", str(out)), out, "not a domain")


def test_unreachable_archive(tmp_path: Path) -> None:
    out = tmp_path / "data"
    archive = f"http://127.0.0.1:{_free_port()}"
    result = run_cli("fetch", "example.com", "--archive", archive, "--out", str(out))
    _assert_clean_failure(result, out, "cannot reach the archive")


def test_archive_answering_html(tmp_path: Path, html_server: str) -> None:
    out = tmp_path / "data"
    result = run_cli("fetch", "example.com", "--archive", html_server, "--out", str(out))
    _assert_clean_failure(result, out, "not a Wayback CDX endpoint")


def test_bad_archive_url(tmp_path: Path) -> None:
    out = tmp_path / "data"
    result = run_cli("fetch", "example.com", "--archive", "web.archive.org", "--out", str(out))
    _assert_clean_failure(result, out, "not an http(s) archive URL")


def test_export_of_a_missing_corpus(tmp_path: Path) -> None:
    result = run_cli("export", "--out", str(tmp_path / "nothing"))
    _assert_clean_failure(result, tmp_path / "nothing", "no corpus")
