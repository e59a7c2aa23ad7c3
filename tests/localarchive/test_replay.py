from __future__ import annotations

import re

from localarchive import LocalArchive
from localarchive.warcs import IndexEntry, read_response
from tests.localarchive.helpers import get

POLICY = "https://www.acme-shop.com/privacy-policy"


def _entry(archive: LocalArchive, timestamp: str, original: str) -> IndexEntry:
    return next(
        e for e in archive.index if e.row.timestamp == timestamp and e.row.original == original
    )


def test_exact_capture_returns_original_bytes_and_headers(demo_archive: LocalArchive) -> None:
    url = "http://www.oldtable.org/privacy.html"
    answer = get(f"{demo_archive.url}/web/19990508031245id_/{url}")
    assert answer.status == 200
    stored = read_response(
        _entry(demo_archive, "19990508031245", url).path,
        _entry(demo_archive, "19990508031245", url).offset,
    )
    assert answer.body == stored.body
    assert b"Soci\xe9t\xe9" in answer.body  # latin-1 bytes kept as captured
    assert answer.headers["Content-Type"] == "text/html; charset=iso-8859-1"
    assert answer.headers["X-Archive-Orig-Server"] == "Apache/1.3.27 (Unix)"
    assert answer.headers["X-Archive-Orig-Date"] == "Sat, 08 May 1999 03:12:45 GMT"
    assert answer.headers["Memento-Datetime"] == "Sat, 08 May 1999 03:12:45 GMT"
    assert answer.headers["X-Archive-Orig-Content-Type"] is None


def test_inexact_timestamp_redirects_to_nearest_capture(demo_archive: LocalArchive) -> None:
    answer = get(f"{demo_archive.url}/web/20150314102206id_/{POLICY}")
    assert answer.status == 302
    assert answer.body == b""
    assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert answer.headers["Location"] == f"{demo_archive.url}/web/20150314102205id_/{POLICY}"
    # a short timestamp is inexact too; the nearest capture keeps its own original URL
    short = get(f"{demo_archive.url}/web/2016id_/{POLICY}")
    assert short.status == 302
    assert short.headers["Location"] == (
        f"{demo_archive.url}/web/20151102081433id_/http://acme-shop.com/privacy-policy"
    )
    assert short.headers["X-Archive-Redirect-Reason"] == "found capture at 20151102081433"


def test_capture_of_other_url_form_is_exact(demo_archive: LocalArchive) -> None:
    # same urlkey, other scheme and host form: still that capture
    answer = get(f"{demo_archive.url}/web/20151102081433id_/{POLICY}")
    assert answer.status == 200


def test_never_archived_is_404(demo_archive: LocalArchive) -> None:
    answer = get(f"{demo_archive.url}/web/20200101000000id_/https://never.example/")
    assert answer.status == 404
    assert "Wayback Machine doesn't have that page archived" in answer.text()
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"


def test_captured_redirect_keeps_status_and_rewrites_location(demo_archive: LocalArchive) -> None:
    answer = get(f"{demo_archive.url}/web/20030315100000id_/http://www.oldtable.org/privacy.htm")
    assert answer.status == 301
    assert answer.headers["Location"] == (
        f"{demo_archive.url}/web/20030315100000id_/http://www.oldtable.org/privacy.html"
    )
    assert answer.headers["X-Archive-Orig-Location"] is None
    follow = get(answer.headers["Location"])
    assert follow.status == 302  # no capture at that second: IA redirects once more
    assert "/web/20020211060559id_/" in follow.headers["Location"]


def test_revisit_resolves_to_original_payload(demo_archive: LocalArchive) -> None:
    revisit = get(f"{demo_archive.url}/web/20230819190216id_/{POLICY}")
    original = get(f"{demo_archive.url}/web/20220503074529id_/http://acme-shop.com/privacy-policy")
    assert revisit.status == original.status == 200
    assert revisit.body == original.body
    assert b"stopped sharing purchase histories" in revisit.body
    assert revisit.headers["Memento-Datetime"] == "Sat, 19 Aug 2023 19:02:16 GMT"
    assert revisit.headers["X-Archive-Orig-Date"] == "Sat, 19 Aug 2023 19:02:16 GMT"


def test_plain_mode_and_scheme_slash_variants(demo_archive: LocalArchive) -> None:
    plain = get(f"{demo_archive.url}/web/20120417081500/https://plainsite.net/datenschutz.html")
    assert plain.status == 200
    assert "Datenschutzerklärung" in plain.text()
    merged = get(f"{demo_archive.url}/web/20120417081500id_/https:/plainsite.net/datenschutz.html")
    assert merged.body == plain.body
    inexact = get(f"{demo_archive.url}/web/2012/https://plainsite.net/datenschutz.html")
    assert re.fullmatch(
        rf"{re.escape(demo_archive.url)}/web/20120417081500/https://plainsite\.net/datenschutz\.html",
        inexact.headers["Location"],
    )


def test_query_string_belongs_to_the_original_url(mini_archive: LocalArchive) -> None:
    answer = get(f"{mini_archive.url}/web/20120103000000id_/http://example.com/page?a=1&b=2")
    assert answer.status == 200
    assert b"query" in answer.body


def test_captured_error_status_is_replayed(mini_archive: LocalArchive) -> None:
    answer = get(f"{mini_archive.url}/web/20140101000000id_/http://example.com/gone")
    assert answer.status == 404
    assert b"gone" in answer.body


def test_other_paths_are_404(demo_archive: LocalArchive) -> None:
    for path in ("/", "/web/", "/web/notatimestamp/http://a.com/", "/favicon.ico"):
        assert get(demo_archive.url + path).status == 404
