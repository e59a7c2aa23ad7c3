"""HTML to policy markdown with trafilatura, with every option fixed in one place."""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
import trafilatura
from lxml.etree import ParserError

# Options fixed here so that the same bytes give the same text in every process:
# deduplicate=False because trafilatura's dedupe cache is process-wide and empties a
# policy it has seen before; favor_recall because policies are long, plain and
# list-heavy, and precision mode drops sections named like "cookies" or "consent".
TRAFILATURA_OPTIONS: dict[str, object] = {
    "output_format": "markdown",
    "include_tables": True,
    "include_comments": False,
    "include_images": False,
    "include_links": False,
    "include_formatting": True,
    "favor_recall": True,
    "deduplicate": False,
    "with_metadata": False,
}

# Overlays that are not part of any page's content: consent banners, newsletter boxes.
_OVERLAY = re.compile(
    r"cookie[-_]?(banner|bar|notice|consent|popup|law|message|alert|wall)|consent|gdpr|"
    r"onetrust|cc[-_]window|newsletter|subscribe|signup|sign-up",
    re.IGNORECASE,
)
_OVERLAY_MAX_CHARS = 1500  # a real policy section is longer than any banner
_HEADING = re.compile(r"^#{1,6} ")


@dataclass(frozen=True, slots=True)
class Extracted:
    title: str
    markdown: str


def extract_markdown(html: str, url: str | None = None) -> Extracted:
    """The page's main text as markdown, its title as the first `#` heading."""
    try:
        tree = lxml.html.fromstring(html)
    except (ParserError, ValueError):
        return Extracted(title="", markdown="")
    title = _title(tree)
    _drop_overlays(tree)
    markdown = trafilatura.extract(tree, url=url, **TRAFILATURA_OPTIONS) or ""  # type: ignore[arg-type]
    markdown = markdown.strip()
    if title and markdown and not markdown.startswith("# "):
        markdown = f"# {title}\n\n{markdown}"
    return Extracted(title=title, markdown=markdown)


def _title(tree: lxml.html.HtmlElement) -> str:
    for xpath in ("//h1", "//title"):
        for element in tree.xpath(xpath):
            text = " ".join(element.text_content().split())
            if text:
                return text
    return ""


def _drop_overlays(tree: lxml.html.HtmlElement) -> None:
    for element in list(tree.iter("div", "section", "aside", "form", "dialog")):
        marker = f"{element.get('id', '')} {element.get('class', '')}"
        if not _OVERLAY.search(marker):
            continue
        if element.xpath(".//h1") or len(element.text_content()) > _OVERLAY_MAX_CHARS:
            continue
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)


def is_heading(line: str) -> bool:
    return bool(_HEADING.match(line))
