"""One payload to its policy documents: the pure step shared by the crawl and rebuild.

decode -> extract -> keep the requested document's section -> policy check -> one
document per language. Every step is a pure function of the bytes and the capture's
metadata, so the same payload gives the same documents in any process and order.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence

from corpus.blocks import HEADING, Block, render_markdown
from corpus.decoding import check_text_bytes, decode_content, decode_html
from corpus.extraction import Extracted, extract_markdown
from corpus.language import chinese_variant
from corpus.limits import (
    EXTRACTION_SECONDS,
    EXTRACTION_TIMEOUT,
    ExtractionTimeout,
    PageRefused,
    time_limit,
)
from corpus.models import Document, Processed, RawCapture
from corpus.normalise import normalise_text
from corpus.pdf import extract_pdf, is_pdf
from corpus.policy import check_policy, select_kind_section
from corpus.split import LanguagePart, split_languages

log = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


def process_capture(capture: RawCapture) -> Processed:
    """Decode, extract, check and split one fetched capture; drops carry a reason."""
    if capture.body is None:
        raise ValueError("a revisit capture has no payload of its own to process")
    if capture.status != 200:
        return Processed(drop_reason=f"http_{capture.status}")
    content_type = capture.header("content-type")
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    pdf = is_pdf(capture.body, mime)
    if mime not in _HTML_TYPES and not pdf:
        return Processed(drop_reason="not_html")
    try:
        with time_limit(EXTRACTION_SECONDS):
            body = decode_content(capture.body, capture.header("content-encoding"))
            if pdf:
                extracted = narrowed(extract_pdf(body), capture.kind)
                return _judge_and_split(extracted, capture.kind, capture.url, capture.domain)
            check_text_bytes(body)
            decoded = decode_html(body, content_type)
            extracted = extract_policy(decoded.text, capture.url, capture.kind)
            return _judge_and_split(extracted, capture.kind, capture.url, capture.domain)
    except PageRefused as refused:
        log.debug("refused %s: %s", capture.archive_url, refused)
        return Processed(drop_reason=refused.reason)
    except ExtractionTimeout:
        # the one outcome that depends on the machine: say so louder than other drops
        log.warning("%s took over %g s to process", capture.archive_url, EXTRACTION_SECONDS)
        return Processed(drop_reason=EXTRACTION_TIMEOUT)


# Captures of one policy often differ only outside its text (stamps, counters, ads), so
# the same extracted content comes back payload after payload; everything from here on
# is a pure function of it, and remembering the last answers repeats no work.
@functools.lru_cache(maxsize=256)
def _judge_and_split(extracted: Extracted, kind: str, url: str, domain: str) -> Processed:
    reason = check_policy(extracted, kind, url, domain)
    if reason:
        return Processed(drop_reason=reason)
    documents = split_documents(extracted)
    if not documents:
        return Processed(drop_reason="empty")
    return Processed(documents=documents)


def extract_policy(html: str, url: str | None, kind: str | None) -> Extracted:
    """The page's main text, narrowed to the `kind` document where a page holds several."""
    return narrowed(extract_markdown(html, url), kind)


def narrowed(extracted: Extracted, kind: str | None) -> Extracted:
    """`extracted` cut to its `kind` document where it holds several."""
    if kind is None:
        return extracted
    blocks = tuple(select_kind_section(extracted.blocks, kind))
    if blocks == extracted.blocks:
        return extracted
    return Extracted(extracted.title, blocks, extracted.link_share, extracted.has_password_field)


def split_documents(extracted: Extracted) -> tuple[Document, ...]:
    return render_documents(split_languages(extracted.blocks), extracted.title)


def render_documents(parts: Sequence[LanguagePart], page_title: str) -> tuple[Document, ...]:
    """One document per language part: its markdown, normalised, titled."""
    documents: list[Document] = []
    for part in parts:
        blocks = _titled(list(part.blocks))
        text = normalise_text(render_markdown(blocks))
        if not text:
            continue
        title = next((b.text for b in blocks if b.kind == HEADING), page_title)
        script = chinese_variant(text) if part.lang == "zh" else ""
        documents.append(Document(part.lang, text, title, script))
    return tuple(documents)


def _titled(blocks: list[Block]) -> list[Block]:
    """Each language's document opens with its own title as `#`: the first heading of
    its part (the page's title, or the heading that opens the other language)."""
    untitled = not any(b.kind == HEADING and b.level == 1 for b in blocks)
    if blocks and blocks[0].kind == HEADING and untitled:
        blocks = [Block(HEADING, blocks[0].text, 1), *blocks[1:]]
    # A bilingual page's title cut in two is often followed by the same words as the
    # heading that opens that language's section: say it once.
    repeated = len(blocks) > 1 and blocks[0].kind == blocks[1].kind == HEADING
    if repeated and blocks[0].text.strip() == blocks[1].text.strip():
        return [blocks[0], *blocks[2:]]
    return blocks
