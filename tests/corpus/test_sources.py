"""Captures held by several archives: recorded once with every source, in the index, in
raw/ (so that a rebuild keeps them), in both exports, and brought into older indexes."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from corpus.models import SOURCE_LISTED, Document, Processed
from corpus.rawstore import RawWriter, firmest, read_raw, warc_files
from corpus.store import INDEX_NAME, SCHEMA_VERSION, Store
from tests.corpus.builders import policy_capture

IA = "https://web.archive.org"
PT = "https://arquivo.pt/wayback"
URL = "https://www.a.com/privacy"


def _docs(text: str) -> Processed:
    return Processed(documents=(Document("en", text, "Privacy"),))


def _in(base: str, ts: str) -> str:
    prefix = f"{base}/web" if base == IA else base
    return f"{prefix}/{ts}id_/{URL}"


def _corpus(root: Path) -> Store:
    """2015 read from IA and also in arquivo.pt; 2016 only in arquivo.pt; 2017 read from
    IA, then listed by arquivo.pt in a later run (a `listed` record)."""
    store = Store.open(root)
    first = replace(
        policy_capture("20150101000000", "D1"),
        archive_url=_in(IA, "20150101000000"),
        also_in=((_in(PT, "20150101000000"), "-"),),
    )
    second = replace(policy_capture("20160101000000", "D2"), archive_url=_in(PT, "20160101000000"))
    third = replace(policy_capture("20170101000000", "D3"), archive_url=_in(IA, "20170101000000"))
    later = replace(
        third,
        archive_url=_in(PT, "20170101000000"),
        body=None,
        source=SOURCE_LISTED,
        cdx_digest="-",
    )
    store.add_capture(first, _docs("# Privacy\n\nOne."))
    store.add_capture(second, _docs("# Privacy\n\nOne."))
    store.add_capture(third, _docs("# Privacy\n\nTwo."))
    store.add_capture(later, None)
    store.refresh_versions("a.com", "privacy")
    writer = RawWriter(root, "run", durable=False)
    for capture in (first, second, third, later):
        writer.write(capture)
    writer.close()
    return store


def test_a_capture_is_recorded_once_with_every_archive_holding_it(tmp_path: Path) -> None:
    store = _corpus(tmp_path)
    assert store.db.execute("SELECT COUNT(*) FROM captures").fetchone() == (3,)
    assert store.capture_sources("a.com", "privacy") == {
        (URL, "20150101000000"): frozenset({IA, PT}),
        (URL, "20160101000000"): frozenset({PT}),
        (URL, "20170101000000"): frozenset({IA, PT}),
    }
    one, two = (row.as_dict() for row in store.versions())
    assert (one["snapshots"], one["archive"], one["archives"]) == (2, IA, [PT, IA])
    assert (two["snapshots"], two["archive"], two["archives"]) == (1, IA, [PT, IA])
    captures = list(store.capture_rows())
    assert [(c["timestamp"], c["archive"]) for c in captures] == [
        ("20150101000000", IA),
        ("20160101000000", PT),
        ("20170101000000", IA),
    ]
    assert [s["archive"] for s in captures[0]["sources"]] == [PT, IA]  # type: ignore[union-attr]


def test_raw_records_give_back_every_source(tmp_path: Path) -> None:
    _corpus(tmp_path).close()
    read = [c for path in warc_files(tmp_path) for c in read_raw(path)]
    merged = {c.timestamp: c for c in firmest(read)}
    assert len(merged) == 3  # the listed record is no capture of its own
    assert merged["20150101000000"].also_in == ((_in(PT, "20150101000000"), "-"),)
    assert merged["20170101000000"].archive_url == _in(IA, "20170101000000")
    assert merged["20170101000000"].also_in == ((_in(PT, "20170101000000"), "-"),)


def test_a_schema_4_index_gets_the_source_of_every_capture(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.add_capture(
        replace(policy_capture("20150101000000", "D1"), archive_url=_in(IA, "20150101000000")),
        _docs("# Privacy\n\nOne."),
    )
    store.refresh_versions("a.com", "privacy")
    store.close()
    db = sqlite3.connect(tmp_path / INDEX_NAME)
    db.execute("DROP TABLE capture_sources")
    db.execute("UPDATE meta SET value='4' WHERE key='schema_version'")
    db.commit()
    db.close()
    store = Store.open(tmp_path)
    assert store.meta("schema_version") == str(SCHEMA_VERSION) == "5"
    assert store.capture_sources("a.com", "privacy") == {(URL, "20150101000000"): frozenset({IA})}
    (row,) = (r.as_dict() for r in store.versions())
    assert (row["archive"], row["archives"]) == (IA, [IA])
