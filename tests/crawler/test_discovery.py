from __future__ import annotations

import re

import pytest

from crawler.discovery import (
    DomainError,
    canonical_url,
    host_in_domain,
    is_homepage,
    normalise_domain,
    path_hint_regex,
    path_score,
    policy_links,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("example.com", "example.com"),
        ("WWW.Example.COM", "example.com"),
        ("https://www.example.com/", "example.com"),
        ("example.com/", "example.com"),
        ("bücher.de", "xn--bcher-kva.de"),
    ],
)
def test_domains_users_type(raw: str, expected: str) -> None:
    assert normalise_domain(raw) == expected


@pytest.mark.parametrize("raw", ["not a domain", "../../etc", "", "localhost", "1.2.3.4", "-a.com"])
def test_not_domains(raw: str) -> None:
    with pytest.raises(DomainError):
        normalise_domain(raw)


def test_look_alike_domains_are_not_the_domain() -> None:
    assert host_in_domain("www.acme-shop.com", "acme-shop.com")
    assert host_in_domain("shop.acme-shop.com", "acme-shop.com")
    assert not host_in_domain("acme-shop-deals.com", "acme-shop.com")
    assert not host_in_domain("acme-shop.com.evil.net", "acme-shop.com")


def test_canonical_urls_merge_variants_of_one_page() -> None:
    variants = [
        "http://www.example.com/Privacy/",
        "https://example.com/privacy",
        "https://example.com:443/privacy?utm_source=x&sessionid=1",
        "http://www2.example.com/privacy#top",
        "http://example.com/privacy;jsessionid=ABC",
    ]
    assert {canonical_url(v) for v in variants} == {"example.com/privacy"}
    assert canonical_url("http://a.com/p?lang=de") != canonical_url("http://a.com/p?lang=en")


@pytest.mark.parametrize(
    ("url", "score"),
    [
        ("https://a.com/privacy", 3),
        ("https://a.com/privacy-policy.html", 3),
        ("https://a.com/legal/datenschutz", 3),
        ("https://a.com/fr/confidentialite", 3),
        ("https://a.com/our-privacy-promise", 2),
        ("https://a.com/隐私政策", 3),  # the name itself, as Chinese sites write it
        ("https://a.com/privacy/en/", 3),
        ("https://a.com/products", 0),
        ("https://a.com/", 0),
    ],
)
def test_path_scores(url: str, score: int) -> None:
    assert path_score(url, "privacy") == score


def test_homepages() -> None:
    assert is_homepage("http://www.a.com/")
    assert is_homepage("http://www.a.com")
    assert is_homepage("http://www.a.com/index.html")
    assert not is_homepage("http://www.a.com/?page=2")
    assert not is_homepage("http://www.a.com/about")


def test_policy_links_by_anchor_text_say_which_leave_the_domain() -> None:
    html = """<html><body>
      <a href="/legal/p7.html">Privacy Policy</a>
      <a href="datenschutz.html">Impressum &amp; Datenschutz</a>
      <a href="https://partner-ads.net/privacy">Partner privacy</a>
      <a href="https://www.acme.com/about">About</a>
      <a href="mailto:privacy@acme.com">privacy@acme.com</a>
      <a href="http://[bad/privacy">Privacy</a>
    </body></html>"""
    links = {
        (link.url, link.off_domain)
        for link in policy_links(html, "https://www.acme.com/", "acme.com", "privacy")
    }
    assert links == {
        ("https://www.acme.com/legal/p7.html", False),
        ("https://www.acme.com/datenschutz.html", False),
        ("https://partner-ads.net/privacy", True),
    }


HINTED = [
    "https://www.example.com/privacy",
    "http://example.com/Privacy-Policy.html",
    "https://example.com/legal/datenschutzerklaerung?lang=de",
    "https://example.com/%E9%9A%90%E7%A7%81",  # 隐私, as captured: percent-encoded
    "https://example.com/%e9%9a%90%e7%a7%81/",
    "https://example.com/隐私",
    "https://example.com/fr/confidentialite",
]
# The expression may let through more than the scorer accepts (a host or a query naming
# privacy: `ShowDoc.aspx?pageid=privacy` is a real policy address); the client scores
# what comes back. Ordinary pages stay out.
NOT_HINTED = [
    "https://www.example.com/",
    "https://example.com/news/2019/article-42.html",
    "https://example.com/terms",
]


def test_the_path_hint_regex_matches_policy_paths_and_nothing_else() -> None:
    pattern = path_hint_regex("privacy")
    # the archive's filter must match the whole field (IA: Java's matches())
    compiled = re.compile(pattern)
    for url in HINTED:
        assert compiled.fullmatch(url), url
    for url in NOT_HINTED:
        assert not compiled.fullmatch(url), url
    # IA's CDX server is Java: an inline flag only at the start, no Python-only syntax
    assert pattern.startswith("(?i)") and "(?P" not in pattern


# The anchor texts the issue names, one per language (15+ languages in all).
ISSUE_ANCHORS = [
    "Privacy Policy",
    "Privacy statement",
    "Datenschutzerklärung",
    "Politique de confidentialité",
    "Política de privacidad",
    "Informativa sulla privacy",
    "隐私政策",
    "プライバシーポリシー",
    "개인정보처리방침",
    "Политика конфиденциальности",
    "Política de privacidade",
    "Privacybeleid",
    "Polityka prywatności",
    "Gizlilik politikası",
    "Integritetspolicy",
    "Tietosuojaseloste",
    "Kebijakan privasi",
    "سياسة الخصوصية",
    "Data protection",
]


@pytest.mark.parametrize("anchor", ISSUE_ANCHORS)
def test_policy_anchors_in_many_languages(anchor: str) -> None:
    html = f'<html><body><a href="/x/y">{anchor}</a><a href="/shop">Shop</a></body></html>'
    links = list(policy_links(html, "https://www.example.com/", "example.com", "privacy"))
    assert [link.url for link in links] == ["https://www.example.com/x/y"]
