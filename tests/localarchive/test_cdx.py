from __future__ import annotations

import json
from urllib.parse import quote, unquote_plus

import pytest

from localarchive import LocalArchive
from localarchive.cdx import CdxIndex, CdxQuery, CdxQueryError, resume_key_after, search
from localarchive.server import BLOCKED_ERROR
from localarchive.warcs import CDX_FIELDS, CdxRow
from tests.localarchive.helpers import get


def cdx(archive: LocalArchive, query: str) -> list[list[str]]:
    answer = get(f"{archive.url}/cdx/search/cdx?{query}")
    assert answer.status == 200, answer.body
    return [line.split(" ") for line in answer.text().splitlines()]


def test_domain_match_takes_subdomains_but_not_lookalike_domains(
    demo_archive: LocalArchive, mini_archive: LocalArchive
) -> None:
    rows = cdx(demo_archive, "url=acme-shop.com&matchType=domain")
    keys = {row[0] for row in rows}
    assert keys and all(k.startswith("com,acme-shop)") for k in keys)
    assert not any("acme-shop-deals" in row[2] for row in rows)
    assert cdx(demo_archive, "url=*.acme-shop.com") == rows

    mini = cdx(mini_archive, "url=example.com&matchType=domain")
    hosts = {row[0].split(")")[0] for row in mini}
    assert hosts == {"com,example", "com,example,sub"}


def test_host_prefix_and_exact_match(mini_archive: LocalArchive) -> None:
    host = cdx(mini_archive, "url=example.com&matchType=host")
    assert {row[0].split(")")[0] for row in host} == {"com,example"}
    # `dir/` must not pull in `/dirt`
    assert [row[0] for row in cdx(mini_archive, "url=example.com/dir/*")] == ["com,example)/dir"]
    assert cdx(mini_archive, "url=example.com/dir&matchType=prefix") == cdx(
        mini_archive, "url=example.com/dir*"
    )
    assert len(cdx(mini_archive, "url=example.com/dir&matchType=prefix")) == 2
    exact = cdx(mini_archive, "url=https://www.example.com/")
    assert [row[1] for row in exact] == [
        "20100101000000",
        "20100601000000",
        "20110101000000",
        "20110301000000",
    ]
    # query parameters are sorted in the key, so either order finds the capture
    assert len(cdx(mini_archive, "url=" + quote("example.com/page?a=1&b=2"))) == 1


def test_rows_have_seven_fields_in_ia_order(demo_archive: LocalArchive) -> None:
    rows = cdx(demo_archive, "url=https://www.acme-shop.com/privacy-policy")
    assert len(rows) == 10
    for row in rows:
        assert len(row) == 7
        assert row[0] == "com,acme-shop)/privacy-policy"
        assert len(row[1]) == 14 and row[1].isdigit()
    revisits = [row for row in rows if row[3] == "warc/revisit"]
    assert len(revisits) == 1 and revisits[0][4] == "-"
    assert revisits[0][5] == rows[-2][5]  # same payload digest as the capture it repeats
    assert {row[2] for row in rows} == {
        "https://www.acme-shop.com/privacy-policy",
        "http://acme-shop.com/privacy-policy",
    }


def test_from_to_are_inclusive_and_padded(demo_archive: LocalArchive) -> None:
    url = "url=acme-shop.com/privacy-policy"
    assert [r[1][:8] for r in cdx(demo_archive, f"{url}&from=2018&to=2018")] == [
        "20180217",
        "20180725",
    ]
    assert [r[1] for r in cdx(demo_archive, f"{url}&from=20180725141244&to=20190130162009")] == [
        "20180725141244",
        "20190130162009",
    ]
    assert len(cdx(demo_archive, f"{url}&to=201807")) == 6


def test_filters_match_the_whole_field_and_negate(demo_archive: LocalArchive) -> None:
    url = "url=acme-shop.com/privacy-policy"
    assert cdx(demo_archive, f"{url}&filter=statuscode:2") == []
    assert len(cdx(demo_archive, f"{url}&filter=statuscode:2..")) == 9
    assert len(cdx(demo_archive, f"{url}&filter=!mimetype:warc/revisit")) == 9
    both = cdx(demo_archive, f"{url}&filter=statuscode:200&filter=original:http://acme.*")
    assert {row[2] for row in both} == {"http://acme-shop.com/privacy-policy"}
    assert len(both) == 3


def test_collapse_is_adjacent_only(mini_archive: LocalArchive) -> None:
    rows = cdx(mini_archive, "url=example.com&collapse=digest")
    assert [r[1] for r in rows] == ["20100101000000", "20110101000000", "20110301000000"]
    years = cdx(mini_archive, "url=example.com&collapse=timestamp:4")
    assert [r[1] for r in years] == ["20100101000000", "20110101000000"]


def test_limit_and_negative_limit_apply_after_filters(demo_archive: LocalArchive) -> None:
    url = "url=acme-shop.com/privacy-policy&filter=statuscode:200"
    every = cdx(demo_archive, url)
    assert cdx(demo_archive, f"{url}&limit=2") == every[:2]
    assert cdx(demo_archive, f"{url}&limit=-2") == every[-2:]


def test_fl_and_json_output(demo_archive: LocalArchive) -> None:
    answer = get(
        f"{demo_archive.url}/cdx/search/cdx?url=plainsite.net/*&output=json&fl=timestamp,statuscode"
    )
    table = json.loads(answer.body)
    assert table[0] == ["timestamp", "statuscode"]
    assert all(len(row) == 2 for row in table[1:])
    assert len(table) == 1 + 7
    full = json.loads(get(f"{demo_archive.url}/cdx/search/cdx?url=plainsite.net/&output=json").body)
    assert full[0] == list(CDX_FIELDS)
    empty = get(f"{demo_archive.url}/cdx/search/cdx?url=nothing.example&output=json")
    assert empty.status == 200 and json.loads(empty.body) == []
    plain = get(f"{demo_archive.url}/cdx/search/cdx?url=plainsite.net/&fl=original")
    assert plain.headers["Content-Type"] == "text/plain;charset=UTF-8"
    assert plain.text().splitlines() == ["https://plainsite.net/", "https://plainsite.net/"]


@pytest.mark.parametrize("output", ["", "json"])
def test_resume_key_paging_returns_every_row_once(demo_archive: LocalArchive, output: str) -> None:
    base = f"{demo_archive.url}/cdx/search/cdx?url=acme-shop.com&matchType=domain"
    expected = cdx(demo_archive, "url=acme-shop.com&matchType=domain")
    seen: list[list[str]] = []
    key = None
    for _ in range(50):
        query = f"{base}&limit=4&showResumeKey=true&output={output}"
        if key is not None:
            query += "&resumeKey=" + quote(key, safe="")
        body = get(query).body
        if output == "json":
            table = json.loads(body)
            if table and table[-2:-1] == [[]]:
                key, table = table[-1][0], table[:-2]
            else:
                key = None
            seen += table[1:]
        else:
            text = body.decode()
            rows, _, trailer = text.partition("\n\n")
            seen += [line.split(" ") for line in rows.splitlines()]
            key = trailer.strip() or None
        if key is None:
            break
    assert seen == expected


def test_resume_key_is_ia_form() -> None:
    row = CdxRow(
        "com,cnn)/", "20010414005939", "http://www.cnn.com:80/", "text/html", "200", "X", "1"
    )
    assert resume_key_after(row) == "com%2Ccnn%29%2F+2001041400593%3A"
    assert unquote_plus(resume_key_after(row)) == "com,cnn)/ 2001041400593:"


def test_errors_and_blocked(demo_archive: LocalArchive) -> None:
    assert get(f"{demo_archive.url}/cdx/search/cdx").status == 400
    assert get(f"{demo_archive.url}/cdx/search/cdx?url=a.com&fl=nope").status == 400
    assert get(f"{demo_archive.url}/cdx/search/cdx?url=a.com&filter=nocolon").status == 400
    blocked = get(f"{demo_archive.url}/cdx/search/cdx?url=https://blocked-example.com/health")
    assert blocked.status == 403
    assert blocked.text() == BLOCKED_ERROR + "\n"
    assert blocked.headers["X-Archive-Wayback-Runtime-Error"] == BLOCKED_ERROR
    assert get(f"{demo_archive.url}/cdx/other").status == 404


def test_query_parsing_without_http() -> None:
    query = CdxQuery.from_params({"url": ["example.com/*"], "to": ["2019"], "from": ["20"]})
    assert query.match_type == "prefix"
    assert query.to_ts == "20199999999999"
    assert query.from_ts == "20000000000000"
    with pytest.raises(CdxQueryError):
        CdxQuery.from_params({"url": ["x.com"], "from": ["2019-01"]})


@pytest.mark.parametrize(
    "params",
    [
        {"url": ["acme-shop.com"], "matchType": ["domain"]},
        {"url": ["example.com"], "matchType": ["domain"]},
        {"url": ["example.com"], "matchType": ["host"]},
        {"url": ["example.com/dir/*"]},
        {"url": ["example.com/dir"], "matchType": ["prefix"]},
        {"url": ["acme-shop.com/privacy-policy"], "collapse": ["digest"], "limit": ["3"]},
        {"url": ["acme-shop.com/privacy-policy"], "from": ["2018"], "filter": ["statuscode:200"]},
        {"url": ["nowhere.example"], "matchType": ["domain"]},
    ],
)
def test_sorted_index_answers_as_a_linear_scan(
    demo_archive: LocalArchive, mini_archive: LocalArchive, params: dict[str, list[str]]
) -> None:
    query = CdxQuery.from_params(params)
    for archive in (demo_archive, mini_archive):
        assert search(CdxIndex(archive.index), query) == search(archive.index, query)


def test_the_archive_counts_the_rows_it_sends(demo_archive: LocalArchive) -> None:
    before = demo_archive.cdx_rows
    rows = cdx(demo_archive, "url=acme-shop.com&matchType=domain")
    some = cdx(demo_archive, "url=acme-shop.com&matchType=domain&limit=2")
    assert len(some) == 2
    assert demo_archive.cdx_rows - before == len(rows) + 2
