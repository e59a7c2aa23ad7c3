"""Exports: the corpus's versions as JSON lines, CSV or Parquet, with a dataset card."""

from __future__ import annotations

import csv
import io
import json
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


def write_csv(store: Store, stream: TextIO) -> int:
    writer = csv.writer(stream)
    writer.writerow(EXPORT_FIELDS)
    count = 0
    for row in store.versions():
        record = row.as_dict()
        writer.writerow([_csv_value(record[name]) for name in EXPORT_FIELDS])
        count += 1
    return count


def _csv_value(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def parquet_schema() -> Any:
    import pyarrow as pa

    types = {
        "version": pa.int32(),
        "snapshots": pa.int32(),
        "similarity": pa.float64(),
        "words_added": pa.int32(),
        "words_removed": pa.int32(),
        "revert_of": pa.int32(),
        "flapping": pa.bool_(),
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
    if output.is_dir():
        raise ExportError(f"--output {output} is a directory; name a file")
    with atomic_file(output) as sink:
        count = _write(store, fmt, sink)
    card = card_path(output)
    with atomic_file(card) as sink:
        sink.write(dataset_card(summarise(store), output.name, fmt).encode("utf-8"))
    return count


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
