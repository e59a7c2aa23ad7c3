"""A policy as a list of blocks (headings, paragraph lines, list items, tables), and
the one place where blocks become markdown.

Extraction produces blocks, the language split relabels and filters them, and every
document's markdown is rendered here. Escaping therefore happens here and only here:
block text is the text as a reader sees it (`[4]` stays `[4]`, `a_b` stays `a_b`),
and a backslash is added only where a line of text would otherwise read as markdown
structure (a paragraph starting `# `, `- `, `1. `, `>`) or where a `|` would end a
table cell. Inline emphasis is not kept: the corpus is for reading and comparing
wording, and `**` markers would make versions differ on styling alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

HEADING = "heading"
PARAGRAPH = "paragraph"
ITEM = "item"
QUOTE = "quote"
TABLE = "table"

_STRUCTURE = re.compile(r"^(?:#{1,6}(?:\s|$)|>|[-*+](?:\s|$)|\d{1,9}[.)](?:\s|$)|\||[=-]{3,}|```)")
_NUMBERED = re.compile(r"^(\d{1,9})([.)])")


@dataclass(frozen=True, slots=True)
class Block:
    kind: str
    text: str = ""
    level: int = 0  # heading level 1-6; nesting depth of a list item (0 = top)
    ordered: bool = False  # a list item of a numbered list
    tight: bool = False  # continues the previous block on the next line (no blank line)
    rows: tuple[tuple[str, ...], ...] = ()  # a table's cells, first row as header

    def with_text(self, text: str) -> Block:
        return Block(self.kind, text, self.level, self.ordered, self.tight, self.rows)

    def loose(self) -> Block:
        return Block(self.kind, self.text, self.level, self.ordered, False, self.rows)

    @property
    def content(self) -> str:
        """The block's words, as the language split and the policy check read them."""
        if self.kind == TABLE:
            return " ".join(cell for row in self.rows for cell in row)
        return self.text


def render_markdown(blocks: Sequence[Block]) -> str:
    parts: list[str] = []
    previous: Block | None = None
    numbers: dict[int, int] = {}  # running number of ordered items per nesting depth
    for block in blocks:
        if block.kind != ITEM:
            numbers.clear()
        text = _render(block, numbers)
        if not text:
            continue
        if previous is not None:
            parts.append("\n" if _joined(previous, block) else "\n\n")
        parts.append(text)
        previous = block
    return "".join(parts)


def _joined(previous: Block, block: Block) -> bool:
    if block.kind == ITEM and previous.kind == ITEM:
        return True
    return block.tight and block.kind == previous.kind == PARAGRAPH


def _render(block: Block, numbers: dict[int, int]) -> str:
    if block.kind == HEADING:
        return f"{'#' * max(1, min(block.level, 6))} {block.text}" if block.text else ""
    if block.kind == ITEM:
        indent = "  " * block.level
        for depth in [d for d in numbers if d > block.level]:
            del numbers[depth]
        if block.ordered:
            numbers[block.level] = numbers.get(block.level, 0) + 1
            return f"{indent}{numbers[block.level]}. {block.text}"
        numbers.pop(block.level, None)
        return f"{indent}- {block.text}"
    if block.kind == TABLE:
        return _render_table(block.rows)
    if block.kind == QUOTE:
        return "\n".join(f"> {line}" for line in block.text.split("\n"))
    return "\n".join(escape_line(line) for line in block.text.split("\n"))


def escape_line(line: str) -> str:
    """Backslash-escape a text line only where it would otherwise read as structure."""
    if not _STRUCTURE.match(line):
        return line
    numbered = _NUMBERED.match(line)
    if numbered:
        return f"{numbered.group(1)}\\{line[len(numbered.group(1)) :]}"
    return "\\" + line


def _render_table(rows: Sequence[Sequence[str]]) -> str:
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    lines = []
    for index, row in enumerate(rows):
        cells = [_cell(c) for c in row] + [""] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
        if index == 0:
            lines.append("|" + "---|" * width)
    return "\n".join(lines)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def plain_text(blocks: Iterable[Block]) -> str:
    return "\n".join(block.content for block in blocks if block.content)
