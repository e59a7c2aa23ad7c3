"""CDX queries and answers: building the query URL and parsing every dialect (no I/O)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

# waybackpy is used only for its pure query validation and URL building: its own HTTP
# calls block (requests) and would stall Scrapy's reactor, so every request goes
# through Scrapy instead.
from waybackpy.cdx_utils import check_collapses, check_filters, check_match_type, full_url
from waybackpy.exceptions import WaybackError

from webarchive.wayback import DIALECT_IA, DIALECT_PYWB, normalise_timestamp

CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
REVISIT_MIME = "warc/revisit"
# pywb names three of IA's fields differently (`url`, `mime`, `status`).
PYWB_NAMES = {"original": "url", "mimetype": "mime", "statuscode": "status"}
_IA_NAMES = {pywb: ia for ia, pywb in PYWB_NAMES.items()}
# pywb's plain output is CDXJ: `<urlkey> <timestamp> {json}` a line.
_CDXJ_LINE = re.compile(r"^(?P<urlkey>\S+) (?P<timestamp>\d{1,14}) (?P<json>\{.*\})$")


class CdxError(Exception):
    """The archive's CDX answer cannot be used."""


class CdxFormatError(CdxError):
    """The body is not CDX data (an HTML page, a login wall, garbage)."""


class CdxQueryError(CdxError):
    """The query itself is malformed (bad filter, collapse or match type)."""


@dataclass(frozen=True, slots=True)
class CdxRecord:
    urlkey: str
    timestamp: str
    original: str
    mimetype: str
    statuscode: str
    digest: str
    length: str = "-"

    @property
    def is_revisit(self) -> bool:
        return self.mimetype == REVISIT_MIME or self.statuscode == "-"


@dataclass(frozen=True, slots=True)
class CdxQuery:
    url: str
    match_type: str = "exact"
    filters: tuple[str, ...] = ()
    collapse: tuple[str, ...] = ()
    from_ts: str | None = None
    to_ts: str | None = None
    limit: int | None = None
    fields: tuple[str, ...] = CDX_FIELDS

    def __post_init__(self) -> None:
        try:
            check_match_type(self.match_type, self.url)
            check_filters(list(self.filters))
            check_collapses(list(self.collapse))
        except WaybackError as exc:
            raise CdxQueryError(str(exc)) from exc
        unknown = set(self.fields) - set(CDX_FIELDS)
        if unknown:
            raise CdxQueryError(f"unknown CDX fields: {', '.join(sorted(unknown))}")

    def url_for(
        self, endpoint: str, resume_key: str | None = None, dialect: str = DIALECT_IA
    ) -> str:
        if dialect == DIALECT_PYWB:
            return self._pywb_url(endpoint)
        params: dict[str, str] = {"url": self.url, "matchType": self.match_type}
        for i, item in enumerate(self.filters):
            params[f"filter{i}"] = item
        for i, item in enumerate(self.collapse):
            params[f"collapse{i}"] = item
        if self.from_ts:
            params["from"] = self.from_ts
        if self.to_ts:
            params["to"] = self.to_ts
        if self.limit:
            params["limit"] = str(self.limit)
        params["fl"] = ",".join(self.fields)
        params["output"] = "json"
        params["showResumeKey"] = "true"
        if resume_key is not None:
            params["resumeKey"] = resume_key
        return str(full_url(endpoint, params))

    def _pywb_url(self, endpoint: str) -> str:
        # pywb has no resume key, so a `limit` would silently cut the listing: it is left
        # out and the answer comes in one piece (pywb archives are local and small).
        # `collapse` is ignored by pywb; rows are deduplicated by the caller instead.
        params: dict[str, str] = {"url": self.url, "matchType": self.match_type}
        for i, item in enumerate(f for f in map(_pywb_filter, self.filters) if f):
            params[f"filter{i}"] = item
        if self.from_ts:
            params["from"] = self.from_ts
        if self.to_ts:
            params["to"] = self.to_ts
        params["fl"] = ",".join(PYWB_NAMES.get(name, name) for name in self.fields)
        params["output"] = "json"
        return str(full_url(endpoint, params))

    def accepts(self, record: CdxRecord) -> bool:
        """The query's filters with IA's meaning (whole-field regex), applied client-side:
        pywb matches substrings or prefixes and omits the status of revisits."""
        return all(_filter_accepts(item, record) for item in self.filters)


def _split_filter(item: str) -> tuple[bool, str, str]:
    negate = item.startswith("!")
    name, _, pattern = item.lstrip("!").partition(":")
    return negate, name, pattern


def _pywb_filter(item: str) -> str | None:
    """An IA filter in pywb's syntax (`~` marks a regex), or None to leave it to the client:
    pywb's revisit rows carry no status, so a status filter would drop every revisit."""
    negate, name, pattern = _split_filter(item)
    if name == "statuscode":
        return None
    return f"{'!' if negate else ''}~{PYWB_NAMES.get(name, name)}:{pattern}"


def _filter_accepts(item: str, record: CdxRecord) -> bool:
    negate, name, pattern = _split_filter(item)
    value = str(getattr(record, name, ""))
    return (re.fullmatch(pattern, value) is not None) != negate


@dataclass(slots=True)
class CdxPage:
    records: list[CdxRecord] = field(default_factory=list)
    resume_key: str | None = None


def parse_cdx(body: bytes | str, fields: Iterable[str] = CDX_FIELDS) -> CdxPage:
    """Parse one CDX answer, IA JSON or plain text, with its resume key if any."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    stripped = text.lstrip()
    if not stripped:
        return CdxPage()
    if stripped.startswith("<") or "<html" in stripped[:2048].lower():
        raise CdxFormatError("the archive answered an HTML page, not CDX data")
    if stripped.startswith("["):
        return _parse_json(stripped)
    if stripped.startswith("{"):
        return _parse_json_lines(stripped)
    first = stripped.split("\n", 1)[0].rstrip()
    if _CDXJ_LINE.match(first):
        return _parse_json_lines(stripped)
    return _parse_plain(text, tuple(fields))


def _parse_json(text: str) -> CdxPage:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CdxFormatError(f"CDX answer is not valid JSON: {exc.msg}") from exc
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise CdxFormatError("CDX JSON answer is not an array of arrays")
    page = CdxPage()
    if not rows:
        return page
    # With showResumeKey and rows left, IA ends the array with [] then ["<key>"].
    if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1:
        page.resume_key = str(rows[-1][0])
        rows = rows[:-2]
    header, *data = rows
    page.records = list(_records(header, data))
    return page


def _parse_json_lines(text: str) -> CdxPage:
    """pywb: one JSON object a line (`output=json`) or CDXJ lines; never a resume key."""
    records: list[CdxRecord] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        cdxj = _CDXJ_LINE.match(line)
        try:
            obj = json.loads(cdxj["json"] if cdxj else line)
        except json.JSONDecodeError as exc:
            raise CdxFormatError(f"CDX line {number} is not JSON: {exc.msg}") from exc
        if not isinstance(obj, dict):
            raise CdxFormatError(f"CDX line {number} is not a JSON object")
        if cdxj:
            obj.setdefault("urlkey", cdxj["urlkey"])
            obj.setdefault("timestamp", cdxj["timestamp"])
        values = {_IA_NAMES.get(str(k), str(k)): str(v) for k, v in obj.items()}
        if values.get("mimetype") == REVISIT_MIME:
            # pywb leaves the status out of revisit rows; IA writes "-"
            values.setdefault("statuscode", "-")
        header = list(values)
        records.extend(_records(header, [[values[name] for name in header]]))
    return CdxPage(records=records)


def _parse_plain(text: str, fields: tuple[str, ...]) -> CdxPage:
    page = CdxPage()
    lines = text.splitlines()
    # With showResumeKey and rows left, IA ends the rows with an empty line then the key.
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) >= 2 and not lines[-2].strip():
        # The key is passed back verbatim: IA sends it already quoted and expects it so.
        page.resume_key = lines[-1].strip()
        lines = lines[:-2]
    rows = [line.split(" ") for line in lines if line.strip()]
    page.records = list(_records(list(fields), rows))
    return page


def _records(header: list[str], rows: Iterable[list[str]]) -> Iterator[CdxRecord]:
    missing = {"timestamp", "original"} - set(header)
    if missing:
        raise CdxFormatError(f"CDX answer lacks the fields {', '.join(sorted(missing))}")
    index = {name: i for i, name in enumerate(header)}
    for row in rows:
        if len(row) != len(header):
            raise CdxFormatError(f"CDX row has {len(row)} fields, expected {len(header)}")
        values = {name: str(row[i]) for name, i in index.items()}
        try:
            timestamp = normalise_timestamp(values["timestamp"])
        except ValueError as exc:
            raise CdxFormatError(str(exc)) from exc
        yield CdxRecord(
            urlkey=values.get("urlkey", ""),
            timestamp=timestamp,
            original=values["original"],
            mimetype=values.get("mimetype", "unk"),
            statuscode=values.get("statuscode", "-"),
            digest=values.get("digest", "-"),
            length=values.get("length", "-"),
        )


def unique(records: Iterable[CdxRecord]) -> Iterator[CdxRecord]:
    """Drop exact duplicate rows (IA repeats rows across its index shards)."""
    seen: set[CdxRecord] = set()
    for record in records:
        if record not in seen:
            seen.add(record)
            yield record


def resolve_revisits(records: Iterable[CdxRecord]) -> dict[CdxRecord, CdxRecord]:
    """Each revisit row mapped to the capture whose bytes it repeats: the latest earlier
    non-revisit row of the same URL key and digest, else the nearest one of that digest.
    Revisits whose original is not among `records` are left out."""
    ordered = sorted(set(records), key=lambda r: (r.timestamp, r.urlkey, r.original))
    originals: dict[str, list[CdxRecord]] = {}
    for record in ordered:
        if not record.is_revisit and record.digest not in ("", "-"):
            originals.setdefault(record.digest, []).append(record)
    resolved: dict[CdxRecord, CdxRecord] = {}
    for record in ordered:
        if not record.is_revisit:
            continue
        same = originals.get(record.digest, [])
        if not same:
            continue
        earlier = [r for r in same if r.timestamp <= record.timestamp]
        best = [r for r in earlier if r.urlkey == record.urlkey] or earlier
        resolved[record] = best[-1] if best else same[0]
    return resolved
