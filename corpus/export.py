"""Exports: the corpus's versions as JSON lines, CSV or Parquet, with a dataset card."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TextIO

from corpus.card import dataset_card
from corpus.store import EXPORT_FIELDS, Store
from corpus.store import atomic_file as store_atomic_file
from corpus.summary import summarise

FORMATS = ("jsonl", "parquet", "csv")
# Rows per Parquet row group: bounds memory on large corpora, still large enough to scan fast.
EXPORT_PARQUET_BATCH = 1000


class ExportError(Exception):
    """The export cannot be written where it was asked to go."""


def write_jsonl(store: Store, stream: TextIO) -> int:
    count = 0
    for row in store.versions():
        stream.write(json.dumps(row.as_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


def write_captures_jsonl(store: Store, stream: TextIO) -> int:
    """One JSON object per policy capture: when, how its text is known, the archive it
    was read from and every archive holding it."""
    count = 0
    for row in store.capture_rows():
        stream.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


def write_csv(store: Store, stream: TextIO) -> int:
    writer = csv.writer(stream)
    writer.writerow(EXPORT_FIELDS)
    count = 0
    for row in store.versions():
        record = row.as_dict()
        writer.writerow([_csv_value(record[name]) for name in EXPORT_FIELDS])
        count += 1
    return count


# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV
# Injection"), even a policy text that merely starts with a list's dash.
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(map(str, value))  # archive URLs hold no spaces
    if isinstance(value, str):
        return csv_cell(value)
    return "" if value is None else value


def csv_cell(text: str) -> str:
    """`text` as a spreadsheet shows it rather than runs it: a leading `'` on a formula."""
    return "'" + text if text.startswith(CSV_FORMULA_STARTS) else text


def parquet_schema() -> Any:
    import pyarrow as pa

    types = {
        "version": pa.int32(),
        "snapshots": pa.int32(),
        "snapshots_fetched": pa.int32(),
        "similarity": pa.float64(),
        "words_added": pa.int32(),
        "words_removed": pa.int32(),
        "revert_of": pa.int32(),
        "flapping": pa.bool_(),
        "archives": pa.list_(pa.string()),
    }
    return pa.schema([(name, types.get(name, pa.string())) for name in EXPORT_FIELDS])


def write_parquet(store: Store, sink: IO[bytes]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    count = 0
    with pq.ParquetWriter(sink, schema) as writer:
        batch: list[dict[str, object]] = []
        for row in store.versions():
            batch.append(row.as_dict())
            if len(batch) >= EXPORT_PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
                batch = []
        if batch or not count:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count


def export(store: Store, fmt: str, output: Path | None, stdout: IO[bytes]) -> int:
    """Write every version in `fmt` to `output` (and its card beside it) or to `stdout`."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if output is None:
        return _write(store, fmt, stdout)
    card = card_path(output)
    check_target(output, "--output")
    check_target(card, "the dataset card")
    with atomic_file(output) as sink:
        count = _write(store, fmt, sink)
    with atomic_file(card) as sink:
        sink.write(dataset_card(summarise(store), output.name, fmt).encode("utf-8"))
    return count


_NOT_REGULAR = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)


def check_target(path: Path, label: str) -> None:
    """Refuse a target that is not a regular file, or nothing yet in an existing folder:
    the export replaces it by a new file, which must not happen to a device, a FIFO or a
    link (the file it points at would stay as it was, the link would be gone)."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None  # nothing there yet; whether its folder exists is checked next
    except OSError as exc:
        raise ExportError(f"{label} {path}: {exc.strerror or exc}") from exc
    if mode is not None:
        if stat.S_ISLNK(mode):
            raise ExportError(f"{label} {path} is a symbolic link; name a regular file")
        if stat.S_ISDIR(mode):
            raise ExportError(f"{label} {path} is a directory; name a file")
        for test, kind in _NOT_REGULAR:
            if test(mode):
                raise ExportError(f"{label} {path} is {kind}, not a regular file")
        if not stat.S_ISREG(mode):
            raise ExportError(f"{label} {path} is not a regular file")
    parent = path.parent
    if not parent.is_dir():
        missing = "is not a directory" if parent.exists() else "does not exist"
        raise ExportError(f"{label} {path}: its folder {parent} {missing}")


def card_path(output: Path) -> Path:
    """`versions.parquet` -> `versions.card.md`."""
    return output.with_name(f"{output.stem}.card.md")


def _write(store: Store, fmt: str, sink: IO[bytes]) -> int:
    if fmt == "parquet":
        return write_parquet(store, sink)
    # newline="" lets csv write its own line ends; JSON lines never hold a raw newline.
    text = io.TextIOWrapper(sink, encoding="utf-8", newline="")
    try:
        count = write_jsonl(store, text) if fmt == "jsonl" else write_csv(store, text)
        text.flush()
    finally:
        text.detach()  # the sink (stdout, a temp file) stays open for its owner
    return count


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """An export file that appears only once completely written; failures read as one line."""
    try:
        with store_atomic_file(path) as handle:
            yield handle
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
