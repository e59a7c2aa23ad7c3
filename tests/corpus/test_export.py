"""Exports (jsonl, csv, parquet), the dataset card, stats, plots and the index's upkeep."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from corpus.export import ExportError, card_path, export, write_jsonl
from corpus.models import Document, Processed, RawCapture
from corpus.rawstore import RawWriter, read_raw, warc_files
from corpus.store import EXPORT_FIELDS, SCHEMA_VERSION, Store, StoreError
from corpus.summary import format_summary, summarise
from corpus.timeline import plot_corpus, plot_domain, year_figures
from tests.corpus.builders import policy_capture

CONTRACT = {"domain", "kind", "lang", "version", "first_seen", "last_seen", "snapshots", "url"}
CONTRACT |= {"archive_url", "sha256", "path", "text"}


def capture(domain: str, ts: str, digest: str, body: bytes | None = b"<html></html>") -> RawCapture:
    return policy_capture(
        ts, digest, domain=domain, url=f"https://www.{domain}/privacy?x=1", body=body
    )


def docs(*pairs: tuple[str, str]) -> Processed:
    return Processed(documents=tuple(Document(lang, text, "Privacy") for lang, text in pairs))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "data")
    s.add_capture(
        capture("a.com", "20150101000000", "A1"),
        docs(("en", '# Privacy\n\nFirst, with "quotes", commas\nand lines.')),
    )
    s.add_capture(capture("a.com", "20170101000000", "A2"), docs(("en", "# Privacy\n\nSecond.")))
    s.add_capture(
        capture("b.de", "20190101000000", "B1"),
        docs(("de", "# Datenschutz\n\nErste."), ("en", "# Privacy\n\nFirst.")),
    )
    s.add_capture(capture("b.de", "20200101000000", "B2"), Processed(drop_reason="not_found_page"))
    for domain in ("a.com", "b.de"):
        s.refresh_versions(domain, "privacy")
    s.record_run("2024-01-01T00:00:00+00:00", "test", {})
    return s


def test_jsonl_csv_and_parquet_hold_the_same_rows(store: Store, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    stream = io.StringIO()
    assert write_jsonl(store, stream) == 4
    rows = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert all(set(r) >= CONTRACT for r in rows)
    assert export(store, "csv", tmp_path / "out" / "v.csv", io.BytesIO()) == 4
    with open(tmp_path / "out" / "v.csv", encoding="utf-8", newline="") as handle:
        from_csv = list(csv.DictReader(handle))
    assert [r["text"] for r in from_csv] == [r["text"] for r in rows]
    assert [int(r["version"]) for r in from_csv] == [r["version"] for r in rows]
    assert export(store, "parquet", tmp_path / "out" / "v.parquet", io.BytesIO()) == 4
    table = pq.read_table(tmp_path / "out" / "v.parquet")
    assert table.column_names == list(EXPORT_FIELDS)
    assert table.to_pylist() == [{k: r[k] for k in EXPORT_FIELDS} for r in rows]
    card = card_path(tmp_path / "out" / "v.parquet").read_text(encoding="utf-8")
    assert "- de\n- en" in card and "versions: 4" in card and "not_found_page | 1" in card
    assert "v.parquet" in card and "| trafilatura |" in card
    assert not list((tmp_path / "out").glob(".*tmp"))


def test_parquet_loads_with_datasets(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import datasets

    path = tmp_path / "v.parquet"
    export(store, "parquet", path, io.BytesIO())
    loaded = datasets.load_dataset(
        "parquet", data_files=str(path), split="train", cache_dir=str(tmp_path / "cache")
    )
    assert loaded.num_rows == 4 and set(loaded.column_names) >= CONTRACT
    assert loaded[0]["domain"] == "a.com" and loaded[0]["similarity"] is None


def test_export_to_stdout_and_bad_output(store: Store, tmp_path: Path) -> None:
    sink = io.BytesIO()
    assert export(store, "jsonl", None, sink) == 4
    assert sink.getvalue().decode("utf-8").count("\n") == 4
    with pytest.raises(ExportError, match="is a directory"):
        export(store, "csv", tmp_path, io.BytesIO())


def test_stats(store: Store) -> None:
    summary = summarise(store)
    assert (summary.domains, summary.policies, summary.versions, summary.captures) == (2, 3, 4, 4)
    assert summary.languages == {"de": 1, "en": 3} and summary.drops == {"not_found_page": 1}
    assert (summary.first_seen, summary.last_seen) == ("2015-01-01", "2019-01-01")
    assert summary.archives == ("http://127.0.0.1:1",)
    assert "trafilatura" in summary.producer["libraries"]
    assert "normalise.NORMALISE_TRACKING_PARAMS" in summary.producer["settings"]
    assert "dropped      not_found_page 1" in format_summary(summary)


def test_plots(store: Store, tmp_path: Path) -> None:
    rows = list(store.versions())
    assert [(f.year, f.policies) for f in year_figures(rows)] == [(2015, 1), (2017, 1), (2019, 2)]
    paths = plot_domain(list(store.versions("a.com")), "a.com", tmp_path / "a.com")
    paths += plot_corpus(rows, tmp_path / "all")
    for path in paths:
        assert path.stat().st_size > 1000
    assert paths[0].read_bytes()[:4] == b"\x89PNG" and b"<svg" in paths[1].read_bytes()
    first_svg = paths[1].read_bytes()
    plot_domain(list(store.versions("a.com")), "a.com", tmp_path / "a.com")
    assert paths[1].read_bytes() == first_svg  # no dates or random ids in the files


# -- the index's upkeep ------------------------------------------------------------------------

_V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE captures (domain TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL,
    timestamp TEXT NOT NULL, archive_url TEXT NOT NULL, digest TEXT NOT NULL,
    role TEXT NOT NULL, PRIMARY KEY (domain, kind, url, timestamp));
CREATE TABLE payloads (kind TEXT NOT NULL, digest TEXT NOT NULL, drop_reason TEXT,
    PRIMARY KEY (kind, digest));
CREATE TABLE payload_documents (kind TEXT NOT NULL, digest TEXT NOT NULL, lang TEXT NOT NULL,
    text_sha TEXT NOT NULL, title TEXT NOT NULL, PRIMARY KEY (kind, digest, lang));
CREATE TABLE texts (sha256 TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE versions (domain TEXT NOT NULL, kind TEXT NOT NULL, lang TEXT NOT NULL,
    version INTEGER NOT NULL, first_ts TEXT NOT NULL, last_ts TEXT NOT NULL,
    snapshots INTEGER NOT NULL, url TEXT NOT NULL, archive_url TEXT NOT NULL,
    text_sha TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (domain, kind, lang, version));
CREATE TABLE runs (id INTEGER PRIMARY KEY, started TEXT NOT NULL, command TEXT NOT NULL,
    stats TEXT);
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO captures VALUES ('a.com', 'privacy', 'u', '20150101000000', 'x', 'D1', 'policy');
INSERT INTO captures VALUES ('a.com', 'privacy', 'u', '20160101000000', 'x', 'D2', 'policy');
INSERT INTO payloads VALUES ('privacy', 'D1', NULL), ('privacy', 'D2', NULL);
INSERT INTO payload_documents VALUES ('privacy', 'D1', 'en', 's1', 'P'), ('privacy', 'D2', 'en', 's2', 'P');
INSERT INTO texts VALUES ('s1', 'Text.' || char(10) || '© 2015 A'), ('s2', 'Text.' || char(10) || '© 2016 A');
INSERT INTO runs(started, command, stats) VALUES ('2020', 'fetch', '{}');
"""


def test_a_schema_1_index_is_migrated_and_re_versioned(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "index.sqlite")
    db.executescript(_V1_SCHEMA)
    db.close()
    store = Store.open(tmp_path, create=False)
    assert store.meta("schema_version") == str(SCHEMA_VERSION)
    # The two texts differ only by their copyright year: one version under schema 2.
    (row,) = store.versions()
    assert row.version.snapshots == 2 and row.version.first_ts == "20150101000000"
    assert (tmp_path / row.version.path).exists()
    assert store.runs()[0][1] == "fetch"


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    db = sqlite3.connect(tmp_path / "index.sqlite")
    db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer policy-archive"):
        Store.open(tmp_path)


def test_captures_left_unversioned_by_a_crash_are_versioned_on_next_open(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.add_capture(capture("a.com", "20150101000000", "A1"), docs(("en", "Text.")))
    store.close()  # a crash before refresh_versions
    reopened = Store.open(tmp_path, create=False)
    (row,) = reopened.versions()
    assert (tmp_path / row.version.path).read_text(encoding="utf-8").endswith("\n\nText.\n")


def test_raw_files_rotate_by_size_and_keep_odd_timestamps(tmp_path: Path) -> None:
    writer = RawWriter(tmp_path, "run1", max_bytes=1)
    odd = capture("a.com", "20190600246061", "D1")  # day 00, hour 24, second 61: IA has them
    writer.write(odd)
    writer.write(capture("a.com", "20200101000000", "D2"))
    writer.close()
    files = warc_files(tmp_path)
    assert len(files) == 2
    stamps = sorted(c.timestamp for f in files for c in read_raw(f))
    assert stamps == [odd.timestamp, "20200101000000"]


def test_a_new_writer_never_appends_to_a_damaged_file(tmp_path: Path) -> None:
    writer = RawWriter(tmp_path, "run1")
    writer.write(capture("a.com", "20150101000000", "D1"))
    writer.write(capture("a.com", "20160101000000", "D2"))
    writer.close()
    (path,) = warc_files(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 3 // 4])  # a crash in the middle of the second record
    writer = RawWriter(tmp_path, "run1")  # the same run id after a restart
    writer.write(capture("a.com", "20170101000000", "D3"))
    writer.close()
    stamps = {c.timestamp for f in warc_files(tmp_path) for c in read_raw(f)}
    assert {"20150101000000", "20170101000000"} <= stamps  # the new record is readable
