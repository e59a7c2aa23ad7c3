"""HTML to policy blocks with trafilatura, with every option fixed in one place.

trafilatura finds the main content; we read its internal tree (not its markdown) and
turn it into blocks ourselves, so that headings, lists, tables and paragraph lines
reach the language split as units, and markdown is written in one place
(`corpus.blocks`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
import trafilatura
import trafilatura.xpaths
from lxml import etree
from lxml.etree import ParserError

from corpus.blocks import HEADING, ITEM, PARAGRAPH, QUOTE, TABLE, Block, plain_text, render_markdown
from corpus.limits import (
    MAX_DEPTH,
    MAX_ELEMENTS,
    MAX_TEXT_CHARS,
    TOO_DEEP,
    TOO_LARGE,
    PageRefused,
)

# Options fixed here so that the same bytes give the same text in every process:
# deduplicate=False because trafilatura's dedupe cache is process-wide and empties a
# policy it has seen before; favor_recall because policies are long, plain and
# list-heavy, and precision mode drops sections named like "cookies" or "consent";
# links on so that the policy check can see how much of a page is links (the link
# targets never reach the text).
TRAFILATURA_OPTIONS: dict[str, object] = {
    "include_tables": True,
    "include_comments": False,
    "include_images": False,
    "include_links": True,
    "include_formatting": True,
    "favor_recall": True,
    "deduplicate": False,
    "with_metadata": False,
    # We read its tree, never its text: "txt" spares the plain-text rendering of the body
    # that the default "python" output makes (about a fifth of its time on a policy page);
    # formatting is set explicitly above, so the tree is the same.
    "output_format": "txt",
}

# trafilatura prunes every raw tree with XPaths of the form `.//*[self::div or self::ol
# ...][...]`: libxml2 tests each `self::` step as a node set on every element of the
# page, a millisecond per expression on a page with a large menu and our biggest single
# cost (the comments prune runs only in our mode, comments off). The same elements come
# from `(descendant::div|descendant::ol ...)[...]` at a tenth of the cost: both select
# the descendants so named, in document order, and the predicates that follow (the
# same text) see the same elements as long as none asks for a position, hence the guard.
_NAME_STEP = re.compile(r"\A\s*\.//\*\[\s*(self::\w+(?:\s+or\s+self::\w+)*)\s*\]")
_POSITIONAL = re.compile(r"position\(|last\(|\[\s*\d")


def by_name(path: str) -> str | None:
    """`path` with its leading `.//*[self::a or self::b]` step as a union of named
    descendant steps, or None when it does not start so or a predicate is positional."""
    match = _NAME_STEP.match(path)
    if match is None or _POSITIONAL.search(path):
        return None
    names = [step.strip().removeprefix("self::") for step in match.group(1).split(" or ")]
    return "(" + "|".join(f"descendant::{name}" for name in names) + ")" + path[match.end() :]


def _rewrite_prunes(expressions: list[etree.XPath]) -> list[tuple[str, str]]:
    """Swap each expression that `by_name` can rewrite, in place (trafilatura.core holds
    these very lists); returns the (original, rewritten) paths."""
    rewritten = []
    for index, expression in enumerate(expressions):
        faster = by_name(expression.path)
        if faster is not None:
            namespaces = {"re": trafilatura.xpaths.REGEXP_NS}
            expressions[index] = etree.XPath(faster, namespaces=namespaces)
            rewritten.append((expression.path, faster))
    return rewritten


# Kept so that tests can hold each rewrite against the expression it replaced; lower
# case, as no setting: the producer record keeps UPPER_SNAKE names, and trafilatura's
# version there already says which expressions these are.
rewritten_prunes: tuple[tuple[str, str], ...] = (
    *_rewrite_prunes(trafilatura.xpaths.RAW_TREE_PRUNE_XPATH),
    *_rewrite_prunes(trafilatura.xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH),
)

# Overlays that are not part of any page's content: consent banners, newsletter boxes.
# A marker alone is not enough (policies have `<section id="consent">`): the element
# must also look interactive (a dialog, a button, a form) and be short.
_OVERLAY = re.compile(
    r"cookie|consent|gdpr|onetrust|cc[-_]window|newsletter|subscribe|sign-?up|optin|opt-in",
    re.IGNORECASE,
)
_OVERLAY_MAX_CHARS = 1500  # a real policy section is longer than any banner
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_HEADING_LEVEL = re.compile(r"h([1-6])")
_PROMOTED_MAX_CHARS = 120  # a bold line longer than this is emphasis, not a heading


@dataclass(frozen=True, slots=True)
class Extracted:
    title: str
    blocks: tuple[Block, ...] = ()
    link_share: float = 0.0  # share of the page's content text that is link anchors
    has_password_field: bool = False  # a login form anywhere on the page

    @property
    def markdown(self) -> str:
        return render_markdown(self.blocks)

    @property
    def text(self) -> str:
        return plain_text(self.blocks)


def extract_markdown(html: str, url: str | None = None) -> Extracted:
    """The page's main text as blocks, the title first as a level-1 heading."""
    try:
        tree = parse_html(html)
    except (ParserError, ValueError):
        return Extracted(title="")
    has_password = bool(tree.xpath("//input[@type='password' or @type='PASSWORD']"))
    title = _title(tree)
    _drop_overlays(tree)
    link_share = _link_share(tree)
    _unwrap_layout_tables(tree)
    document = trafilatura.bare_extraction(tree, url=url, **TRAFILATURA_OPTIONS)  # type: ignore[arg-type]
    body = getattr(document, "body", None)
    if body is None:
        return Extracted(title=title, link_share=link_share, has_password_field=has_password)
    reader = _BodyReader()
    reader.read_children(body)
    blocks = _with_title(_promote_bold_lines(reader.blocks), title)
    return Extracted(title, tuple(blocks), link_share, has_password)


def parse_html(html: str) -> lxml.html.HtmlElement:
    """The page's tree, whole or not at all: raises PageRefused past the limits.

    `huge_tree` lifts libxml2's limits (a text node over 10 MB was dropped without a
    word, and a tree deeper than 256 lost everything below), which makes our own limits
    the ones that hold: elements, text and depth, checked here in one pass.
    """
    parser = lxml.html.HTMLParser(huge_tree=True)
    # lxml.html picks each element's class in a Python callback, once per element that
    # Python touches (trafilatura touches them all, several times): a profile's largest
    # single cost after trafilatura's own. The same classes come from a lookup in C; only
    # form controls lose classes of their own (FormElement...), which nothing here uses.
    parser.set_element_class_lookup(_CLASSES)
    source = _XML_DECLARATION.sub("", html, count=1)
    tree = lxml.html.fromstring(source, parser=parser)
    for error in parser.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT":  # even huge_tree stops at 2048 levels
            raise PageRefused(TOO_DEEP if "depth" in error.message else TOO_LARGE, error.message)
    if not _within_limits(tree, source):
        _bound(tree)
    return tree


_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)
# Counted in libxml2, with no Python object per node: elements, comments and processing
# instructions as _bound counts them, and whether any element lies below MAX_DEPTH.
_NODES = etree.XPath(
    "count(descendant-or-self::*) + count(descendant::comment())"
    " + count(descendant::processing-instruction())"
)
# MAX_DEPTH child steps from the root reach the elements with MAX_DEPTH ancestors: each
# step keeps only one level's elements, so this costs one pass, not one per ancestor.
_TOO_DEEP = etree.XPath("boolean(" + "/".join(["*"] * MAX_DEPTH) + ")")


def _within_limits(tree: lxml.html.HtmlElement, source: str) -> bool:
    """True when `_bound` would find nothing to refuse or unwrap: few enough nodes, no
    element deeper than MAX_DEPTH, and a source shorter than MAX_TEXT_CHARS (the text of
    a page is never longer than its source: entities and line ends only shrink)."""
    if len(source) > MAX_TEXT_CHARS:
        return False
    return bool(_NODES(tree) <= MAX_ELEMENTS and not _TOO_DEEP(tree))


_NOT_TEXT = frozenset(("script", "style"))


def _bound(tree: lxml.html.HtmlElement) -> None:
    """Refuse a tree past MAX_ELEMENTS or MAX_TEXT_CHARS; unwrap what lies below MAX_DEPTH."""
    elements = chars = 0
    # iterwalk passes over comments and processing instructions, but their tails are text
    for node in tree.iter(etree.Comment, etree.ProcessingInstruction):
        elements += 1
        chars += len(node.tail or "")
    path: list[lxml.html.HtmlElement] = []
    anchors: list[lxml.html.HtmlElement] = []  # elements whose subtree is unwrapped
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        if event == "end":
            path.pop()
            chars += len(element.tail or "")
            continue
        path.append(element)
        elements += 1
        if isinstance(element.tag, str) and element.tag not in _NOT_TEXT:
            chars += len(element.text or "")
        if len(path) > MAX_DEPTH and (not anchors or anchors[-1] is not path[MAX_DEPTH - 2]):
            anchors.append(path[MAX_DEPTH - 2])
        if elements > MAX_ELEMENTS:
            raise PageRefused(TOO_LARGE, f"over {MAX_ELEMENTS} elements")
    if chars > MAX_TEXT_CHARS:
        raise PageRefused(TOO_LARGE, f"{chars} characters of text")
    for anchor in anchors:
        # Below the anchor only elements without children stay (paragraphs, cells,
        # links); every wrapper around them gives up its tag and keeps its text.
        for wrapper in [e for e in anchor.iterdescendants() if len(e)]:
            wrapper.drop_tag()


_CHROME = frozenset(("header", "nav", "footer", "aside", "script", "style", "noscript"))


def _link_share(tree: lxml.html.HtmlElement) -> float:
    """How much of the page's content (its main element, else its body, without the
    header, navigation and footer) is link text: pages that only point elsewhere."""
    roots = tree.xpath("//main") or tree.xpath("//body") or [tree]
    text = links = 0
    stack: list[tuple[lxml.html.HtmlElement, bool]] = [(roots[0], False)]
    while stack:
        element, in_link = stack.pop()
        if not isinstance(element.tag, str) or element.tag in _CHROME:
            continue
        in_link = in_link or element.tag == "a"
        own = len((element.text or "").strip())
        text += own
        links += own if in_link else 0
        for child in element:
            tail = len((child.tail or "").strip())
            text += tail
            links += tail if in_link else 0
            stack.append((child, in_link))
    return links / text if text else 0.0


def _collapse(text: str) -> str:
    # str.split() and the regex's \s both use Unicode's whitespace (Py_UNICODE_ISSPACE),
    # so this is `re.sub(r"\s+", " ", text).strip()` at a third of its cost.
    return " ".join(text.split())


def _title(tree: lxml.html.HtmlElement) -> str:
    # An h1 inside the page header or navigation is the site's logo, not the page's title.
    for element in tree.iter("h1"):
        if element.xpath("ancestor::header or ancestor::nav or ancestor::footer"):
            continue
        text = _collapse(element.text_content())
        if text:
            return text
    for element in tree.iter("title"):
        text = _collapse(element.text_content())
        if text:
            return text
    return ""


def _with_title(blocks: list[Block], title: str) -> list[Block]:
    if not title or not blocks:
        return blocks
    key = title.casefold()
    for index, block in enumerate(blocks[:3]):
        if block.kind == HEADING and block.text.casefold() == key:
            return [Block(HEADING, block.text, 1), *blocks[:index], *blocks[index + 1 :]]
    return [Block(HEADING, title, 1), *blocks]


def _promote_bold_lines(blocks: list[Block]) -> list[Block]:
    """Old pages mark headings with `<b>` in a paragraph; give them a heading's level."""
    levels = [b.level for b in blocks if b.kind == HEADING and b.level > 1]
    level = min(levels) + 1 if levels else 2
    return [
        Block(HEADING, b.text, min(level, 6)) if b.kind == HEADING and b.level == 0 else b
        for b in blocks
    ]


_BLOCK_TAGS = {"p", "head", "list", "table", "quote", "code", "div", "item", "row", "cell"}


class _BodyReader:
    """Walks trafilatura's output tree (p, head, list/item, table/row/cell, quote, hi,
    ref, lb) into blocks."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []

    def read_children(self, element: lxml.html.HtmlElement) -> None:
        self._lines(element, PARAGRAPH)

    def _element(self, element: lxml.html.HtmlElement) -> None:
        tag = element.tag
        if tag == "head":
            match = _HEADING_LEVEL.fullmatch(element.get("rend", ""))
            text = _collapse(self._inline(element))
            if text:
                self.blocks.append(Block(HEADING, text, int(match.group(1)) if match else 2))
        elif tag == "list":
            self._list(element, 0)
        elif tag == "table":
            self._table(element)
        elif tag == "quote":
            self._lines(element, QUOTE)
        elif tag == "p" and self._is_bold_line(element):
            # level 0: decided once the document's own heading levels are known
            self.blocks.append(Block(HEADING, _collapse(self._inline(element)), 0))
        else:
            self._lines(element, PARAGRAPH)

    def _is_bold_line(self, element: lxml.html.HtmlElement) -> bool:
        children = list(element)
        if len(children) != 1 or children[0].tag != "hi" or "b" not in children[0].get("rend", ""):
            return False
        if (element.text or "").strip() or (children[0].tail or "").strip():
            return False
        if any(True for _ in children[0].iter("lb")):
            return False
        text = _collapse("".join(children[0].itertext()))
        return 0 < len(text) <= _PROMOTED_MAX_CHARS and not text.endswith((".", ",", ";"))

    def _lines(self, element: lxml.html.HtmlElement, kind: str) -> None:
        """Inline text split at line breaks; nested blocks come out in their place."""
        buffer: list[str] = [element.text or ""]
        for child in element:
            if child.tag in _BLOCK_TAGS:
                self._flush(buffer, kind)
                self._element(child)
            else:
                buffer.append(self._inline(child))
            buffer.append(child.tail or "")
        self._flush(buffer, kind)

    def _flush(self, buffer: list[str], kind: str) -> None:
        lines = [_collapse(line) for line in "".join(buffer).split("\n")]
        buffer.clear()
        first = True
        for line in lines:
            if line:
                self.blocks.append(Block(kind, line, tight=not first))
                first = False

    def _inline(self, element: lxml.html.HtmlElement) -> str:
        if element.tag == "lb":
            return "\n"
        parts = [element.text or ""]
        for child in element:
            parts.append(self._inline(child))
            parts.append(child.tail or "")
        return "".join(parts)

    def _list(self, element: lxml.html.HtmlElement, depth: int) -> None:
        ordered = element.get("rend", "") == "ol"
        for item in element:
            if item.tag != "item":
                self._element(item)
                continue
            nested: list[lxml.html.HtmlElement] = []
            parts = [item.text or ""]
            for child in item:
                if child.tag == "list":
                    nested.append(child)
                else:
                    parts.append(self._inline(child))
                parts.append(child.tail or "")
            text = _collapse("".join(parts))
            if text:
                self.blocks.append(Block(ITEM, text, depth, ordered))
            for sub in nested:
                self._list(sub, depth + 1)

    def _table(self, element: lxml.html.HtmlElement) -> None:
        rows: list[tuple[str, ...]] = []
        for row in element.iter("row"):
            cells = tuple(_collapse(self._inline(cell)) for cell in row if cell.tag == "cell")
            if any(cells):
                rows.append(cells)
        if not rows:
            return
        if max(len(row) for row in rows) == 1:
            # a one-column table lays text out, it tabulates nothing
            for row in rows:
                self.blocks.append(Block(PARAGRAPH, row[0]))
            return
        self.blocks.append(Block(TABLE, rows=tuple(rows)))


def _drop_overlays(tree: lxml.html.HtmlElement) -> None:
    for element in list(tree.iter("div", "section", "aside", "form", "dialog", "footer")):
        marker = (
            f"{element.get('id', '')} {element.get('class', '')} {element.get('aria-label', '')}"
        )
        if not _OVERLAY.search(marker) or not _looks_interactive(element):
            continue
        if element.xpath(".//h1") or len(element.text_content()) > _OVERLAY_MAX_CHARS:
            continue
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)


def _looks_interactive(element: lxml.html.HtmlElement) -> bool:
    if element.tag in ("form", "dialog") or element.get("role") in ("dialog", "alertdialog"):
        return True
    if element.get("aria-modal") == "true":
        return True
    return bool(element.xpath(".//button|.//input|.//form|.//a[@role='button']"))


_LAYOUT_BLOCKS = (
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
        if not _is_layout_table(table, cells):
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


def _is_layout_table(table: lxml.html.HtmlElement, cells: list[lxml.html.HtmlElement]) -> bool:
    if table.get("role") == "presentation":
        return True
    # Tables holding tables or headings lay out a page, whatever else they hold.
    if table.xpath(".//table|.//h1|.//h2|.//h3|.//h4|.//h5|.//h6"):
        return True
    # A header row or caption marks a data table, even when its cells hold lists and divs.
    if any(c.tag == "th" for c in cells) or table.xpath("./caption|./thead"):
        return False
    return any(_is_layout_cell(cell) for cell in cells)


def _is_layout_cell(cell: lxml.html.HtmlElement) -> bool:
    if any(True for _ in cell.iter(*_LAYOUT_BLOCKS)):
        return True
    return len(cell.text_content()) > _LAYOUT_CELL_CHARS
