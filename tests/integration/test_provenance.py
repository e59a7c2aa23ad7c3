"""Every capture says how its text is known: fetched, same bytes as a fetched capture,
or inferred by `changes` from the fetched capture it rests on. A capture not fetched keeps
its own CDX digest, is never in raw/ as if the archive had sent it, is counted apart in
exports, and a later `--strategy all` run reads it; rebuild keeps all of it."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from bench.crawl import write_archive
from bench.pages import home_page, html_capture, policy_page
from localarchive.server import LocalArchive
from localarchive.sites import warc_bytes
from tests.integration.conftest import masked_export, run_cli

QUERY = (
    "SELECT url, timestamp, digest, source, source_url, source_ts, text_digest FROM captures "
    "WHERE role='policy' ORDER BY url, timestamp"
)


def _captures(out: Path) -> list[tuple[str, ...]]:
    with sqlite3.connect(out / "index.sqlite") as db:
        return db.execute(QUERY).fetchall()


def _cdx_digests(archive: LocalArchive, domain: str) -> dict[tuple[str, str], str]:
    """(url, timestamp) -> digest, as the archive's own index lists them."""
    query = f"{archive.url}/cdx/search/cdx?url={domain}&matchType=domain&output=json"
    with urllib.request.urlopen(query) as answer:
        rows = json.loads(answer.read())
    header = rows[0]
    listed = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    return {(r["original"], r["timestamp"]): r["digest"].removeprefix("sha1:") for r in listed}


def _raw_records(out: Path) -> list[tuple[str, str, str]]:
    """(record type, target URI, Policy-Archive-Timestamp) of every record in raw/."""
    records = []
    for path in sorted((out / "raw").glob("*/*.warc.gz")):
        with open(path, "rb") as handle:
            for r in ArchiveIterator(handle):
                headers = r.rec_headers
                records.append(
                    (
                        r.rec_type,
                        headers.get_header("WARC-Target-URI") or "",
                        headers.get_header("Policy-Archive-Timestamp") or "",
                    )
                )
    return records


def test_captures_not_fetched_keep_their_own_digest_and_are_never_raw_responses(
    tmp_path: Path,
) -> None:
    world = tmp_path / "archive"
    write_archive(world, 2, 24, seed=9)
    out = tmp_path / "data"
    domains = ["bench000-shop.com", "bench001-shop.com"]
    with LocalArchive(world) as archive:
        result = run_cli("fetch", *domains, "--archive", archive.url, "--out", str(out))
        listed = {k: v for d in domains for k, v in _cdx_digests(archive, d).items()}
    assert result.code == 0, result.stderr
    rows = _captures(out)
    by_source = {row[3] for row in rows}
    assert by_source <= {"fetched", "same_bytes", "inferred"} and "inferred" in by_source
    fetched = {(url, ts): digest for url, ts, digest, source, *_ in rows if source == "fetched"}
    for url, ts, digest, source, source_url, source_ts, text_digest in rows:
        assert digest == listed[(url, ts)]  # its own digest, as the archive lists it
        if source == "fetched":
            assert source_url is None and text_digest == digest
            continue
        # it names the fetched capture it rests on, whose payload gives its text
        assert fetched[(source_url, source_ts)] == text_digest
        assert (digest == text_digest) == (source == "same_bytes")

    # raw/: a response for every capture fetched, a metadata record for every other one
    records = _raw_records(out)
    responses = {(uri, ts) for kind, uri, ts in records if kind == "response"}
    about = {(uri, ts) for kind, uri, ts in records if kind == "metadata"}
    assert not any(kind == "revisit" for kind, _, _ in records)
    assert set(fetched) <= responses
    assert about == {(url, ts) for url, ts, _, source, *_ in rows if source != "fetched"}

    # exports count every capture, and apart the ones read
    exported = [
        json.loads(line) for line in run_cli("export", "--out", str(out)).stdout.splitlines()
    ]
    assert sum(r["snapshots"] for r in exported) == len(rows)
    assert sum(r["snapshots_fetched"] for r in exported) == len(fetched)
    for r in exported:
        assert 1 <= r["snapshots_fetched"] <= r["snapshots"]
        assert r["first_seen_basis"] in ("fetched", "same_bytes", "inferred")
        assert r["last_seen_basis"] in ("fetched", "same_bytes", "inferred")
        # the version file cites a capture that was read
        cited = r["archive_url"].split("/web/", 1)[1].split("id_/", 1)[0]
        assert any(ts == cited for _, ts in fetched), r["archive_url"]
    stats = run_cli("stats", "--out", str(out))
    assert "inferred" in stats.stdout and "fetched" in stats.stdout

    rebuilt = run_cli("rebuild", "--out", str(out))
    assert rebuilt.code == 0, rebuilt.stderr
    assert _captures(out) == rows


def test_captures_added_to_the_archive_between_runs_are_counted_like_one_run(
    tmp_path: Path,
) -> None:
    """Inferred captures resting on a capture stored by an earlier run keep their text:
    a crawl of the archive as of 2019, then of the whole archive, gives the versions of
    one crawl of the whole archive (snapshots included)."""
    from tests.integration.test_crawl import archive_as_of

    world = tmp_path / "archive"
    write_archive(world, 3, 24, seed=4)
    domains = [f"bench{n:03d}-shop.com" for n in range(3)]

    def fetch(archive_dir: Path, out: Path) -> None:
        with LocalArchive(archive_dir) as archive:
            result = run_cli("fetch", *domains, "--archive", archive.url, "--out", str(out))
        assert result.code == 0, result.stderr

    def export(out: Path) -> list[dict[str, object]]:
        result = run_cli("export", "--out", str(out))
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        # which captures were read (and so cited) differs: two runs read more than one; and
        # the archive's address differs from one server to the next
        read = ("archive_url", "snapshots_fetched", "first_seen_basis", "last_seen_basis")
        read += ("archive", "archives")
        return [{k: v for k, v in r.items() if k not in read} for r in rows]

    fetch(world, tmp_path / "once")
    fetch(archive_as_of(world, tmp_path / "2019", "2019-01-01"), tmp_path / "twice")
    fetch(world, tmp_path / "twice")
    assert export(tmp_path / "twice") == export(tmp_path / "once")
    # what the second run inferred rests on captures that were fetched, not on guesses
    rows = _captures(tmp_path / "twice")
    fetched = {(url, ts) for url, ts, _, source, *_ in rows if source == "fetched"}
    assert all((r[4], r[5]) in fetched for r in rows if r[3] != "fetched")


DOMAIN = "aba-shop.com"
POLICY = f"https://www.{DOMAIN}/privacy-policy"


def _aba_archive(folder: Path) -> list[str]:
    """Seven captures of one policy a quarter apart, each with bytes of its own (a visitor
    counter); the fourth shows another text (B) between captures showing A."""
    folder.mkdir()
    start = datetime(2016, 1, 4, 9, 0, 0)
    stamps = [(start + timedelta(days=91 * i)).strftime("%Y%m%d%H%M%S") for i in range(7)]
    captures = [
        html_capture(POLICY, ts, policy_page("Aba Shop", int(i == 3), ts, 1000 + i))
        for i, ts in enumerate(stamps)
    ]
    captures.append(html_capture(f"https://www.{DOMAIN}/", stamps[0], home_page("Aba", stamps[0])))
    (folder / "aba.warc.gz").write_bytes(warc_bytes(captures, "aba.warc.gz"))
    return stamps


def _sources(out: Path) -> dict[str, str]:
    return {ts: source for _, ts, _, source, *_ in _captures(out)}


def test_a_later_all_run_reads_what_changes_inferred_and_confirms_or_splits(
    tmp_path: Path,
) -> None:
    """`changes` with no probes fetches the first and last capture, both A, and infers the
    five between them as A, the B among them included. `--strategy all` later reads them:
    four confirm A, one is B and splits the version, as a fresh `all` crawl finds."""
    stamps = _aba_archive(tmp_path / "archive")
    out = tmp_path / "data"
    with LocalArchive(tmp_path / "archive") as archive:

        def fetch(target: Path, *options: str) -> str:
            result = run_cli(
                "fetch", DOMAIN, "--archive", archive.url, "--out", str(target), *options
            )
            assert result.code == 0, result.stderr
            return result.stdout

        fetch(out, "--probe-every", "0")
        sources = _sources(out)
        assert [sources[ts] for ts in stamps] == ["fetched", *["inferred"] * 5, "fetched"]
        (guessed,) = masked_export(out, reads=True)
        assert (guessed["snapshots"], guessed["snapshots_fetched"]) == (7, 2)
        assert guessed["first_seen_basis"] == guessed["last_seen_basis"] == "fetched"

        before = len(archive.requests)
        summary = fetch(out, "--strategy", "all")
        assert "read what an earlier run inferred: 4 confirmed, 1 showed another text" in summary
        read = [r.path for r in archive.requests[before:] if r.path.endswith("/privacy-policy")]
        assert sorted(p.split("/web/")[1][:14] for p in read) == stamps[1:6]  # only those
        fetch(tmp_path / "fresh", "--strategy", "all")

    assert set(_sources(out).values()) == {"fetched"}
    split = masked_export(out, reads=True)
    assert [(r["version"], r["snapshots"], r["snapshots_fetched"]) for r in split] == [
        (1, 3, 3),
        (2, 1, 1),
        (3, 3, 3),
    ]
    assert split[1]["first_seen"] == f"{stamps[3][:4]}-{stamps[3][4:6]}-{stamps[3][6:8]}"
    assert split == masked_export(tmp_path / "fresh", reads=True)
    # raw/ keeps what the first run recorded about the five, beside the bytes read later;
    # a rebuild reads both and keeps the fetched captures
    kinds = [kind for kind, uri, _ in _raw_records(out) if uri == POLICY]
    assert kinds.count("metadata") == 5 and kinds.count("response") == 7
    rows = _captures(out)
    rebuilt = run_cli("rebuild", "--out", str(out))
    assert rebuilt.code == 0, rebuilt.stderr
    assert _captures(out) == rows and masked_export(out, reads=True) == split


def test_a_run_that_confirms_inferred_captures_keeps_the_versions(tmp_path: Path) -> None:
    """The same archive without B: the five inferred captures, once read, confirm A; the
    one version stays, now resting on seven reads."""
    folder = tmp_path / "archive"
    folder.mkdir()
    start = datetime(2016, 1, 4, 9, 0, 0)
    stamps = [(start + timedelta(days=91 * i)).strftime("%Y%m%d%H%M%S") for i in range(7)]
    captures = [
        html_capture(POLICY, ts, policy_page("Aba Shop", 0, ts, 1000 + i))
        for i, ts in enumerate(stamps)
    ]
    captures.append(html_capture(f"https://www.{DOMAIN}/", stamps[0], home_page("Aba", stamps[0])))
    (folder / "aba.warc.gz").write_bytes(warc_bytes(captures, "aba.warc.gz"))
    out = tmp_path / "data"
    with LocalArchive(folder) as archive:
        for options in (("--probe-every", "0"), ("--strategy", "all")):
            result = run_cli("fetch", DOMAIN, "--archive", archive.url, "--out", str(out), *options)
            assert result.code == 0, result.stderr
            if options[0] == "--probe-every":
                (guessed,) = masked_export(out, reads=True)
    (confirmed,) = masked_export(out, reads=True)
    assert set(_sources(out).values()) == {"fetched"}
    assert (confirmed["snapshots"], confirmed["snapshots_fetched"]) == (7, 7)
    same = ("first_seen", "last_seen", "snapshots", "sha256", "text", "archive_url", "path")
    assert {k: confirmed[k] for k in same} == {k: guessed[k] for k in same}


def test_the_contact_is_named_to_the_archive_and_in_every_raw_file(tmp_path: Path) -> None:
    stamps = _aba_archive(tmp_path / "archive")
    out = tmp_path / "data"
    contact = "privacy-research@example.org"
    with LocalArchive(tmp_path / "archive") as archive:
        result = run_cli(
            "fetch", DOMAIN, "--archive", archive.url, "--out", str(out),
            "--contact", contact, "--strategy", "all",
        )  # fmt: skip
        agents = {r.user_agent for r in archive.requests}
        base = archive.url
    assert result.code == 0, result.stderr
    assert "--contact" not in result.stderr  # no note: a contact is named (and loopback)
    (agent,) = agents
    assert agent.startswith("policy-archive/") and agent.endswith(f"; {contact})")
    paths = sorted((out / "raw").glob("*/*.warc.gz"))
    assert paths
    for path in paths:
        with open(path, "rb") as handle:
            first = next(iter(ArchiveIterator(handle)))
            assert first.rec_type == "warcinfo"
            fields = first.content_stream().read().decode()
        assert f"operator: {contact}" in fields
        assert "option-strategy: all" in fields and f"archive: {base}" in fields
    assert len(_captures(out)) == len(stamps)


def test_a_remote_archive_without_a_contact_gets_one_line_asking_for_it() -> None:
    from policy_archive import user_agent
    from policy_archive.cli import contact_note
    from webarchive.wayback import Archive

    note = contact_note(None, Archive.parse("https://web.archive.org"))
    assert note is not None and "--contact" in note and "\n" not in note
    assert contact_note("me@example.org", Archive.parse("https://web.archive.org")) is None
    assert contact_note(None, Archive.parse("http://127.0.0.1:8080")) is None
    assert user_agent(" me@example.org\n").endswith("; me@example.org)")
    assert "; " not in user_agent("")


def test_a_contact_that_is_not_one_line_is_refused(tmp_path: Path) -> None:
    result = run_cli(
        "fetch", DOMAIN, "--archive", "http://127.0.0.1:9", "--out", str(tmp_path / "d"),
        "--contact", "me\nX-Evil: 1",
    )  # fmt: skip
    assert result.code == 2
    assert result.stderr.strip().splitlines() == [
        "policy-archive: error: --contact must be one line of printable text "
        "(an e-mail address or URL)"
    ]
    assert not (tmp_path / "d").exists()
