"""The raw store: append-only WARC files of every capture fetched, the input of rebuild.

Only what the archive really sent is a `response` record. A capture recorded without a
fetch (its text taken from a fetched capture by a stated rule) is a `metadata` record
about that capture, never a `revisit` (which would claim the archive sent those bytes
again). Every file starts with a `warcinfo` record naming the software, the run's
options, the archive and the operator's contact.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import secrets
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from corpus.models import (
    SOURCE_INFERRED,
    SOURCE_LISTED,
    SOURCE_RANK,
    SOURCE_SAME_BYTES,
    SOURCE_UNKNOWN,
    RawCapture,
)
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
# On a capture recorded without a fetch: how its text is known (same_bytes, inferred). The
# raw stores of earlier versions wrote such captures as revisits, with their own CDX
# digest in H_CDX_DIGEST (H_DIGEST then the fetched capture's); they are still read.
H_KNOWN = "Policy-Archive-Known-As"
H_CDX_DIGEST = "Policy-Archive-CDX-Digest"
# The same capture (URL, second) in other archives, as JSON: [[replay URL, digest], ...]
H_ALSO_IN = "Policy-Archive-Also-In"
# The body of the metadata record of a capture not fetched: a JSON object.
UNFETCHED_CONTENT_TYPE = "application/json"
# The rule each kind of unfetched capture rests on, as its metadata record states it.
UNFETCHED_RULES = {
    SOURCE_SAME_BYTES: "the archive lists this capture with the payload digest of the "
    "fetched capture it rests on: the same bytes, not fetched again",
    SOURCE_INFERRED: "strategy changes: this capture lies between two fetched captures of "
    "its URL that show the same text, so it is taken to show that text; not fetched",
    SOURCE_LISTED: "another archive lists this capture (same URL, same second) that the "
    "corpus already holds: one more source of it, not another capture",
}
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
        self,
        root: Path,
        run_id: str,
        max_bytes: int = RAW_MAX_FILE_BYTES,
        durable: bool = True,
        info: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root / RAW_DIR
        self.run_id = run_id
        self.max_bytes = max_bytes
        self.durable = durable  # off only for generated stores (benchmarks), never for crawls
        # what the warcinfo record opening each file says (warcinfo_fields)
        self.info = dict(info) if info is not None else warcinfo_fields()
        self._files: dict[str, tuple[IO[bytes], WARCWriter]] = {}

    def write(self, capture: RawCapture) -> None:
        if capture.body is None and capture.fetched:
            # raw/ holds only what the archive sent: no bytes, no "fetched"
            raise ValueError(f"{capture.archive_url}: a fetched capture without bytes")
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
        if capture.also_in:
            extra[H_ALSO_IN] = json.dumps([list(pair) for pair in capture.also_in])
        if capture.body is None:
            writer.write_record(_unfetched_record(writer, capture))
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
            writer = WARCWriter(handle, gzip=True, warc_version="1.1")
            writer.write_record(writer.create_warcinfo_record(path.name, self.info))
            self._files[domain] = (handle, writer)
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


def warcinfo_fields(
    options: Mapping[str, object] | None = None, archive: str = "", contact: str = ""
) -> dict[str, str]:
    """What a raw file's warcinfo record says: the software, the run's options, the
    archive the captures came from and whom to contact about the crawl."""
    from policy_archive import PROJECT_URL, __version__

    fields = {
        "software": f"policy-archive/{__version__} (+{PROJECT_URL})",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "description": "captures as the archive sent them (response records) and captures "
        "recorded without a fetch, with the rule and the fetched capture they rest on "
        "(metadata records)",
        "isPartOf": "policy-archive raw store",
        "archive": archive,
        "operator": contact,
    }
    for name, value in sorted((options or {}).items()):
        if value is not None and value != "":
            fields[f"option-{name}"] = str(value)
    return {name: value for name, value in fields.items() if value}


def _unfetched_record(writer: WARCWriter, capture: RawCapture) -> object:
    """A metadata record about a capture not fetched: its own CDX digest, how its text is
    known, by which rule, and the fetched capture it rests on."""
    rests_on: dict[str, str] = {"digest": capture.digest}
    if capture.refers_to is not None:
        rests_on.update(url=capture.refers_to[0], timestamp=capture.refers_to[1])
    body = json.dumps(
        {
            "known_as": capture.source,
            "rule": UNFETCHED_RULES.get(capture.source, ""),
            "cdx_digest": capture.own_digest,
            "archive_url": capture.archive_url,
            "rests_on": rests_on,
            "also_in": [list(pair) for pair in capture.also_in],
        },
        sort_keys=True,
    ).encode("utf-8")
    return writer.create_warc_record(
        capture.url,
        "metadata",
        payload=BytesIO(body),
        length=len(body),
        warc_content_type=UNFETCHED_CONTENT_TYPE,
        warc_headers_dict={
            H_DOMAIN: capture.domain,
            H_KIND: capture.kind,
            H_ROLE: capture.role,
            H_TIMESTAMP: capture.timestamp,
            H_KNOWN: capture.source,
            "WARC-Date": _warc_date(capture.timestamp),
        },
    )


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
    """The capture a record holds; None for the records that hold none (warcinfo,
    requests, other tools' records)."""
    headers = record.rec_headers
    if not headers.get_header(H_DOMAIN):
        return None
    if record.rec_type == "metadata":
        return _unfetched_capture(record)
    if record.rec_type not in ("response", "revisit"):
        return None
    url = headers.get_header("WARC-Target-URI")
    ts = headers.get_header(H_TIMESTAMP) or _compact(headers.get_header("WARC-Date"))
    common = {
        "also_in": _also_in(headers.get_header(H_ALSO_IN)),
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


def _unfetched_capture(record: ArchiveIterator) -> RawCapture | None:
    headers = record.rec_headers
    if not headers.get_header(H_KNOWN):
        return None
    try:
        body = json.loads(record.content_stream().read())
        rests_on = body["rests_on"]
        refers = (rests_on["url"], rests_on["timestamp"]) if "url" in rests_on else None
        url = headers.get_header("WARC-Target-URI")
        own = str(body["cdx_digest"])
        return RawCapture(
            domain=headers.get_header(H_DOMAIN),
            kind=headers.get_header(H_KIND),
            role=headers.get_header(H_ROLE),
            url=url,
            timestamp=headers.get_header(H_TIMESTAMP),
            archive_url=str(body["archive_url"]),
            digest=str(rests_on["digest"]),
            refers_to=refers,
            source=str(body["known_as"]) or SOURCE_UNKNOWN,
            cdx_digest=own,
            also_in=tuple((str(u), str(d)) for u, d in body.get("also_in", ())),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"a metadata record that cannot be read: {exc}") from exc


def firmest(captures: Iterable[RawCapture]) -> list[RawCapture]:
    """One record per capture, the firmest (SOURCE_RANK; the first read of equals): a
    capture inferred by one run and fetched by a later one is the fetched capture. Its
    sources are every archive any record of it names (`listed` records add theirs)."""
    best: dict[tuple[str, str, str, str], RawCapture] = {}
    sources: dict[tuple[str, str, str, str], list[tuple[str, str]]] = {}
    for capture in captures:
        key = (capture.domain, capture.kind, capture.url, capture.timestamp)
        found = sources.setdefault(key, [])
        found.extend(capture.also_in)
        if capture.source == SOURCE_LISTED:
            found.append((capture.archive_url, capture.own_digest))
            continue
        found.append((capture.archive_url, capture.own_digest))
        held = best.get(key)
        if held is None or SOURCE_RANK.get(capture.source, 0) > SOURCE_RANK.get(held.source, 0):
            best[key] = capture
    out = []
    for key, capture in best.items():
        seen = {capture.archive_url}
        also: list[tuple[str, str]] = []
        for url, digest in sources[key]:
            if url not in seen:
                seen.add(url)
                also.append((url, digest))
        out.append(replace(capture, also_in=tuple(also)))
    orphans = len([k for k in sources if k not in best])
    if orphans:
        log.warning("%d source record(s) name a capture no raw record holds", orphans)
    return out


def _also_in(value: str | None) -> tuple[tuple[str, str], ...]:
    if not value:
        return ()
    try:
        return tuple((str(u), str(d)) for u, d in json.loads(value))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"a {H_ALSO_IN} header that cannot be read: {exc}") from exc


def _compact(warc_date: str) -> str:
    return warc_date.replace("-", "").replace(":", "").replace("T", "").rstrip("Z")
