from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.reference import IA_RECORDED, cassette_exchanges, require
from webarchive.cdx import CdxFormatError, CdxQuery, CdxQueryError, CdxRecord, parse_cdx, unique

ROW = (
    "com,example)/privacy 20190624190612 https://www.example.com/privacy text/html 200 ABCDEF 1234"
)


def test_plain_rows_parse_in_ia_field_order() -> None:
    page = parse_cdx(ROW + "\n")
    assert page.resume_key is None
    assert page.records == [
        CdxRecord(
            "com,example)/privacy",
            "20190624190612",
            "https://www.example.com/privacy",
            "text/html",
            "200",
            "ABCDEF",
            "1234",
        )
    ]


def test_plain_resume_key_after_blank_line_is_kept_verbatim() -> None:
    page = parse_cdx(ROW + "\n\ncom%2Cexample%29%2Fprivacy+20190624190613\n")
    assert len(page.records) == 1
    assert page.resume_key == "com%2Cexample%29%2Fprivacy+20190624190613"


def test_json_header_row_and_resume_trailer() -> None:
    body = json.dumps(
        [
            ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
            ROW.split(" "),
            [],
            ["com%2Cexample%29%2Fprivacy+20190624190613"],
        ]
    )
    page = parse_cdx(body)
    assert [r.timestamp for r in page.records] == ["20190624190612"]
    assert page.resume_key == "com%2Cexample%29%2Fprivacy+20190624190613"


def test_json_with_chosen_fields() -> None:
    body = json.dumps([["timestamp", "original"], ["2019", "http://a.com/privacy"]])
    (record,) = parse_cdx(body).records
    assert record.timestamp == "20190101000000"
    assert record.digest == "-"


def test_empty_answers() -> None:
    assert parse_cdx(b"").records == []
    assert parse_cdx("[]").records == []


def test_revisit_rows_are_kept_and_marked() -> None:
    row = "com,dw)/ 20191001012455 http://www.dw.com/ warc/revisit - 3I42H3S6 432"
    (record,) = parse_cdx(row).records
    assert record.is_revisit


def test_lenient_timestamps_with_day_or_month_00() -> None:
    row = "com,a)/ 20050300000000 http://a.com/ text/html 200 X 1"
    assert parse_cdx(row).records[0].timestamp == "20050301000000"


@pytest.mark.parametrize(
    "body",
    [
        "<!DOCTYPE html><html><body>Welcome</body></html>",
        "  <html><head><title>Login</title></head></html>",
        "[not json",
        '{"url": "x"}',
        "com,a)/ 2019 only-three-fields",
    ],
)
def test_non_cdx_bodies_raise_a_format_error(body: str) -> None:
    with pytest.raises(CdxFormatError):
        parse_cdx(body)


def test_exact_duplicates_are_dropped_in_order() -> None:
    a, b = parse_cdx(ROW + "\n" + ROW.replace("ABCDEF", "ZZZ")).records
    assert list(unique([a, a, b, a])) == [a, b]


def test_query_url_repeats_filters_and_passes_resume_key_back_quoted() -> None:
    query = CdxQuery(
        "example.com", match_type="domain", filters=("statuscode:200", "!mimetype:image/.*")
    )
    url = query.url_for("https://web.archive.org/cdx/search/cdx", resume_key="a%2Cb+1")
    params = parse_qs(urlsplit(url).query)
    assert params["filter"] == ["statuscode:200", "!mimetype:image/.*"]
    assert params["matchType"] == ["domain"]
    assert params["resumeKey"] == ["a%2Cb+1"]
    assert params["output"] == ["json"]


def test_bad_queries_are_refused_before_any_request() -> None:
    with pytest.raises(CdxQueryError):
        CdxQuery("example.com", match_type="everything")
    with pytest.raises(CdxQueryError):
        CdxQuery("example.com", filters=("status=200",))


_field = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789,)/.:-_?=", min_size=1, max_size=20)


@given(
    st.lists(
        st.tuples(_field, st.from_regex(r"\A(19|20)\d{2}[01]\d[0-3]\d{7}\Z"), _field, _field),
        max_size=20,
    )
)
def test_generated_plain_rows_round_trip(rows: list[tuple[str, str, str, str]]) -> None:
    body = "\n".join(f"{k} {ts} http://a.com/{o} text/html 200 {d} 10" for k, ts, o, d in rows)
    records = parse_cdx(body).records
    assert [(r.urlkey, r.digest) for r in records] == [(k, d) for k, _, _, d in rows]
    assert all(len(r.timestamp) == 14 for r in records)


def test_every_recorded_ia_cdx_body_parses() -> None:
    folder = require(IA_RECORDED)
    rows = 0
    for cassette in sorted(folder.glob("test_search*.yaml")):
        for exchange in cassette_exchanges(cassette):
            if "/cdx/search/cdx" not in exchange["uri"] or exchange["status"] != 200:
                continue
            page = parse_cdx(exchange["body"])
            rows += len(page.records)
            assert all(len(r.timestamp) == 14 for r in page.records)
            assert all(r.original.startswith("http") for r in page.records)
    assert rows > 1000


def test_recorded_multipage_search_pages_with_resume_keys() -> None:
    cassette = require(IA_RECORDED / "test_search_multipage.yaml")
    pages = [parse_cdx(e["body"]) for e in cassette_exchanges(cassette)]
    full, last = pages[:-1], pages[-1]
    assert all(len(p.records) == 25 and p.resume_key for p in full)
    # IA's key is the last row's key with its final character incremented, URL-quoted.
    assert full[0].resume_key == "com%2Ccnn%29%2F+2001041400593%3A"
    assert last.records == [] and last.resume_key is None
