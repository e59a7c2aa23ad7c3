"""Finding a site's policy URLs: scored paths and anchors, homepage links, canonical URLs (no I/O).

The names scored live in crawler.policy_terms, by kind, language and strength.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit

import lxml.html
from lxml.etree import ParserError

from crawler.policy_terms import hint_patterns, score_words

KINDS = ("privacy", "terms", "cookies")

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
_EXTENSION = re.compile(r"\.(html?|php\d?|aspx?|jsp|cfm|shtml|cgi|pl|do|action)$", re.IGNORECASE)
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
    """How strongly a URL says it is a `kind` policy: 3 its last path segment is a
    policy's name, 2 it holds one (or the query names one), 1 a parent folder names one
    or the segment has only weak words (`legal`), 0 nothing."""
    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).split("/") if s]
    # A trailing language folder (/privacy/en/) names a translation, not another page.
    while len(segments) > 1 and _LANG_SEGMENT.fullmatch(segments[-1].lower()):
        segments.pop()
    score = 0
    if segments:
        score = score_words(_EXTENSION.sub("", segments[-1]), kind)
        if score < 2 and any(score_words(s, kind) >= 2 for s in segments[:-1]):
            score = 1  # a name in a parent folder (/privacy/faq) is weaker evidence
    if score < 2 and parts.query:
        # `ShowDoc.aspx?pageid=privacy`, `/c?p=privacy`: the page is named, less surely
        values = " ".join(v for _, v in parse_qsl(parts.query, keep_blank_values=True))
        score = max(score, min(2, score_words(values, kind)))
    return score


def anchor_score(text: str, kind: str) -> int:
    """How strongly a link's text names a `kind` policy, on the scale of `path_score`."""
    return score_words(text, kind) if text else 0


def path_hint_regex(kind: str) -> str:
    """One regular expression matching (whole, as IA's CDX filter wants) every capture
    URL that may be a `kind` policy in any language discovery knows; valid in Java (IA's
    CDX server) and Python (pywb, the local archive). It lets through more than
    `path_score` accepts, never less: the client scores what comes back."""
    return "(?i).*(?:" + "|".join(hint_patterns(kind)) + ").*"


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
        text = " ".join(element.text_content().split())
        if anchor_score(text, kind) >= 2 or path_score(target, kind) >= 2:
            yield PolicyLink(
                url=target.split("#", 1)[0],
                anchor=text,
                off_domain=not host_in_domain(host, domain),
            )


def registrable_host(url: str) -> str:
    """The host of `url` as a scope for its captures (`www.` dropped, lower case)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return re.sub(r"^www\d?\.", "", host)
