"""Word-level differences between two texts: the change size stored with each version and
the readable diff `policy-archive diff` prints."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

# A token is a word with the spaces after it, or a newline: joining tokens gives the text back.
_TOKEN = re.compile(r"\n|[^\s]+[^\S\n]*|[^\S\n]+")


@dataclass(frozen=True, slots=True)
class Change:
    """How much one text differs from the one before it."""

    similarity: float  # difflib ratio over words: 1.0 identical, 0.0 nothing shared
    words_added: int
    words_removed: int


@dataclass(frozen=True, slots=True)
class Segment:
    op: str  # "equal", "insert" or "delete"
    text: str


def words(text: str) -> list[str]:
    return text.split()


def measure_change(old: str, new: str) -> Change:
    a_lines, b_lines = old.split("\n"), new.split("\n")
    # Paragraphs first, then words inside the changed paragraphs only: a word-level match
    # over whole policies full of repeated phrases is quadratic and far slower.
    added = removed = 0
    lines = SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in lines.get_opcodes():
        if tag == "equal":
            continue
        a, b = words(" ".join(a_lines[i1:i2])), words(" ".join(b_lines[j1:j2]))
        # autojunk would ignore frequent words ("the", "data") and understate what is shared.
        matcher = SequenceMatcher(None, a, b, autojunk=False)
        same = sum(block.size for block in matcher.get_matching_blocks())
        removed += len(a) - same
        added += len(b) - same
    total = len(words(old)) + len(words(new))
    similarity = (total - added - removed) / total if total else 1.0
    return Change(round(similarity, 4), added, removed)


def word_diff(old: str, new: str) -> list[Segment]:
    """`new` against `old` as equal, deleted and inserted runs of words."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    # Compare words without their trailing spaces so re-spacing is not reported as an edit.
    matcher = SequenceMatcher(None, [t.strip(" \t") for t in a], [t.strip(" \t") for t in b], False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment("equal", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return segments


def render_diff(segments: list[Segment], context: int = 1, colour: bool = False) -> str:
    """Changed paragraphs with `[-removed-]{+added+}` marks (git's word-diff), the rest elided."""
    marks = {
        "delete": ("\x1b[31m[-", "-]\x1b[0m") if colour else ("[-", "-]"),
        "insert": ("\x1b[32m{+", "+}\x1b[0m") if colour else ("{+", "+}"),
    }
    lines: list[tuple[str, bool]] = []
    current: list[str] = []
    changed = False
    for segment in segments:
        pieces = segment.text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                lines.append(("".join(current), changed))
                current, changed = [], False
            if not piece:
                continue
            if segment.op == "equal":
                current.append(piece)
            else:
                start, end = marks[segment.op]
                body = piece.rstrip()
                current.append(f"{start}{body}{end}{piece[len(body) :]}")
                changed = True
    lines.append(("".join(current), changed))
    # Context is counted in paragraphs: blank lines carry no information here.
    lines = [(text, hit) for text, hit in lines if text.strip()]
    keep = {
        i + d
        for i, (_, hit) in enumerate(lines)
        if hit
        for d in range(-context, context + 1)
        if 0 <= i + d < len(lines)
    }
    out: list[str] = []
    skipped = False
    for i, (text, _) in enumerate(lines):
        if i in keep:
            if skipped:
                out.append("…")
            skipped = False
            out.append(text.rstrip())
        else:
            skipped = True
    if skipped:
        out.append("…")
    return "\n".join(out)
