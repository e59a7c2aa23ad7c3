"""Version files: the provenance line the reference corpus uses, then the markdown."""

from __future__ import annotations

import re

KIND_NAMES = {"privacy": "privacy policy", "terms": "terms of service", "cookies": "cookie policy"}

_UNSAFE = re.compile(r"[^a-z0-9.\-]+")


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
    """A file-name segment that is safe on every filesystem, whatever `value` holds."""
    segment = _UNSAFE.sub("-", value.lower()).strip(".-")
    return segment[:100] or "_"


def version_path(domain: str, kind: str, lang: str, date: str, ordinal: int) -> str:
    """`corpus/<domain>/<kind>/<lang>/<first-seen date>.md`, `-2`, `-3` for same-day versions."""
    suffix = "" if ordinal == 1 else f"-{ordinal}"
    parts = ("corpus", safe_segment(domain), safe_segment(kind), safe_segment(lang))
    return "/".join(parts) + f"/{date}{suffix}.md"
