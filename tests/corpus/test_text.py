from __future__ import annotations

import pytest

from corpus.decoding import decode_html
from corpus.extraction import extract_markdown
from corpus.language import detect_language
from corpus.normalise import normalise_text
from corpus.policy import check_policy
from corpus.render import provenance_line, safe_segment, version_path

POLICY_PARAGRAPHS = "\n".join(
    f"<p>Paragraph {i}: we collect personal data such as your name, address and e-mail "
    f"when you place an order, and we keep it only as long as the law requires us to.</p>"
    for i in range(12)
)
MODERN = f"""<html><head><title>Privacy Policy | Acme</title></head><body>
<header><nav><a href="/">Home</a> <a href="/shop">Shop our catalogue</a></nav></header>
<div id="cookie-banner">We use cookies to improve your experience. Accept all</div>
<main><h1>Privacy Policy</h1>{POLICY_PARAGRAPHS}
<h2>Your rights</h2><ul><li>You may ask for a copy of your data.</li>
<li>You may ask us to delete it.</li></ul></main>
<aside class="newsletter-box"><p>Subscribe to our weekly newsletter for deals!</p></aside>
<footer>Page generated on 2019-03-02 10:00. Visitors: 12345</footer></body></html>"""


def test_decoding_order() -> None:
    assert decode_html("accéder".encode()).step == "utf-8"
    latin = "accéder".encode("latin-1")
    decoded = decode_html(latin, "text/html; charset=iso-8859-1")
    assert (decoded.text, decoded.step) == ("accéder", "declared")
    assert decode_html(b"\xef\xbb\xbfhi").step == "bom"
    assert decode_html(latin).text == "accéder"  # undeclared legacy bytes: cp1252


def test_extraction_keeps_policy_and_drops_boilerplate() -> None:
    extracted = extract_markdown(MODERN)
    text = extracted.markdown
    assert text.startswith("# Privacy Policy")
    assert "## Your rights" in text
    assert "- You may ask us to delete it." in text
    for boilerplate in (
        "Shop our catalogue",
        "We use cookies",
        "newsletter",
        "Visitors",
        "generated",
    ):
        assert boilerplate not in text


def test_extraction_is_repeatable_in_one_process() -> None:
    # trafilatura's own dedupe cache would empty the second call.
    assert extract_markdown(MODERN).markdown == extract_markdown(MODERN).markdown != ""


def test_policy_check() -> None:
    assert check_policy(extract_markdown(MODERN), "privacy") is None
    not_found = MODERN.replace("<h1>Privacy Policy</h1>", "<h1>Page not found</h1>")
    assert check_policy(extract_markdown(not_found), "privacy") == "not_found_page"
    short = "<html><body><h1>Privacy</h1><p>Coming soon.</p></body></html>"
    assert check_policy(extract_markdown(short), "privacy") == "coming_soon"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("We collect your personal data when you use our services and we protect it. " * 5, "en"),
        (
            "Wir verarbeiten personenbezogene Daten nur im Rahmen der gesetzlichen Vorgaben. " * 5,
            "de",
        ),
        (
            "我们非常重视您的个人信息和隐私保护。我们会按照法律法规的规定处理您的个人信息。" * 3,
            "zh",
        ),
        (
            "お客様の個人情報は、適切に管理いたします。プライバシーポリシーをご確認ください。" * 3,
            "ja",
        ),
        ("개인정보처리방침은 회사가 이용자의 개인정보를 보호하기 위한 것입니다." * 3, "ko"),
        ("123 456", "und"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_normalisation_ignores_spacing_but_keeps_structure() -> None:
    a = "# Title\n\n\n\nSome  text\u00a0here.  \n  - nested item"
    assert normalise_text(a) == "# Title\n\nSome text here.\n  - nested item"
    assert normalise_text("Cafe\u0301") == normalise_text("Café")


def test_provenance_line_in_the_reference_corpus_words() -> None:
    url = "https://web.archive.org/web/20190624190612id_/https%3A//www.example.com/privacy"
    assert provenance_line("example.com", "privacy", "2019-06-24", url) == (
        "> *The following text is extracted and transformed from the example.com privacy policy "
        "that was archived on 2019-06-24. Please check the [original snapshot on the Wayback "
        f"Machine]({url}) for the most accurate reproduction.*"
    )


def test_version_paths_are_safe_whatever_the_input() -> None:
    assert version_path("example.com", "privacy", "en", "2019-06-24", 1) == (
        "corpus/example.com/privacy/en/2019-06-24.md"
    )
    assert version_path("example.com", "privacy", "en", "2019-06-24", 2).endswith("2019-06-24-2.md")
    assert safe_segment("../../etc/passwd") == "etc-passwd"
    assert safe_segment("..") == "_"


def test_a_bilingual_title_is_not_repeated_by_the_section_heading() -> None:
    from corpus.models import ROLE_POLICY, RawCapture
    from corpus.process import process_capture

    english = "".join(
        f"<p>We keep the personal data of our customers safe, paragraph {i}, and we explain "
        "here how we collect, use and share it when you use our sensors.</p>"
        for i in range(8)
    )
    chinese = "".join(
        f"<p>我们非常重视客户的个人信息安全，第{i}段说明我们在您使用传感器时如何收集、使用和共享这些信息。</p>"
        for i in range(8)
    )
    html = (
        "<html><body><main><h1>Privacy Policy 隐私政策</h1><h2>About this policy</h2>"
        f"{english}<h2>隐私政策</h2>{chinese}</main></body></html>"
    )
    capture = RawCapture(
        domain="a.com",
        kind="privacy",
        role=ROLE_POLICY,
        url="https://a.com/privacy",
        timestamp="20160101000000",
        archive_url="http://arch/web/20160101000000id_/https://a.com/privacy",
        digest="X",
        headers=(("Content-Type", "text/html; charset=utf-8"),),
        body=html.encode("utf-8"),
    )
    documents = {d.lang: d.text for d in process_capture(capture).documents}
    assert set(documents) == {"en", "zh"}
    assert documents["zh"].startswith("# 隐私政策\n\n我们非常重视")
    assert documents["zh"].count("隐私政策") == 1
    assert documents["en"].startswith("# Privacy Policy\n\n## About this policy")
