"""The raw store: append-only WARC files of every capture fetched, the input of rebuild."""

from __future__ import annotations

import logging
import mmap
import os
import secrets
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from corpus.models import RawCapture
from corpus.render import safe_segment
from webarchive.wayback import parse_timestamp

log = logging.getLogger(__name__)

RAW_DIR = "raw"
# Extension fields (WARC 1.1 allows any): what the corpus needs to rebuild without network.
H_DOMAIN = "Policy-Archive-Domain"
H_KIND = "Policy-Archive-Kind"
H_ROLE = "Policy-Archive-Role"
H_DIGEST = "Policy-Archive-Digest"  # the archive's CDX digest, which links revisits
H_SOURCE = "WARC-Source-URI"  # the replay URL the bytes came from
# On revisits: how the capture's text is known (same_bytes, inferred) and its own CDX
# digest (H_DIGEST is then the digest of the fetched capture whose bytes it shares).
H_KNOWN = "Policy-Archive-Known-As"
H_CDX_DIGEST = "Policy-Archive-CDX-Digest"
# WARC-Date cannot hold the archive's odd timestamps (day 00, second 60): keep them verbatim.
H_TIMESTAMP = "Policy-Archive-Timestamp"
# Start a new file past this size: WARC tools and uploads handle ~1 GB files best (IA's own
# crawls write 1 GB WARCs).
RAW_MAX_FILE_BYTES = 1_000_000_000


def _warc_date(timestamp: str) -> str:
    return parse_timestamp(timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")


class RawWriter:
    """Appends captures to WARC files per domain and run, rotated by size.

    Each record is flushed and synced before `write` returns: the index records a capture
    only after this, so a capture the index knows is always in the raw store too.
    """

    def __init__(
        self, root: Path, run_id: str, max_bytes: int = RAW_MAX_FILE_BYTES, durable: bool = True
    ) -> None:
        self.root = root / RAW_DIR
        self.run_id = run_id
        self.max_bytes = max_bytes
        self.durable = durable  # off only for generated stores (benchmarks), never for crawls
        self._files: dict[str, tuple[IO[bytes], WARCWriter]] = {}

    def write(self, capture: RawCapture) -> None:
        handle, writer = self._writer(capture.domain)
        self._write(writer, capture)
        handle.flush()
        if self.durable:
            os.fsync(handle.fileno())
        if handle.tell() >= self.max_bytes:
            handle.close()
            del self._files[capture.domain]

    def _write(self, writer: WARCWriter, capture: RawCapture) -> None:
        extra = {
            H_DOMAIN: capture.domain,
            H_KIND: capture.kind,
            H_ROLE: capture.role,
            H_DIGEST: capture.digest,
            H_SOURCE: capture.archive_url,
            H_TIMESTAMP: capture.timestamp,
            "WARC-Date": _warc_date(capture.timestamp),
        }
        if capture.body is None:
            refers_url, refers_ts = capture.refers_to or (capture.url, capture.timestamp)
            record = writer.create_revisit_record(
                capture.url,
                digest="sha1:" + capture.digest,
                refers_to_uri=refers_url,
                refers_to_date=_warc_date(refers_ts),
            )
            record.rec_headers.replace_header("WARC-Date", extra.pop("WARC-Date"))
            for name, value in extra.items():
                record.rec_headers.add_header(name, value)
            record.rec_headers.add_header(H_KNOWN, capture.source)
            if capture.cdx_digest:
                record.rec_headers.add_header(H_CDX_DIGEST, capture.cdx_digest)
            writer.write_record(record)
            return
        http_headers = StatusAndHeaders(
            f"{capture.status} -", list(capture.headers), protocol="HTTP/1.1"
        )
        response = writer.create_warc_record(
            capture.url,
            "response",
            payload=BytesIO(capture.body),
            length=len(capture.body),
            http_headers=http_headers,
            warc_headers_dict=extra,
        )
        request = writer.create_warc_record(
            capture.archive_url,
            "request",
            payload=BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(
                f"GET {capture.archive_url} HTTP/1.1", [], is_http_request=True
            ),
            warc_headers_dict={"WARC-Date": extra["WARC-Date"]},
        )
        writer.write_request_response_pair(request, response)

    def _writer(self, domain: str) -> tuple[IO[bytes], WARCWriter]:
        if domain not in self._files:
            folder = self.root / safe_segment(domain)
            folder.mkdir(parents=True, exist_ok=True)
            # Never append to an existing file: a crash may have left it ending in half a
            # record, and a reader stops at the first damaged record.
            sequence = 0
            while (path := folder / _file_name(self.run_id, sequence)).exists():
                sequence += 1
            handle = open(path, "xb")  # noqa: SIM115  (kept open for the run)
            self._files[domain] = (handle, WARCWriter(handle, gzip=True, warc_version="1.1"))
        return self._files[domain]

    def close_domain(self, domain: str) -> None:
        entry = self._files.pop(domain, None)
        if entry is not None:
            handle = entry[0]
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()

    def close(self) -> None:
        for handle, _ in self._files.values():
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        self._files.clear()


def new_run_id(worker: str = "") -> str:
    """A run's name in raw file names: UTC start time, then the worker's name (a shared
    crawl's workers write side by side) or a random tag."""
    tag = safe_segment(worker) if worker else secrets.token_hex(3)
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S") + f"-{tag}"


def _file_name(run_id: str, sequence: int) -> str:
    return f"{run_id}.warc.gz" if sequence == 0 else f"{run_id}-{sequence:05d}.warc.gz"


def warc_files(root: Path) -> list[Path]:
    return sorted((root / RAW_DIR).glob("*/*.warc.gz"))


def domain_folders(root: Path) -> list[Path]:
    """One folder per domain under `DIR/raw/`: the unit rebuild works in parallel on."""
    raw = root / RAW_DIR
    return sorted(p for p in raw.iterdir() if p.is_dir()) if raw.is_dir() else []


@dataclass(frozen=True, slots=True)
class RawDamage:
    """Bytes of a raw file that could not be read as records, skipped by the reader."""

    path: Path
    offset: int  # where the unreadable bytes start
    length: int  # how many bytes were skipped
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.path}: skipped {self.length} bytes at offset {self.offset} "
            f"(a damaged record: {self.reason})"
        )


def _log_damage(damage: RawDamage) -> None:
    log.warning("%s", damage)


def read_raw(
    path: Path, on_damage: Callable[[RawDamage], None] = _log_damage
) -> Iterator[RawCapture]:
    """The captures in one raw WARC file. A damaged record is skipped and reported, and
    reading resumes at the next gzip member (the writer puts each record in its own)."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            return
        if handle.read(2) != GZIP_MAGIC[:2]:
            handle.seek(0)
            yield from _read_plain(path, handle, on_damage)
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            members = _members(path, data, on_damage)
            try:
                for member in members:
                    yield from _member_captures(path, member, on_damage)
            finally:
                members.close()  # releases its view of the map before the map closes


# A gzip member starts with the magic bytes, then the method (8: deflate).
GZIP_MAGIC = b"\x1f\x8b\x08"
# Fed to zlib a piece at a time from the map: most records are a few kilobytes.
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class _Member:
    offset: int
    data: bytes


def _members(
    path: Path, data: mmap.mmap, on_damage: Callable[[RawDamage], None]
) -> Generator[_Member, None, None]:
    """The decompressed gzip members of `data`; damaged stretches are reported as one
    damage each, from where reading failed to the next member that decompresses."""
    with memoryview(data) as view:  # slices without copying
        yield from _scan(path, data, view, on_damage)


def _scan(
    path: Path, data: mmap.mmap, view: memoryview, on_damage: Callable[[RawDamage], None]
) -> Iterator[_Member]:
    size = len(data)
    offset = 0
    damaged: tuple[int, str] | None = None  # start and reason of the stretch being skipped
    while offset < size:
        decompressed, end, error = _inflate(view, offset)
        if error is None:
            if damaged is not None:
                on_damage(RawDamage(path, damaged[0], offset - damaged[0], damaged[1]))
                damaged = None
            yield _Member(offset, decompressed)
            offset = end
            continue
        if damaged is None:
            damaged = (offset, error)
        found = data.find(GZIP_MAGIC, offset + 1)
        offset = size if found < 0 else found
    if damaged is not None:
        on_damage(RawDamage(path, damaged[0], size - damaged[0], damaged[1]))


def _inflate(data: memoryview, offset: int) -> tuple[bytes, int, str | None]:
    """One gzip member from `offset`: (its bytes, the offset past it, None) or an error."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    parts: list[bytes] = []
    position = offset
    try:
        while not inflater.eof and position < len(data):
            chunk = data[position : position + _CHUNK]
            parts.append(inflater.decompress(chunk))
            position += len(chunk)
    except zlib.error as exc:
        return b"", offset, f"gzip: {exc}"
    if not inflater.eof:
        return b"", offset, "cut off (the file ends inside a gzip member)"
    return b"".join(parts), position - len(inflater.unused_data), None


def _member_captures(
    path: Path, member: _Member, on_damage: Callable[[RawDamage], None]
) -> Iterator[RawCapture]:
    try:
        captures = _parse_member(member.data)
    except (ArchiveLoadFailed, EOFError, ValueError) as exc:
        on_damage(RawDamage(path, member.offset, len(member.data), f"WARC: {exc}"))
        return
    yield from captures


_LOADER = ArcWarcRecordLoader()


def _parse_member(data: bytes) -> list[RawCapture]:
    # Our writer puts one record in each member: parse it directly (a third faster than an
    # ArchiveIterator per member); a member holding more goes through ArchiveIterator.
    stream = BytesIO(data)
    record = _LOADER.parse_record_stream(stream, known_format="warc")
    capture = _capture(record)
    record.raw_stream.read()
    if stream.read().strip():
        records = (_capture(r) for r in ArchiveIterator(BytesIO(data)))
        return [c for c in records if c is not None]
    return [] if capture is None else [capture]


def _read_plain(
    path: Path, handle: IO[bytes], on_damage: Callable[[RawDamage], None]
) -> Iterator[RawCapture]:
    """An uncompressed WARC file: records have no boundaries to resume at."""
    records = ArchiveIterator(handle)
    try:
        for record in records:
            capture = _capture(record)
            if capture is not None:
                yield capture
    except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
        offset = records.offset
        size = os.fstat(handle.fileno()).st_size
        on_damage(RawDamage(path, offset, size - offset, f"WARC: {exc}; the rest is unreadable"))


def _capture(record: ArchiveIterator) -> RawCapture | None:
    headers = record.rec_headers
    if record.rec_type not in ("response", "revisit") or not headers.get_header(H_DOMAIN):
        return None
    url = headers.get_header("WARC-Target-URI")
    ts = headers.get_header(H_TIMESTAMP) or _compact(headers.get_header("WARC-Date"))
    common = {
        "domain": headers.get_header(H_DOMAIN),
        "kind": headers.get_header(H_KIND),
        "role": headers.get_header(H_ROLE),
        "url": url,
        "timestamp": ts,
        "archive_url": headers.get_header(H_SOURCE),
        "digest": headers.get_header(H_DIGEST),
    }
    if record.rec_type == "revisit":
        refers_ts = _compact(headers.get_header("WARC-Refers-To-Date") or "")
        refers = (headers.get_header("WARC-Refers-To-Target-URI") or url, refers_ts)
        return RawCapture(
            **common,
            refers_to=refers,
            # raw files from before this was written say nothing: unknown
            source=headers.get_header(H_KNOWN) or "unknown",
            cdx_digest=headers.get_header(H_CDX_DIGEST) or "",
        )
    http = record.http_headers
    status = int(http.get_statuscode() or 0) if http else 0
    return RawCapture(
        **common,
        status=status,
        headers=tuple(http.headers) if http else (),
        body=record.content_stream().read(),
    )


def _compact(warc_date: str) -> str:
    return warc_date.replace("-", "").replace(":", "").replace("T", "").rstrip("Z")
