"""Language split: one document per language, decided on blocks."""

from __future__ import annotations

import pytest

import corpus.split
from corpus.extraction import extract_markdown
from corpus.language import detect_language
from corpus.models import Document
from corpus.process import split_documents

EN = (
    "We collect the personal information you give us when you open an account, place an order or ask our support team for help.",
    "We use this information to supply our products, to process payments and to let you know about changes to your account.",
    "We share personal information only with the carriers and payment providers that need it, and we never sell it to anyone.",
    "You may ask us for a copy of the information we hold about you and ask us to correct or delete it at any time.",
)
ZH = (
    "当您开设账户、下单或向我们的客服团队寻求帮助时，我们会收集您提供给我们的个人信息。",
    "我们使用这些信息来提供产品、处理付款，并通知您账户的变更情况。",
    "我们仅与需要这些信息的承运商和支付服务商共享您的个人信息，绝不会出售给任何人。",
    "您可以随时要求我们提供我们所持有的关于您的信息副本，并要求我们更正或删除这些信息。",
)
ZH_HANT = (
    "當您開設帳戶、下單或向我們的客服團隊尋求協助時，我們會蒐集您提供給我們的個人資料。",
    "我們使用這些資料來提供產品、處理付款，並通知您帳戶的變更情況。",
    "我們僅與需要這些資料的物流業者及付款服務商共享您的個人資料，絕不會出售給任何人。",
    "您可以隨時要求我們提供我們所持有的關於您的資料副本，並要求我們更正或刪除這些資料。",
)
FR = (
    "Nous collectons les informations personnelles que vous nous donnez lorsque vous ouvrez un compte, passez une commande ou contactez notre service client.",
    "Nous utilisons ces informations pour fournir nos produits, traiter les paiements et vous informer des changements de votre compte.",
    "Nous ne partageons vos informations qu'avec les transporteurs et les prestataires de paiement qui en ont besoin, et nous ne les vendons jamais.",
    "Vous pouvez nous demander à tout moment une copie des informations que nous détenons sur vous, et nous demander de les corriger ou de les supprimer.",
)
DE = (
    "Wir erheben die personenbezogenen Daten, die Sie uns bei der Eröffnung eines Kontos, bei einer Bestellung oder bei einer Anfrage an unseren Kundendienst mitteilen.",
    "Wir verwenden diese Daten, um unsere Produkte zu liefern, Zahlungen abzuwickeln und Sie über Änderungen an Ihrem Konto zu informieren.",
    "Wir geben personenbezogene Daten nur an Versanddienstleister und Zahlungsanbieter weiter, die sie benötigen, und verkaufen sie niemals.",
    "Sie können jederzeit eine Kopie der über Sie gespeicherten Daten verlangen und deren Berichtigung oder Löschung fordern.",
)


def page(body: str, title: str = "Privacy") -> str:
    return f"<html><head><title>{title}</title></head><body><main>{body}</main></body></html>"


def paragraphs(texts: tuple[str, ...]) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def split(html: str) -> dict[str, Document]:
    documents = split_documents(extract_markdown(html))
    assert len({d.lang for d in documents}) == len(documents)
    return {d.lang: d for d in documents}


def assert_parts(docs: dict[str, Document], parts: dict[str, tuple[str, ...]]) -> None:
    assert set(docs) == set(parts)
    for lang, texts in parts.items():
        for text in texts:
            assert text in docs[lang].text, (lang, text)
        for other, others in parts.items():
            if other != lang:
                assert not any(t in docs[lang].text for t in others), (lang, other)


def test_english_then_chinese_in_sequence() -> None:
    # the shape of optokingdom.com's 2016 policy: the English text, then the Chinese one
    html = page(
        "<h1>Privacy Policy 隐私政策</h1><h2>Information we collect</h2>"
        + paragraphs(EN)
        + "<h2>隐私政策</h2><h2>我们收集的信息</h2>"
        + paragraphs(ZH)
        + "<p>Tel: +86 755 1234 5678</p>"
    )
    docs = split(html)
    assert_parts(docs, {"en": EN, "zh": ZH})
    assert docs["en"].text.startswith("# Privacy Policy\n\n## Information we collect")
    assert docs["zh"].text.startswith("# 隐私政策")
    assert docs["zh"].script == "Hans" and docs["en"].script == ""
    assert "Tel: +86" in docs["zh"].text  # a contact line follows what precedes it


def test_interleaved_english_and_chinese() -> None:
    body = "".join(
        f"<h2>Section {i} 第{i}节</h2><p>{e}</p><p>{z}</p>"
        for i, (e, z) in enumerate(zip(EN, ZH_HANT, strict=True))
    )
    docs = split(page("<h1>Privacy Policy / 隱私權政策</h1>" + body))
    assert_parts(docs, {"en": EN, "zh": ZH_HANT})
    assert "## Section 2" in docs["en"].text and "## 第2节" in docs["zh"].text
    assert docs["zh"].script == "Hant"


def test_interleaved_english_and_french() -> None:
    body = "".join(f"<p>{e}</p><p>{f}</p>" for e, f in zip(EN, FR, strict=True))
    docs = split(page("<h1>Privacy / Confidentialité</h1>" + body))
    assert_parts(docs, {"en": EN, "fr": FR})


def test_side_by_side_table_columns() -> None:
    rows = "".join(f"<tr><td>{e}</td><td>{z}</td></tr>" for e, z in zip(EN, ZH, strict=True))
    docs = split(page(f"<h1>Privacy Policy</h1><table>{rows}</table>"))
    assert_parts(docs, {"en": EN, "zh": ZH})
    assert "|" not in docs["zh"].text  # a single column left is paragraphs, not a table


def test_english_then_german() -> None:
    html = page(
        "<h1>Privacy Policy</h1>"
        + paragraphs(EN)
        + "<h2>Datenschutzerklärung</h2>"
        + paragraphs(DE)
    )
    docs = split(html)
    assert_parts(docs, {"en": EN, "de": DE})
    assert docs["de"].text.startswith("# Datenschutzerklärung")


def test_french_then_english() -> None:
    html = page(
        "<h1>POLITIQUE DE CONFIDENTIALITÉ</h1>"
        + paragraphs(FR)
        + "<h2>PRIVACY POLICY</h2><h3>Information we collect</h3>"
        + paragraphs(EN)
    )
    docs = split(html)
    assert_parts(docs, {"fr": FR, "en": EN})
    assert list(docs) == ["fr", "en"]  # in order of appearance
    assert docs["en"].text.startswith("# PRIVACY POLICY")


def test_monolingual_english_with_foreign_names_stays_one_document() -> None:
    html = page(
        "<h1>Privacy Policy</h1>"
        + paragraphs(EN)
        + "<h2>Our partners</h2><ul><li>Société Générale</li><li>Deutsche Post DHL</li>"
        "<li>株式会社サンプル</li><li>北京示例科技有限公司</li></ul>"
        + "<p>Our app is called Zuverlässig Plus in Germany and Ça Marche in France.</p>"
        + paragraphs(EN[:2])
    )
    docs = split(html)
    assert list(docs) == ["en"]
    assert "北京示例科技有限公司" in docs["en"].text


def test_french_all_caps_headings_stay_french() -> None:
    html = page(
        "<h1>POLITIQUE DE CONFIDENTIALITÉ</h1><h2>DONNÉES PERSONNELLES COLLECTÉES</h2>"
        + paragraphs(FR[:2])
        + "<h2>DURÉE DE CONSERVATION ET DROITS DES UTILISATEURS</h2>"
        + paragraphs(FR[2:])
    )
    docs = split(html)
    assert list(docs) == ["fr"]
    assert "## DURÉE DE CONSERVATION ET DROITS DES UTILISATEURS" in docs["fr"].text


@pytest.mark.parametrize("heading", ["Privacy Policy", "Cookies", "Contact us", "PRIVACY POLICY"])
def test_english_headings_are_not_polish(heading: str) -> None:
    docs = split(
        page(f"<h1>{heading}</h1>" + paragraphs(EN) + f"<h2>{heading}</h2>" + paragraphs(EN))
    )
    assert list(docs) == ["en"]
    assert f"## {heading}" in docs["en"].text


def test_script_decides_without_langdetect(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> list[tuple[str, float]]:
        raise AssertionError("langdetect called for a script that names its language")

    monkeypatch.setattr(corpus.split, "langdetect_guesses", refuse)
    docs = split(
        page(
            "<h1>개인정보처리방침</h1><p>회사는 이용자의 개인정보를 소중히 여기며 관련 법령을 준수합니다.</p>"
            * 5
        )
    )
    assert list(docs) == ["ko"]


def test_a_monolingual_page_costs_one_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = corpus.split.langdetect_guesses

    def counting(text: str) -> list[tuple[str, float]]:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(corpus.split, "langdetect_guesses", counting)
    body = "".join(f"<h2>Part {i}</h2>" + paragraphs(EN) for i in range(30))
    assert list(split(page("<h1>Privacy Policy</h1>" + body))) == ["en"]
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (" ".join(EN), "en"),
        (" ".join(DE), "de"),
        (" ".join(ZH), "zh"),
        ("お客様の個人情報は、適切に管理いたします。プライバシーポリシーをご確認ください。", "ja"),
        ("개인정보처리방침은 회사가 이용자의 개인정보를 보호하기 위한 것입니다.", "ko"),
        ("हम आपकी व्यक्तिगत जानकारी की सुरक्षा करते हैं और इसे किसी के साथ साझा नहीं करते हैं। " * 3, "hi"),
        ("123 456 https://example.com/privacy info@example.com", "und"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang
