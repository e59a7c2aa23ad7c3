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
    _unwrap_layout_tables(tree)
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


_BLOCKS = (
    "p",
    "div",
    "table",
    "ul",
    "ol",
    "dl",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "form",
    "blockquote",
)
_LAYOUT_CELL_CHARS = 400  # a data-table cell holds a value, not a page's worth of prose


def _unwrap_layout_tables(tree: lxml.html.HtmlElement) -> None:
    """Turn tables used for page layout (1996-2008) into plain blocks, so that the nav
    column and footer row stay apart from the content cell and paragraphs survive."""
    tables = list(tree.iter("table"))
    for table in reversed(tables):  # innermost first
        cells = [c for c in table.iter("td", "th") if _owner_table(c) is table]
        if not any(_is_layout_cell(cell) for cell in cells):
            continue
        for cell in cells:
            if _is_link_column(cell):
                cell.drop_tree()
        for element in list(table.iter("table", "thead", "tbody", "tfoot", "tr", "td", "th")):
            if element is table or _owner_table(element) is table:
                element.tag = "div"
                for attribute in ("colspan", "rowspan", "width", "valign", "align"):
                    element.attrib.pop(attribute, None)


def _owner_table(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    parent = element.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _is_link_column(cell: lxml.html.HtmlElement) -> bool:
    """A layout cell that is nothing but links: the navigation column."""
    text = " ".join(cell.text_content().split())
    if not text or len(text) > _LAYOUT_CELL_CHARS * 3:
        return False
    linked = sum(len(" ".join(a.text_content().split())) for a in cell.iter("a"))
    return linked >= 0.7 * len(text)


def _is_layout_cell(cell: lxml.html.HtmlElement) -> bool:
    if any(True for _ in cell.iter(*_BLOCKS)):
        return True
    return len(cell.text_content()) > _LAYOUT_CELL_CHARS


def is_heading(line: str) -> bool:
    return bool(_HEADING.match(line))
