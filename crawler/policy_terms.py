"""How people name a policy, by kind and language: the data discovery scores against (no I/O).

Each group holds the names of one kind of document in one language at one strength,
with the reason it is there:

- `NAME`: the document's whole name (`privacy policy`, `datenschutzerklärung`): a page or
  link called exactly that is the policy;
- `WORD`: the subject word sites put in addresses and footers (`privacy`, `datenschutz`):
  called exactly that, or containing it, a page is most likely the policy;
- `WEAK`: words every legal page shares (`legal`, `policies`): evidence only together
  with something else (a homepage link).

Terms are written as people write them (accents, native scripts); `forms` adds what sites
make of them in addresses: accents dropped (`données` -> `donnees`), German and Nordic
letters spelt out (`erklärung` -> `erklaerung`), Cyrillic and Greek in Latin letters in
the ways sites spell them (`конфиденциальности` -> `konfidentsialnosti`,
`konfidencialnosti`). Han, Kana, Hangul, Thai, Arabic, Hebrew and Devanagari stay as
written: sites use them as they are, percent-encoded in addresses.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

NAME = 3
WORD = 2
WEAK = 1


@dataclass(frozen=True, slots=True)
class TermGroup:
    kind: str
    lang: str
    strength: int
    reason: str
    terms: tuple[str, ...]


def _group(kind: str, lang: str, strength: int, reason: str, *terms: str) -> TermGroup:
    return TermGroup(kind, lang, strength, reason, terms)


P, T, C = "privacy", "terms", "cookies"

# fmt: off
GROUPS: tuple[TermGroup, ...] = (
    # -- privacy -----------------------------------------------------------------------------
    _group(P, "en", NAME, "the names English sites give the document",
           "privacy policy", "privacy notice", "privacy statement", "privacy center",
           "data protection policy", "data protection notice", "data privacy notice",
           "privacy and cookies", "privacy and cookie policy", "privacy info"),
    _group(P, "en", WORD, "the subject as footers and addresses write it alone",
           "privacy", "data protection", "personal data", "personal information", "privacypolicy"),
    _group(P, "de", NAME, "Datenschutzerklärung and its siblings (Hinweise, Richtlinie...)",
           "datenschutzerklärung", "datenschutzhinweise", "datenschutzrichtlinie",
           "datenschutzbestimmungen", "datenschutzinformationen", "datenschutzinformation",
           "datenschutzrichtlinien", "datenschutzerklaerung"),
    _group(P, "de", WORD, "compounded into many names: matched inside words too",
           "datenschutz", "privatsphäre", "personenbezogene daten"),
    _group(P, "fr", NAME, "French names, with and without `de`/`des` (dropped as fillers)",
           "politique de confidentialité", "protection des données personnelles",
           "politique de protection des données", "charte de confidentialité",
           "charte de protection des données personnelles", "politique vie privée",
           "déclaration de confidentialité", "données personnelles"),
    _group(P, "fr", WORD, "the subject words French footers use",
           "confidentialité", "vie privée", "protection des données", "rgpd"),
    _group(P, "es", NAME, "Spanish names (Mexico says aviso, Spain política)",
           "política de privacidad", "aviso de privacidad", "política de protección de datos",
           "protección de datos personales", "declaración de privacidad"),
    _group(P, "es", WORD, "the subject words Spanish footers use",
           "privacidad", "protección de datos", "datos personales"),
    _group(P, "pt", NAME, "Portuguese names (Brazil and Portugal)",
           "política de privacidade", "aviso de privacidade", "declaração de privacidade",
           "política de proteção de dados", "proteção de dados pessoais"),
    _group(P, "pt", WORD, "the subject words Portuguese footers use",
           "privacidade", "proteção de dados", "dados pessoais", "lgpd"),
    _group(P, "it", NAME, "Italian names: informativa is the legal term",
           "informativa privacy", "informativa sulla privacy", "informativa trattamento dati",
           "informativa sul trattamento dei dati personali", "protezione dei dati personali"),
    _group(P, "it", WORD, "the subject words Italian footers use",
           "riservatezza", "dati personali", "trattamento dei dati", "protezione dei dati"),
    _group(P, "nl", NAME, "Dutch names, written as one word",
           "privacyverklaring", "privacybeleid", "privacyreglement", "privacyvoorwaarden"),
    _group(P, "nl", WORD, "the subject words Dutch footers use",
           "gegevensbescherming", "persoonsgegevens"),
    _group(P, "pl", NAME, "Polish names",
           "polityka prywatności", "ochrona danych osobowych", "polityka ochrony danych osobowych"),
    _group(P, "pl", WORD, "the subject words Polish footers use",
           "prywatność", "prywatności", "dane osobowe", "danych osobowych", "rodo"),
    _group(P, "tr", NAME, "Turkish names (KVKK: the data protection law's notice)",
           "gizlilik politikası", "gizlilik sözleşmesi", "gizlilik bildirimi",
           "kişisel verilerin korunması", "aydınlatma metni", "gizlilik ve çerez politikası"),
    _group(P, "tr", WORD, "the subject words Turkish footers use",
           "gizlilik", "kişisel veriler", "kvkk"),
    _group(P, "ru", NAME, "Russian names",
           "политика конфиденциальности", "политика обработки персональных данных",
           "обработка персональных данных", "соглашение о конфиденциальности"),
    _group(P, "ru", WORD, "the subject words Russian footers use",
           "конфиденциальность", "конфиденциальности", "персональные данные",
           "персональных данных"),
    _group(P, "uk", NAME, "Ukrainian names",
           "політика конфіденційності", "обробка персональних даних"),
    _group(P, "uk", WORD, "the subject words Ukrainian footers use",
           "конфіденційність", "конфіденційності", "персональні дані"),
    _group(P, "bg", NAME, "Bulgarian names",
           "политика за поверителност", "защита на личните данни"),
    _group(P, "bg", WORD, "the subject words Bulgarian footers use",
           "поверителност", "лични данни"),
    _group(P, "sr", NAME, "Serbian and Croatian names, Cyrillic and Latin",
           "политика приватности", "politika privatnosti", "pravila privatnosti",
           "izjava o privatnosti", "zaštita osobnih podataka", "zaštita podataka"),
    _group(P, "sr", WORD, "the subject words Serbian and Croatian footers use",
           "приватност", "privatnost", "privatnosti", "osobni podaci", "lični podaci"),
    _group(P, "cs", NAME, "Czech names",
           "ochrana osobních údajů", "zásady ochrany osobních údajů", "zásady ochrany soukromí"),
    _group(P, "cs", WORD, "the subject words Czech footers use",
           "osobní údaje", "osobních údajů", "ochrana soukromí", "soukromí"),
    _group(P, "sk", NAME, "Slovak names",
           "ochrana osobných údajov", "zásady ochrany osobných údajov"),
    _group(P, "sk", WORD, "the subject words Slovak footers use",
           "osobné údaje", "osobných údajov", "ochrana súkromia", "súkromie"),
    _group(P, "hu", NAME, "Hungarian names",
           "adatvédelmi nyilatkozat", "adatvédelmi tájékoztató", "adatkezelési tájékoztató",
           "adatvédelmi szabályzat"),
    _group(P, "hu", WORD, "compounded into many names: matched inside words too",
           "adatvédelem", "adatvédelmi", "adatkezelés", "adatkezelési", "személyes adatok"),
    _group(P, "ro", NAME, "Romanian names",
           "politica de confidențialitate", "politica de confidentialitate",
           "protecția datelor cu caracter personal"),
    _group(P, "ro", WORD, "the subject words Romanian footers use",
           "confidențialitate", "protecția datelor", "date personale", "prelucrarea datelor"),
    _group(P, "sv", NAME, "Swedish names, written as one word",
           "integritetspolicy", "personuppgiftspolicy", "sekretesspolicy",
           "behandling av personuppgifter", "dataskyddspolicy"),
    _group(P, "sv", WORD, "the subject words Swedish footers use",
           "integritet", "personuppgifter", "dataskydd"),
    _group(P, "da", NAME, "Danish names, written as one word",
           "privatlivspolitik", "persondatapolitik", "privatlivserklæring",
           "databeskyttelsespolitik"),
    _group(P, "da", WORD, "the subject words Danish footers use",
           "privatliv", "persondata", "databeskyttelse", "personoplysninger"),
    _group(P, "no", NAME, "Norwegian names, written as one word",
           "personvernerklæring", "personvernerklaering", "personvernpolicy",
           "retningslinjer for personvern"),
    _group(P, "no", WORD, "the subject words Norwegian footers use",
           "personvern", "personopplysninger"),
    _group(P, "fi", NAME, "Finnish names, written as one word",
           "tietosuojaseloste", "tietosuojakäytäntö", "tietosuojaselosteet", "rekisteriseloste",
           "yksityisyydensuojaseloste"),
    _group(P, "fi", WORD, "compounded into many names: matched inside words too",
           "tietosuoja", "yksityisyydensuoja", "henkilötiedot"),
    _group(P, "lt", NAME, "Lithuanian names",
           "privatumo politika"),
    _group(P, "lt", WORD, "the subject words Lithuanian footers use",
           "privatumas", "asmens duomenų apsauga", "asmens duomenys"),
    _group(P, "el", NAME, "Greek names",
           "πολιτική απορρήτου", "πολιτική προστασίας δεδομένων", "προστασία προσωπικών δεδομένων"),
    _group(P, "el", WORD, "the subject words Greek footers use",
           "απόρρητο", "απορρήτου", "προσωπικά δεδομένα"),
    _group(P, "he", NAME, "Hebrew names",
           "מדיניות פרטיות", "מדיניות הפרטיות", "הצהרת פרטיות"),
    _group(P, "he", WORD, "the subject word; prefixes (ה, ב) attach to it",
           "פרטיות"),
    _group(P, "ar", NAME, "Arabic names",
           "سياسة الخصوصية", "بيان الخصوصية", "سياسة الخصوصيه"),
    _group(P, "ar", WORD, "the subject words Arabic footers use",
           "الخصوصية", "خصوصية", "حماية البيانات"),
    _group(P, "fa", NAME, "Persian names",
           "حریم خصوصی", "سیاست حفظ حریم خصوصی", "حفظ حریم خصوصی"),
    _group(P, "fa", WORD, "the subject word Persian footers use",
           "حریم"),
    _group(P, "hi", NAME, "Hindi names, and the English loan in Devanagari",
           "गोपनीयता नीति", "निजता नीति", "प्राइवेसी पॉलिसी"),
    _group(P, "hi", WORD, "the subject words Hindi footers use",
           "गोपनीयता", "निजता", "प्राइवेसी"),
    _group(P, "th", NAME, "Thai names (no spaces between words)",
           "นโยบายความเป็นส่วนตัว", "นโยบายคุ้มครองข้อมูลส่วนบุคคล"),
    _group(P, "th", WORD, "the subject words Thai footers use",
           "ความเป็นส่วนตัว", "ข้อมูลส่วนบุคคล"),
    _group(P, "vi", NAME, "Vietnamese names",
           "chính sách bảo mật", "chính sách quyền riêng tư", "chính sách bảo mật thông tin"),
    _group(P, "vi", WORD, "the subject words Vietnamese footers use",
           "quyền riêng tư", "bảo mật thông tin", "bảo mật"),
    _group(P, "id", NAME, "Indonesian and Malay names",
           "kebijakan privasi", "pemberitahuan privasi", "dasar privasi", "notis privasi"),
    _group(P, "id", WORD, "the subject words Indonesian and Malay footers use",
           "privasi", "data pribadi", "data peribadi", "perlindungan data"),
    _group(P, "zh", NAME, "Chinese names, simplified and traditional",
           "隐私政策", "隐私权政策", "隱私權政策", "隱私政策", "私隱政策", "隐私声明", "隐私条款", "个人信息保护政策", "個人資料保護"),
    _group(P, "zh", WORD, "the subject words (and their pinyin in addresses)",
           "隐私", "隱私", "私隱", "个人信息", "個人資料", "yinsi", "yinsizhengce"),
    _group(P, "ja", NAME, "Japanese names",
           "プライバシーポリシー", "個人情報保護方針", "個人情報の取り扱い", "個人情報の取扱い", "プライバシーステートメント"),
    _group(P, "ja", WORD, "the subject words (and their romaji in addresses)",
           "プライバシー", "個人情報", "kojinjoho", "kojin joho", "kojinjouhou", "kojin jouhou"),
    _group(P, "ko", NAME, "Korean names (처리방침 since 2011, 취급방침 before)",
           "개인정보처리방침", "개인정보 처리방침", "개인정보취급방침", "개인정보보호정책"),
    _group(P, "ko", WORD, "the subject word Korean footers use",
           "개인정보"),
    _group(P, "*", WEAK, "folders and links that hold every legal page, the policy among them",
           "legal", "policies", "policy", "rechtliches", "rechtliche hinweise", "juridique",
           "informations légales", "aviso legal", "note legali", "juridisch", "jurídico",
           "legal notice", "legal info", "privacy and terms"),
    # -- terms -------------------------------------------------------------------------------
    _group(T, "en", NAME, "English names",
           "terms of service", "terms of use", "terms and conditions", "conditions of use",
           "user agreement", "terms of sale"),
    _group(T, "en", WORD, "the short forms footers and addresses use",
           "terms", "tos", "tou"),
    _group(T, "de", NAME, "German names",
           "nutzungsbedingungen", "allgemeine geschäftsbedingungen", "agb"),
    _group(T, "fr", NAME, "French names",
           "conditions générales d'utilisation", "conditions générales de vente",
           "conditions générales", "cgu", "cgv", "conditions d'utilisation"),
    _group(T, "es", NAME, "Spanish names",
           "términos y condiciones", "términos de uso", "condiciones de uso",
           "condiciones generales", "términos"),
    _group(T, "pt", NAME, "Portuguese names",
           "termos de uso", "termos e condições", "termos de serviço", "termos"),
    _group(T, "it", NAME, "Italian names",
           "termini e condizioni", "condizioni d'uso", "condizioni generali",
           "termini di servizio", "condizioni"),
    _group(T, "nl", NAME, "Dutch names",
           "algemene voorwaarden", "gebruiksvoorwaarden", "voorwaarden"),
    _group(T, "pl", NAME, "Polish names",
           "regulamin", "warunki korzystania"),
    _group(T, "tr", NAME, "Turkish names",
           "kullanım koşulları", "üyelik sözleşmesi", "kullanıcı sözleşmesi"),
    _group(T, "ru", NAME, "Russian names",
           "пользовательское соглашение", "условия использования"),
    _group(T, "uk", NAME, "Ukrainian names",
           "умови використання", "угода користувача"),
    _group(T, "sv", NAME, "Nordic names",
           "användarvillkor", "villkor", "vilkår", "brugervilkår", "käyttöehdot"),
    _group(T, "cs", NAME, "Czech, Slovak and Hungarian names",
           "obchodní podmínky", "podmínky použití", "obchodné podmienky",
           "felhasználási feltételek", "ászf"),
    _group(T, "ro", NAME, "Romanian names",
           "termeni și condiții", "termeni si conditii"),
    _group(T, "el", NAME, "Greek names",
           "όροι χρήσης", "όροι και προϋποθέσεις"),
    _group(T, "ar", NAME, "Arabic, Persian and Hebrew names",
           "الشروط والأحكام", "شروط الاستخدام", "قوانین و مقررات", "شرایط استفاده", "תנאי שימוש",
           "תקנון"),
    _group(T, "hi", NAME, "Hindi and Thai names",
           "नियम और शर्तें", "उपयोग की शर्तें", "ข้อกำหนดและเงื่อนไข", "ข้อกำหนดการใช้งาน"),
    _group(T, "vi", NAME, "Vietnamese and Indonesian names",
           "điều khoản sử dụng", "điều khoản dịch vụ", "syarat dan ketentuan", "syarat penggunaan"),
    _group(T, "zh", NAME, "Chinese, Japanese and Korean names",
           "服务条款", "服務條款", "用户协议", "使用条款", "利用規約", "이용약관", "서비스 약관"),
    _group(T, "*", WEAK, "folders that hold every legal page",
           "legal", "policies"),
    # -- cookies -----------------------------------------------------------------------------
    _group(C, "en", NAME, "cookie policies by their names in many languages",
           "cookie policy", "cookies policy", "cookie notice", "cookie-richtlinie",
           "politique cookies", "politique de cookies", "política de cookies",
           "política de cookies", "informativa cookie", "cookiebeleid", "cookieverklaring",
           "polityka cookies", "çerez politikası", "политика cookie", "クッキーポリシー", "쿠키 정책",
           "cookie政策"),
    _group(C, "en", WORD, "the word itself, the same in most languages",
           "cookie", "cookies", "çerez", "クッキー", "쿠키"),
    _group(C, "*", WEAK, "folders that hold every legal page",
           "legal", "policies"),
)
# fmt: on

# Words between the words of a name (`politique DE confidentialité`, `OUR privacy`):
# dropped on both sides so that `politica-privacidad` and `protection-donnees-personnelles`
# read as the names they are.
FILLERS = frozenset(
    word
    for language in (
        "a an the of our your for and on to &",  # en
        "de des du la le les l d et sur vos notre",  # fr
        "del el los las y su sus",  # es
        "da do das dos e o",  # pt
        "di della dei delle sulla sul il lo gli ed",  # it
        "van het en",  # nl
        "der die und zum zur",  # de
        "av och för om og",  # sv, da, no
        "i w o z",  # pl, cs
        "и о за на",  # ru, bg
        "si ve",  # ro, tr
    )
    for word in language.split()
)

# Letters that NFKD does not take apart.
_FOLD_TABLE = str.maketrans(
    {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
     "ı": "i", "ħ": "h", "ŀ": "l"}
)  # fmt: skip
_MARKS = re.compile("[\u0300-\u036f]")  # Latin, Greek and Cyrillic diacritics only:
# Indic, Thai and Kana marks are letters of their words
# German and Nordic letters spelt out, as addresses often write them.
_SPELT_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "å": "aa", "æ": "ae", "ø": "oe"})
# Cyrillic in Latin letters, the three ways sites write it: English-style (ts, ya, kh),
# Slavic-style (c, ja, h) and Ukraine's national system (y for и, i for й, ia, iu, ie);
# soft and hard signs dropped.
_CYRILLIC = {
    "а": ("a", "a", "a"), "б": ("b", "b", "b"), "в": ("v", "v", "v"), "г": ("g", "g", "h"),
    "д": ("d", "d", "d"), "е": ("e", "e", "e"), "ё": ("yo", "jo", "io"), "ж": ("zh", "zh", "zh"),
    "з": ("z", "z", "z"), "и": ("i", "i", "y"), "й": ("y", "j", "i"), "к": ("k", "k", "k"),
    "л": ("l", "l", "l"), "м": ("m", "m", "m"), "н": ("n", "n", "n"), "о": ("o", "o", "o"),
    "п": ("p", "p", "p"), "р": ("r", "r", "r"), "с": ("s", "s", "s"), "т": ("t", "t", "t"),
    "у": ("u", "u", "u"), "ф": ("f", "f", "f"), "х": ("kh", "h", "kh"), "ц": ("ts", "c", "ts"),
    "ч": ("ch", "ch", "ch"), "ш": ("sh", "sh", "sh"), "щ": ("shch", "sch", "shch"),
    "ъ": ("", "", ""), "ы": ("y", "y", "y"), "ь": ("", "", ""), "э": ("e", "e", "e"),
    "ю": ("yu", "ju", "iu"), "я": ("ya", "ja", "ia"), "і": ("i", "i", "i"), "ї": ("yi", "ji", "i"),
    "є": ("ye", "je", "ie"), "ґ": ("g", "g", "g"),
}  # fmt: skip
_GREEK = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th",
    "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p",
    "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}  # fmt: skip
_GREEK_PAIRS = {"ου": "ou", "αι": "ai", "ει": "ei", "οι": "oi", "μπ": "b", "ντ": "nt"}
# Scripts written without spaces between words: a name is found inside a longer run.
_UNSPACED = re.compile("[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# A Latin or Cyrillic word this long is specific enough to find inside a compound
# (`datenschutzhinweise`, `ourprivacypromise`); shorter ones (`tos`, `agb`) only alone.
MIN_COMPOUND = 6
# How much of a name the server-side filter looks for: enough to be specific, short
# enough that the expression stays a few KB in a URL (servers refuse request lines over 8 KB).
MAX_PIECE_ASCII = 8
MAX_PIECE_OTHER = 4
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_ASCII_SEPARATORS = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, Latin/Greek/Cyrillic accents dropped, special letters spelt plainly."""
    lowered = text.casefold().translate(_FOLD_TABLE)
    return unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFKD", lowered)))


def words(text: str, fillers: bool = False) -> tuple[str, ...]:
    """The folded words of a text or an address segment: split at punctuation, symbols
    and spaces and between camelCase words; fillers dropped unless asked for."""
    text = _CAMEL.sub(" ", text)
    if text.isascii():  # most addresses: no need to look up each character's category
        found = _ASCII_SEPARATORS.split(text.lower())
    else:
        spaced = "".join(" " if unicodedata.category(c)[0] in "PSZC" else c for c in text)
        found = fold(spaced).split()
    return tuple(w for w in found if w and (fillers or w not in FILLERS))


def _transliterations(term: str) -> Iterator[str]:
    lowered = term.casefold()
    yield lowered.translate(_SPELT_OUT)
    if any(c in _CYRILLIC for c in lowered):
        for scheme in (0, 1, 2):
            yield "".join(_CYRILLIC[c][scheme] if c in _CYRILLIC else c for c in lowered)
    if any(c in _GREEK for c in fold(lowered)):
        greek = fold(lowered)
        for pair, latin in _GREEK_PAIRS.items():
            greek = greek.replace(pair, latin)
        yield "".join(_GREEK.get(c, c) for c in greek)


def forms(term: str) -> tuple[str, ...]:
    """The term as written plus the spellings sites make of it in addresses."""
    seen = dict.fromkeys([term.casefold(), *_transliterations(term)])
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class Matcher:
    """The terms of one kind and strength, ready to be looked for in folded words."""

    exact: frozenset[str]  # words joined without spaces
    phrase: re.Pattern[str] | None  # on words joined by single spaces
    compound: re.Pattern[str] | None  # on words joined without spaces

    def score(self, found: tuple[str, ...]) -> int:
        """2: the words are a term; 1: they contain one; 0: neither."""
        joined = "".join(found)
        if joined in self.exact:
            return 2
        if self.phrase is not None and self.phrase.search(" ".join(found)):
            return 1
        if self.compound is not None and self.compound.search(joined):
            return 1
        return 0


_Trie = dict[str, "_Trie"]


def _alternation(items: set[str]) -> str:
    """A regex matching any of `items`, written as a trie (`priva(?:cy|si)`): Python's
    engine then tries one branch per letter instead of every word at every position."""
    trie: _Trie = {}
    for item in items:
        node = trie
        for char in item:
            node = node.setdefault(char, {})
        node[""] = {}  # the end of a word
    return _render(trie)


def _render(node: _Trie) -> str:
    ends = "" in node
    branches = [re.escape(char) + _render(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:  # a word ends here and longer ones go on: the longer first, optionally
        return f"(?:{body})?" if len(branches) == 1 else body[:-1] + ")?"
    return body


def _compoundable(joined: str) -> bool:
    return bool(_UNSPACED.search(joined)) or len(joined) >= MIN_COMPOUND


@functools.cache
def matcher(kind: str, strong: bool) -> Matcher:
    """Names and words (`strong`) or the weak words of `kind`."""
    exact: set[str] = set()
    phrases: set[str] = set()
    compounds: set[str] = set()
    for group in GROUPS:
        if group.kind != kind or (group.strength >= WORD) != strong:
            continue
        for term in group.terms:
            for form in forms(term):
                found = words(form)
                if not found:
                    continue
                joined = "".join(found)
                exact.add(joined)
                # run together, the fillers stay in (`protectiondesdonnees`)
                exact.add("".join(words(form, fillers=True)))
                phrases.add(" ".join(found))
                if _compoundable(joined):
                    compounds.add(joined)
    return Matcher(
        frozenset(exact),
        re.compile(rf"(?<![^ ])(?:{_alternation(phrases)})(?![^ ])") if phrases else None,
        re.compile(_alternation(compounds)) if compounds else None,
    )


@functools.lru_cache(maxsize=65536)
def score_words(text: str, kind: str) -> int:
    """How strongly a text (an anchor, an address segment) names a `kind` policy:
    3 it is a name, 2 it contains one, 1 only weak words, 0 none."""
    found = words(text)
    if not found:
        return 0
    strong = matcher(kind, True).score(found)
    if strong:
        return strong + 1
    return 1 if matcher(kind, False).score(found) else 0


def hint_patterns(kind: str) -> list[str]:
    """Regular expressions (valid in Java and Python, to be used case-insensitively) of
    which one matches any address naming a `kind` policy, however it is written: accents
    kept or dropped, any case, non-ASCII letters as they are or percent-encoded. For a
    server-side filter, which may let through more than the scorer accepts, never less."""
    spellings = {
        form
        for group in GROUPS
        if group.kind == kind and group.strength >= WORD
        for term in group.terms
        for form in forms(term)
    }
    patterns: list[str] = []
    compiled: list[re.Pattern[str]] = []
    # single words first: a name holding a word already looked for needs nothing more
    for form in sorted(spellings, key=lambda f: (len(f.split()), len(f), f)):
        written = [form.replace(" ", "-"), fold(form).replace(" ", "-")]
        if all(any(c.search(w) for c in compiled) for w in written):
            continue
        for piece in _pieces(form):
            if piece not in patterns:
                patterns.append(piece)
                compiled.append(re.compile(piece, re.IGNORECASE))
    # a plain piece inside another plain one already finds everything the longer finds
    plain = [p for p in patterns if p.isalnum()]
    return [p for p in patterns if not any(q != p and q in p for q in plain)]


def _pieces(form: str) -> list[str]:
    """The longest run of letters of `form` that folding leaves as it is (in the address
    whether accents were kept or dropped); where none is long enough (Vietnamese marks
    every word), the words as written and as folded, any short separator between them."""
    stable = _longest_run(form)
    if stable:
        # its start is enough, and cheaper: a non-ASCII letter costs up to 15 characters
        # in the CDX request's query string (`%25E9%259A%2590` as written, 9 as is)
        return [_literal(stable[: MAX_PIECE_ASCII if stable.isascii() else MAX_PIECE_OTHER])]
    found = [w for w in form.split() if w not in FILLERS]
    return [
        ".{0,3}".join(_literal(w) for w in found),
        ".{0,3}".join(_literal(fold(w)) for w in found),
    ]


def _longest_run(form: str) -> str:
    best = ""
    for word in form.split():
        if word in FILLERS:
            continue
        # a capital hides from (?i) once percent-encoded: skip a word's first letter
        # where its script has capitals and is not ASCII
        start = 1 if (not word[0].isascii() and word[0].upper() != word[0]) else 0
        run = ""
        for char in word[start:] + " ":
            if unicodedata.category(char)[0] in "LMN" and fold(char) == char:
                run += char
                continue
            if len(run) > len(best):
                best = run
            run = ""
    minimum = 3 if best.isascii() else 2
    return best if len(best) >= minimum else ""


def _literal(text: str) -> str:
    """`text` as a regex matching it written as is or percent-encoded (upper-case hex,
    as IA writes it; (?i) also takes lower case)."""
    encoded = "".join(
        c if c.isascii() else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in text
    )
    plain = re.escape(text)
    return plain if encoded == text else f"(?:{plain}|{encoded})"
