"""Is this text a policy of the requested kind? A named reason when it is not."""

from __future__ import annotations

import re

from corpus.extraction import Extracted

MIN_WORDS = 120  # shorter than any real policy; longer than most error and teaser pages
MIN_CJK_CHARS = 300

_NOT_FOUND = re.compile(
    r"\b(404|page not found|not found|page (you requested |you were looking for )?"
    r"(could|can) ?not be found|no longer exists|does not exist|doesn't exist|"
    r"seite nicht gefunden|nicht gefunden|page introuvable|page non trouvée|"
    r"página no encontrada|pagina non trovata|pagina niet gevonden|página não encontrada)\b|"
    r"页面不存在|找不到|ページが見つかりません|페이지를 찾을 수 없",
    re.IGNORECASE,
)

KIND_TERMS: dict[str, re.Pattern[str]] = {
    "privacy": re.compile(
        r"privacy|personal (data|information)|datenschutz|personenbezogen|"
        r"données personnelles|confidentialité|vie privée|datos personales|privacidad|"
        r"dados pessoais|privacidade|persoonsgegevens|dati personali|riservatezza|"
        r"personuppgifter|personopplysninger|henkilötie|dane osobowe|osobní údaje|"
        r"kişisel veri|персональн|конфиденциальн|隐私|隱私|个人信息|個人情報|プライバシー|개인정보",
        re.IGNORECASE,
    ),
    "terms": re.compile(
        r"terms|conditions|nutzungsbedingungen|agb|conditions générales|términos|termos|"
        r"voorwaarden|condizioni|利用規約|服务条款|이용약관",
        re.IGNORECASE,
    ),
    "cookies": re.compile(r"cookie", re.IGNORECASE),
}


def check_policy(extracted: Extracted, kind: str) -> str | None:
    """None when the text reads as a `kind` policy, else the reason it does not."""
    text = extracted.markdown
    if not text.strip():
        return "empty"
    head = " ".join([extracted.title, *text.splitlines()[:6]])
    if _NOT_FOUND.search(head):
        return "not_found_page"
    words = len(text.split())
    cjk = sum(1 for char in text if "\u3040" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af")
    if words < MIN_WORDS and cjk < MIN_CJK_CHARS:
        return "too_short"
    if not KIND_TERMS[kind].search(head) and len(KIND_TERMS[kind].findall(text)) < 3:
        return f"not_{kind}_policy"
    return None
