"""One document per language for pages that carry a policy in several.

Works on extracted blocks (headings, paragraph lines, list items, table columns):

1. a block holding one language then another ("Privacy Policy 隐私政策") is cut in two;
2. the script decides where it names one language (Han, Kana, Hangul, Thai...);
3. the rest (Latin, Cyrillic...) is read run by run: one langdetect call on a sample
   of the run names its main language; function words flag blocks that may be in
   another one; each such language is confirmed by langdetect before it counts, and
   only then are blocks assigned, by function words where they are clear and by
   langdetect where they are not. A monolingual page costs one call;
4. short or uncertain blocks (headings, contact lines, product names) take their
   neighbours' language: a heading the language of what follows it, anything else
   that of what precedes it;
5. the page's languages are those with a real share of its letters; blocks of any
   other language are relabelled by their neighbours in turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from corpus.blocks import HEADING, PARAGRAPH, TABLE, Block
from corpus.language import (
    DEVANAGARI,
    HAN,
    HANGUL,
    KANA,
    LATIN,
    SCRIPT_LANGUAGE,
    UNKNOWN,
    langdetect_guesses,
    script_letters,
    verdict_of,
)

SPLIT_MIN_SHARE = 0.10  # a language is a document of its own from this share of letters
SPLIT_MIN_LETTERS = 200  # ... and this many letters: a quoted sentence is not a policy
SPLIT_SURE_LETTERS = 40  # a block this long is read on its own when in doubt
SPLIT_SHORT_LETTERS = 20  # shorter blocks (contact lines, names) follow their neighbours
SPLIT_SAMPLE_CHARS = 400  # langdetect's cost grows with its input; 400 letters spread
# over a run name its language as surely as the whole run
SPLIT_BLOCK_DETECT_LETTERS = 100  # on a bilingual page, a block without clear function
# words gets its own langdetect call from this size; shorter ones follow their neighbours
SPLIT_CONFIDENT = 0.80  # langdetect probability trusted for a single block
SPLIT_MIXED_MIN_LETTERS = 2  # each half of a cut block holds at least this many letters

# The commonest words of the languages policies are written in, for telling blocks
# apart cheaply once langdetect has confirmed the languages present.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and of to you your we our is are for with that this or by be not as "
        "on any may will from which it have can us",
        "fr": "le la les des et vous nous est pour que qui dans une un du au aux sont pas "
        "vos votre nos notre ces sur ou être avec",
        "de": "der die das und wir sie ist nicht mit für den dem ein eine zu von auf "
        "ihre ihren unsere werden oder auch bei",
        "es": "el la los las y de que en para por con su sus nuestro nosotros usted es "
        "son una del al se como",
        "it": "il lo la gli le e di che per con non sono una del della dei nostro suoi "
        "vostri questo sul alla",
        "pt": "o a os as e de que em para por com não seus suas nosso você são uma do da "
        "dos das ao",
        "nl": "de het en van een wij u uw ons onze is zijn voor met dat die niet op te "
        "worden door bij",
        "pl": "i w na z do że nie się jest są oraz lub dla przez przy twoje nasze nas twoich jak",
    }.items()
}
_WORD_LANGUAGES: dict[str, tuple[str, ...]] = {}
for _lang, _vocabulary in _FUNCTION_WORDS.items():
    for _word in _vocabulary:
        _WORD_LANGUAGES[_word] = (*_WORD_LANGUAGES.get(_word, ()), _lang)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_ASCII_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")  # _WORD on lower-case ASCII
_FUNCTION_MIN_HITS = 3
_FUNCTION_SAMPLE_CHARS = 200
_FUNCTION_MARGIN = 2.0  # the best language has at least this many times the runner-up's hits


@dataclass(slots=True)
class _Unit:
    block: Block
    letters: int
    script: str
    lang: str | None = None
    by_script: bool = False
    table: int | None = None  # index of the table this column came from
    column: int = 0
    hint: str | None = None  # the language its function words suggest
    cut: bool = False  # one half of a block holding two languages


@dataclass(frozen=True, slots=True)
class LanguagePart:
    lang: str
    blocks: tuple[Block, ...]
    letters: int


def split_languages(blocks: Sequence[Block]) -> list[LanguagePart]:
    """The page's blocks grouped by language, languages in order of first appearance."""
    units = _units(blocks)
    _label(units)
    letters: dict[str, int] = {}
    for unit in units:
        if unit.lang:
            letters[unit.lang] = letters.get(unit.lang, 0) + _weight(unit)
    total = sum(letters.values())
    if not total:
        return [LanguagePart(UNKNOWN, tuple(blocks), 0)] if blocks else []
    kept = {
        lang
        for lang, n in letters.items()
        if n >= SPLIT_MIN_SHARE * total and n >= SPLIT_MIN_LETTERS
    }
    if not kept:
        kept = {max(letters, key=lambda lang: (letters[lang], lang))}
    for unit in units:
        if unit.lang not in kept:
            unit.lang = None
    _smooth(units)
    order: list[str] = []
    for unit in units:
        if unit.lang and unit.lang not in order:
            order.append(unit.lang)
    return [
        LanguagePart(
            lang,
            tuple(_assemble([u for u in units if u.lang == lang])),
            sum(_weight(u) for u in units if u.lang == lang),
        )
        for lang in order
    ]


# A Han, Kana or Hangul character carries about what three Latin letters do (a page of
# English becomes about a third as many Chinese characters), so shares and minimum
# sizes are counted in Latin-letter equivalents.
_DENSE_SCRIPTS = {HAN: 3, KANA: 3, HANGUL: 3}


def _weight(unit: _Unit) -> int:
    return unit.letters * _DENSE_SCRIPTS.get(unit.script, 1)


# -- units ------------------------------------------------------------------------------


def _units(blocks: Sequence[Block]) -> list[_Unit]:
    units: list[_Unit] = []
    for index, block in enumerate(blocks):
        if block.kind == TABLE:
            width = max((len(row) for row in block.rows), default=0)
            for column in range(width):
                cells = tuple((row[column] if column < len(row) else "",) for row in block.rows)
                units.append(_unit(Block(TABLE, rows=cells), table=index, column=column))
            continue
        counts = script_letters(block.content)
        parts = [block]
        if counts.get(LATIN) and any(code in SCRIPT_LANGUAGE for code in counts):
            parts = _cut_mixed(block)
        if len(parts) == 1:
            units.append(_unit(block, counts=counts))
        else:
            for part in parts:
                units.append(_unit(part))
                units[-1].cut = True
    return units


def _unit(
    block: Block, table: int | None = None, column: int = 0, counts: dict[str, int] | None = None
) -> _Unit:
    verdict = verdict_of(counts if counts is not None else script_letters(block.content))
    unit = _Unit(block, verdict.letters, verdict.script, table=table, column=column)
    if verdict.lang:
        unit.lang, unit.by_script = verdict.lang, True
    return unit


_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]+|[A-Za-z\u00c0-\u024f]+")


def _cut_mixed(block: Block) -> list[Block]:
    """Cut "Privacy Policy 隐私政策" into its two languages; leave "我们使用Cookie技术" whole.

    Only a block that is one script and then the other is cut; a Latin word inside
    Chinese text (Cookie, App, a product name) is part of the Chinese text.
    """
    text = block.text
    if block.kind == TABLE or text.isascii():
        return [block]
    runs = [
        (m.start(), m.end(), m.group()[0].isascii() or m.group()[0] <= "\u024f")
        for m in _RUN.finditer(text)
    ]
    if len(runs) < 2:
        return [block]
    latin_first = runs[0][2]
    switch = next((i for i, run in enumerate(runs) if run[2] != latin_first), None)
    if switch is None or any(run[2] == latin_first for run in runs[switch:]):
        return [block]
    first = sum(end - start for start, end, _ in runs[:switch])
    second = sum(end - start for start, end, _ in runs[switch:])
    if min(first, second) < SPLIT_MIXED_MIN_LETTERS:
        return [block]
    cut = runs[switch][0]
    # Punctuation between the halves ("Privacy Policy / 隐私政策") belongs to neither.
    head = text[:cut].rstrip(" \t/|-–—:：(（")
    tail = text[cut:].strip()
    if not head.strip() or not tail:
        return [block]
    return [block.with_text(head.strip()), block.with_text(tail).loose()]


# -- labelling --------------------------------------------------------------------------


def _label(units: list[_Unit]) -> None:
    """Give every unit a language or None (too short to tell).

    Units that need langdetect are read per script across the whole page, not run by
    run: English paragraphs interleaved with Chinese ones are one English text.
    """
    groups: dict[str, list[_Unit]] = {}
    for unit in units:
        if unit.letters and not unit.by_script:
            groups.setdefault(unit.script, []).append(unit)
    page_letters = sum(_weight(u) for u in units)
    for script, group in groups.items():
        _label_group(group, script, page_letters)


def _label_group(group: list[_Unit], script: str, page_letters: int) -> None:
    letters = sum(u.letters for u in group)
    if letters < SPLIT_SHORT_LETTERS:
        return  # a product name or a date line: the neighbours decide
    main = _main_language(group, script)
    if main is None:
        return
    if script != LATIN:
        _label_all(group, main)
        return
    for unit in group:
        if unit.letters >= SPLIT_SHORT_LETTERS:
            unit.hint = _function_word_language(unit.block.content)
    candidates = {main}
    for lang in sorted({u.hint for u in group if u.hint and u.hint != main}):
        hinted = [u for u in group if u.hint == lang]
        hinted_letters = sum(u.letters for u in hinted)
        # only a language that could become a document of its own is worth a call
        if hinted_letters < SPLIT_MIN_LETTERS or hinted_letters < SPLIT_MIN_SHARE * page_letters:
            continue
        guesses = langdetect_guesses(_sample(hinted))
        if guesses and guesses[0][0] == lang:
            candidates.add(lang)
    if len(candidates) == 1:
        _label_all(group, main)
        return
    for unit in group:
        if unit.letters < SPLIT_SHORT_LETTERS:
            continue
        if unit.hint in candidates:
            unit.lang = unit.hint
        elif unit.letters >= SPLIT_BLOCK_DETECT_LETTERS:
            guesses = langdetect_guesses(unit.block.content)
            if guesses and guesses[0][0] in candidates and guesses[0][1] >= SPLIT_CONFIDENT:
                unit.lang = guesses[0][0]


def _label_all(group: list[_Unit], lang: str) -> None:
    """A short line (a phone number, a product name) follows its neighbours, which on a
    page of one language are that language anyway; a page of short lines only is that
    language throughout."""
    short = all(u.letters < SPLIT_SHORT_LETTERS for u in group)
    for unit in group:
        unit.lang = lang if short or unit.letters >= SPLIT_SHORT_LETTERS else None


def _main_language(group: list[_Unit], script: str) -> str | None:
    if script == DEVANAGARI:
        # langdetect calls short Hindi Nepali or Marathi; only a confident long sample
        # overrules the script's commonest language.
        if sum(u.letters for u in group) < SPLIT_MIN_LETTERS:
            return "hi"
        guesses = langdetect_guesses(_sample(group))
        return guesses[0][0] if guesses and guesses[0][1] >= 0.9 else "hi"
    guesses = langdetect_guesses(_sample(group))
    if not guesses:
        return None
    return guesses[0][0]


def _sample(units: Sequence[_Unit]) -> str:
    """Whole sentences from blocks spread evenly over the units (start, middle, end),
    preferring blocks long enough to read; never fragments of words."""
    readable = [u for u in units if u.letters >= SPLIT_SURE_LETTERS] or [
        u for u in units if u.letters
    ]
    if not readable:
        return ""
    picked: list[str] = []
    size = 0
    count = min(len(readable), _SAMPLE_BLOCKS)
    for k in range(count):
        text = readable[(k * len(readable)) // count].block.content
        piece = text[: SPLIT_SAMPLE_CHARS // count]
        if len(piece) < len(text) and " " in piece:
            piece = piece.rsplit(" ", 1)[0]
        picked.append(piece)
        size += len(piece)
        if size >= SPLIT_SAMPLE_CHARS:
            break
    return " \n".join(picked)


_SAMPLE_BLOCKS = 4


def _function_word_language(text: str) -> str | None:
    # the first thirty words of a block say as much as all of them
    lowered = text[:_FUNCTION_SAMPLE_CHARS].lower()
    # on ASCII the two patterns find the same words, the narrower one in half the time
    words = (_ASCII_WORD if lowered.isascii() else _WORD).findall(lowered)
    if len(words) < 4:
        return None
    hits: dict[str, int] = {}
    for word in words:
        for lang in _WORD_LANGUAGES.get(word, ()):
            hits[lang] = hits.get(lang, 0) + 1
    if not hits:
        return None
    ranked = sorted(hits.items(), key=lambda item: (-item[1], item[0]))
    best, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    if top >= _FUNCTION_MIN_HITS and top >= _FUNCTION_MARGIN * max(second, 1):
        return best
    return None


# -- smoothing and assembling -----------------------------------------------------------


def _smooth(units: list[_Unit]) -> None:
    """Unlabelled units take a neighbour's language: headings the next one's, others
    the previous one's (a contact line ends the section it belongs to). Halves of a cut
    block look for a neighbour in their own script, so that "Privacy Policy" cut from
    "Privacy Policy 隐私政策" joins the English text, not the Chinese half beside it."""
    labels = [u.lang for u in units]
    for index, unit in enumerate(units):
        if labels[index] is not None:
            continue
        if unit.table is not None:
            same = [u.lang for u in units if u.table == unit.table and u.lang]
            if same:
                unit.lang = same[0]
                continue
        forward = unit.block.kind == HEADING
        script = unit.script if unit.cut else None
        unit.lang = (
            _nearest(units, labels, index, forward, script)
            or _nearest(units, labels, index, not forward, script)
            or _nearest(units, labels, index, forward, None)
            or _nearest(units, labels, index, not forward, None)
        )


def _nearest(
    units: list[_Unit], labels: list[str | None], index: int, forward: bool, script: str | None
) -> str | None:
    positions = range(index + 1, len(units)) if forward else range(index - 1, -1, -1)
    for position in positions:
        label = labels[position]
        if label and (not script or units[position].script == script):
            return label
    return None


def _assemble(units: list[_Unit]) -> list[Block]:
    """Blocks again: the columns of one table that share a language become one table
    (or paragraphs, when a single column is left)."""
    blocks: list[Block] = []
    index = 0
    while index < len(units):
        unit = units[index]
        if unit.table is None:
            blocks.append(unit.block)
            index += 1
            continue
        columns = [unit]
        while index + len(columns) < len(units) and units[index + len(columns)].table == unit.table:
            columns.append(units[index + len(columns)])
        index += len(columns)
        rows = [tuple(col.block.rows[r][0] for col in columns) for r in range(len(unit.block.rows))]
        rows = [row for row in rows if any(row)]
        if len(columns) == 1:
            blocks.extend(Block(PARAGRAPH, row[0]) for row in rows)
        elif rows:
            blocks.append(Block(TABLE, rows=tuple(rows)))
    return blocks
