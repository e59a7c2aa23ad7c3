"""The web app of `serve`, through Flask's test client over a corpus built here."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from corpus.models import Document, Processed
from corpus.store import Store
from policy_archive.web.app import base_url, create_app
from policy_archive.web.reader import CorpusReader
from tests.corpus.builders import policy_capture

EN_1 = "# Privacy\n\nWe collect your name.\n\n## Contact us\n\nWrite to us by post."
EN_2 = (
    "# Privacy\n\nWe collect your name and your email address.\n\n## Your rights\n\n"
    "You may ask for a copy of your data.\n\n## Contact us\n\nWrite to us by post."
)
EN_3 = EN_2 + "\n\nWe never sell your data <script>alert(1)</script>."
ZH_1 = "# 隐私政策\n\n我们收集您的姓名。"
ZH_2 = "# 隐私政策\n\n我们收集您的姓名和电子邮件地址。"


def add(
    store: Store, domain: str, ts: str, digest: str, *docs: tuple[str, str], source: str = "fetched"
) -> None:
    capture = replace(policy_capture(ts, digest, domain=domain), source=source)
    processed = Processed(documents=tuple(Document(lang, text, "Privacy") for lang, text in docs))
    store.add_capture(capture, processed)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    store = Store.open(root)
    # A bilingual page: en and zh change together, with one capture inferred between two.
    add(store, "shuangyu.cn", "20160101000000", "S1", ("en", EN_1), ("zh", ZH_1))
    add(
        store, "shuangyu.cn", "20170101000000", "S1b", ("en", EN_1), ("zh", ZH_1), source="inferred"
    )
    add(store, "shuangyu.cn", "20180101000000", "S2", ("en", EN_2), ("zh", ZH_2))
    # Three versions first seen on one day.
    add(store, "sameday.com", "20200505010000", "D1", ("en", EN_1))
    add(store, "sameday.com", "20200505020000", "D2", ("en", EN_2))
    add(store, "sameday.com", "20200505030000", "D3", ("en", EN_3))
    # A long text changed in its last paragraph only.
    body = "\n\n".join(f"Paragraph {n} stays as it was." for n in range(12))
    add(store, "long.org", "20190101000000", "G1", ("en", f"{body}\n\nWe keep logs for a week."))
    add(store, "long.org", "20200101000000", "G2", ("en", f"{body}\n\nWe keep logs for a year."))
    # A text that keeps coming back: reverts, and the track flagged as flapping.
    for n, (ts, text) in enumerate(
        zip(("2010", "2011", "2012", "2013"), (EN_1, EN_2) * 2, strict=True)
    ):
        add(store, "flip.com", f"{ts}0101000000", f"F{n}", ("en", text))
    for domain in ("shuangyu.cn", "sameday.com", "long.org", "flip.com"):
        store.refresh_versions(domain, "privacy")
    store.close()
    return root


@pytest.fixture
def client(data: Path) -> Iterator[tuple[FlaskClient, CorpusReader]]:
    reader = CorpusReader(data)
    try:
        yield create_app(reader).test_client(), reader
    finally:
        reader.close()


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def test_corpus_page_lists_domains_languages_and_figures(
    client: tuple[FlaskClient, CorpusReader],
) -> None:
    html = page(client[0], "/")
    domains = ["flip.com", "long.org", "sameday.com", "shuangyu.cn"]
    assert re.findall(r'data-domain="([^"]+)"', html) == domains
    assert '<span id="domain-count">4</span>' in html
    assert html.count('class="lang">zh<') == 1 and html.count('class="lang">en<') == 4
    assert html.count('<svg class="chart"') == 2  # policies per year, median length per year


def test_domain_page_shows_each_language_and_tells_inferred_captures_apart(
    client: tuple[FlaskClient, CorpusReader],
) -> None:
    html = page(client[0], "/shuangyu.cn/")
    assert re.findall(r'<div class="language" data-lang="(\w+)"', html) == ["en", "zh"]
    timeline = html[html.index('<svg class="timeline"') : html.index("</svg>")]
    for lang in ("en", "zh"):
        track = timeline[timeline.index(f'data-lang="{lang}"') :]
        track = track[: track.index('</g><g class="track"')] if lang == "en" else track
        assert (
            len(re.findall(r'<a class="version[^"]*" href="[^"]+" data-version="\d"', track)) == 2
        )
        assert (
            track.count('class="capture fetched"') == 2
            and track.count('class="capture inferred"') == 1
        )
    # Each version's provenance line links to its capture on the archive.
    links = re.findall(r'href="(http://127\.0\.0\.1:1/web/20160101000000id_/[^"]+)"', html)
    assert len(links) == 2 and all("shuangyu.cn" in link for link in links)
    assert html.count("(1 fetched, 1 inferred)") == 2  # v1 of each language


def test_versions_first_seen_on_one_day_get_their_own_lanes(
    client: tuple[FlaskClient, CorpusReader],
) -> None:
    html = page(client[0], "/sameday.com/")
    bars = re.findall(
        r'data-version="(\d)"><title>[^<]*</title><rect x="([\d.]+)" y="([\d.]+)"', html
    )
    assert [n for n, _, _ in bars] == ["1", "2", "3"]
    assert len({y for _, _, y in bars}) == 3  # none hides another


def test_version_page_renders_the_text_and_escapes_markup(
    client: tuple[FlaskClient, CorpusReader],
) -> None:
    html = page(client[0], "/sameday.com/privacy/en/v3")
    assert "<h2>Your rights</h2>" in html
    assert (
        "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    )
    assert "original snapshot on the Wayback Machine</a>" in html


def test_diff_marks_words_and_keeps_headings(client: tuple[FlaskClient, CorpusReader]) -> None:
    html = page(client[0], "/shuangyu.cn/privacy/en/v1..v2")
    # The new section is a heading added whole, the old heading untouched beside it.
    assert '<tr class="insert">' in html and "<h3><ins>Your rights</ins></h3>" in html
    assert "<h3>Contact us</h3>" in html and "<ins>##" not in html
    assert "We collect your <del>name.</del>" in html
    assert "We collect your <ins>name and your email address.</ins>" in html
    inline = page(client[0], "/shuangyu.cn/privacy/en/v1..v2?view=inline")
    assert '<h3 class="insert"><ins>Your rights</ins></h3>' in inline
    zh = page(client[0], "/shuangyu.cn/privacy/zh/v1..v2")
    assert (
        "<del>我们收集您的姓名。</del>" in zh
        and "<ins>我们收集您的姓名和电子邮件地址。</ins>" in zh
    )


def test_compare_form_redirects_to_the_permalink(client: tuple[FlaskClient, CorpusReader]) -> None:
    response = client[0].get("/sameday.com/privacy/en/compare?from=1&to=3&view=inline")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sameday.com/privacy/en/v1..v3?view=inline"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/nowhere.com/", "no policy of nowhere.com"),
        ("/sameday.com/privacy/fr/v1", "no privacy text of sameday.com in &#39;fr&#39;"),
        ("/sameday.com/privacy/en/v9", "has versions 1 to 3; there is no v9"),
        ("/sameday.com/privacy/en/latest", "names no version"),
        ("/sameday.com/privacy/en/compare?from=1&to=x", "has versions 1 to 3"),
    ],
)
def test_unknown_pages_say_why(
    client: tuple[FlaskClient, CorpusReader], path: str, message: str
) -> None:
    assert message in page(client[0], path, 404)


def test_search_finds_domains_and_phrases_in_any_script(
    client: tuple[FlaskClient, CorpusReader],
) -> None:
    html = page(client[0], "/search?q=shuang")
    assert 'href="/shuangyu.cn/"' in html
    html = page(client[0], "/search?q=ask+for+a+COPY")
    hits = re.findall(r'href="(/[^"]+/v\d)"', html)
    assert sorted(hits) == [
        "/flip.com/privacy/en/v2",
        "/flip.com/privacy/en/v4",
        "/sameday.com/privacy/en/v2",
        "/sameday.com/privacy/en/v3",
        "/shuangyu.cn/privacy/en/v2",
    ]
    assert "<mark>ask for a copy</mark>" in html
    assert re.findall(r'href="(/[^"]+/v\d)"', page(client[0], "/search?q=电子邮件")) == [
        "/shuangyu.cn/privacy/zh/v2"
    ]
    assert "at least three characters" in page(client[0], "/search?q=we")
    assert "No version holds" in page(client[0], '/search?q="NEAR(')  # FTS syntax is text


def test_a_write_to_the_index_shows_on_the_next_request(
    data: Path, client: tuple[FlaskClient, CorpusReader]
) -> None:
    app, _ = client
    assert "late.org" not in page(app, "/")
    writer = Store.open(data)
    add(
        writer,
        "late.org",
        "20210101000000",
        "L1",
        ("en", "# Privacy\n\nA late arrival in the corpus."),
    )
    writer.refresh_versions("late.org", "privacy")
    writer.close()
    assert 'data-domain="late.org"' in page(app, "/")
    assert "/late.org/privacy/en/v1" in page(app, "/search?q=late+arrival")


def test_a_diff_folds_what_did_not_change(client: tuple[FlaskClient, CorpusReader]) -> None:
    html = page(client[0], "/long.org/privacy/en/v1..v2")
    assert "⋯ 10 unchanged lines" in html  # paragraphs 0-9; 10 and 11 are context
    assert "Paragraph 3 stays" not in html and "Paragraph 10 stays" in html
    assert "We keep logs for a <del>week.</del>" in html and "<ins>year.</ins>" in html
    whole = page(client[0], "/long.org/privacy/en/v1..v2?context=all")
    assert "unchanged line" not in whole and "Paragraph 3 stays" in whole


def test_an_index_swapped_in_by_a_rebuild_is_read_on_the_next_request(
    tmp_path: Path, data: Path, client: tuple[FlaskClient, CorpusReader]
) -> None:
    app, _ = client
    assert 'data-domain="sameday.com"' in page(app, "/")
    other = Store.open(tmp_path / "other")
    add(other, "rebuilt.net", "20220101000000", "R1", ("en", "# Privacy\n\nRebuilt from raw."))
    other.refresh_versions("rebuilt.net", "privacy")
    other.close()
    # What rebuild's swap does to the index: a rename over it (a new file, a new inode).
    os.replace(tmp_path / "other" / "index.sqlite", data / "index.sqlite")
    html = page(app, "/")
    assert re.findall(r'data-domain="([^"]+)"', html) == ["rebuilt.net"]
    assert "/rebuilt.net/privacy/en/v1" in page(app, "/search?q=rebuilt+from")
    assert "Rebuilt from raw" not in page(app, "/search?q=stays+as+it+was")


def test_an_index_missing_for_a_moment_is_a_clear_page(
    data: Path, client: tuple[FlaskClient, CorpusReader]
) -> None:
    app, _ = client
    (data / "index.sqlite").rename(data / "elsewhere.sqlite")
    assert "holds no corpus" in page(app, "/", 503)
    (data / "elsewhere.sqlite").rename(data / "index.sqlite")
    assert 'data-domain="sameday.com"' in page(app, "/")


def test_reverts_and_flapping_are_flagged(client: tuple[FlaskClient, CorpusReader]) -> None:
    html = page(client[0], "/flip.com/")
    assert re.findall(r'<a class="(version[^"]*)"', html) == [
        "version flapping",
        "version flapping",
        "version revert flapping",
        "version revert flapping",
    ]
    assert "revert of v1</span>" in html and "revert of v2</span>" in html
    assert html.count('class="flag flapping"') == 4
    version = page(client[0], "/flip.com/privacy/en/v3")
    assert 'brings back the text of <a href="/flip.com/privacy/en/v1">v1</a>' in version


def test_the_compare_form_offers_the_change_next_to_the_version(
    client: tuple[FlaskClient, CorpusReader],
) -> None:
    def chosen(html: str) -> list[str]:
        return re.findall(r'<option value="(\d)" selected>', html)

    assert chosen(page(client[0], "/sameday.com/privacy/en/v1")) == ["1", "2"]
    assert chosen(page(client[0], "/sameday.com/privacy/en/v3")) == ["2", "3"]


def test_the_printed_address_opens_in_a_browser() -> None:
    assert base_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert base_url("::1", 8080) == "http://[::1]:8080/"
