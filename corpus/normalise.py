"""The form in which two texts are compared: equal here means the same version."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalise_text(markdown: str) -> str:
    """NFC, one kind of space, no trailing blanks, at most one empty line in a row."""
    text = unicodedata.normalize("NFC", markdown).replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        body = line.lstrip(" \t")
        # Leading spaces carry markdown structure (nested lists): keep their width.
        lines.append(" " * (len(line) - len(body)) + _SPACES.sub(" ", body).rstrip())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
