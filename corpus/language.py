"""Which language a text is in: by script where that is unambiguous, then by function
words and seeded langdetect.

Script first: Han, Kana, Hangul, Thai, Greek, Hebrew and the Indic scripts each name
one language (Han says `zh`, with Simplified or Traditional told apart by characters
that exist in only one of them). Latin, Cyrillic, Arabic and Devanagari are shared by
many languages, so those texts go to langdetect, seeded once here and fed letters
only (URLs, e-mail addresses and numbers removed, ALL-CAPS lowered, since langdetect
reads capitals as another language: French headings in capitals come out German).
"""

from __future__ import annotations

import functools
import json
import os
import random
import re
from dataclasses import dataclass

import numpy
from langdetect import DetectorFactory, LangDetectException, detector_factory
from langdetect.detector import Detector
from langdetect.lang_detect_exception import ErrorCode
from langdetect.utils.lang_profile import LangProfile
from langdetect.utils.ngram import NGram

# langdetect samples randomly unless seeded; seeded once here, nowhere else.
DetectorFactory.seed = 0

UNKNOWN = "und"
LANGDETECT_SAMPLE_CHARS = 2000  # as sure on 2000 letters as on 40000, and much faster
# langdetect averages 7 random walks over the sample's n-grams, ~0.45 ms each; on the few
# hundred letters we give it the top language is the same after 3, at half the cost.
LANGDETECT_TRIALS = 3

_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|[\d_]+|[^\w\s'’-]+", re.UNICODE)

# One letter per script, so that counting a script is one str.count.
LATIN = "L"
HAN = "H"
KANA = "K"
HANGUL = "G"
CYRILLIC = "C"
ARABIC = "A"
DEVANAGARI = "D"
_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, LATIN),
    (0x1E00, 0x1EFF, LATIN),
    (0xFF21, 0xFF5A, LATIN),
    (0x0370, 0x03FF, "E"),  # Greek
    (0x1F00, 0x1FFF, "E"),
    (0x0400, 0x052F, CYRILLIC),
    (0x0530, 0x058F, "Y"),  # Armenian
    (0x0590, 0x05FF, "W"),  # Hebrew
    (0x0600, 0x06FF, ARABIC),
    (0x0750, 0x077F, ARABIC),
    (0x08A0, 0x08FF, ARABIC),
    (0xFB50, 0xFDFF, ARABIC),
    (0xFE70, 0xFEFF, ARABIC),
    (0x0900, 0x097F, DEVANAGARI),
    (0x0980, 0x09FF, "B"),  # Bengali
    (0x0A00, 0x0A7F, "P"),  # Gurmukhi
    (0x0A80, 0x0AFF, "J"),  # Gujarati
    (0x0B80, 0x0BFF, "T"),  # Tamil
    (0x0C00, 0x0C7F, "U"),  # Telugu
    (0x0C80, 0x0CFF, "N"),  # Kannada
    (0x0D00, 0x0D7F, "M"),  # Malayalam
    (0x0D80, 0x0DFF, "S"),  # Sinhala
    (0x0E00, 0x0E7F, "I"),  # Thai
    (0x0E80, 0x0EFF, "O"),  # Lao
    (0x10A0, 0x10FF, "Q"),  # Georgian
    (0x1100, 0x11FF, HANGUL),
    (0x3130, 0x318F, HANGUL),
    (0xAC00, 0xD7AF, HANGUL),
    (0x1780, 0x17FF, "X"),  # Khmer
    (0x3040, 0x30FF, KANA),
    (0x31F0, 0x31FF, KANA),
    (0xFF66, 0xFF9F, KANA),
    (0x3400, 0x4DBF, HAN),
    (0x4E00, 0x9FFF, HAN),
    (0xF900, 0xFAFF, HAN),
)
# Scripts that name one language. Devanagari is Hindi, Marathi and Nepali alike,
# Cyrillic and Arabic script many more: those go to langdetect.
SCRIPT_LANGUAGE = {
    HAN: "zh",
    KANA: "ja",
    HANGUL: "ko",
    "E": "el",
    "Y": "hy",
    "W": "he",
    "B": "bn",
    "P": "pa",
    "J": "gu",
    "T": "ta",
    "U": "te",
    "N": "kn",
    "M": "ml",
    "S": "si",
    "I": "th",
    "O": "lo",
    "Q": "ka",
    "X": "km",
}


def _script_table() -> dict[int, str | None]:
    # Every BMP code point has an entry (None deletes it), so that str.translate never
    # takes its slow path for a missing key.
    table: dict[int, str | None] = dict.fromkeys(range(0x10000))
    for start, end, code in _SCRIPT_RANGES:
        for point in range(start, end + 1):
            char = chr(point)
            # letters, and the vowel signs of Indic scripts (combining marks) too
            if char.isalpha() or (code not in (LATIN, "E", CYRILLIC) and not char.isspace()):
                table[point] = code
    return table


_TABLE = _script_table()


_ASCII_NOT_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())


def script_letters(text: str) -> dict[str, int]:
    """Letters per script code: one translate, then one count per script."""
    if text.isascii():
        # Most blocks of most pages: only A-Z and a-z count, and deleting the other
        # bytes costs a tenth of a translate through the code-point table.
        letters = len(text.encode("ascii").translate(None, _ASCII_NOT_LETTERS))
        return {LATIN: letters} if letters else {}
    coded = text.translate(_TABLE)
    return {code: coded.count(code) for code in set(coded)}


@dataclass(frozen=True, slots=True)
class ScriptVerdict:
    letters: int
    script: str  # the dominant script's code, "" when there are no letters
    lang: str | None  # the language when the script alone says it


def script_verdict(text: str) -> ScriptVerdict:
    return verdict_of(script_letters(text))


def verdict_of(counts: dict[str, int]) -> ScriptVerdict:
    letters = sum(counts.values())
    if not letters:
        return ScriptVerdict(0, "", None)
    han, kana, hangul = counts.get(HAN, 0), counts.get(KANA, 0), counts.get(HANGUL, 0)
    # Japanese mixes Han and Kana, Korean (old style) Han and Hangul: Kana or Hangul
    # beside Han decide the language.
    if kana and kana >= 0.1 * (han + kana) and han + kana >= 0.5 * letters:
        return ScriptVerdict(letters, KANA, "ja")
    if hangul and hangul >= 0.3 * (han + hangul) and han + hangul >= 0.5 * letters:
        return ScriptVerdict(letters, HANGUL, "ko")
    script = max(counts, key=lambda code: (counts[code], code))
    return ScriptVerdict(letters, script, SCRIPT_LANGUAGE.get(script))


def detection_sample(text: str) -> str:
    sample = _NOISE.sub(" ", text)
    if sample.isupper():
        sample = sample.lower()
    return " ".join(sample.split())[:LANGDETECT_SAMPLE_CHARS]


def langdetect_guesses(text: str) -> tuple[tuple[str, float], ...]:
    """langdetect's languages and probabilities for the letters of `text`, best first."""
    sample = detection_sample(text)
    return _guesses(sample) if sample else ()


def forget_detections() -> None:
    """Drop remembered langdetect answers (benchmarks time the cold cost with it)."""
    _guesses.cache_clear()


# The captures of one policy differ mostly in stamps and counters, so the same samples
# come back payload after payload. langdetect re-seeds on every call, which makes this a
# pure function of the sample: remembering answers changes no result.
@functools.lru_cache(maxsize=8192)
def _guesses(sample: str) -> tuple[tuple[str, float], ...]:
    detector = _profiles().factory.create()  # detect_langs() with fewer trials
    detector.n_trial = LANGDETECT_TRIALS
    _append(detector, sample)
    if not detector.text.isascii():  # on ASCII, cleaning_text counts no other script
        detector.cleaning_text()
    guesses = detector._sort_probability(_probabilities(detector))
    return tuple((g.lang.split("-", 1)[0], g.prob) for g in guesses)


_SPACE_RUN = re.compile(" {2,}")


def _append(detector: Detector, text: str) -> None:
    """Detector.append: URLs and e-mail addresses out, Vietnamese marks normalised, then
    its character loop (which keeps the first space of a run) as one substitution."""
    text = detector.URL_RE.sub(" ", text)
    text = detector.MAIL_RE.sub(" ", text)
    text = NGram.normalize_vi(text)
    detector.text += _SPACE_RUN.sub(" ", text[: detector.max_text_length])


# random.choice(seq) is seq[_randbelow(len(seq))]; where _randbelow is CPython's
# getrandbits loop, the walk runs that loop inline (the same draws, without two calls).
_INLINE_DRAW = random.Random._randbelow is random.Random._randbelow_with_getrandbits  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class _Profiles:
    """langdetect's language profiles as its DetectorFactory loads them (same languages,
    same order, same probabilities), except that an n-gram's row of probabilities is made
    when the n-gram is first met: langdetect makes all 170,000 up front, which a profile
    of a small rebuild shows as 0.2 s and some 80 MB in every process."""

    factory: DetectorFactory  # languages only: Detector needs its list and seed
    size: int  # the length of langdetect's rows: the entries of its profile folder
    profiles: tuple[tuple[int, dict[str, int], list[int]], ...]  # index, freq, n_words
    grams: frozenset[str]  # every n-gram some profile knows


@functools.cache
def _profiles() -> _Profiles:
    """DetectorFactory.load_profile, step for step, without add_profile's table."""
    folder = detector_factory.PROFILES_DIRECTORY
    names = os.listdir(folder)  # langdetect's own order, whatever the file system's is
    factory = DetectorFactory()
    profiles: list[tuple[int, dict[str, int], list[int]]] = []
    index = 0
    for name in names:
        path = os.path.join(folder, name)
        if name.startswith(".") or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as file:
            profile = LangProfile(**json.load(file))
        if profile.name in factory.langlist:
            raise LangDetectException(ErrorCode.DuplicateLangError, "Duplicate profile.")
        factory.langlist.append(profile.name)
        profiles.append((index, profile.freq, profile.n_words))
        index += 1
    grams = frozenset().union(*(freq for _, freq, _ in profiles))
    return _Profiles(factory, len(names), tuple(profiles), grams)


def _probabilities(detector: Detector) -> list[float]:
    """langdetect's `Detector._detect_block`, step for step, at a third of its cost.

    A profile of the language split shows langdetect's pure-Python loops as its largest
    cost (n-gram extraction character by character, a 55-language update per n-gram).
    This runs the same random walk with the same random draws and the same floating-point
    operations in the same order (numpy's element-wise multiply and divide round as
    Python's do; the sum stays Python's), so its probabilities are langdetect's to the
    last bit (tests compare them on every reference page's blocks).
    """
    rows = _ngram_rows(detector.text)
    languages = len(detector.langlist)
    if not rows:
        return [0.0] * languages  # langdetect raises "no features": no guesses either way
    rng = detector.random
    rng.seed(detector.seed)
    getrandbits = rng.getrandbits
    count = len(rows)
    bits = count.bit_length()
    trials = detector.n_trial
    totals = [0.0] * languages
    for _ in range(trials):
        prob = numpy.array(detector._init_probability(), dtype=numpy.float64)
        alpha = detector.alpha + rng.gauss(0.0, 1.0) * detector.ALPHA_WIDTH
        weight = alpha / detector.BASE_FREQ
        step = 0
        while True:
            if _INLINE_DRAW:
                drawn = getrandbits(bits)
                while drawn >= count:
                    drawn = getrandbits(bits)
                prob *= weight + rows[drawn]
            else:
                prob *= weight + rng.choice(rows)
            if step % 5 == 0:
                prob /= sum(prob.tolist())
                if prob.max() > detector.CONV_THRESHOLD or step >= detector.ITERATION_LIMIT:
                    break
            step += 1
        for j, p in enumerate(prob.tolist()):
            totals[j] += p / trials
    return totals


_ROWS: dict[str, numpy.ndarray] = {}  # each n-gram's probabilities, made when first met


def _row(gram: str) -> numpy.ndarray:
    """langdetect's word_lang_prob_map[gram] (DetectorFactory.add_profile's arithmetic)."""
    row = _ROWS.get(gram)
    if row is None:
        loaded = _profiles()
        values = [0.0] * loaded.size
        length = len(gram)
        if 1 <= length <= 3:
            for index, freq, n_words in loaded.profiles:
                count = freq.get(gram)
                if count is not None:
                    values[index] = 1.0 * count / n_words[length - 1]
        row = _ROWS[gram] = numpy.array(values, dtype=numpy.float64)
    return row


# langdetect's NGram.normalize is a pure function of the character: a table for
# str.translate, filled with the characters met so far.
_NORMALISED: dict[int, str] = {}
# The n-grams of a word between spaces depend on nothing else (a space resets
# langdetect's n-gram buffer and its capital-word state), and words repeat.
_WORD_NGRAMS: dict[tuple[str, bool], list[numpy.ndarray]] = {}
_WORD_NGRAMS_MAX = 200_000  # entries; a long run over many languages stays bounded


def _ngram_rows(text: str) -> list[numpy.ndarray]:
    """The profile rows of langdetect's `Detector._extract_ngrams`, in its order, word by
    word with each word's rows remembered."""
    for char in set(text):
        if ord(char) not in _NORMALISED:
            _NORMALISED[ord(char)] = NGram.normalize(char)
    words = text.translate(_NORMALISED).split(" ")
    result: list[numpy.ndarray] = []
    last = len(words) - 1
    for index, word in enumerate(words):
        if not word:
            continue
        key = (word, index < last)  # followed by a space, which closes its n-grams
        grams = _WORD_NGRAMS.get(key)
        if grams is None:
            grams = [_row(gram) for gram in _word_ngrams(word, key[1], _profiles().grams)]
            if len(_WORD_NGRAMS) >= _WORD_NGRAMS_MAX:
                _WORD_NGRAMS.clear()
            _WORD_NGRAMS[key] = grams
        result.extend(grams)
    return result


def _word_ngrams(word: str, spaced: bool, known: frozenset[str]) -> list[str]:
    """NGram.add_char over one word (after a space, and with its closing space)."""
    result: list[str] = []
    grams = " "
    capital = False
    for char in word + " " if spaced else word:
        previous = grams[-1]
        if len(grams) >= NGram.N_GRAM:
            grams = grams[1:]
        grams += char
        if char.isupper():
            if previous.isupper():
                capital = True
        else:
            capital = False
        if capital:
            continue
        for n in range(1, min(len(grams), NGram.N_GRAM) + 1):
            gram = grams[-n:]
            if gram != " " and gram in known:
                result.append(gram)
    return result


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's main language, `und` when there is too little to tell."""
    verdict = script_verdict(text[: LANGDETECT_SAMPLE_CHARS * 4])
    if verdict.letters < 20:
        return UNKNOWN
    if verdict.lang:
        return verdict.lang
    guesses = langdetect_guesses(text)
    return guesses[0][0] if guesses else UNKNOWN


# Characters that exist in only one of the two Chinese writing systems, common in
# policies: (simplified, traditional) pairs.
_CHINESE_PAIRS = (
    "们們 个個 这這 说說 时時 为為 会會 对對 资資 讯訊 隐隱 护護 网網 络絡 务務 关關 与與 从從"
    " 将將 请請 应應 发發 经經 过過 还還 进進 动動 现現 实實 开開 问問 间間 见見 长長 东東 车車"
    " 书書 号號 电電 话話 语語 读讀 该該 让讓 认認 识識 设設 计計 订訂 费費 购購 买買 卖賣 单單"
    " 协協 议議 条條 处處 数數 据據 库庫 户戶 账賬 码碼 验驗 证證 权權 义義 责責 规規 则則 变變"
    " 营營 业業 产產 广廣 统統 线線 级級 类類 区區 国國 际際 门門 联聯 传傳 输輸 储儲 录錄 仅僅"
    " 无無 们們 样樣 种種 几幾 后後 内內 两兩 备備 帮幫 达達 论論 获獲 记記 样樣 须須 为為 质質"
)
_SIMPLIFIED = frozenset(pair[0] for pair in _CHINESE_PAIRS.split())
_TRADITIONAL = frozenset(pair[1] for pair in _CHINESE_PAIRS.split())
HANS = "Hans"
HANT = "Hant"


def chinese_variant(text: str) -> str:
    """`Hans` (Simplified), `Hant` (Traditional), or "" when the text does not tell."""
    simplified = sum(1 for char in text if char in _SIMPLIFIED)
    traditional = sum(1 for char in text if char in _TRADITIONAL)
    if simplified > 2 * traditional:
        return HANS
    if traditional > 2 * simplified:
        return HANT
    return ""
