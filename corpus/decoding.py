"""Bytes to text in a fixed order, then word-level repair of mojibake that survived it.

First the body as the archive sent it is undone from its Content-Encoding (gzip,
deflate, br), inflating no further than `MAX_PAGE_BYTES`. Then the charset, in this
order: byte-order mark; strict UTF-8; the declared charset (HTTP header, then
`<meta>`, normalised by w3lib the way browsers do: latin-1 means cp1252, gb2312 means
gb18030); charset_normalizer's guess; cp1252 as the last resort. Strict UTF-8 comes
before the declaration because UTF-8 that happens to decode is almost never anything
else, while declarations on old pages are often wrong (UTF-8 served as iso-8859-1).
"""

from __future__ import annotations

import codecs
import logging
import re
import zlib
from dataclasses import dataclass

import charset_normalizer
import ftfy
from ftfy.badness import BADNESS_RE
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from corpus.limits import BINARY, MAX_PAGE_BYTES, TOO_LARGE, PageRefused

try:
    import brotli
except ImportError:  # pragma: no cover - Scrapy installs it; without it br stays as sent
    brotli = None

log = logging.getLogger(__name__)

STEP_BOM = "bom"
STEP_UTF8 = "utf-8"
STEP_DECLARED = "declared"
STEP_DETECTED = "detected"
STEP_FALLBACK = "fallback"

# A legacy page with a stray undefined byte or two is still that encoding; more errors
# than this (per byte) mean the declaration is wrong and detection should decide.
DECODING_MAX_ERROR_RATE = 0.001

# How much more "chaos" (charset_normalizer's mess score) a cp1252 reading may show
# than the best reading and still be preferred.
DECODING_CP1252_MARGIN = 0.02

# Bytes that no text encoding of a web page uses (WHATWG's "binary data bytes", less
# NUL, which UTF-16 without a byte-order mark and padded pages carry): random or
# compressed data holds about 9% of them, text none.
_BINARY_BYTES = bytes([*range(0x01, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
DECODING_MAX_BINARY_SHARE = 0.05
_INFLATE_STEP = 1024 * 1024  # inflate this much at a time, checking the limit between

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A "word" for repair: ASCII whitespace and markup delimit it. Not \s: mojibake of
# "à" ends in U+00A0, which \s would cut off.
_DELIMITERS = " \t\r\n<>\"'="
_DELIMITER = re.compile(r"[ \t\r\n<>\"'=]")
_SUSPECT = re.compile(r"[\u0080-\u052f\u2010-\u2122\u2190-\u25ff\ufb01\ufb02\ufffd]")

# Only the encoding repair: full-width CJK punctuation, curly quotes, ligatures, line
# breaks and HTML entities are content as written, not damage.
_REPAIR = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    step: str  # which rule decided: bom, utf-8, declared, detected, fallback
    repaired: int = 0  # words whose mojibake ftfy undid afterwards


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    text, encoding, step = _decode(body, content_type)
    text, repaired = repair_mojibake(_CONTROL.sub("", text))
    return Decoded(text, encoding, step, repaired)


def decode_content(body: bytes, content_encoding: str | None) -> bytes:
    """The page's own bytes: the body undone from its Content-Encoding.

    The archive stores a body as the site sent it, but may already have undone the
    encoding its header still names, so a coding is undone only when the body carries
    its signature (or, for deflate and br, decodes as it); a body that stops decoding
    midway (a truncated capture) keeps what was inflated, as a browser shows it.
    Raises PageRefused(too_large) as soon as the page grows past MAX_PAGE_BYTES.
    """
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):  # the last one named was applied last
        if coding in ("gzip", "x-gzip") and body.startswith(b"\x1f\x8b"):
            body = _inflate(body, 31)
        elif coding == "deflate" and body and body.lstrip()[:1] != b"<":
            # the standard says zlib-wrapped; some servers send raw deflate
            wrapped = (body[0] & 0x0F) == 8 and int.from_bytes(body[:2], "big") % 31 == 0
            body = _inflate(body, 15 if wrapped else -15)
        elif coding == "br" and brotli is not None and body.lstrip()[:1] != b"<":
            body = _unbrotli(body)
    if len(body) > MAX_PAGE_BYTES:
        raise PageRefused(TOO_LARGE, f"{len(body)} bytes")
    return body


def _inflate(body: bytes, wbits: int) -> bytes:
    out = bytearray()
    data = body
    while data:
        inflater = zlib.decompressobj(wbits)
        try:
            while data and not inflater.eof:
                out += inflater.decompress(data, _INFLATE_STEP)
                data = inflater.unconsumed_tail
                if len(out) > MAX_PAGE_BYTES:
                    raise PageRefused(TOO_LARGE, f"inflates past {MAX_PAGE_BYTES} bytes")
        except zlib.error as error:
            if not out:
                return body  # not compressed after all: the archive had undone it
            log.info("compressed body stops decoding after %d bytes: %s", len(out), error)
            break
        # gzip allows several members one after the other
        data = (
            inflater.unused_data if wbits == 31 and inflater.unused_data[:2] == b"\x1f\x8b" else b""
        )
    return bytes(out)


def _unbrotli(body: bytes) -> bytes:
    inflater = brotli.Decompressor()
    try:
        out = bytearray(inflater.process(body, output_buffer_limit=_INFLATE_STEP))
        while not inflater.is_finished() and not inflater.can_accept_more_data():
            if len(out) > MAX_PAGE_BYTES:
                raise PageRefused(TOO_LARGE, f"inflates past {MAX_PAGE_BYTES} bytes")
            out += inflater.process(b"", output_buffer_limit=_INFLATE_STEP)
    except brotli.error as error:
        log.info("br body does not decode: %s", error)
        return body
    if len(out) > MAX_PAGE_BYTES:
        raise PageRefused(TOO_LARGE, f"inflates past {MAX_PAGE_BYTES} bytes")
    return bytes(out)


def check_text_bytes(body: bytes) -> None:
    """Raise PageRefused(binary) for a body that is no text in any encoding (an image,
    a compressed or corrupted payload served as HTML)."""
    bom, _ = read_bom(body)
    if bom or not body:
        return
    binary = len(body) - len(body.translate(None, _BINARY_BYTES))
    if binary > len(body) * DECODING_MAX_BINARY_SHARE:
        raise PageRefused(BINARY, f"{binary} of {len(body)} bytes are control bytes")


def _decode(body: bytes, content_type: str | None) -> tuple[str, str, str]:
    bom, mark = read_bom(body)
    if bom and mark:
        return body[len(mark) :].decode(bom, "replace"), bom, STEP_BOM
    try:
        return body.decode("utf-8"), "utf-8", STEP_UTF8
    except UnicodeDecodeError:
        pass
    for declared in (http_content_type_encoding(content_type or ""), _meta_encoding(body)):
        if not declared or codecs.lookup(declared).name == "utf-8":
            continue  # UTF-8 already failed above
        text = _tolerant_decode(body, declared)
        if text is not None:
            return text, declared, STEP_DECLARED
    detected = _detect(body)
    if detected is not None:
        return body.decode(detected, "replace"), detected, STEP_DETECTED
    # Old pages that declare nothing usable are overwhelmingly Windows Western text,
    # and cp1252 maps (almost) every byte.
    return body.decode("cp1252", "replace"), "cp1252", STEP_FALLBACK


def _detect(body: bytes) -> str | None:
    matches = charset_normalizer.from_bytes(body)
    best = matches.best()
    if best is None:
        return None
    # Single-byte Latin code pages often decode a Western page equally cleanly, and
    # charset_normalizer then picks one at random (cp1250, mac_latin2). Among equally
    # clean readings, cp1252 is by far the likeliest on the web.
    for match in matches:
        if match.chaos <= best.chaos + DECODING_CP1252_MARGIN and "cp1252" in (
            match.could_be_from_charset
        ):
            return "cp1252"
    return str(best.encoding)


def _meta_encoding(body: bytes) -> str | None:
    try:
        return html_body_declared_encoding(body)
    except LookupError:
        return None


def _tolerant_decode(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except LookupError:
        return None
    except UnicodeDecodeError:
        text = body.decode(encoding, "replace")
        if text.count("\ufffd") <= max(1, len(body) * DECODING_MAX_ERROR_RATE):
            return text
        return None


def repair_mojibake(text: str) -> tuple[str, int]:
    """Undo mojibake word by word, and report how many words changed.

    ftfy judges a whole string at once, and in a long text of good French a single
    `acc√®der` is not enough for it to act; word by word it is. Only words holding a
    sequence ftfy calls bad are touched, so valid text is never rewritten.
    """
    if text.isascii():
        return text, 0
    repaired = 0
    pieces: list[str] = []
    last = 0
    # ftfy's badness regex is slow on long texts; it runs only on words holding a
    # character that mojibake is made of (Latin-1, Latin Extended, Greek, Cyrillic,
    # typographic punctuation, box drawing), never on plain ASCII or CJK runs.
    end = 0
    for suspect in _SUSPECT.finditer(text):
        if suspect.start() < end:
            continue  # in the word just looked at
        start = max([end, *(text.rfind(c, end, suspect.start()) + 1 for c in _DELIMITERS)])
        delimiter = _DELIMITER.search(text, suspect.end())
        end = delimiter.start() if delimiter else len(text)
        word = text[start:end]
        if not BADNESS_RE.search(word):
            continue
        fixed = ftfy.fix_text(word, config=_REPAIR)
        if fixed != word:
            pieces.append(text[last:start])
            pieces.append(fixed)
            last = end
            repaired += 1
    if not repaired:
        return text, 0
    pieces.append(text[last:])
    return "".join(pieces), repaired
