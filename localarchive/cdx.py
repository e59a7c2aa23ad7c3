"""The CDX search API (`/cdx/search/cdx`) over an in-memory index, as IA answers it."""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote_plus, unquote_plus

from localarchive.surt import surt
from localarchive.warcs import CDX_FIELDS, CdxRow, IndexEntry

MATCH_TYPES = ("exact", "prefix", "host", "domain")
PLAIN_CONTENT_TYPE = "text/plain;charset=UTF-8"
JSON_CONTENT_TYPE = "application/json"


class CdxQueryError(ValueError):
    """A query IA would answer with 400."""


@dataclass(frozen=True, slots=True)
class CdxFilter:
    field: str
    pattern: re.Pattern[str]
    negate: bool

    def accepts(self, row: CdxRow) -> bool:
        # IA's filter regex must match the whole field: `statuscode:2..`, not `statuscode:2`
        return (self.pattern.fullmatch(row.field(self.field)) is not None) != self.negate


@dataclass(frozen=True, slots=True)
class CdxCollapse:
    field: str
    chars: int | None

    def part(self, row: CdxRow) -> str:
        value = row.field(self.field)
        return value if self.chars is None else value[: self.chars]


@dataclass(frozen=True, slots=True)
class CdxQuery:
    url: str
    match_type: str = "exact"
    from_ts: str | None = None
    to_ts: str | None = None
    filters: tuple[CdxFilter, ...] = ()
    collapse: tuple[CdxCollapse, ...] = ()
    limit: int | None = None
    fields: tuple[str, ...] = CDX_FIELDS
    output_json: bool = False
    show_resume_key: bool = False
    resume_key: str | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Sequence[str]]) -> CdxQuery:
        def one(name: str) -> str | None:
            values = params.get(name)
            return values[-1] if values else None

        url = one("url")
        if not url:
            raise CdxQueryError("missing url parameter")
        match_type = one("matchType") or "exact"
        if match_type not in MATCH_TYPES:
            raise CdxQueryError(f"unknown matchType {match_type!r}")
        # IA's wildcard shorthands
        if url.startswith("*."):
            url, match_type = url[2:], "domain"
        elif url.endswith("*"):
            url, match_type = url[:-1], "prefix"
        limit_text = one("limit")
        try:
            limit = int(limit_text) if limit_text else None
        except ValueError as exc:
            raise CdxQueryError(f"bad limit {limit_text!r}") from exc
        fl = one("fl")
        fields = tuple(f.strip() for f in fl.split(",") if f.strip()) if fl else CDX_FIELDS
        for name in fields:
            _check_field(name)
        resume = one("resumeKey")
        return cls(
            url=url,
            match_type=match_type,
            from_ts=_timestamp_bound(one("from"), "0"),
            to_ts=_timestamp_bound(one("to"), "9"),
            filters=tuple(_parse_filter(f) for f in params.get("filter", ()) if f),
            collapse=tuple(_parse_collapse(c) for c in params.get("collapse", ()) if c),
            limit=limit,
            fields=fields,
            output_json=one("output") == "json",
            show_resume_key=(one("showResumeKey") or "").lower() == "true",
            resume_key=unquote_plus(resume) if resume else None,
        )

    def url_matches(self) -> _UrlMatcher:
        return _UrlMatcher.build(self.url, self.match_type)


@dataclass(frozen=True, slots=True)
class _UrlMatcher:
    exact: frozenset[str]
    prefixes: tuple[str, ...]

    @classmethod
    def build(cls, url: str, match_type: str) -> _UrlMatcher:
        key = surt(url)
        host = key.split(")", 1)[0]
        if match_type == "exact":
            return cls(frozenset({key}), ())
        if match_type == "prefix":
            # keys drop a trailing slash (`/dir/` -> `/dir`): `dir/*` means the directory
            # itself and what is under it, never `/dirt`
            if url.endswith("/") and not key.endswith("/"):
                return cls(frozenset({key}), (key + "/",))
            return cls(frozenset(), (key,))
        if match_type == "host":
            return cls(frozenset(), (host + ")",))
        # domain: the host and its subdomains, never `com,example-shop)`
        return cls(frozenset(), (host + ")", host + ","))

    def __call__(self, urlkey: str) -> bool:
        return urlkey in self.exact or urlkey.startswith(self.prefixes)


@dataclass(frozen=True, slots=True)
class CdxResult:
    rows: list[CdxRow]
    resume_key: str | None


class CdxIndex:
    """Index entries with their url keys sorted, so a search visits only the rows it matches.

    A linear scan per query made the archive the bottleneck of a crawl of thousands of
    domains (every domain's listing read all captures of all domains).
    """

    __slots__ = ("_keys", "_positions", "entries")

    def __init__(self, entries: Sequence[IndexEntry]) -> None:
        self.entries = entries
        self._positions = sorted(range(len(entries)), key=lambda i: entries[i].row.urlkey)
        self._keys = [entries[i].row.urlkey for i in self._positions]

    def matching(self, matcher: _UrlMatcher) -> list[IndexEntry]:
        """The entries whose url key the matcher accepts, in index order."""
        keys, found = self._keys, set[int]()
        for start in (*matcher.exact, *matcher.prefixes):
            exact = start in matcher.exact
            i = bisect_left(keys, start)
            while i < len(keys) and (keys[i] == start if exact else keys[i].startswith(start)):
                found.add(self._positions[i])
                i += 1
        return [self.entries[i] for i in sorted(found)]


def search(index: CdxIndex | Sequence[IndexEntry], query: CdxQuery) -> CdxResult:
    """Rows in index order: resume point, url, dates, filters, collapse, then limit."""
    matches = query.url_matches()
    candidates = (
        index.matching(matches)
        if isinstance(index, CdxIndex)
        else [e for e in index if matches(e.row.urlkey)]
    )
    rows: list[CdxRow] = []
    previous: CdxRow | None = None
    for entry in candidates:
        row = entry.row
        if query.resume_key is not None and row.key < query.resume_key:
            continue
        if query.from_ts is not None and row.timestamp < query.from_ts:
            continue
        if query.to_ts is not None and row.timestamp > query.to_ts:
            continue
        if not all(f.accepts(row) for f in query.filters):
            continue
        if previous is not None and any(c.part(row) == c.part(previous) for c in query.collapse):
            continue
        previous = row
        rows.append(row)
    limit = query.limit
    if limit is None or limit >= len(rows):
        return CdxResult(rows, None)
    if limit < 0:
        return CdxResult(rows[limit:], None)
    kept = rows[:limit]
    key = resume_key_after(kept[-1]) if query.show_resume_key and kept else None
    return CdxResult(kept, key)


def resume_key_after(row: CdxRow) -> str:
    """IA's key: the last row's `urlkey timestamp`, last character bumped, URL-quoted."""
    raw = row.key[:-1] + chr(ord(row.key[-1]) + 1)
    # IA quotes like Java's URLEncoder: `*` stays, `~` is escaped
    return quote_plus(raw, safe="*").replace("~", "%7E")


def render(result: CdxResult, query: CdxQuery) -> tuple[bytes, str]:
    """The response body and its Content-Type."""
    table = [[row.field(name) for name in query.fields] for row in result.rows]
    if query.output_json:
        if not table:
            return b"[]", JSON_CONTENT_TYPE
        lines = [json.dumps(list(query.fields), separators=(",", ":"))]
        lines += [json.dumps(values) for values in table]
        if result.resume_key is not None:
            lines += ["[]", json.dumps([result.resume_key])]
        return ("[" + ",\n".join(lines) + "]\n").encode(), JSON_CONTENT_TYPE
    text = "".join(" ".join(values) + "\n" for values in table)
    if result.resume_key is not None:
        text += "\n" + result.resume_key + "\n"
    return text.encode(), PLAIN_CONTENT_TYPE


def _check_field(name: str) -> None:
    if name not in CDX_FIELDS:
        raise CdxQueryError(f"unknown field {name!r}")


def _timestamp_bound(value: str | None, pad: str) -> str | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 14:
        raise CdxQueryError(f"bad timestamp {value!r}")
    # a short `to` means the end of that period: 2019 -> 20199999999999
    return value.ljust(14, pad)


def _parse_filter(text: str) -> CdxFilter:
    negate = text.startswith("!")
    body = text[1:] if negate else text
    name, sep, pattern = body.partition(":")
    if not sep:
        raise CdxQueryError(f"bad filter {text!r}")
    _check_field(name)
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise CdxQueryError(f"bad filter regex {pattern!r}") from exc
    return CdxFilter(name, compiled, negate)


def _parse_collapse(text: str) -> CdxCollapse:
    name, sep, chars = text.partition(":")
    _check_field(name)
    if not sep:
        return CdxCollapse(name, None)
    if not chars.isdigit():
        raise CdxQueryError(f"bad collapse {text!r}")
    return CdxCollapse(name, int(chars))


def blocked(url: str, blocked_prefixes: frozenset[str]) -> bool:
    key = surt(url)
    return any(key.startswith(prefix) for prefix in blocked_prefixes)
