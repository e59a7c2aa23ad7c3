"""Policy names as people write them: scored paths and anchors in many languages, and the
one regular expression a CDX server can filter a whole domain's listing with."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from crawler.discovery import KINDS, anchor_score, path_hint_regex, path_score, policy_links
from crawler.policy_terms import GROUPS, NAME, WEAK, WORD, fold, forms, words
from localarchive.cdx import CdxQuery, search
from localarchive.languages import LANGUAGES, SiteLanguage, home_page
from localarchive.warcs import index_warcs
from localarchive.worlds import Page, write_world

# The addresses the issue names, as sites write them.
ISSUE_PATHS = [
    "/protection-des-donnees-personnelles",
    "/protection-donnees-personnelles",
    "/donnees-personnelles",
    "/datenschutzerklaerung",
    "/Datenschutzerklärung.html",
    "/informativa-privacy",
    "/aviso-de-privacidad",
    "/polityka-prywatnosci",
    "/gizlilik-politikasi",
    "/politika-konfidencialnosti",
    "/politika-konfidentsialnosti",
    "/privacyverklaring",
    "/integritetspolicy",
    "/tietosuojaseloste",
    "/個人情報保護方針",
    "/개인정보처리방침",
    "/隐私政策",
    "/PrivacyPolicy.aspx",
    "/legal/privacy_policy.php",
    "/fr/politique-de-confidentialite/",
    "/politiki-aporritou",
    "/chinh-sach-bao-mat",
    "/kebijakan-privasi",
]


@pytest.mark.parametrize("path", ISSUE_PATHS)
def test_the_names_sites_give_their_policy_address_are_policy_names(path: str) -> None:
    url = "https://www.example.com" + path
    assert path_score(url, "privacy") == 3
    # the same address percent-encoded, upper-case hex as IA writes it, or lower case
    encoded = "https://www.example.com" + quote(path)
    assert path_score(encoded, "privacy") == 3
    assert path_score(encoded.lower(), "privacy") == 3


@pytest.mark.parametrize(
    ("url", "score"),
    [
        ("https://a.com/datenschutzhinweise-fuer-kunden", 2),  # a name inside a compound
        ("https://a.com/legal/privacy-and-cookies-2021", 2),
        ("https://a.com/ShowDoc.aspx?pageid=privacy_policy", 2),  # named in the query only
        ("https://a.com/c?p=privacy", 2),
        ("https://a.com/legal", 1),  # the folder of every legal page
        ("https://a.com/privacy/faq", 1),
        ("https://a.com/politique-de-retour", 0),  # the returns policy of a French shop
        ("https://a.com/photos/tos-2019.jpg", 0),  # `tos` only as a word of its own
        ("https://a.com/agbeko-family", 0),
        ("https://a.com/terms", 0),
    ],
)
def test_path_scores_weigh_the_evidence(url: str, score: int) -> None:
    assert path_score(url, "privacy") == score


def test_terms_and_cookies_have_their_own_names() -> None:
    assert path_score("https://a.de/agb", "terms") == 3
    assert path_score("https://a.fr/cgu", "terms") == 3
    assert path_score("https://a.pl/regulamin", "terms") == 3
    assert path_score("https://a.com/photos", "terms") == 0
    assert path_score("https://a.com/cookie-policy", "cookies") == 3
    assert path_score("https://a.com/privacy", "cookies") == 0


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda lang: lang.lang)
def test_each_languages_footer_names_the_policy_and_nothing_else(language: SiteLanguage) -> None:
    assert anchor_score(language.anchor, "privacy") == 3
    assert path_score("https://www.a.com" + quote(language.path), "privacy") >= 2
    # about, contact and the terms sit in the same footer: none of them is the policy
    for label in language.footer:
        assert anchor_score(label, "privacy") == 0, label
    html = home_page(language, "Atelier", "2015", quote(language.path))
    links = [link.url for link in policy_links(html, "https://www.a.com/", "a.com", "privacy")]
    assert links == ["https://www.a.com" + quote(language.path)]


def test_the_table_covers_the_web_s_languages_each_group_with_a_reason() -> None:
    privacy = {g.lang for g in GROUPS if g.kind == "privacy" and g.strength >= WORD}
    assert len(privacy) >= 25
    for group in GROUPS:
        assert group.kind in KINDS
        assert group.strength in (NAME, WORD, WEAK)
        assert group.reason.strip() and group.terms
        assert all(t == t.strip() and t for t in group.terms)


def test_folding_and_transliteration_as_sites_write_names() -> None:
    assert fold("Données Personnelles") == "donnees personnelles"
    assert fold("Straße Łódź Ærø Gizlilik Politikası") == "strasse lodz aero gizlilik politikasi"
    assert "datenschutzerklaerung" in forms("Datenschutzerklärung")
    assert {"konfidentsialnosti", "konfidencialnosti"} <= {
        f.split()[-1] for f in forms("политика конфиденциальности")
    }
    assert "politiki aporritou" in forms("πολιτική απορρήτου")
    # Indic and Thai vowel signs belong to their words: not dropped as accents
    assert fold("गोपनीयता") == "गोपनीयता"
    assert fold("ความเป็นส่วนตัว") == "ความเป็นส่วนตัว"
    assert words("OurPrivacyPolicy_v2") == ("privacy", "policy", "v2")


# -- the server-side filter ----------------------------------------------------------


def _addresses(kind: str) -> list[str]:
    """Every name of the table as an address: as written, folded, each spelling, with
    hyphens or underscores, percent-encoded in upper and lower case, in a longer path."""
    urls = []
    for group in GROUPS:
        if group.kind != kind or group.strength < WORD:
            continue
        for term in group.terms:
            for form in {*forms(term), fold(term)}:
                for joiner in ("-", "_", ""):
                    path = joiner.join(form.split())
                    for shown in (path, path.title(), quote(path), quote(path).lower()):
                        urls.append(f"https://www.example.com/en/{shown}.html?x=1")
                        urls.append(f"http://example.com/legal/our-{shown}")
    return urls


@pytest.mark.parametrize("kind", ["privacy", "terms", "cookies"])
def test_the_path_hint_regex_lets_through_every_name_the_scorer_accepts(kind: str) -> None:
    regex = path_hint_regex(kind)
    assert regex.startswith("(?i).*") and regex.endswith(".*")
    # a few KB: it travels in the CDX request's query string, percent-encoded
    assert len(quote(regex, safe="")) < 4000, len(regex)
    pattern = re.compile(regex)
    missed = [
        url for url in _addresses(kind) if path_score(url, kind) >= 2 and not pattern.fullmatch(url)
    ]
    assert missed == []


def test_the_path_hint_regex_keeps_most_of_a_site_out() -> None:
    pattern = re.compile(path_hint_regex("privacy"))
    site = [
        "https://www.shop.com/",
        "https://www.shop.com/products/blue-kettle",
        "https://www.shop.com/blog/2019/05/spring-sale",
        "https://www.shop.com/about-us",
        "https://www.shop.com/contact",
        "https://www.shop.com/terms-of-service",
        "https://www.shop.com/category/kitchen?page=3",
    ]
    assert [url for url in site if pattern.fullmatch(url)] == []
    assert pattern.fullmatch("https://www.shop.com/pages/privacy-policy")


JAVA_CHECK = """
import java.nio.file.*;
import java.util.regex.Pattern;
public class HintCheck {
  public static void main(String[] args) throws Exception {
    Pattern p = Pattern.compile(new String(Files.readAllBytes(Paths.get(args[0])), "UTF-8"));
    for (String url : Files.readAllLines(Paths.get(args[1]))) {
      System.out.println(p.matcher(url).matches() ? "1" : "0");
    }
  }
}
"""


@pytest.mark.skipif(
    shutil.which("java") is None, reason="no Java runtime to compile the regex with"
)
def test_the_path_hint_regex_means_the_same_in_java(tmp_path: Path) -> None:
    """IA's CDX server is Java: the expression must compile there and match the same."""
    urls = [*_addresses("privacy")[::7], "https://www.shop.com/products/blue-kettle"]
    regex = path_hint_regex("privacy")
    (tmp_path / "HintCheck.java").write_text(JAVA_CHECK, encoding="utf-8")
    (tmp_path / "regex.txt").write_text(regex, encoding="utf-8")
    (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    done = subprocess.run(
        ["java", str(tmp_path / "HintCheck.java"), "regex.txt", "urls.txt"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    pattern = re.compile(regex)
    expected = ["1" if pattern.fullmatch(url) else "0" for url in urls]
    assert done.stdout.split() == expected
    assert expected.count("1") == len(urls) - 1


def test_a_domain_listing_filtered_by_the_hint_sends_the_policy_not_the_site(
    tmp_path: Path,
) -> None:
    """Through the local archive's CDX filter (Python `re`, whole field, as IA's): of a
    site of 2,000 articles and a policy captured 24 times (moved once, in French and
    percent-encoded), the listing sends the policy's rows only."""
    pages = [
        Page(
            f"https://www.journal.example/2019/article-{n}-spring-news",
            (datetime(2019, 1, 1) + timedelta(hours=n)).strftime("%Y%m%d%H%M%S"),
            b"x",
        )
        for n in range(2000)
    ]
    policy = ["/privacy.html", "/fr/" + quote("confidentialité")]
    for n in range(24):
        path = policy[n // 12]
        pages.append(
            Page(
                f"https://www.journal.example{path}",
                f"{2005 + n // 2}{1 + n % 2:02d}01000000",
                b"p",
            )
        )
    write_world(tmp_path, pages)
    index = index_warcs(tmp_path)
    query = CdxQuery.from_params(
        {
            "url": ["journal.example"],
            "matchType": ["domain"],
            "filter": ["original:" + path_hint_regex("privacy")],
        }
    )
    rows = search(index, query).rows
    assert len(index) == 2024
    assert sorted({row.original for row in rows}) == sorted(
        f"https://www.journal.example{p}" for p in policy
    )
    assert len(rows) == 24
