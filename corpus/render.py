"""Version files: the provenance line the reference corpus uses, then the markdown."""

from __future__ import annotations

import hashlib
import re

KIND_NAMES = {"privacy": "privacy policy", "terms": "terms of service", "cookies": "cookie policy"}

_UNSAFE = re.compile(r"[^a-z0-9.\-]+")
# Bytes in a segment (all ASCII): far under the 255 of every filesystem, leaving room for
# the extensions and sequence numbers the files inside a folder add to theirs.
SEGMENT_MAX = 100
# Device names Windows reserves with any extension (CON, con.txt, Con.com...).
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in "0123456789"]
)


def provenance_line(domain: str, kind: str, date: str, citation_url: str) -> str:
    return (
        f"> *The following text is extracted and transformed from the {domain} "
        f"{KIND_NAMES[kind]} that was archived on {date}. Please check the "
        f"[original snapshot on the Wayback Machine]({citation_url}) "
        f"for the most accurate reproduction.*"
    )


def render_version(domain: str, kind: str, date: str, citation_url: str, text: str) -> str:
    return f"{provenance_line(domain, kind, date, citation_url)}\n\n{text}\n"


def safe_segment(value: str) -> str:
    """A file-name segment that is safe on every filesystem, whatever `value` holds: only
    `a-z 0-9 . -`, never `.` or `..`, at most SEGMENT_MAX bytes, never a name Windows
    reserves. Two values cut to the same length keep apart by a hash of the whole value."""
    segment = _UNSAFE.sub("-", value.lower()).strip(".-")
    if len(segment) > SEGMENT_MAX:
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        segment = segment[: SEGMENT_MAX - len(digest) - 1].rstrip(".-") + "-" + digest
    if segment.split(".", 1)[0] in WINDOWS_RESERVED:
        segment = "_" + segment
    return segment or "_"


def version_path(domain: str, kind: str, lang: str, date: str, ordinal: int) -> str:
    """`corpus/<domain>/<kind>/<lang>/<first-seen date>.md`, `-2`, `-3` for same-day versions."""
    suffix = "" if ordinal == 1 else f"-{ordinal}"
    parts = ("corpus", safe_segment(domain), safe_segment(kind), safe_segment(lang))
    return "/".join(parts) + f"/{safe_segment(date)}{suffix}.md"
