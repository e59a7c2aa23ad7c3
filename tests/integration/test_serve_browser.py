"""What a user sees in a real browser (Debian's headless chromium, through Playwright):
the domain list, a bilingual domain's two languages, a timeline, a diff, the provenance
link and search. Screenshots of the pages are left in the test's temporary folder."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localarchive.server import LocalArchive
from localarchive.sites import DemoManifest
from tests.browser import chromium, require_chromium
from tests.integration.conftest import run_cli
from tests.integration.serving import serving


@pytest.fixture(scope="module")
def corpus(
    tmp_path_factory: pytest.TempPathFactory,
    archive_server: LocalArchive,
    demo_archive: tuple[Path, DemoManifest],
) -> Path:
    out = tmp_path_factory.mktemp("browse") / "data"
    domains = sorted(demo_archive[1].versions)
    result = run_cli("fetch", *domains, "--archive", archive_server.url, "--out", str(out))
    assert result.code == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def site(corpus: Path) -> Iterator[str]:
    with serving(corpus) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = require_chromium()
    with chromium(executable) as launched:
        yield launched


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def exported(corpus: Path) -> list[dict[str, Any]]:
    result = run_cli("export", "--out", str(corpus))
    assert result.code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_the_corpus_page_lists_every_domain(
    page: Any, site: str, demo_archive: tuple[Path, DemoManifest], shots: Path
) -> None:
    page.goto(site)
    listed = page.locator("table.domains td.domain a").all_inner_texts()
    assert listed == sorted(demo_archive[1].versions)
    assert page.locator("svg.chart").count() == 2
    page.screenshot(path=str(shots / "corpus.png"))


def test_a_bilingual_domain_shows_both_languages(page: Any, site: str, shots: Path) -> None:
    page.goto(site)
    page.get_by_role("link", name="shuangyu-tech.com").click()
    # Clicks return once the next page is on its way; layout needs its stylesheet too.
    page.wait_for_url(site + "shuangyu-tech.com/", wait_until="load")
    columns = page.locator("div.language")
    assert columns.locator("h3").all_inner_texts() == ["en", "zh"]
    # side by side: the two columns share a row
    en, zh = (columns.nth(i).bounding_box() for i in range(2))
    assert en["y"] == zh["y"] and en["x"] + en["width"] <= zh["x"]
    assert page.locator("svg.timeline g.track").count() == 2
    page.screenshot(path=str(shots / "domain-bilingual.png"))


def test_the_timeline_has_a_bar_per_version(
    page: Any, site: str, demo_archive: tuple[Path, DemoManifest], shots: Path
) -> None:
    page.goto(site + "acme-shop.com/")
    expected = demo_archive[1].versions["acme-shop.com"]
    bars = page.locator("svg.timeline a.version")
    assert bars.count() == len(expected) == 3
    assert page.locator("table.versions tr.version").count() == len(expected)
    firsts = page.locator("table.versions tr.version td:nth-child(2)").all_inner_texts()
    assert firsts == [v.first_seen for v in expected]
    page.screenshot(path=str(shots / "domain.png"), full_page=True)


def test_a_diff_shows_the_sentences_added_and_removed(
    page: Any, site: str, corpus: Path, shots: Path
) -> None:
    texts = {
        r["version"]: r["text"]
        for r in exported(corpus)
        if r["domain"] == "acme-shop.com" and r["lang"] == "en"
    }
    page.goto(site + "acme-shop.com/privacy/en/v2")
    form = page.locator("form.compare")
    form.locator("select[name=from]").select_option("1")
    form.locator("select[name=to]").select_option("2")
    form.get_by_role("button", name="Show the diff").click()
    page.wait_for_url(site + "acme-shop.com/privacy/en/v1..v2", wait_until="load")
    old_side = "\n".join(page.locator("table.diff td.old").all_inner_texts())
    new_side = "\n".join(page.locator("table.diff td.new").all_inner_texts())
    # What a reader compares by eye: paragraphs only in v2, paragraphs only in v1.
    old_lines, new_lines = (set(texts[n].split("\n")) - {""} for n in (1, 2))
    added = [line.lstrip("#- ") for line in new_lines - old_lines]
    removed = [line.lstrip("#- ") for line in old_lines - new_lines]
    assert added and removed
    for sentence in added:
        assert sentence in new_side and sentence not in old_side
    for sentence in removed:
        assert sentence in old_side and sentence not in new_side
    inserted = page.locator("table.diff ins").all_inner_texts()
    deleted = page.locator("table.diff del").all_inner_texts()
    eea = "If you live in the European Economic Area you may ask us for a copy"
    assert any(text.startswith(eea) for text in inserted)  # a new paragraph, whole
    assert "seven" in " ".join(deleted) and "six" in " ".join(inserted)
    page.screenshot(path=str(shots / "diff.png"))
    page.get_by_role("link", name="inline").click()
    page.wait_for_url(site + "acme-shop.com/privacy/en/v1..v2?view=inline", wait_until="load")
    assert page.locator("article.diff.inline ins").count() == len(inserted)


def test_a_version_links_to_its_capture_on_the_archive(
    page: Any, site: str, corpus: Path, shots: Path
) -> None:
    record = next(
        r for r in exported(corpus) if r["domain"] == "oldtable.org" and r["version"] == 2
    )
    page.goto(site + "oldtable.org/privacy/en/v2")
    link = page.locator("article.policy .provenance a")
    assert link.inner_text() == "original snapshot on the Wayback Machine"
    assert link.get_attribute("href") == record["archive_url"]
    # The same words as the version file's first line, its link shown as its text.
    first_line = (corpus / record["path"]).read_text(encoding="utf-8").splitlines()[0]
    expected = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", first_line).lstrip("> ").strip("*")
    assert page.locator("article.policy .provenance").inner_text().strip() == expected
    page.screenshot(path=str(shots / "version.png"))


def test_search_finds_a_phrase(
    page: Any, site: str, demo_archive: tuple[Path, DemoManifest], shots: Path
) -> None:
    page.goto(site)
    phrase = "kept in a locked cabinet"  # oldtable.org's first version only
    page.get_by_role("searchbox").fill(phrase)
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url(re.compile(re.escape(site) + r"search\?q=.+"), wait_until="load")
    hits = page.locator("ol.text-hits li a")
    assert hits.all_inner_texts() == ["oldtable.org · privacy · en · v1"]
    assert page.locator("ol.text-hits mark").first.inner_text().lower() == phrase
    hits.first.click()
    page.wait_for_url(site + "oldtable.org/privacy/en/v1", wait_until="load")
    assert phrase in page.locator("article.policy").inner_text()
    page.screenshot(path=str(shots / "search.png"))
