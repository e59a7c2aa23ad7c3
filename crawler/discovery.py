"""Finding a site's policy URLs: path keywords, homepage links, canonical URLs (no I/O)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit

import lxml.html
from lxml.etree import ParserError

KINDS = ("privacy", "terms", "cookies")

# Path segments (lower case, unquoted) that name a policy of each kind, by language.
PATH_KEYWORDS: dict[str, tuple[str, ...]] = {
    "privacy": (
        "privacy",  # en
        "privacypolicy",
        "privacy-policy",
        "privacy_policy",
        "privacy-statement",
        "privacy-notice",
        "datenschutz",  # de
        "datenschutzerklaerung",
        "datenschutzerklärung",
        "confidentialite",  # fr
        "confidentialité",
        "vie-privee",
        "donnees-personnelles",
        "privacidad",  # es
        "politica-de-privacidad",
        "privacidade",  # pt
        "politica-de-privacidade",
        "privacybeleid",  # nl
        "privacyverklaring",
        "informativa-privacy",  # it
        "riservatezza",
        "integritetspolicy",  # sv
        "personvern",  # no
        "privatlivspolitik",  # da
        "tietosuoja",  # fi
        "polityka-prywatnosci",  # pl
        "ochrana-osobnich-udaju",  # cs
        "gizlilik",  # tr
        "konfidentsialnost",  # ru (transliterated)
        "конфиденциальность",  # ru
        "隐私",  # zh
        "隱私",
        "yinsi",
        "プライバシー",  # ja
        "개인정보",  # ko
        "data-protection",  # en (EU usage)
        "dataprotection",
        "protection-des-donnees",  # fr
        "proteccion-de-datos",  # es
        "protezione-dati",  # it
        "gegevensbescherming",  # nl
        "dataskydd",  # sv
        "databeskyttelse",  # da, no
        "privatliv",  # da
        "privasi",  # id, ms
        "kebijakan-privasi",
        "quyen-rieng-tu",  # vi
        "prosopika-dedomena",  # el (transliterated)
        "απόρρητο",  # el
        "الخصوصية",  # ar
        "פרטיות",  # he
        "गोपनीयता",  # hi
        "ความเป็นส่วนตัว",  # th
    ),
    "terms": (
        "terms",
        "terms-of-service",
        "terms-of-use",
        "tos",
        "agb",
        "nutzungsbedingungen",
        "conditions-generales",
        "cgu",
        "terminos",
        "termos",
        "voorwaarden",
        "condizioni",
        "利用規約",
        "服务条款",
        "이용약관",
    ),
    "cookies": (
        "cookies",
        "cookie-policy",
        "cookie",
        "politique-cookies",
        "cookie-richtlinie",
        "politica-de-cookies",
    ),
}

# Anchor texts that link to a policy of each kind, by language (compared lower case).
ANCHOR_KEYWORDS: dict[str, tuple[str, ...]] = {
    "privacy": (
        "privacy",
        "datenschutz",
        "confidentialité",
        "vie privée",
        "données personnelles",
        "privacidad",
        "privacidade",
        "privacybeleid",
        "informativa sulla privacy",
        "integritet",
        "personvern",
        "tietosuoja",
        "prywatności",
        "ochrana osobních údajů",
        "gizlilik",
        "конфиденциальности",
        "隐私",
        "隱私",
        "プライバシー",
        "개인정보",
        "data protection",
        "protection des données",
        "protección de datos",
        "proteção de dados",
        "protezione dei dati",
        "gegevensbescherming",
        "dataskydd",
        "databeskyttelse",
        "privatliv",
        "privasi",
        "quyền riêng tư",
        "απόρρητο",
        "προσωπικά δεδομένα",
        "الخصوصية",
        "פרטיות",
        "गोपनीयता",
        "ความเป็นส่วนตัว",
    ),
    "terms": (
        "terms",
        "agb",
        "nutzungsbedingungen",
        "conditions générales",
        "términos",
        "termos",
        "voorwaarden",
        "利用規約",
        "服务条款",
        "이용약관",
    ),
    "cookies": ("cookie",),
}

HOMEPAGE_PATHS = frozenset(
    {"", "/", "/index.html", "/index.htm", "/index.php", "/index.asp", "/default.asp", "/home"}
)

# Query parameters that never change what a page says: analytics and session ids.
_VOLATILE_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|_hs\w+|ref|source|"
    r"sessionid|session_id|sid|phpsessid|jsessionid|aspsessionid\w*|cfid|cftoken|s)$",
    re.IGNORECASE,
)
_PATH_SESSION = re.compile(r";(jsessionid|phpsessid|sid)=[^/?#]*", re.IGNORECASE)
_SEGMENT_SPLIT = re.compile(r"[/._\-]+")
_LANG_SEGMENT = re.compile(r"[a-z]{2}([-_][a-z]{2})?")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# RFC 1035: 63 octets a label, 255 a name on the wire, so 253 characters written out.
DNS_MAX_LABEL = 63
DNS_MAX_NAME = 253


class DomainError(ValueError):
    """A user-given domain that cannot be crawled."""


def normalise_domain(value: str) -> str:
    """The registrable host a user means by `value` (`https://www.Example.com/` -> example.com)."""
    shown = _shown(value)
    raw = value.strip()
    if "://" in raw:
        try:
            raw = urlsplit(raw).hostname or ""
        except ValueError as exc:
            raise DomainError(f"not a domain name: {shown} ({exc})") from exc
    else:
        raw = raw.split("/", 1)[0] if raw.count("/") == 1 and raw.endswith("/") else raw
    host = raw.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    # ASCII labels pass IDNA unchanged: check them first, as its error ("label too long")
    # names no limit. A Unicode label's length is known only once encoded (IDNA maps some
    # characters to several, others to none).
    long_label = max((label for label in host.split(".") if label.isascii()), key=len, default="")
    if len(long_label) > DNS_MAX_LABEL:
        raise DomainError(
            f"not a domain name: {shown} (a label has {len(long_label)} characters; "
            f"DNS allows {DNS_MAX_LABEL})"
        )
    try:
        host = host.encode("idna").decode("ascii") if host else host
    except UnicodeError as exc:
        raise DomainError(f"not a domain name: {shown}") from exc
    if len(host) > DNS_MAX_NAME:
        raise DomainError(
            f"not a domain name: {shown} ({len(host)} characters; DNS allows {DNS_MAX_NAME})"
        )
    labels = host.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels):
        raise DomainError(f"not a domain name: {shown} (expected something like example.com)")
    if labels[-1].isdigit():
        raise DomainError(f"not a domain name: {shown} (IP addresses are not supported)")
    return host


def policy_url(value: str) -> str:
    """A policy URL a user gave (`--url`), checked: http(s), with a host that is a domain
    name. It may be on another domain than the one crawled (a parent company's policy)."""
    shown = _shown(value)
    raw = value.strip()
    try:
        parts = urlsplit(raw)
        host = parts.hostname or ""
    except ValueError as exc:
        raise DomainError(f"not a policy URL: {shown} ({exc})") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise DomainError(f"not a policy URL: {shown} (expected http(s)://host/path)")
    try:
        normalise_domain(host)
    except DomainError as exc:
        raise DomainError(f"not a policy URL: {shown} (its host is not a domain name)") from exc
    return raw


def _shown(value: str) -> str:
    """`value` quoted for an error line, cut so that the line stays one readable line."""
    quoted = repr(value)
    return quoted if len(quoted) <= 80 else quoted[:77] + "..."


def host_in_domain(host: str, domain: str) -> bool:
    host = host.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)


def canonical_url(url: str) -> str:
    """The form two URLs of one page share: no scheme, `www.`, port, session or tracking
    parameters, fragment or trailing slash; lower case."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    host = re.sub(r"^www\d?\.", "", host)
    path = _PATH_SESSION.sub("", unquote(parts.path)).lower()
    path = re.sub(r"/{2,}", "/", path).rstrip("/")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = sorted((k.lower(), v) for k, v in query if not _VOLATILE_PARAMS.match(k))
    canon = host + (path or "")
    if kept:
        canon += "?" + urlencode(kept)
    return canon


def url_path(url: str) -> str:
    return unquote(urlsplit(url).path).lower()


def is_homepage(url: str) -> bool:
    parts = urlsplit(url)
    return url_path(url).rstrip("/") in HOMEPAGE_PATHS and not parts.query


def path_score(url: str, kind: str) -> int:
    """How strongly a URL's path says it is a `kind` policy (0: not at all)."""
    path = unicodedata.normalize("NFC", url_path(url))
    if not path:
        return 0
    keywords = PATH_KEYWORDS[kind]
    segments = [s for s in path.split("/") if s]
    # A trailing language folder (/privacy/en/) names a translation, not another page.
    while len(segments) > 1 and _LANG_SEGMENT.fullmatch(segments[-1]):
        segments.pop()
    if not segments:
        return 0
    last = re.sub(r"\.(html?|php|aspx?|jsp|cfm|shtml)$", "", segments[-1])
    if last in keywords:
        return 3
    words = set(_SEGMENT_SPLIT.split(last))
    if words & set(keywords) or any(k in last for k in keywords if not k.isascii()):
        return 2
    # A keyword in a parent folder (/privacy/en/) is weaker evidence.
    if any(s in keywords for s in segments[:-1]):
        return 1
    return 0


def path_hint_regex(kind: str) -> str:
    """One regex (Java and Python alike, matching the whole `original` field) for capture
    URLs whose path may hold a `kind` policy: the archive filters a domain's listing with
    it, so that discovery receives the policy's URLs and not the whole site's.

    Provisional: built from PATH_KEYWORDS; a keyword written in another script also
    matches percent-encoded, as URLs are captured."""
    words: set[str] = set()
    for keyword in PATH_KEYWORDS[kind]:
        words.add(keyword.lower())
        if not keyword.isascii():
            words.add(quote(keyword.lower(), safe=""))
    # a word holding another (`privacy-policy`, `privacy`) adds nothing to "contains":
    # left out, the query stays short (the archive takes URLs of a few kB)
    kept = sorted(w for w in words if not any(o != w and o in w for o in words))
    alternation = "|".join(re.escape(w) for w in kept)
    # the keyword in the path (never the host or the query); (?i) for Privacy, PRIVACY,
    # and lower-case percent escapes
    return f"(?i)[a-z][a-z0-9+.-]*://[^/?#]+/[^?#]*(?:{alternation})[^?#]*(?:[?#].*)?"


@dataclass(frozen=True, slots=True)
class PolicyLink:
    url: str
    anchor: str
    # on another host than the domain crawled (a parent company's or host's policy)
    off_domain: bool = False


def policy_links(html: str | bytes, base_url: str, domain: str, kind: str) -> Iterator[PolicyLink]:
    """Links on a page whose anchor text or target path names a `kind` policy, on
    `domain` or (`off_domain`) on another host."""
    try:
        tree = lxml.html.fromstring(html)
    except (ParserError, ValueError):
        return
    anchors = ANCHOR_KEYWORDS[kind]
    for element in tree.iter("a"):
        href = (element.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        try:
            target = urljoin(base_url, href)
            parts = urlsplit(target)
            host = parts.hostname or ""
        except ValueError:  # a malformed href (bad IPv6 literal, port) links nowhere
            continue
        if parts.scheme not in ("http", "https") or not host:
            continue
        text = " ".join(element.text_content().split()).lower()
        if any(keyword in text for keyword in anchors) or path_score(target, kind) >= 2:
            yield PolicyLink(
                url=target.split("#", 1)[0],
                anchor=text,
                off_domain=not host_in_domain(host, domain),
            )


def registrable_host(url: str) -> str:
    """The host of `url` as a scope for its captures (`www.` dropped, lower case)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return re.sub(r"^www\d?\.", "", host)
