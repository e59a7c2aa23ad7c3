"""Reading WARC files: the capture index rows and the stored HTTP responses."""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_timestamp

from localarchive.surt import surt

logger = logging.getLogger(__name__)

CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
REVISIT_MIMETYPE = "warc/revisit"


@dataclass(frozen=True, slots=True)
class CdxRow:
    urlkey: str
    timestamp: str
    original: str
    mimetype: str
    statuscode: str
    digest: str
    length: str

    def field(self, name: str) -> str:
        value: str = getattr(self, name)
        return value

    @property
    def key(self) -> str:
        # the string IA's resume keys are compared against
        return f"{self.urlkey} {self.timestamp}"


@dataclass(frozen=True, slots=True)
class IndexEntry:
    row: CdxRow
    path: Path
    offset: int

    @property
    def is_revisit(self) -> bool:
        return self.row.mimetype == REVISIT_MIMETYPE


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


def warc_files(warc_dir: Path) -> list[Path]:
    return sorted(
        p for p in warc_dir.iterdir() if p.is_file() and p.name.endswith((".warc.gz", ".warc"))
    )


def index_warcs(warc_dir: Path) -> list[IndexEntry]:
    """Every response and revisit record under warc_dir, in CDX order."""
    entries: list[IndexEntry] = []
    for path in warc_files(warc_dir):
        entries.extend(_index_file(path))
    entries.sort(key=lambda e: (e.row.key, e.row.original, str(e.path), e.offset))
    logger.info("indexed %d captures in %s", len(entries), warc_dir)
    return entries


def _index_file(path: Path) -> list[IndexEntry]:
    entries: list[IndexEntry] = []
    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if record.rec_type not in ("response", "revisit"):
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            if not uri.startswith(("http://", "https://")):
                continue
            digest = record.rec_headers.get_header("WARC-Payload-Digest") or ""
            if not digest:
                digest = (
                    "sha1:"
                    + base64.b32encode(hashlib.sha1(record.raw_stream.read()).digest()).decode()
                )
            timestamp = iso_date_to_timestamp(record.rec_headers.get_header("WARC-Date"))
            if record.rec_type == "revisit":
                mimetype, status = REVISIT_MIMETYPE, "-"
            else:
                mimetype, status = _mime_and_status(record.http_headers)
            offset = records.get_record_offset()
            length = records.get_record_length()
            row = CdxRow(
                urlkey=surt(uri),
                timestamp=timestamp,
                original=uri,
                mimetype=mimetype,
                statuscode=status,
                digest=digest.split(":", 1)[-1],
                length=str(length),
            )
            entries.append(IndexEntry(row, path, offset))
    return entries


def _mime_and_status(http_headers: StatusAndHeaders | None) -> tuple[str, str]:
    if http_headers is None:
        return "unk", "-"
    content_type: str = http_headers.get_header("Content-Type") or ""
    mimetype = content_type.split(";", 1)[0].strip().lower() or "unk"
    status = http_headers.get_statuscode() or "-"
    return mimetype, str(status)


def read_response(path: Path, offset: int) -> StoredResponse:
    """The HTTP response stored in the record at offset, body de-chunked."""
    with path.open("rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)))
        http = record.http_headers
        body = b"" if record.rec_type == "revisit" else record.content_stream().read()
        if http is None:
            return StoredResponse(200, "OK", [], body)
        status_line = http.statusline or "200 OK"
        code, _, reason = status_line.partition(" ")
        return StoredResponse(int(code), reason, list(http.headers), body)
