from __future__ import annotations

import pytest

from webarchive.wayback import (
    Archive,
    ArchiveUrlError,
    citation_url,
    iso_date,
    normalise_timestamp,
    parse_timestamp,
)


def test_archive_endpoints() -> None:
    archive = Archive.parse("https://web.archive.org/")
    assert archive.cdx_endpoint == "https://web.archive.org/cdx/search/cdx"
    assert (
        archive.replay_url("20190624190612", "https://www.example.com/privacy")
        == "https://web.archive.org/web/20190624190612id_/https://www.example.com/privacy"
    )
    assert not archive.is_loopback
    assert Archive.parse("http://127.0.0.1:8080").is_loopback


def test_citation_url_matches_the_reference_corpus_form() -> None:
    replay = "https://web.archive.org/web/20190624190612id_/https://www.example.com/privacy"
    assert (
        citation_url(replay, "https://www.example.com/privacy")
        == "https://web.archive.org/web/20190624190612id_/https%3A//www.example.com/privacy"
    )


@pytest.mark.parametrize(
    "value", ["web.archive.org", "ftp://x.org", "http://", "http://a.org/?q=1"]
)
def test_bad_archive_urls(value: str) -> None:
    with pytest.raises(ArchiveUrlError):
        Archive.parse(value)


def test_parse_replay_on_and_off_the_archive() -> None:
    archive = Archive.parse("http://127.0.0.1:9000")
    assert archive.parse_replay(
        "http://127.0.0.1:9000/web/20200101000000id_/http://a.com/p?x=1"
    ) == (
        "20200101000000",
        "http://a.com/p?x=1",
    )
    assert archive.parse_replay("http://a.com/web/20200101000000id_/http://a.com/") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019", "20190101000000"),
        ("201906", "20190601000000"),
        ("20190600", "20190601000000"),
        ("20190024", "20190124000000"),
        ("20190624190612", "20190624190612"),
    ],
)
def test_lenient_timestamps(raw: str, expected: str) -> None:
    assert normalise_timestamp(raw) == expected


def test_impossible_times_keep_their_date() -> None:
    assert parse_timestamp("20190631246060").date().isoformat() == "2019-06-28"
    assert iso_date("20190624190612") == "2019-06-24"
    with pytest.raises(ValueError):
        normalise_timestamp("2019-06-24")
