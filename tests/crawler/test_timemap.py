"""Memento TimeMaps (RFC 7089) as CDX records, the memento dialect's URLs, and the
archives file: what a crawl of several archives is told and how it reads their answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crawler.selection import ChangePlan
from policy_archive.archives import load_archives_file, select_archives
from webarchive.cdx import CdxFormatError, CdxRecord
from webarchive.timemap import parse_timemap
from webarchive.wayback import (
    Archive,
    ArchiveUrlError,
    archive_base,
    archive_for,
    archives_setting,
    parse_archives,
)

# As pywb 2.8 answers /timemap/link/ (and arquivo.pt, the UK Web Archive, ...): an
# original, a timegate, a self link and the mementos, one a line, comma-separated.
LINK_TIMEMAP = """<https://www.example.com/privacy>; rel="original",
<http://arch.example/coll/https://www.example.com/privacy>; rel="timegate",
<http://arch.example/coll/timemap/link/https://www.example.com/privacy>; rel="self"; type="application/link-format"; from="Tue, 05 Jan 2010 10:00:00 GMT",
<http://arch.example/coll/20100105100000mp_/https://www.example.com/privacy>; rel="first memento"; datetime="Tue, 05 Jan 2010 10:00:00 GMT",
<http://arch.example/coll/20120301120000mp_/http://example.com/privacy>; rel="memento"; datetime="Thu, 01 Mar 2012 12:00:00 GMT",
<http://arch.example/coll/20230101000000mp_/https://www.example.com/privacy>; rel="last memento"; datetime="Sun, 01 Jan 2023 00:00:00 GMT"
"""


def test_a_link_timemap_gives_every_memento_with_its_own_url_and_no_digest() -> None:
    page = parse_timemap(LINK_TIMEMAP.encode())
    assert [(r.timestamp, r.original) for r in page.records] == [
        ("20100105100000", "https://www.example.com/privacy"),
        ("20120301120000", "http://example.com/privacy"),  # the capture's own URL
        ("20230101000000", "https://www.example.com/privacy"),
    ]
    # nothing the TimeMap does not say: no digest, length, status or type
    assert {(r.digest, r.length, r.statuscode, r.mimetype) for r in page.records} == {
        ("-", "-", "", "")
    }
    assert not any(r.is_revisit for r in page.records)
    assert page.resume_key is None


def test_a_json_timemap_of_the_memento_format() -> None:
    body = json.dumps(
        {
            "original_uri": "https://www.example.com/privacy",
            "mementos": {
                "list": [
                    {"datetime": "2015-07-11T10:00:00Z", "uri": "https://a.example/x"},
                    {"datetime": "2011-09-07T10:00:00Z", "uri": "https://a.example/y"},
                ]
            },
        }
    )
    page = parse_timemap(body)
    assert [(r.timestamp, r.original) for r in page.records] == [
        ("20110907100000", "https://www.example.com/privacy"),
        ("20150711100000", "https://www.example.com/privacy"),
    ]


def test_pywb_json_timemaps_are_its_cdx_lines() -> None:
    line = {"urlkey": "com,example)/privacy", "timestamp": "20100105100000",
            "url": "https://www.example.com/privacy", "mime": "text/html", "status": "200",
            "digest": "ABC", "length": "100"}  # fmt: skip
    (record,) = parse_timemap(json.dumps(line)).records
    assert (record.digest, record.statuscode) == ("ABC", "200")


@pytest.mark.parametrize(
    "body", ["<!DOCTYPE html><html><body>Not found</body></html>", "just words, no links"]
)
def test_what_is_not_a_timemap_is_refused(body: str) -> None:
    with pytest.raises(CdxFormatError):
        parse_timemap(body)


def test_an_empty_timemap_has_no_captures() -> None:
    assert parse_timemap(b"  \n").records == []


def test_memento_archive_urls() -> None:
    archive = Archive.parse("memento+https://arquivo.pt/wayback/")
    assert archive.base == "https://arquivo.pt/wayback"
    assert archive.spec == "memento+https://arquivo.pt/wayback"
    assert (
        archive.timemap_url("https://www.example.com/privacy")
        == "https://arquivo.pt/wayback/timemap/link/https://www.example.com/privacy"
    )
    # raw mode (id_), never a rewritten page
    assert (
        archive.replay_url("20200101000000", "https://www.example.com/")
        == "https://arquivo.pt/wayback/20200101000000id_/https://www.example.com/"
    )
    assert archive.is_cdx_url(archive.timemap_url("https://x.example/"))
    assert not archive.is_cdx_url(archive.replay_url("20200101000000", "https://x.example/"))
    # an archive whose TimeMaps sit at its root
    root = Archive.parse("memento+https://archive.example/")
    assert root.timemap_url("https://x.example/") == (
        "https://archive.example/timemap/link/https://x.example/"
    )
    with pytest.raises(ArchiveUrlError):
        Archive.parse("memento+ftp://archive.example/x")


def test_the_archive_of_a_replay_url() -> None:
    assert archive_base("https://web.archive.org/web/20190624190612id_/https://x.example/") == (
        "https://web.archive.org"
    )
    assert archive_base("http://127.0.0.1:8080/coll/20190624190612id_/https://x.example/") == (
        "http://127.0.0.1:8080/coll"
    )
    archives = parse_archives(
        "http://127.0.0.1:1 pywb+http://127.0.0.1:2/a memento+http://127.0.0.1:2/b"
    )
    assert [a.dialect for a in archives] == ["ia", "pywb", "memento"]
    found = archive_for(archives, "http://127.0.0.1:2/b/timemap/link/https://x.example/")
    assert found is archives[2]
    assert archive_for(archives, "http://elsewhere.example/") is None


def test_archives_file_names_archives_with_dialect_and_budgets(tmp_path: Path) -> None:
    path = tmp_path / "archives.toml"
    path.write_text(
        """
[archive.ia]
url = "https://web.archive.org"
cdx_per_minute = 12

[archive.arquivo]
url = "https://arquivo.pt/wayback"
dialect = "memento"
timemap = "json"
replay_per_minute = 30
""",
        encoding="utf-8",
    )
    named = load_archives_file(path)
    assert named["ia"].cdx_per_minute == 12.0 and named["ia"].dialect == "ia"
    arquivo = named["arquivo"]
    assert (arquivo.dialect, arquivo.timemap, arquivo.replay_per_minute) == (
        "memento",
        "json",
        30.0,
    )
    assert arquivo.cdx_endpoint == "https://arquivo.pt/wayback/timemap/json"
    # without --archive: all of them, in the file's order; with it: the ones named
    assert [a.name for a in select_archives(None, path)] == ["ia", "arquivo"]
    chosen = select_archives(["arquivo", "pywb+http://127.0.0.1:9/c"], path)
    assert [a.label for a in chosen] == ["arquivo", "http://127.0.0.1:9/c"]
    # the setting the crawl receives keeps names, budgets and formats
    assert parse_archives(archives_setting(chosen)) == chosen


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[archive.x]\nurl = 'ftp://a.example'\n", "not an http(s) archive URL"),
        ("[archive.x]\nurl = 'https://a.example'\ndialect = 'cdxj'\n", "dialect must be"),
        ("[archive.x]\nurl = 'https://a.example'\ncdx_per_minute = -1\n", "a budget"),
        ("[archive.x]\nurl = 'https://a.example'\nspeed = 3\n", "unknown key"),
        ("[archive.x]\ndialect = 'ia'\n", "has no url"),
        ("url = 'https://a.example'\n", "names no [archive.NAME]"),
        ("[archive.x\n", "is not TOML"),
    ],
)
def test_a_bad_archives_file_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "archives.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ArchiveUrlError, match=re.escape(message)):
        load_archives_file(path)


def test_an_unknown_archive_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "archives.toml"
    path.write_text("[archive.ia]\nurl = 'https://web.archive.org'\n", encoding="utf-8")
    with pytest.raises(ArchiveUrlError, match="no archive named 'loc'"):
        select_archives(["loc"], path)


def _row(ts: str, digest: str, length: str = "-") -> CdxRecord:
    return CdxRecord("k", ts, "https://x.example/privacy", "", "", digest, length)


def test_changes_reads_captures_of_unknown_bytes_instead_of_inferring_them() -> None:
    # two fetched captures show the same text; between them, one capture listed with a
    # digest and a length like theirs (inferred) and one from a TimeMap (unknown bytes)
    rows = [
        _row("20100101000000", "AAA", "1000"),
        _row("20110101000000", "BBB", "1010"),
        _row("20120101000000", "-"),
        _row("20130101000000", "CCC", "1000"),
    ]
    plan = ChangePlan(rows, None)
    first = plan.wanted()
    assert first == [0, 3]
    signature = (None, (("en", "sha"),))
    for index in first:
        plan.learn(index, signature, index)
    assert plan.wanted() == [2]  # the TimeMap's capture is read, the other is inferred
