"""The forms in which texts are kept and compared.

`normalise_text` is the form a version file shows. `comparison_form` is stricter: two
captures whose comparison forms are equal belong to the same version, so it removes only
what never says anything about the policy (markdown escapes, tracking parameters, copyright
years, "page generated" stamps) and keeps every sentence.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")

# Markdown writers escape punctuation (`\[4\]`, `\*`): the same text escaped or not is the
# same policy, whichever extractor release wrote it.
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")
_URL = re.compile(r"https?://[^\s)\]>\"']+")
# Parameters that name the visit, not the page: analytics, ad clicks, mailing lists, sessions.
NORMALISE_TRACKING_PARAMS = (
    "utm_",
    "gclid",
    "dclid",
    "fbclid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "sessionid",
    "session_id",
    "sid",
    "phpsessid",
    "jsessionid",
    "cfid",
    "cftoken",
    "zanpid",
)
_PATH_SESSION = re.compile(r";(jsessionid|phpsessid|sid)=[^/?#]*", re.IGNORECASE)
_COPYRIGHT_LINE = re.compile(r"(?i)(©|&copy;|\(c\)|copyright|\ball rights reserved\b)")
_YEARS = re.compile(r"\b(19[89]\d|20\d\d)(\s*[-–—]\s*(19[89]\d|20\d\d))?\b")
# Stamps a CMS or cache prints on every render; a changed stamp is not a changed policy.
_STAMP_LINE = re.compile(
    r"(?im)^[\s>*_#-]*("
    r"(this )?page (was )?(generated|rendered|created|built|served|cached)\b"
    r"|generated (on|at|in)\b"
    r"|rendered (on|at|in)\b"
    r"|(page )?served (in|at|by)\b"
    r"|cached (on|at)\b"
    r"|(visitors|hits|page views)\s*:\s*[\d,.]+"
    r")[^\n]*$"
)


def normalise_text(markdown: str) -> str:
    """NFC, one kind of space, no trailing blanks, at most one empty line in a row."""
    text = unicodedata.normalize("NFC", markdown).replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        body = line.lstrip(" \t")
        # Leading spaces carry markdown structure (nested lists): keep their width.
        lines.append(" " * (len(line) - len(body)) + _SPACES.sub(" ", body).rstrip())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def comparison_form(text: str) -> str:
    """The text as versions compare it: equal forms are one version."""
    text = _ESCAPE.sub(r"\1", normalise_text(text))
    text = _URL.sub(lambda m: strip_tracking(m.group(0)), text)
    text = _STAMP_LINE.sub("", text)
    lines = []
    for line in text.split("\n"):
        if _COPYRIGHT_LINE.search(line):
            line = _YEARS.sub("YEAR", line)
        # Indentation matters for the file, not for what the policy says.
        lines.append(_SPACES.sub(" ", line).strip())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def comparison_key(text: str) -> str:
    """sha256 of the comparison form: the identity of a version's text."""
    return hashlib.sha256(comparison_form(text).encode("utf-8")).hexdigest()


def strip_tracking(url: str) -> str:
    """`url` without visit-specific query parameters or path session ids."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = _PATH_SESSION.sub("", parts.path)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not _is_tracking(k.lower())]
        if len(kept) != len(pairs):  # re-encoding an untouched query could change its bytes
            query = urlencode(kept)
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def _is_tracking(name: str) -> bool:
    return any(
        name.startswith(p) if p.endswith("_") else name == p for p in NORMALISE_TRACKING_PARAMS
    )
