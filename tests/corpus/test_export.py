"""Exports (jsonl, csv, parquet), the dataset card, stats, plots and the index's upkeep."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from corpus.export import ExportError, card_path, export, write_jsonl
from corpus.models import Document, Processed, RawCapture
from corpus.rawstore import RawWriter, read_raw, warc_files
from corpus.store import EXPORT_FIELDS, SCHEMA_VERSION, Store, StoreError
from corpus.summary import format_summary, summarise
from corpus.timeline import lanes, plot_corpus, plot_domain, year_figures, year_series
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

    (tmp_path / "out").mkdir()
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


def test_export_writes_only_regular_files(store: Store, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    target = tmp_path / "kept.jsonl"
    target.write_text("kept\n", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    folder = tmp_path / "folder"
    folder.mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    refused = {
        fifo: "is a FIFO",
        link: "is a symbolic link",
        folder: "is a directory",
        Path("/dev/null"): "is a character device",
        tmp_path / "missing" / "v.jsonl": "missing does not exist",
        target / "v.jsonl": "kept.jsonl is not a directory",
        tmp_path / ("x" * 256): "File name too long",
        tmp_path / ("x" * 250 + ".csv"): "dataset card .* File name too long",
    }
    for output, message in refused.items():
        with pytest.raises(ExportError, match=message) as caught:
            export(store, "jsonl", output, io.BytesIO())
        assert "\n" not in str(caught.value)
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and stat.S_ISLNK(link.lstat().st_mode)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert target.read_text(encoding="utf-8") == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no card, no temp file
    assert not list(tmp_path.glob("**/*.card.md"))


def test_a_card_that_would_land_on_a_link_stops_the_export_first(
    store: Store, tmp_path: Path
) -> None:
    (tmp_path / "v.card.md").symlink_to(tmp_path / "elsewhere.md")
    with pytest.raises(ExportError, match=r"dataset card .* is a symbolic link"):
        export(store, "csv", tmp_path / "v.csv", io.BytesIO())
    assert not (tmp_path / "v.csv").exists() and not (tmp_path / "elsewhere.md").exists()


def test_export_files_follow_the_umask(store: Store, tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        export(store, "jsonl", tmp_path / "v.jsonl", io.BytesIO())
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "v.jsonl").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "v.card.md").stat().st_mode) == 0o640
    os.umask(0o022)
    try:
        export(store, "jsonl", tmp_path / "v.jsonl", io.BytesIO())  # replaces a regular file
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "v.jsonl").stat().st_mode) == 0o644


def test_cli_export_output_dash_is_stdout_and_bad_targets_are_one_line(
    store: Store, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from policy_archive.cli import main

    store.close()
    out = str(tmp_path / "data")
    assert main(["export", "--out", out, "--output", "-"]) == 0
    captured = capfd.readouterr()
    assert captured.out.count("\n") == 4 and not list(tmp_path.glob("*.card.md"))
    os.mkfifo(tmp_path / "fifo")
    assert main(["export", "--out", out, "--output", str(tmp_path / "fifo")]) == 2
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "is a FIFO" in captured.err and "Traceback" not in captured.err


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(tmp_path: Path) -> None:
    s = Store.open(tmp_path / "data")
    for n, start in enumerate(FORMULA_STARTS):
        domain = f"s{n}.com"
        document = Document("en", f"{start}cmd|' /C calc'!A0\n\nWe keep data.", f"{start}SUM(A1)")
        s.add_capture(capture(domain, "20150101000000", f"D{n}"), Processed(documents=(document,)))
        s.refresh_versions(domain, "privacy")
    s.add_capture(capture("plain.com", "20150101000000", "P"), docs(("en", "We keep data.")))
    s.refresh_versions("plain.com", "privacy")
    stream = io.StringIO()
    write_jsonl(s, stream)
    exact = {r["domain"]: r for r in map(json.loads, stream.getvalue().splitlines())}
    export(s, "csv", tmp_path / "v.csv", io.BytesIO())
    with open(tmp_path / "v.csv", encoding="utf-8", newline="") as handle:
        escaped = {r["domain"]: r for r in csv.DictReader(handle)}
    for n, start in enumerate(FORMULA_STARTS):
        row = exact[f"s{n}.com"]
        assert row["text"].startswith(start) and row["title"] == f"{start}SUM(A1)"
        assert escaped[f"s{n}.com"]["text"] == "'" + row["text"]
        assert escaped[f"s{n}.com"]["title"] == "'" + row["title"]
    assert escaped["plain.com"]["text"] == exact["plain.com"]["text"] == "We keep data."
    s.close()


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


def test_bars_that_would_hide_each_other_get_lanes() -> None:
    # Three versions first seen on one day, drawn 30 days wide, then a later one.
    assert lanes([(0, 30), (0, 30), (1, 31), (40, 70)]) == [0, 1, 2, 0]
    assert lanes([(0, 10), (11, 20), (21, 30)]) == [0, 0, 0]


def test_years_without_data_are_gaps(store: Store, tmp_path: Path) -> None:
    series = year_series(year_figures(store.versions()))
    assert [(year, f.policies if f else None) for year, f in series] == [
        (2015, 1), (2016, None), (2017, 1), (2018, None), (2019, 2)
    ]  # fmt: skip
    marks = {("privacy", "en"): [("20150101000000", "fetched"), ("20170101000000", "inferred")]}
    paths = plot_domain(list(store.versions("a.com")), "a.com", tmp_path / "a", marks)
    assert [p.suffix for p in paths] == [".png", ".svg"] and paths[0].stat().st_size > 1000


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


# Schema 3 as it was written: a capture not fetched held the fetched capture's digest in
# `digest` and its own CDX digest in `cdx_digest`.
_V3_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE captures (domain TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL,
    timestamp TEXT NOT NULL, archive_url TEXT NOT NULL, digest TEXT NOT NULL,
    role TEXT NOT NULL, source TEXT NOT NULL DEFAULT 'unknown', source_url TEXT,
    source_ts TEXT, cdx_digest TEXT, PRIMARY KEY (domain, kind, url, timestamp));
CREATE TABLE payloads (kind TEXT NOT NULL, digest TEXT NOT NULL, drop_reason TEXT,
    PRIMARY KEY (kind, digest));
CREATE TABLE payload_documents (kind TEXT NOT NULL, digest TEXT NOT NULL, lang TEXT NOT NULL,
    text_sha TEXT NOT NULL, title TEXT NOT NULL, PRIMARY KEY (kind, digest, lang));
CREATE TABLE texts (sha256 TEXT PRIMARY KEY, text TEXT NOT NULL, key TEXT);
CREATE TABLE versions (domain TEXT NOT NULL, kind TEXT NOT NULL, lang TEXT NOT NULL,
    version INTEGER NOT NULL, first_ts TEXT NOT NULL, last_ts TEXT NOT NULL,
    snapshots INTEGER NOT NULL, url TEXT NOT NULL, archive_url TEXT NOT NULL,
    text_sha TEXT NOT NULL, path TEXT NOT NULL, similarity REAL,
    words_added INTEGER NOT NULL DEFAULT 0, words_removed INTEGER NOT NULL DEFAULT 0,
    revert_of INTEGER, flapping INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (domain, kind, lang, version));
CREATE TABLE runs (id INTEGER PRIMARY KEY, started TEXT NOT NULL, command TEXT NOT NULL,
    stats TEXT, producer TEXT);
CREATE TABLE changes (old_sha TEXT NOT NULL, new_sha TEXT NOT NULL, similarity REAL NOT NULL,
    words_added INTEGER NOT NULL, words_removed INTEGER NOT NULL, PRIMARY KEY (old_sha, new_sha));
CREATE TABLE pending (domain TEXT NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (domain, kind));
CREATE TABLE capture_outcomes (domain TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL,
    timestamp TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL, updated TEXT NOT NULL,
    PRIMARY KEY (domain, kind, url, timestamp));
CREATE VIEW drops AS SELECT c.domain, c.kind, c.url, c.timestamp, p.drop_reason AS reason
    FROM captures c JOIN payloads p ON p.kind = c.kind AND p.digest = c.digest
    WHERE p.drop_reason IS NOT NULL;
INSERT INTO meta VALUES ('schema_version', '3');
INSERT INTO captures VALUES
    ('a.com', 'privacy', 'u', '20150101000000', 'x/20150101000000id_/u', 'D1', 'policy',
     'fetched', NULL, NULL, NULL),
    ('a.com', 'privacy', 'u', '20150601000000', 'x/20150601000000id_/u', 'D1', 'policy',
     'inferred', 'u', '20150101000000', 'D9'),
    ('a.com', 'privacy', 'u', '20160101000000', 'x/20160101000000id_/u', 'D1', 'policy',
     'same_bytes', 'u', '20150101000000', 'D1');
INSERT INTO payloads VALUES ('privacy', 'D1', NULL);
INSERT INTO payload_documents VALUES ('privacy', 'D1', 'en', 's1', 'P');
INSERT INTO texts VALUES ('s1', 'Text.', 'text.');
INSERT INTO versions VALUES ('a.com', 'privacy', 'en', 1, '20150101000000', '20160101000000',
    3, 'u', 'x/20150101000000id_/u', 's1', 'corpus/a.com/privacy/en/2015-01-01.md', NULL, 0, 0,
    NULL, 0);
"""


def test_a_schema_3_index_gives_captures_not_fetched_their_own_digest(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "index.sqlite")
    db.executescript(_V3_SCHEMA)
    db.close()
    store = Store.open(tmp_path, create=False)
    assert store.meta("schema_version") == str(SCHEMA_VERSION)
    rows = store.db.execute(
        "SELECT timestamp, digest, text_digest, source FROM captures ORDER BY timestamp"
    ).fetchall()
    assert rows == [
        ("20150101000000", "D1", "D1", "fetched"),
        ("20150601000000", "D9", "D1", "inferred"),  # its own digest back, its text kept
        ("20160101000000", "D1", "D1", "same_bytes"),
    ]
    (row,) = (r.as_dict() for r in store.versions())
    assert (row["snapshots"], row["snapshots_fetched"]) == (3, 1)
    assert (row["first_seen_basis"], row["last_seen_basis"]) == ("fetched", "same_bytes")
    assert row["text"] == "Text."
    # the view of dropped captures follows the payload the text comes from
    assert store.db.execute("SELECT COUNT(*) FROM drops").fetchone() == (0,)


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
