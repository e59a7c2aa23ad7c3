"""Word-level differences between two texts: the change size stored with each version, and
the line-by-line diff that `policy-archive diff` prints and `serve` shows."""

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


# The markdown structure that opens a line (heading marks, list bullets and numbers, quote
# marks, a table's pipe): kept out of the word diff, so a heading stays a heading.
_STRUCTURE = re.compile(r"^(?:#{1,6} +|\s*[-*+] +|\s*\d{1,9}[.)] +|> ?)")
# Two changed lines are shown as one edited line when at least this share of their words
# is common; below it they are a line removed and a line added.
DIFF_PAIR_SIMILARITY = 0.4
_PAIR_CELLS = 2_500  # changed lines compared pairwise past this: removed + added instead


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line (paragraph, heading, list item) of a diff between two texts.

    `op` is "equal", "delete" (only in the old text), "insert" (only in the new one) or
    "change" (edited: `segments` holds the word-level edit). `prefix` is the line's
    markdown structure (`## `, `- `), the same on both sides, never inside a mark.
    """

    op: str
    prefix: str
    segments: tuple[Segment, ...]

    @property
    def old(self) -> str:
        return "".join(s.text for s in self.segments if s.op != "insert")

    @property
    def new(self) -> str:
        return "".join(s.text for s in self.segments if s.op != "delete")


def split_structure(line: str) -> tuple[str, str]:
    """(markdown prefix, text) of one line: `## Your rights` -> (`## `, `Your rights`)."""
    found = _STRUCTURE.match(line)
    cut = found.end() if found else 0
    return line[:cut], line[cut:]


def _kind(prefix: str) -> str:
    # Lines pair only with lines of the same structure (a heading with a heading of the
    # same level, an item with an item); a numbered item keeps its pairing when renumbered.
    stripped = prefix.strip()
    return "1." if stripped[:1].isdigit() else stripped


def _similarity(a: str, b: str) -> float:
    wa, wb = a.split(), b.split()
    if not wa or not wb:
        return 0.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def _pair(old: list[str], new: list[str]) -> list[tuple[int | None, int | None]]:
    """Align the lines of one changed stretch: edited lines side by side, in order, the
    most similar first; the rest removed or added. Best total similarity wins (DP)."""
    n, m = len(old), len(new)
    if n * m > _PAIR_CELLS:
        return [(i, None) for i in range(n)] + [(None, j) for j in range(m)]
    parts = [split_structure(line) for line in old], [split_structure(line) for line in new]
    score = [[0.0] * m for _ in range(n)]
    for i, (pa, ta) in enumerate(parts[0]):
        for j, (pb, tb) in enumerate(parts[1]):
            if _kind(pa) == _kind(pb):
                similar = _similarity(ta, tb)
                score[i][j] = similar if similar >= DIFF_PAIR_SIMILARITY else 0.0
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            paired = best[i + 1][j + 1] + score[i][j] if score[i][j] else 0.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], paired)
    pairs: list[tuple[int | None, int | None]] = []
    i = j = 0
    while i < n and j < m:
        if score[i][j] and best[i][j] == best[i + 1][j + 1] + score[i][j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            pairs.append((i, None))
            i += 1
        else:
            pairs.append((None, j))
            j += 1
    pairs += [(k, None) for k in range(i, n)] + [(None, k) for k in range(j, m)]
    return pairs


def diff_lines(old: str, new: str) -> list[DiffLine]:
    """`new` against `old`, line by line (blank lines left out), words inside edited lines.

    Lines are aligned first and words compared only inside an edited line: a word diff
    over the whole text matches a new heading's `##` with the next heading's and puts the
    marks across the structure (`## {+Your rights+}` ... `{+##+} Contact us`).
    """
    a = [line for line in old.split("\n") if line.strip()]
    b = [line for line in new.split("\n") if line.strip()]
    lines: list[DiffLine] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for line in b[j1:j2]:
                prefix, text = split_structure(line)
                lines.append(DiffLine("equal", prefix, (Segment("equal", text),)))
            continue
        for i, j in _pair(a[i1:i2], b[j1:j2]):
            if i is not None and j is not None:
                prefix, text = split_structure(b[j1 + j])
                before = split_structure(a[i1 + i])[1]
                lines.append(DiffLine("change", prefix, tuple(word_diff(before, text))))
            elif i is not None:
                prefix, text = split_structure(a[i1 + i])
                lines.append(DiffLine("delete", prefix, (Segment("delete", text),)))
            elif j is not None:
                prefix, text = split_structure(b[j1 + j])
                lines.append(DiffLine("insert", prefix, (Segment("insert", text),)))
    return lines


def render_diff(lines: list[DiffLine], context: int = 1, colour: bool = False) -> str:
    """Changed lines with `[-removed-]{+added+}` marks (git's word-diff) after their
    markdown structure, `context` unchanged lines around them, the rest elided (`…`)."""
    marks = {
        "delete": ("\x1b[31m[-", "-]\x1b[0m") if colour else ("[-", "-]"),
        "insert": ("\x1b[32m{+", "+}\x1b[0m") if colour else ("{+", "+}"),
    }

    def marked(segment: Segment) -> str:
        if segment.op == "equal" or not segment.text.strip():
            return segment.text
        start, end = marks[segment.op]
        body = segment.text.rstrip()
        return f"{start}{body}{end}{segment.text[len(body) :]}"

    keep = {
        i + d
        for i, line in enumerate(lines)
        if line.op != "equal"
        for d in range(-context, context + 1)
        if 0 <= i + d < len(lines)
    }
    out: list[str] = []
    skipped = False
    for i, line in enumerate(lines):
        if i in keep:
            if skipped:
                out.append("…")
            skipped = False
            out.append((line.prefix + "".join(marked(s) for s in line.segments)).rstrip())
        else:
            skipped = True
    if skipped and keep:
        out.append("…")
    return "\n".join(out)
