"""The policy check against the project's own labelled pages (tests/corpus/fixtures).

Every page there was written for this project: policies of small businesses, clubs,
apps and public bodies, and the pages that pose as them in the archive (soft-404s,
the Wayback Machine's own errors, login and cookie walls, parked domains and the
registrar policy served on them, home pages, placeholders, link pages, terms, news).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from corpus.decoding import decode_html
from corpus.extraction import Extracted
from corpus.models import ROLE_POLICY, RawCapture
from corpus.policy import check_policy
from corpus.process import extract_policy, process_capture
from localarchive.languages import LANGUAGES, SiteLanguage, policy_page

FIXTURES = Path(__file__).parent / "fixtures" / "policy_pages"
POLICY = "policy"


@dataclass(frozen=True)
class Labelled:
    file: str
    lang: str
    url: str
    expected: str


def labelled_pages() -> list[Labelled]:
    with (FIXTURES / "labels.csv").open(encoding="utf-8", newline="") as handle:
        return [Labelled(**row) for row in csv.DictReader(handle)]


def verdict(page: Labelled) -> str:
    html = decode_html((FIXTURES / page.file).read_bytes()).text
    return check_policy(extract_policy(html, page.url, "privacy"), "privacy", page.url) or POLICY


def test_the_set_is_large_and_multilingual() -> None:
    pages = labelled_pages()
    assert len(pages) >= 60
    assert len({p.lang for p in pages}) >= 6
    positives = [p for p in pages if p.expected == POLICY]
    assert 0.3 < len(positives) / len(pages) < 0.7
    assert {p.file for p in pages} == {f.name for f in FIXTURES.glob("*.html")}


def test_precision_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    pages = labelled_pages()
    got = {p.file: verdict(p) for p in pages}
    tp = sum(1 for p in pages if p.expected == POLICY and got[p.file] == POLICY)
    fp = sum(1 for p in pages if p.expected != POLICY and got[p.file] == POLICY)
    fn = sum(1 for p in pages if p.expected == POLICY and got[p.file] != POLICY)
    negatives = [p for p in pages if p.expected != POLICY]
    named = sum(1 for p in negatives if got[p.file] == p.expected)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    with capsys.disabled():
        print(
            f"\npolicy check on {len(pages)} labelled pages: precision {precision:.3f}, "
            f"recall {recall:.3f}, rejections with the expected reason {named}/{len(negatives)}"
        )
    wrong = {
        p.file: got[p.file] for p in pages if (got[p.file] == POLICY) != (p.expected == POLICY)
    }
    assert precision >= 0.97 and recall >= 0.90, wrong


@pytest.mark.parametrize(
    "page", [p for p in labelled_pages() if p.expected != POLICY], ids=lambda p: p.file
)
def test_each_rejection_names_its_reason(page: Labelled) -> None:
    assert verdict(page) == page.expected


def test_the_registrar_publishes_its_own_policy_rightly() -> None:
    page = next(p for p in labelled_pages() if p.file == "en-parked-registrar.html")
    own = Labelled(page.file, page.lang, "https://www.godaddy.com/legal/privacy", page.expected)
    assert verdict(own) == POLICY


def test_a_parking_companys_policy_linked_from_a_parked_domain_is_not_the_sites() -> None:
    """A parked domain links to the parking company's policy for parked pages: a privacy
    policy, but of nobody who ran the site. Its address says what it is for."""
    page = next(p for p in labelled_pages() if p.expected == POLICY and p.lang == "en")
    html = decode_html((FIXTURES / page.file).read_bytes()).text
    elsewhere = "https://www.parkhost.example/legal/show?doc=privacy_parkedpage"
    extracted = extract_policy(html, elsewhere, "privacy")
    assert check_policy(extracted, "privacy", elsewhere, "sunnydalebikes.com") == "parked_domain"
    # the parking company's own site publishes it rightly, and a site's own page about
    # its car park is its own
    assert check_policy(extracted, "privacy", elsewhere, "parkhost.example") is None
    own = "https://www.citycarpark.example/parking/privacy"
    assert (
        check_policy(extract_policy(html, own, "privacy"), "privacy", own, "citycarpark.example")
        is None
    )


def _extracted(html: str, url: str) -> Extracted:
    return extract_policy(html, url, "privacy")


def test_a_hobby_sites_whole_policy_in_fifty_words_is_a_policy() -> None:
    html = (
        "<html><head><title>Privacy Policy</title></head><body><h1>Privacy Policy</h1>"
        "<p>Knit Club may ask you for personal information such as your name and email "
        "address when you join the mailing list. We use it only to send the newsletter, "
        "keep it confidential and never share it with any third party without your "
        "permission. Write to us to have it deleted.</p></body></html>"
    )
    url = "http://www.knitclub.example/privacy.html"
    assert check_policy(_extracted(html, url), "privacy", url) is None


def test_a_policy_summary_offering_a_translation_is_not_a_link_page() -> None:
    """`click here` for another language does not make a 300-word summary a pointer."""
    sections = "".join(
        f"<h2>{title}</h2><p>{text}</p>"
        for title, text in [
            ("Personal Information", "We collect personal information when you register, "
             "make a purchase or contact us, such as your name, postal address and email."),
            ("How we use it", "We use your information to run and improve our services, "
             "to answer your requests and to send the messages you asked for."),
            ("Sharing", "We do not sell or rent your personal information to third parties; "
             "we share it only with your permission or when the law requires it."),
            ("Cookies", "Our pages use cookies to remember your settings. You can manage "
             "cookies in your browser and opt out of interest-based advertising."),
            ("Contact", "Questions about this notice: privacy@portal.example, 1 Main Street."),
        ]
    )  # fmt: skip
    html = (
        "<html><head><title>Privacy Policy Highlights</title></head><body>"
        "<h1>Privacy Policy Highlights</h1><p>This notice gives the highlights of our full "
        "privacy policy. Para leer este documento en español haga clic aquí.</p>"
        f"{sections}</body></html>"
    )
    url = "http://www.portal.example/privacy"
    assert check_policy(_extracted(html, url), "privacy", url) is None
    moved = (
        "<html><body><h1>Privacy Policy</h1><p>Our privacy policy has moved. Click here "
        "to read it on our new site.</p></body></html>"
    )
    assert check_policy(_extracted(moved, url), "privacy", url) == "link_only"


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda lang: lang.lang)
def test_a_small_sites_policy_reads_as_one_in_each_language(language: SiteLanguage) -> None:
    body = policy_page(language, "Atelier", "privacy@atelier.example", "2015")
    url = "https://www.atelier.example" + quote(language.path)
    capture = RawCapture(
        domain="atelier.example",
        kind="privacy",
        role=ROLE_POLICY,
        url=url,
        timestamp="20150615120000",
        archive_url=url,
        digest="-",
        headers=(("Content-Type", "text/html; charset=utf-8"),),
        body=body,
    )
    processed = process_capture(capture)
    assert processed.drop_reason is None
    assert [d.lang for d in processed.documents] == [language.lang]
