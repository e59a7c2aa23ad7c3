from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from corpus.models import Document, Processed, RawCapture
from corpus.rawstore import RawWriter, read_raw, warc_files, warcinfo_fields
from corpus.store import INDEX_NAME, Store, StoreError
from tests.corpus.builders import ARCHIVE, HTML, policy_capture

ROOT = Path(__file__).resolve().parents[2]


def capture(ts: str, digest: str, body: bytes | None = b"<html></html>") -> RawCapture:
    return policy_capture(ts, digest, body=body, headers=HTML)


def doc(text: str) -> Processed:
    return Processed(documents=(Document("en", text, "Privacy"),))


def fill(store: Store) -> None:
    store.add_capture(capture("20150101000000", "D1"), doc("# Privacy\n\nVersion A."))
    store.add_capture(capture("20160101000000", "D1", None), None)  # same bytes, later
    store.add_capture(capture("20170101000000", "D2"), Processed(drop_reason="not_found_page"))
    store.add_capture(capture("20180101000000", "D3"), doc("# Privacy\n\nVersion B."))


def test_versions_files_and_export_rows(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    fill(store)
    versions = store.refresh_versions("a.com", "privacy")
    assert [(v.number, v.first_ts[:4], v.last_ts[:4], v.snapshots) for v in versions] == [
        (1, "2015", "2016", 2),
        (2, "2018", "2018", 1),
    ]
    first = (tmp_path / versions[0].path).read_text(encoding="utf-8")
    assert first.startswith("> *The following text is extracted and transformed from the a.com")
    assert "archived on 2015-01-01" in first
    assert "(http://127.0.0.1:1/web/20150101000000id_/https%3A//www.a.com/privacy)" in first
    assert first.endswith("\n\n# Privacy\n\nVersion A.\n")
    rows = [r.as_dict() for r in store.versions()]
    assert rows[1]["first_seen"] == "2018-01-01" and rows[1]["text"] == "# Privacy\n\nVersion B."
    assert json.dumps(rows)  # every field is JSON-serialisable
    assert store.drop_counts() == {"not_found_page": 1}


def test_refreshing_twice_changes_nothing(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    fill(store)
    store.refresh_versions("a.com", "privacy")
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.md")}
    store.refresh_versions("a.com", "privacy")
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.md")} == before


def test_stale_version_files_are_removed_when_versions_merge(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.add_capture(capture("20150101000000", "D1"), doc("A"))
    store.add_capture(capture("20160101000000", "D2"), doc("B"))
    store.refresh_versions("a.com", "privacy")
    # An earlier capture of B turns up: B now starts in 2014 and A's file moves.
    store.add_capture(capture("20140101000000", "D2"), None)
    store.refresh_versions("a.com", "privacy")
    names = sorted(p.name for p in tmp_path.rglob("*.md"))
    assert names == ["2014-01-01.md", "2015-01-01.md", "2016-01-01.md"]


def test_opening_a_missing_corpus_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no index\.sqlite"):
        Store.open(tmp_path / "nothing", create=False)
    assert not (tmp_path / "nothing").exists()


def unfetched(original: RawCapture, ts: str, source: str, own: str) -> RawCapture:
    """A capture recorded without a fetch, resting on `original` (whose bytes it is
    taken to show), with its own CDX digest `own`."""
    return RawCapture(
        **{f: getattr(original, f) for f in ("domain", "kind", "role", "url", "digest")},
        timestamp=ts,
        archive_url=f"{ARCHIVE}/{ts}id_/{original.url}",
        refers_to=(original.url, original.timestamp),
        source=source,
        cdx_digest=own,
    )


def test_raw_store_round_trip(tmp_path: Path) -> None:
    writer = RawWriter(tmp_path, "run1")
    original = capture("20150101000000", "D1", b"<html>caf\xc3\xa9</html>")
    twin = unfetched(original, "20160101000000", "same_bytes", "D1")
    guess = unfetched(original, "20170101000000", "inferred", "D9")
    for c in (original, twin, guess):
        writer.write(c)
    writer.close()
    (path,) = warc_files(tmp_path)
    assert list(read_raw(path)) == [original, twin, guess]


def _records(path: Path) -> list[tuple[str, str, bytes]]:
    with open(path, "rb") as handle:
        return [
            (
                r.rec_type,
                r.rec_headers.get_header("WARC-Target-URI") or "",
                r.content_stream().read(),
            )
            for r in ArchiveIterator(handle)
        ]


def test_raw_files_hold_only_what_the_archive_sent(tmp_path: Path) -> None:
    """A capture not fetched is a metadata record about it (its own CDX digest, the rule,
    the fetched capture it rests on), never a response or a revisit claiming bytes."""
    writer = RawWriter(tmp_path, "run1")
    original = capture("20150101000000", "D1", b"<html>A</html>")
    writer.write(original)
    writer.write(unfetched(original, "20170101000000", "inferred", "D9"))
    writer.close()
    (path,) = warc_files(tmp_path)
    records = _records(path)
    assert [r[0] for r in records] == ["warcinfo", "response", "request", "metadata"]
    about = json.loads(records[3][2])
    assert records[3][1] == original.url
    assert about["known_as"] == "inferred" and about["cdx_digest"] == "D9"
    assert "changes" in about["rule"]
    assert about["rests_on"] == {
        "url": original.url,
        "timestamp": "20150101000000",
        "digest": "D1",
    }
    with pytest.raises(ValueError, match="without bytes"):
        writer.write(capture("20180101000000", "D2", None))  # "fetched", yet no bytes
    assert warc_files(tmp_path) == [path]


def test_every_raw_file_starts_with_a_warcinfo_record(tmp_path: Path) -> None:
    info = warcinfo_fields({"strategy": "changes"}, "https://web.archive.org", "me@example.org")
    writer = RawWriter(tmp_path, "run1", max_bytes=1, info=info)  # a new file per record
    assert not (tmp_path / "raw").exists()  # nothing written, nothing created
    writer.write(capture("20150101000000", "D1"))
    writer.write(capture("20160101000000", "D2"))
    writer.close()
    paths = warc_files(tmp_path)
    assert len(paths) == 2
    for path in paths:
        kind, _, body = _records(path)[0]
        assert kind == "warcinfo"
        fields = dict(line.split(": ", 1) for line in body.decode().splitlines())
        assert fields["software"].startswith("policy-archive/")
        assert fields["operator"] == "me@example.org"
        assert fields["archive"] == "https://web.archive.org"
        assert fields["option-strategy"] == "changes"
    # readers see captures only
    assert sorted(c.timestamp for p in paths for c in read_raw(p)) == [
        "20150101000000",
        "20160101000000",
    ]


def test_raw_files_of_earlier_versions_with_revisits_still_read(tmp_path: Path) -> None:
    """Earlier versions wrote a capture not fetched as a WARC revisit whose digest was the
    fetched capture's, with its own CDX digest in an extension header."""
    original = capture("20150101000000", "D1", b"<html>A</html>")
    writer = RawWriter(tmp_path, "run1")
    writer.write(original)
    _, warc = writer._writer("a.com")
    record = warc.create_revisit_record(
        original.url,
        digest="sha1:D1",
        refers_to_uri=original.url,
        refers_to_date="2015-01-01T00:00:00Z",
    )
    record.rec_headers.replace_header("WARC-Date", "2017-01-01T00:00:00Z")
    for name, value in {
        "Policy-Archive-Domain": "a.com",
        "Policy-Archive-Kind": "privacy",
        "Policy-Archive-Role": "policy",
        "Policy-Archive-Digest": "D1",
        "WARC-Source-URI": f"{ARCHIVE}/20170101000000id_/{original.url}",
        "Policy-Archive-Timestamp": "20170101000000",
        "Policy-Archive-Known-As": "inferred",
        "Policy-Archive-CDX-Digest": "D9",
    }.items():
        record.rec_headers.add_header(name, value)
    warc.write_record(record)
    writer.close()
    (path,) = warc_files(tmp_path)
    assert list(read_raw(path))[1] == unfetched(original, "20170101000000", "inferred", "D9")


def test_a_truncated_raw_file_yields_what_it_can(tmp_path: Path) -> None:
    writer = RawWriter(tmp_path, "run1")
    writer.write(capture("20150101000000", "D1"))
    (path,) = warc_files(tmp_path)
    intact = path.stat().st_size  # each record is flushed before write returns
    writer.write(capture("20160101000000", "D2"))
    writer.close()
    data = path.read_bytes()
    path.write_bytes(data[: intact + (len(data) - intact) // 3])  # a crash mid-record
    assert [c.timestamp for c in read_raw(path)] == ["20150101000000"]


def test_a_capture_read_later_replaces_the_record_of_its_inference(tmp_path: Path) -> None:
    """A record made without a fetch gives way to a firmer one, never the reverse; the
    version file cites a capture that was read, under the version's first-seen date."""
    store = Store.open(tmp_path)
    read = capture("20160101000000", "D1")
    store.add_capture(read, doc("# Privacy\n\nVersion A."))
    guess = unfetched(read, "20150101000000", "same_bytes", "D1")
    store.add_capture(guess, None)
    (version,) = store.refresh_versions("a.com", "privacy")
    assert version.path.endswith("/2015-01-01.md") and version.snapshots_fetched == 1
    text = (tmp_path / version.path).read_text(encoding="utf-8")
    assert "archived on 2016-01-01" in text and "/20160101000000id_/" in text
    # the same capture inferred again changes nothing; read, it becomes fetched
    store.add_capture(unfetched(read, "20150101000000", "inferred", "D1"), None)
    assert store.unfetched_captures("a.com", "privacy")[(read.url, "20150101000000")].source == (
        "same_bytes"
    )
    store.add_capture(capture("20150101000000", "D1"), None)
    assert store.unfetched_captures("a.com", "privacy") == {}
    (version,) = store.refresh_versions("a.com", "privacy")
    assert version.snapshots_fetched == 2 and version.cited_ts == "20150101000000"


def test_homepage_links_are_kept_and_an_index_without_them_still_works(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    fill(store)
    # an index written before the homepage cache existed has no such table
    store.db.execute("DROP TABLE homepage_links")
    assert store.homepage_links("a.com", "privacy") == {}
    home = "https://www.a.com/"
    store.add_homepage_links(
        [
            ("a.com", "privacy", home, "20150101000000", ["https://www.a.com/privacy"]),
            ("a.com", "privacy", home, "20160101000000", []),
            ("a.com", "terms", home, "20150101000000", ["https://www.a.com/terms"]),
        ]
    )
    store.close()
    reader = Store.open(tmp_path, readonly=True)
    assert reader.homepage_links("a.com", "privacy") == {
        (home, "20150101000000"): ("https://www.a.com/privacy",),
        (home, "20160101000000"): (),
    }
    reader.close()


def test_an_index_whose_creator_died_before_its_first_commit_is_created_anew(
    tmp_path: Path,
) -> None:
    """A writer killed while creating the index leaves a database with no tables: no
    capture can be in it, so the next writer creates them rather than call it damaged."""
    db = sqlite3.connect(tmp_path / INDEX_NAME)
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    store = Store.open(tmp_path)
    store.add_capture(capture("20150101000000", "D1"), doc("# Privacy\n\nVersion A."))
    assert len(store.refresh_versions("a.com", "privacy")) == 1
    store.close()


def test_writers_starting_together_all_open_one_index(tmp_path: Path) -> None:
    """Workers of a shared crawl open a new index at the same moment: each must find it
    whole, none may take the other's half-made index for a damaged one."""
    code = (
        "import sys; from pathlib import Path; from corpus.store import Store\n"
        "Store.open(Path(sys.argv[1])).close()"
    )
    root = tmp_path / "shared"
    for _round in range(3):
        shutil.rmtree(root, ignore_errors=True)
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", code, str(root)],
                cwd=ROOT,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(6)
        ]
        errors = [p.communicate()[1] for p in processes]
        assert [p.returncode for p in processes] == [0] * 6, errors
