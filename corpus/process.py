"""One payload to its policy documents: the pure step shared by the crawl and rebuild."""

from __future__ import annotations

from corpus.decoding import decode_html
from corpus.extraction import extract_markdown
from corpus.language import detect_language
from corpus.models import Document, Processed, RawCapture
from corpus.normalise import normalise_text
from corpus.policy import check_policy

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


def process_capture(capture: RawCapture) -> Processed:
    """Decode, extract, check and label one fetched capture; drops carry a reason."""
    if capture.body is None:
        raise ValueError("a revisit capture has no payload of its own to process")
    if capture.status != 200:
        return Processed(drop_reason=f"http_{capture.status}")
    content_type = capture.header("content-type")
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime not in _HTML_TYPES:
        return Processed(drop_reason="not_html")
    decoded = decode_html(capture.body, content_type)
    extracted = extract_markdown(decoded.text, capture.url)
    reason = check_policy(extracted, capture.kind)
    if reason:
        return Processed(drop_reason=reason)
    text = normalise_text(extracted.markdown)
    document = Document(lang=detect_language(text), text=text, title=extracted.title)
    return Processed(documents=(document,))
