from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from localarchive import DemoManifest, LocalArchive, load_manifest, texts, write_demo_archive
from localarchive.sites import MANIFEST_NAME
from localarchive.sites import SHUANGYU_POLICY as SHUANGYU
from localarchive.surt import surt
from localarchive.warcs import read_response
from tests.localarchive.helpers import get


def page_text(archive: LocalArchive, timestamp: str, url: str) -> str:
    answer = get(f"{archive.url}/web/{timestamp}id_/{url}")
    assert answer.status == 200
    charset = "iso-8859-1" if "iso-8859-1" in answer.headers["Content-Type"] else "utf-8"
    return html.unescape(answer.body.decode(charset))


def test_generating_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    write_demo_archive(first)
    write_demo_archive(second)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert len(names) == 6
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    write_demo_archive(first)  # rewriting in place leaves nothing else behind
    assert sorted(p.name for p in first.iterdir()) == names


def test_manifest_file_round_trips(demo_dir: Path, demo_manifest: DemoManifest) -> None:
    assert load_manifest(demo_dir / MANIFEST_NAME) == demo_manifest
    assert all((demo_dir / name).is_file() for name in demo_manifest.files)


def test_expected_versions(demo_manifest: DemoManifest) -> None:
    table = [
        (v.domain, v.lang, v.first_seen, v.last_seen, v.snapshots, v.url)
        for versions in demo_manifest.versions.values()
        for v in versions
    ]
    assert table == [
        (
            "acme-shop.com",
            "en",
            "2015-03-14",
            "2016-06-21",
            3,
            "https://www.acme-shop.com/privacy-policy",
        ),
        (
            "acme-shop.com",
            "en",
            "2017-04-09",
            "2019-01-30",
            3,
            "http://acme-shop.com/privacy-policy",
        ),
        (
            "acme-shop.com",
            "en",
            "2020-09-12",
            "2023-08-19",
            3,
            "https://www.acme-shop.com/privacy-policy",
        ),
        (
            "oldtable.org",
            "en",
            "1999-05-08",
            "2002-02-11",
            3,
            "http://www.oldtable.org/privacy.html",
        ),
        (
            "oldtable.org",
            "en",
            "2004-07-04",
            "2006-12-01",
            2,
            "http://www.oldtable.org/privacy.html",
        ),
        (
            "plainsite.net",
            "de",
            "2012-04-17",
            "2020-06-30",
            4,
            "https://plainsite.net/datenschutz.html",
        ),
        # one bilingual page, two language tracks
        ("shuangyu-tech.com", "en", "2016-04-12", "2021-02-22", 3, SHUANGYU),
        ("shuangyu-tech.com", "zh", "2016-04-12", "2021-02-22", 3, SHUANGYU),
    ]
    assert demo_manifest.soft404 == [("https://www.acme-shop.com/privacy-policy", "20180725141244")]
    assert demo_manifest.decoys == ["acme-shop-deals.com", "partner-ads.net"]


def test_policy_texts_are_long_enough() -> None:
    for policy in (texts.ACME_A, texts.ACME_B, texts.ACME_C):
        assert policy.word_count() >= 300


def _policy_captures(archive: LocalArchive, domain: str) -> list[tuple[str, str, str]]:
    """(timestamp, original, mimetype) of every capture of a domain's policy URL."""
    version_url = {
        "acme-shop.com": "acme-shop.com/privacy-policy",
        "oldtable.org": "oldtable.org/privacy.html",
        "plainsite.net": "plainsite.net/datenschutz.html",
        "shuangyu-tech.com": "shuangyu-tech.com/privacy.html",
    }[domain]
    key = surt(version_url)
    return [
        (e.row.timestamp, e.row.original, e.row.mimetype)
        for e in archive.index
        if e.row.urlkey == key
    ]


def test_every_capture_carries_its_versions_phrases_and_boilerplate(
    demo_archive: LocalArchive, demo_manifest: DemoManifest
) -> None:
    for domain, versions in demo_manifest.versions.items():
        captures = _policy_captures(demo_archive, domain)
        soft = {ts for _, ts in demo_manifest.soft404}
        first_texts: list[str] = []
        for version in versions:
            shown = [
                (ts, url)
                for ts, url, _ in captures
                if version.first_seen.replace("-", "")
                <= ts[:8]
                <= version.last_seen.replace("-", "")
                and ts not in soft
            ]
            assert len(shown) == version.snapshots, (domain, version.first_seen)
            assert shown[0][1] == version.url
            first_texts.append(page_text(demo_archive, *shown[0]))
            for ts, url in shown:
                text = page_text(demo_archive, ts, url)
                for phrase in version.phrases:
                    assert phrase in text, (domain, ts, phrase)
                for boilerplate in version.absent:
                    assert boilerplate in text, (domain, ts, boilerplate)
        # each version's phrases tell it apart from every other version
        for version, text in zip(versions, first_texts, strict=True):
            for other in versions:
                # the languages of a bilingual page share its text; versions of one differ
                if other is not version and other.lang == version.lang:
                    assert any(p not in text for p in other.phrases), (domain, other.first_seen)


def test_boilerplate_changes_on_every_capture(demo_archive: LocalArchive) -> None:
    for domain in ("acme-shop.com", "oldtable.org"):
        key = _policy_captures(demo_archive, domain)
        digests = [
            e.row.digest
            for e in demo_archive.index
            if e.row.urlkey == surt(key[0][1]) and e.row.mimetype != "warc/revisit"
        ]
        assert len(set(digests)) == len(digests)


def test_soft_404_answers_200(demo_archive: LocalArchive, demo_manifest: DemoManifest) -> None:
    ((url, ts),) = demo_manifest.soft404
    text = page_text(demo_archive, ts, url)
    assert "Page not found" in text and "could not be found" in text
    assert 'id="cookie-banner"' in text  # same template as the real pages


def test_old_table_page_is_latin1_with_table_layout(demo_archive: LocalArchive) -> None:
    answer = get(f"{demo_archive.url}/web/20040704133030id_/http://www.oldtable.org/privacy.html")
    assert answer.headers["Content-Type"] == "text/html; charset=iso-8859-1"
    with pytest.raises(UnicodeDecodeError):
        answer.body.decode("utf-8")
    text = answer.body.decode("iso-8859-1")
    assert "Société" in text and "©" in text
    assert "<TABLE" in text and "<FONT" in text


def test_homepages_link_their_policies(demo_archive: LocalArchive) -> None:
    acme = page_text(demo_archive, "20150314102000", "https://www.acme-shop.com/")
    assert '<a href="/privacy-policy">Privacy Policy</a>' in acme
    assert '<a href="https://partner-ads.net/privacy">Partner privacy</a>' in acme
    old = page_text(demo_archive, "19990508031000", "http://www.oldtable.org/")
    assert '<A HREF="privacy.html">Privacy</A>' in old
    plain = page_text(demo_archive, "20120417081000", "https://plainsite.net/")
    assert '<a href="/datenschutz.html">Datenschutz</a>' in plain


def test_decoys(demo_archive: LocalArchive, demo_manifest: DemoManifest) -> None:
    text = page_text(
        demo_archive, "20190505120000", "https://www.acme-shop-deals.com/privacy-policy"
    )
    assert demo_manifest.decoy_marker in text
    assert surt("https://www.acme-shop-deals.com/").startswith("com,acme-shop")
    hosts = {e.row.urlkey.split(")")[0] for e in demo_archive.index}
    assert {"com,acme-shop-deals", "net,partner-ads"} <= hosts


def test_warc_records_look_like_a_crawl(demo_dir: Path, demo_manifest: DemoManifest) -> None:
    path = demo_dir / demo_manifest.files[0]
    types: list[str] = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            types.append(record.rec_type)
            date = record.rec_headers.get_header("WARC-Date")
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", date)
            if record.rec_type == "request":
                assert record.rec_headers.get_header("WARC-Concurrent-To")
    assert types[0] == "warcinfo"
    assert types.count("request") == types.count("response") + types.count("revisit")


def test_uncompressed_warc_is_served_too(tmp_path: Path, demo_dir: Path) -> None:
    import gzip

    plain = tmp_path / "plain.warc"
    plain.write_bytes(gzip.decompress((demo_dir / "demo-plainsite.net.warc.gz").read_bytes()))
    with LocalArchive(tmp_path) as archive:
        entry = next(e for e in archive.index if e.row.original.endswith("datenschutz.html"))
        assert "Datenschutzerklärung" in read_response(entry.path, entry.offset).body.decode()
        assert get(f"{archive.url}/web/{entry.row.timestamp}id_/{entry.row.original}").status == 200
