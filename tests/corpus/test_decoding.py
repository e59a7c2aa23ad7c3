"""Decoding: BOM, strict UTF-8, declared charset, detection, then word-level repair."""

from __future__ import annotations

import pytest

from corpus.decoding import decode_html

FRENCH = (
    "Vous pouvez à tout moment accéder à vos données personnelles, les rectifier ou demander "
    "leur effacement. Nous répondons dans un délai d’un mois à compter de votre demande."
)


def test_utf8_declared_as_latin1_is_read_as_utf8() -> None:
    decoded = decode_html(FRENCH.encode(), "text/html; charset=iso-8859-1")
    assert (decoded.text, decoded.step) == (FRENCH, "utf-8")


def test_cp1252_declared_as_utf8_is_detected() -> None:
    body = f"<html><head><meta charset='utf-8'></head><body><p>{FRENCH}</p></body></html>"
    decoded = decode_html(body.encode("cp1252"), "text/html; charset=UTF-8")
    assert decoded.step == "detected"
    assert FRENCH in decoded.text


def test_declared_legacy_charset_decides() -> None:
    latin = "accéder".encode("latin-1")
    decoded = decode_html(latin, "text/html; charset=iso-8859-1")
    assert (decoded.text, decoded.step, decoded.encoding) == ("accéder", "declared", "cp1252")


def test_bom_comes_first() -> None:
    assert decode_html(b"\xef\xbb\xbfhi").step == "bom"
    assert decode_html("hé".encode("utf-16")).text == "hé"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (
            "我们非常重视您的个人信息和隐私保护。我们会按照法律法规的规定处理您的个人信息，并采取相应的安全保护措施。",
            "gbk",
        ),
        (
            "我們非常重視您的個人資料與隱私保護。我們會依照法律規定處理您的個人資料，並採取適當的安全措施。",
            "big5",
        ),
        (
            "お客様の個人情報は、適切に管理いたします。当社は、お客様の個人情報を第三者に提供することはありません。",
            "shift_jis",
        ),
        (
            "회사는 이용자의 개인정보를 소중히 여기며 관련 법령을 준수합니다. 수집된 개인정보는 목적 외로 이용되지 않습니다.",
            "euc-kr",
        ),
    ],
)
def test_east_asian_pages_declared_or_not(text: str, encoding: str) -> None:
    page = f"<html><head><meta charset='{encoding}'></head><body><p>{text}</p></body></html>"
    declared = decode_html(page.encode(encoding))
    assert declared.step == "declared" and text in declared.text
    bare = f"<html><body><p>{text}</p></body></html>".encode(encoding)
    detected = decode_html(bare)
    assert detected.step == "detected" and text in detected.text


def test_undeclared_western_legacy_bytes_read_as_cp1252() -> None:
    german = (
        "Wir verarbeiten Ihre personenbezogenen Daten gemäß der Datenschutz-Grundverordnung. "
        "Sie können jederzeit Auskunft über Ihre gespeicherten Daten verlangen – schriftlich."
    )
    decoded = decode_html(german.encode("cp1252"))
    assert decoded.text == german and decoded.encoding == "cp1252"


def test_mojibake_is_repaired_word_by_word() -> None:
    broken = f"{FRENCH} Pour acc√®der à vos données, écrivez-nous. Donâ€™t worry: Ã©tÃ©."
    decoded = decode_html(broken.encode())
    assert "Pour accèder à vos données" in decoded.text
    assert "Don’t worry: été." in decoded.text
    assert decoded.text.startswith(FRENCH)
    assert decoded.repaired == 3


@pytest.mark.parametrize(
    "valid",
    [
        FRENCH,
        "São Paulo, naïve café, Øresund, Łódź, İstanbul, Ærø — “quoted” ‘single’ … 50 € ± 2 °C",
        "「日本語」、全角（カッコ）！　全角スペース。ＡＢＣ１２３",
        "我们使用“Cookie”。隐私政策（2021年版）：第一条，第二条；",
        "Привет, мир — «кавычки». Ελληνικά κείμενα. עברית. العربية. हिन्दी। ไทย",
        "<p>A&amp;B &lt;tag&gt; &copy; ﬁnance ﬂow</p>",
    ],
)
def test_valid_text_is_never_changed(valid: str) -> None:
    decoded = decode_html(valid.encode())
    assert (decoded.text, decoded.repaired) == (valid, 0)
