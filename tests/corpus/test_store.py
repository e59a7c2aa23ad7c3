from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.models import Document, Processed, RawCapture
from corpus.rawstore import RawWriter, read_raw, warc_files
from corpus.store import Store, StoreError
from tests.corpus.builders import ARCHIVE, HTML, policy_capture


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


def test_raw_store_round_trip(tmp_path: Path) -> None:
    writer = RawWriter(tmp_path, "run1")
    original = capture("20150101000000", "D1", b"<html>caf\xc3\xa9</html>")
    revisit = RawCapture(
        **{
            **{f: getattr(original, f) for f in ("domain", "kind", "role", "url", "digest")},
            "timestamp": "20160101000000",
            "archive_url": f"{ARCHIVE}/20160101000000id_/{original.url}",
            "refers_to": (original.url, original.timestamp),
        }
    )
    writer.write(original)
    writer.write(revisit)
    writer.close()
    (path,) = warc_files(tmp_path)
    assert list(read_raw(path)) == [original, revisit]


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
