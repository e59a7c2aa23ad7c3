"""Damaged input loses nothing silently: raw files read past damage, damaged indexes are
refused with the remedy, and a read-only open writes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus.rawstore import RawDamage, RawWriter, read_raw, warc_files
from corpus.store import INDEX_NAME, DamagedIndexError, OldSchemaError, Store, check_index
from tests.corpus.builders import HTML, policy_capture

STAMPS = [f"20{10 + i}0101000000" for i in range(6)]


def raw_file(tmp_path: Path) -> tuple[Path, bytes, list[int]]:
    """A raw file of six captures; the offsets where each capture's records start."""
    writer = RawWriter(tmp_path, "run1")
    ends = []
    for i, ts in enumerate(STAMPS):
        body = b"<html>" + str(i).encode() * 3000 + b"</html>"
        writer.write(policy_capture(ts, f"D{i}", body=body, headers=HTML))
        ends.append(warc_files(tmp_path)[0].stat().st_size)  # each write is flushed
    writer.close()
    (path,) = warc_files(tmp_path)
    return path, path.read_bytes(), [0, *ends[:-1]]


def read(path: Path) -> tuple[list[str], list[RawDamage]]:
    damaged: list[RawDamage] = []
    return [c.timestamp for c in read_raw(path, damaged.append)], damaged


def test_an_intact_file_reads_whole_and_reports_nothing(tmp_path: Path) -> None:
    path, _, _ = raw_file(tmp_path)
    assert read(path) == (STAMPS, [])


def test_records_after_a_zeroed_stretch_are_read(tmp_path: Path) -> None:
    path, data, starts = raw_file(tmp_path)
    middle = (starts[2] + starts[3]) // 2  # inside the third capture's records
    path.write_bytes(data[:middle] + b"\0" * 200 + data[middle + 200 :])
    stamps, damaged = read(path)
    assert stamps == STAMPS[:2] + STAMPS[3:]
    (damage,) = damaged
    assert damage.path == path and starts[2] <= damage.offset <= middle
    assert "gzip" in damage.reason and str(path) in str(damage)


def test_a_cut_file_yields_the_records_before_the_cut(tmp_path: Path) -> None:
    path, data, starts = raw_file(tmp_path)
    cut = (starts[3] + starts[4]) // 2
    path.write_bytes(data[:cut])
    stamps, damaged = read(path)
    assert stamps == STAMPS[:3]
    (damage,) = damaged
    assert "cut off" in damage.reason and damage.offset + damage.length == cut


def test_garbage_between_records_is_skipped(tmp_path: Path) -> None:
    path, data, starts = raw_file(tmp_path)
    # a stray gzip magic inside the garbage must not end the damaged stretch early
    path.write_bytes(data[: starts[1]] + b"junk\x1f\x8b\x08junk" + data[starts[1] :])
    stamps, damaged = read(path)
    assert stamps == STAMPS and len(damaged) == 1 and damaged[0].length == 11


def test_an_empty_file_yields_nothing(tmp_path: Path) -> None:
    path, _, _ = raw_file(tmp_path)
    path.write_bytes(b"")
    assert read(path) == ([], [])


# -- the index -------------------------------------------------------------------------


def corpus(tmp_path: Path) -> Path:
    store = Store.open(tmp_path)
    capture = policy_capture(STAMPS[0], "D1", body=b"<html></html>", headers=HTML)
    store.add_capture(capture, None)
    for i in range(300):  # a few pages, so that half the file is not all of it
        store.record_run(f"2020-01-01T00:00:{i:02d}", "fetch " + "x" * 200, {})
    store.close()
    return tmp_path


def truncate(index: Path) -> None:
    index.write_bytes(index.read_bytes()[: index.stat().st_size // 2])


def garble(index: Path) -> None:
    data = index.read_bytes()
    index.write_bytes(b"\xa5" * 4096 + data[4096:])


def empty(index: Path) -> None:
    index.write_bytes(b"")


@pytest.mark.parametrize("damage", [truncate, garble, empty])
@pytest.mark.parametrize("readonly", [False, True])
def test_a_damaged_index_is_refused_and_left_as_it_is(
    tmp_path: Path, damage: object, readonly: bool
) -> None:
    index = corpus(tmp_path) / INDEX_NAME
    damage(index)  # type: ignore[operator]
    before = index.read_bytes()
    with pytest.raises(DamagedIndexError) as caught:
        Store.open(tmp_path, readonly=readonly)
    message = str(caught.value)
    assert "\n" not in message and str(index) in message
    assert f"policy-archive rebuild --out {tmp_path}" in message
    assert index.read_bytes() == before
    with pytest.raises(DamagedIndexError):
        check_index(tmp_path)


def test_an_index_without_its_tables_is_damaged(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / INDEX_NAME)
    db.execute("CREATE TABLE unrelated (x)")
    db.close()
    with pytest.raises(DamagedIndexError, match="no captures, meta"):
        Store.open(tmp_path)


def test_a_missing_index_is_a_new_corpus_and_check_index_passes(tmp_path: Path) -> None:
    check_index(tmp_path)
    Store.open(tmp_path).close()
    check_index(tmp_path)


def test_a_read_only_open_writes_nothing(tmp_path: Path) -> None:
    corpus(tmp_path)
    store = Store.open(tmp_path)
    store.db.execute("INSERT INTO pending VALUES ('a.com', 'privacy')")  # a crash's leftover
    store.close()
    (tmp_path / ".rebuild-new").mkdir()  # an interrupted rebuild: a writing open discards it
    reader = Store.open(tmp_path, readonly=True)
    assert reader.is_pending("a.com", "privacy")  # not healed
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.db.execute("DELETE FROM pending")
    reader.close()
    assert (tmp_path / ".rebuild-new").exists()  # not recovered


def test_a_read_only_open_does_not_migrate_an_old_index(tmp_path: Path) -> None:
    corpus(tmp_path)
    db = sqlite3.connect(tmp_path / INDEX_NAME)
    db.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
    db.commit()
    db.close()
    with pytest.raises(OldSchemaError, match="schema 1"):
        Store.open(tmp_path, readonly=True)


def test_a_member_holding_several_records_is_read_whole(tmp_path: Path) -> None:
    """Other tools may compress a whole WARC as one gzip member."""
    import gzip
    from io import BytesIO

    from warcio.warcwriter import WARCWriter

    plain = BytesIO()
    writer = RawWriter(tmp_path, "run1")
    for i, ts in enumerate(STAMPS[:3]):
        capture = policy_capture(ts, f"D{i}", body=b"<html>x</html>", headers=HTML)
        writer._write(WARCWriter(plain, gzip=False, warc_version="1.1"), capture)
    path = tmp_path / "one-member.warc.gz"
    path.write_bytes(gzip.compress(plain.getvalue()))
    assert read(path) == (STAMPS[:3], [])
