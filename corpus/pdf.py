"""A policy published as PDF to blocks: its text laid out in paragraphs (pdfminer.six).

Some sites publish their policy only as a PDF (Doctolib's, many public bodies'). A PDF
holds positioned glyphs, not paragraphs: pdfminer groups them into text boxes by
layout, which gives paragraphs separated by blank lines in reading order. What is
kept is the wording: a short line in capitals or numbered like a section becomes a
heading, a line opening with a bullet a list item, and lines repeated on most pages
(running headers, footers) and bare page numbers are dropped.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter

from corpus.blocks import HEADING, ITEM, PARAGRAPH, Block
from corpus.extraction import Extracted
from corpus.limits import MAX_TEXT_CHARS, TOO_LARGE, PageRefused

PDF_MIME = "application/pdf"
PDF_SIGNATURE = b"%PDF-"
NOT_A_PDF = "bad_pdf"
# A policy is tens of pages; hundreds are a manual or a report, and each page costs
# about a tenth of a second to lay out.
MAX_PDF_PAGES = 200
_HEADING_MAX_WORDS = 12
_BULLET = re.compile(r"^[•●▪◦■\-–—*]\s+")
_SECTION_NUMBER = re.compile(r"^(\d{1,2}(\.\d{1,2})*\.?|[IVX]{1,5}\.|[A-Z]\.)\s+\S")
_PAGE_NUMBER = re.compile(r"^(page\s*)?\d{1,4}(\s*(/|of|sur|von)\s*\d{1,4})?$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def is_pdf(body: bytes, mime: str) -> bool:
    # servers label PDFs wrongly (application/octet-stream, text/html): the bytes tell
    return mime == PDF_MIME or body.lstrip()[: len(PDF_SIGNATURE)] == PDF_SIGNATURE


def extract_pdf(body: bytes) -> Extracted:
    """The PDF's text as blocks; PageRefused for a PDF that cannot be read or is too big."""
    pages = _page_texts(body)
    paragraphs = _paragraphs(pages)
    blocks = tuple(_block(text) for text in paragraphs)
    if blocks and blocks[0].kind != HEADING:
        blocks = (Block(HEADING, blocks[0].text, 1), *blocks[1:])
    title = blocks[0].text if blocks else ""
    return Extracted(title, blocks)


def _page_texts(body: bytes) -> list[str]:
    # imported here: pdfminer is only needed for the rare PDF policy
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    pages: list[str] = []
    chars = 0
    try:
        for number, layout in enumerate(extract_pages(io.BytesIO(body), laparams=LAParams())):
            if number >= MAX_PDF_PAGES:
                raise PageRefused(TOO_LARGE, f"more than {MAX_PDF_PAGES} pages")
            boxes = [e.get_text() for e in layout if isinstance(e, LTTextContainer)]
            page = "\n\n".join(boxes)
            chars += len(page)
            if chars > MAX_TEXT_CHARS:
                raise PageRefused(TOO_LARGE, f"more than {MAX_TEXT_CHARS} characters of text")
            pages.append(page)
    except PageRefused:
        raise
    except (PDFSyntaxError, PSException, ValueError, TypeError, KeyError, AssertionError) as exc:
        # pdfminer raises many kinds on damaged files; each means the same to us
        raise PageRefused(NOT_A_PDF, f"unreadable PDF: {exc.__class__.__name__}") from exc
    return pages


def _paragraphs(pages: list[str]) -> list[str]:
    """Paragraphs in reading order, without running headers, footers and page numbers."""
    per_page = [[p for p in (_clean(chunk) for chunk in page.split("\n\n")) if p] for page in pages]
    seen_on = Counter(p for page in per_page for p in set(page))
    running = {p for p, n in seen_on.items() if len(pages) >= 3 and n > len(pages) / 2}
    return [p for page in per_page for p in page if p not in running and not _PAGE_NUMBER.match(p)]


def _clean(chunk: str) -> str:
    # NFKC: ligatures (ﬁ) and compatibility forms read as the letters they stand for
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", chunk)).strip()


def _block(text: str) -> Block:
    bullet = _BULLET.match(text)
    if bullet:
        return Block(ITEM, text[bullet.end() :])
    words = text.split()
    short = len(words) <= _HEADING_MAX_WORDS and not text.endswith((".", ",", ";", ":"))
    letters = [c for c in text if c.isalpha()]
    capitals = bool(letters) and all(c.isupper() for c in letters)
    if short and (capitals or _SECTION_NUMBER.match(text)):
        return Block(HEADING, text, 2)
    return Block(PARAGRAPH, text)
