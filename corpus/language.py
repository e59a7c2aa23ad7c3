"""Which language a text is in: by script where that is unambiguous, else langdetect."""

from __future__ import annotations

import re
import unicodedata

from langdetect import DetectorFactory, LangDetectException, detect_langs

# langdetect samples randomly unless seeded; seeded once here, nowhere else.
DetectorFactory.seed = 0

UNKNOWN = "und"
_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|[\d\W_]+", re.UNICODE)
_SAMPLE_CHARS = 4000  # langdetect is as sure on 4000 letters as on 40000 and 10x faster

# Scripts that name one language (or one we report, as Han -> zh).
_SCRIPT_LANG = (
    ("HANGUL", "ko"),
    ("HIRAGANA", "ja"),
    ("KATAKANA", "ja"),
    ("CJK", "zh"),
    ("THAI", "th"),
    ("GREEK", "el"),
    ("HEBREW", "he"),
    ("DEVANAGARI", "hi"),
    ("GEORGIAN", "ka"),
    ("ARMENIAN", "hy"),
)


def script_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        script = next(
            (lang for key, lang in _SCRIPT_LANG if name.startswith(key)), "latin-or-other"
        )
        counts[script] = counts.get(script, 0) + 1
    return counts


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's main language, `und` when there is too little to tell."""
    counts = script_counts(text[: _SAMPLE_CHARS * 2])
    letters = sum(counts.values())
    if letters < 20:
        return UNKNOWN
    # Kana anywhere in Han text means Japanese; Han alone means Chinese.
    if counts.get("ja", 0) >= 0.05 * letters:
        return "ja"
    best, share = max(counts.items(), key=lambda item: item[1])
    if best != "latin-or-other" and share >= 0.5 * letters:
        return best
    sample = _NOISE.sub(" ", text)[:_SAMPLE_CHARS]
    try:
        guesses = detect_langs(sample)
    except LangDetectException:
        return UNKNOWN
    code = guesses[0].lang if guesses else UNKNOWN
    return code.split("-", 1)[0]
