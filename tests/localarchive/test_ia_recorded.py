"""The local archive answers in the same shapes as the real Wayback Machine's recorded answers."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from localarchive import LocalArchive
from tests.localarchive.helpers import get
from tests.reference import IA_RECORDED, cassette_exchanges, require

# one pattern per CDX field, in IA's order
FIELD_PATTERNS = [
    r"[a-z0-9,.\-:]+\)\S*",  # urlkey
    r"\d{14}",  # timestamp
    r"https?://\S+",  # original
    r"[\w.+\-]+/[\w.+\-]+|unk",  # mimetype
    r"\d{3}|-",  # statuscode
    r"[A-Z2-7]{32}",  # digest: base32 sha1
    r"\d+",  # length
]
KEY_PATTERN = r"\S+\)\S* \d{13}[0-9:]"
HTTP_DATE = r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT"


def exchanges(name: str) -> list[dict[str, Any]]:
    return cassette_exchanges(require(IA_RECORDED / name))


def check_plain_cdx(body: bytes) -> str | None:
    """Asserts IA's plain-text shape; returns the resume key, if any."""
    text = body.decode("utf-8")
    rows, blank, trailer = text.partition("\n\n")
    for line in rows.splitlines():
        fields = line.split(" ")
        assert len(fields) == 7, line
        for value, pattern in zip(fields, FIELD_PATTERNS, strict=True):
            assert re.fullmatch(pattern, value), (value, pattern)
    if not blank:
        assert text == "" or text.endswith("\n")
        return None
    assert trailer.endswith("\n") and trailer.count("\n") == 1
    key = trailer.strip()
    assert re.fullmatch(KEY_PATTERN, unquote_plus(key)), key
    assert quote_plus(unquote_plus(key), safe="*") == key
    return key


def test_cdx_plain_rows_and_resume_trailer_match_ia(demo_archive: LocalArchive) -> None:
    recorded = [
        e
        for name in (
            "test_search.yaml",
            "test_search_multipage.yaml",
            "test_search_with_filter.yaml",
        )
        for e in exchanges(name)
        if e["status"] == 200
    ]
    ia_keys = [check_plain_cdx(e["body"]) for e in recorded]
    assert any(ia_keys), "the recordings should include resume keys"
    assert {e["headers"]["content-type"][0] for e in recorded} == {"text/plain;charset=UTF-8"}

    local = get(
        f"{demo_archive.url}/cdx/search/cdx?url=acme-shop.com&matchType=domain&limit=5&showResumeKey=true"
    )
    assert local.headers["Content-Type"] == "text/plain;charset=UTF-8"
    assert check_plain_cdx(local.body) is not None
    everything = get(f"{demo_archive.url}/cdx/search/cdx?url=*.acme-shop.com&showResumeKey=true")
    assert check_plain_cdx(everything.body) is None


def test_resume_key_is_passed_back_like_ia_clients_do(demo_archive: LocalArchive) -> None:
    # IA clients send the key as received, quoted once more: resumeKey=com%252Ccnn...
    pages = exchanges("test_search_multipage.yaml")
    assert "resumeKey=com%252Ccnn%2529%252F%2B2001041400593%253A" in pages[1]["uri"]
    first = get(
        f"{demo_archive.url}/cdx/search/cdx?url=acme-shop.com/privacy-policy&limit=3&showResumeKey=true"
    )
    key = check_plain_cdx(first.body)
    assert key is not None
    second = get(
        f"{demo_archive.url}/cdx/search/cdx?url=acme-shop.com/privacy-policy&limit=3"
        f"&showResumeKey=true&resumeKey={quote_plus(key)}"
    )
    first_rows = first.text().split("\n\n")[0].splitlines()
    second_rows = second.text().split("\n\n")[0].splitlines()
    assert len(second_rows) == 3 and not set(first_rows) & set(second_rows)
    assert second_rows[0].split(" ")[1] > first_rows[-1].split(" ")[1]


def test_cdx_json_header_row(demo_archive: LocalArchive) -> None:
    table = json.loads(
        get(f"{demo_archive.url}/cdx/search/cdx?url=plainsite.net/&output=json").body
    )
    assert table[0] == [
        "urlkey",
        "timestamp",
        "original",
        "mimetype",
        "statuscode",
        "digest",
        "length",
    ]
    for row in table[1:]:
        for value, pattern in zip(row, FIELD_PATTERNS, strict=True):
            assert re.fullmatch(pattern, value)


def test_blocked_search_answers_like_ia(demo_archive: LocalArchive) -> None:
    (ia,) = exchanges("test_search_raises_for_blocked_urls.yaml")
    local = get(f"{demo_archive.url}/cdx/search/cdx?url=blocked-example.com/x")
    assert local.status == ia["status"] == 403
    assert local.body == ia["body"]
    assert (
        local.headers["X-Archive-Wayback-Runtime-Error"]
        == ia["headers"]["x-archive-wayback-runtime-error"][0]
    )


def test_inexact_memento_redirect_shape(demo_archive: LocalArchive) -> None:
    ia = exchanges("test_get_memento_with_inexact_string_datetime.yaml")[0]
    assert ia["status"] == 302
    local = get(
        f"{demo_archive.url}/web/20150314102206id_/https://www.acme-shop.com/privacy-policy"
    )
    assert local.status == 302
    assert local.body == ia["body"] == b""
    assert local.headers["Content-Type"] == ia["headers"]["content-type"][0]
    ia_location = ia["headers"]["location"][0]
    assert re.fullmatch(r"https://web\.archive\.org/web/\d{14}id_/https?://.+", ia_location)
    assert re.fullmatch(
        re.escape(demo_archive.url) + r"/web/\d{14}id_/https?://.+", local.headers["Location"]
    )
    ia_reason = ia["headers"]["x-archive-redirect-reason"][0]
    assert re.fullmatch(r"found capture at \d{14}", ia_reason)
    assert re.fullmatch(r"found capture at \d{14}", local.headers["X-Archive-Redirect-Reason"])


def test_memento_headers_shape(demo_archive: LocalArchive) -> None:
    ia = exchanges("test_get_memento.yaml")[0]
    assert ia["status"] == 200
    assert re.fullmatch(HTTP_DATE, ia["headers"]["memento-datetime"][0])
    assert any(k.startswith("x-archive-orig-") for k in ia["headers"])
    local = get(
        f"{demo_archive.url}/web/20150314102205id_/https://www.acme-shop.com/privacy-policy"
    )
    assert local.status == 200
    assert re.fullmatch(HTTP_DATE, local.headers["Memento-Datetime"])
    assert local.headers["X-Archive-Orig-Date"] == local.headers["Memento-Datetime"]


def test_captured_redirect_shape(demo_archive: LocalArchive) -> None:
    ia = exchanges("test_get_memento_with_redirects.yaml")[0]
    assert ia["status"] == 301
    ts = re.search(r"/web/(\d{14})id_/", ia["uri"])
    assert ts is not None
    assert ia["headers"]["location"][0].startswith(
        f"https://web.archive.org/web/{ts[1]}id_/https://"
    )
    local = get(f"{demo_archive.url}/web/20030315100000id_/http://www.oldtable.org/privacy.htm")
    assert local.status == 301
    assert local.headers["Location"].startswith(f"{demo_archive.url}/web/20030315100000id_/http://")


def test_never_archived_shape(demo_archive: LocalArchive) -> None:
    ia = exchanges("test_get_memento_raises_no_memento_error.yaml")[0]
    assert ia["status"] == 404
    assert b"The Wayback Machine has not archived that URL." in ia["body"]
    local = get(f"{demo_archive.url}/web/20170929002712id_/https://this-is-not-real-url.whatever/")
    assert local.status == 404
    assert local.headers["Content-Type"] == ia["headers"]["content-type"][0]
    assert b"The Wayback Machine has not archived that URL." in local.body
