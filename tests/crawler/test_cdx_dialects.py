"""CDX in every dialect: pywb's JSON lines and CDXJ, client-side filters, revisits."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.domain import LISTING_FILTERS
from webarchive.cdx import (
    CDX_FIELDS,
    CdxFormatError,
    CdxQuery,
    CdxRecord,
    parse_cdx,
    resolve_revisits,
    unique,
)
from webarchive.wayback import DIALECT_PYWB, Archive, ArchiveUrlError

# what pywb 2.10 answers (recorded from `wayback` over the demo WARC files)
PYWB_JSON = b"""\
{"urlkey": "com,acme-shop)/privacy-policy", "timestamp": "20220503074529", "url": "http://acme-shop.com/privacy-policy", "mime": "text/html", "status": "200", "digest": "MBWJQVC6OZ2UNUIJHQGQXTRCZAUJASS7", "length": "2555", "offset": "36409", "filename": "demo-acme-shop.com.warc.gz", "source": "demo/indexes/index.cdxj", "source-coll": "demo", "access": "allow"}
{"urlkey": "com,acme-shop)/privacy-policy", "timestamp": "20230819190216", "url": "https://www.acme-shop.com/privacy-policy", "mime": "warc/revisit", "digest": "MBWJQVC6OZ2UNUIJHQGQXTRCZAUJASS7", "length": "512", "offset": "41155", "filename": "demo-acme-shop.com.warc.gz", "source": "demo/indexes/index.cdxj", "source-coll": "demo", "access": "allow"}
"""
PYWB_CDXJ = (
    b'com,acme-shop)/privacy-policy 20230819190216 {"url": "https://www.acme-shop.com/'
    b'privacy-policy", "mime": "warc/revisit", "digest": "MBWJ", "length": "512"}\n'
)


def test_pywb_json_lines_map_to_ia_fields_and_revisits_get_status_dash() -> None:
    page = parse_cdx(PYWB_JSON)
    assert page.resume_key is None
    first, revisit = page.records
    assert first.original == "http://acme-shop.com/privacy-policy"
    assert (first.mimetype, first.statuscode, first.length) == ("text/html", "200", "2555")
    assert revisit.is_revisit and revisit.statuscode == "-"
    assert resolve_revisits(page.records) == {revisit: first}


def test_pywb_cdxj_lines() -> None:
    (record,) = parse_cdx(PYWB_CDXJ).records
    assert record.urlkey == "com,acme-shop)/privacy-policy"
    assert record.timestamp == "20230819190216" and record.is_revisit


@pytest.mark.parametrize("body", ['{"url": "http://a.com/"}', '{"timestamp": "2019"}', "{nope}"])
def test_broken_pywb_lines_are_format_errors(body: str) -> None:
    with pytest.raises(CdxFormatError):
        parse_cdx(body)


def test_pywb_query_uses_regex_filters_and_no_paging() -> None:
    query = CdxQuery("acme-shop.com", match_type="domain", filters=LISTING_FILTERS, limit=50)
    params = parse_qs(urlsplit(query.url_for("http://h/coll/cdx", "key", DIALECT_PYWB)).query)
    # status is left to the client: pywb's revisit rows have no status to match
    assert params["filter"] == [
        "~mime:text/html|application/xhtml\\+xml|application/pdf|warc/revisit"
    ]
    assert params["fl"] == ["urlkey,timestamp,url,mime,status,digest,length"]
    assert "limit" not in params and "showResumeKey" not in params and "resumeKey" not in params


def test_filters_are_applied_client_side_with_ia_meaning() -> None:
    query = CdxQuery("a.com", filters=LISTING_FILTERS)
    row = CdxRecord("k", "20200101000000", "http://a.com/", "text/html", "200", "D", "1")
    assert query.accepts(row)
    assert query.accepts(row.__class__("k", row.timestamp, row.original, "warc/revisit", "-", "D"))
    assert not query.accepts(
        row.__class__("k", row.timestamp, row.original, "text/html", "404", "D")
    )
    # whole-field match: `text/htmlx` is not `text/html`
    assert not query.accepts(
        row.__class__("k", row.timestamp, row.original, "text/htmlx", "200", "D")
    )
    assert not CdxQuery("a.com", filters=("!statuscode:200",)).accepts(row)


def test_revisit_resolves_to_latest_earlier_capture_of_the_same_url() -> None:
    def rec(ts: str, digest: str, revisit: bool = False, key: str = "k") -> CdxRecord:
        mime, status = ("warc/revisit", "-") if revisit else ("text/html", "200")
        return CdxRecord(key, ts, "http://a.com/p", mime, status, digest, "1")

    a1, a2, other = rec("2010", "A"), rec("2012", "A"), rec("2011", "A", key="z")
    revisit, orphan = rec("2013", "A", revisit=True), rec("2014", "B", revisit=True)
    assert resolve_revisits([revisit, a1, other, a2, orphan]) == {revisit: a2}


def test_pywb_archive_urls() -> None:
    archive = Archive.parse("pywb+http://127.0.0.1:8080/demo/")
    assert archive.cdx_endpoint == "http://127.0.0.1:8080/demo/cdx"
    url = archive.replay_url("20200101000000", "http://a.com/p?x=1")
    assert url == "http://127.0.0.1:8080/demo/20200101000000id_/http://a.com/p?x=1"
    assert archive.parse_replay(url) == ("20200101000000", "http://a.com/p?x=1")
    assert Archive.parse(archive.spec) == archive
    with pytest.raises(ArchiveUrlError):
        Archive.parse("pywb+http://127.0.0.1:8080")  # no collection


# -- generated rows, every dialect ---------------------------------------------------------

_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789,)/.:-_?=", min_size=1, max_size=16)
_row = st.builds(
    CdxRecord,
    urlkey=_text,
    timestamp=st.from_regex(r"\A(199[6-9]|20[0-2]\d)(0[0-9]|1[0-2])([0-2]\d|3[01])\d{6}\Z"),
    original=_text.map(lambda s: f"http://a.com/{s}"),
    mimetype=st.sampled_from(["text/html", "warc/revisit", "application/xhtml+xml"]),
    statuscode=st.sampled_from(["200", "301", "404", "-"]),
    digest=st.from_regex(r"\A[A-Z2-7]{8}\Z"),
    length=st.integers(1, 10**6).map(str),
)


def _render(rows: list[CdxRecord], dialect: str) -> str:
    table = [[getattr(r, f) for f in CDX_FIELDS] for r in rows]
    if dialect == "ia-json":
        return json.dumps([list(CDX_FIELDS), *table, [], ["resume+key"]])
    if dialect == "ia-plain":
        return "".join(" ".join(values) + "\n" for values in table) + "\nresume+key\n"
    lines = []
    for r in rows:
        obj = {"urlkey": r.urlkey, "timestamp": r.timestamp, "url": r.original}
        obj |= {"mime": r.mimetype, "digest": r.digest, "length": r.length}
        if r.statuscode != "-":
            obj["status"] = r.statuscode
        lines.append(json.dumps(obj))
    return "\n".join(lines) + "\n"


def _lenient(ts: str) -> str:
    month = ts[4:6] if ts[4:6] != "00" else "01"
    day = ts[6:8] if ts[6:8] != "00" else "01"
    return ts[:4] + month + day + ts[8:]


def _rest(r: CdxRecord) -> tuple[str, str, str, str, str]:
    return r.original, r.mimetype, r.statuscode, r.digest, r.length


@given(st.lists(_row, min_size=1, max_size=15), st.sampled_from(["ia-json", "ia-plain", "pywb"]))
def test_generated_rows_round_trip_in_every_dialect(rows: list[CdxRecord], dialect: str) -> None:
    # month or day 00 (old ARC dates) read as 01; pywb's missing status reads as "-"
    page = parse_cdx(_render(rows, dialect))
    assert page.resume_key == (None if dialect == "pywb" else "resume+key")
    expected = [r.__class__(r.urlkey, _lenient(r.timestamp), *_rest(r)) for r in rows]
    assert page.records == expected
    assert list(unique(page.records + page.records)) == list(dict.fromkeys(expected))


def test_the_hint_listing_in_pywbs_dialect_is_filtered_again_by_the_client() -> None:
    from crawler.discovery import path_hint_regex

    hint = f"original:{path_hint_regex('privacy')}"
    query = CdxQuery("a.com", match_type="domain", filters=(hint,), collapse=("urlkey",))
    params = parse_qs(urlsplit(query.url_for("http://h/coll/cdx", None, DIALECT_PYWB)).query)
    # pywb reads `~` as a regex over its `url` field and ignores collapse
    assert params["filter"] == [f"~url:{path_hint_regex('privacy')}"]
    assert "collapse" not in params
    row = CdxRecord("k", "20200101000000", "https://a.com/legal/privacy", "text/html", "200", "D")
    assert query.accepts(row)
    assert not query.accepts(
        row.__class__("k", row.timestamp, "https://a.com/shop", "text/html", "200", "D")
    )
