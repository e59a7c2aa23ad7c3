"""Bytes to text: BOM, strict UTF-8, the declared charset, then a lenient fallback."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    step: str  # which rule decided: bom, utf-8, declared, fallback


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return Decoded(_clean(body[len(bom) :].decode(encoding, "replace")), encoding, "bom")
    try:
        return Decoded(_clean(body.decode("utf-8")), "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    declared = http_content_type_encoding(content_type or "") or html_body_declared_encoding(body)
    if declared and declared not in ("utf-8", "utf8"):
        try:
            return Decoded(_clean(body.decode(declared)), declared, "declared")
        except (LookupError, UnicodeDecodeError):
            pass
    # Undecodable as UTF-8 and as declared: cp1252 maps every byte, and old pages that
    # claim nothing or claim UTF-8 wrongly are overwhelmingly Windows Western text.
    return Decoded(_clean(body.decode("cp1252", "replace")), "cp1252", "fallback")


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)
