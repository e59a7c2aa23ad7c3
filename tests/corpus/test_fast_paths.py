"""The text pipeline's fast paths give exactly what the slow ways gave: the split's own
langdetect walk (langdetect's probabilities to the last bit), the ASCII letter count, and
the check in libxml2 that lets a page within the limits skip `_bound`'s walk."""

from __future__ import annotations

from pathlib import Path

import pytest
from langdetect import LangDetectException, detector_factory

from corpus.decoding import decode_html
from corpus.language import LANGDETECT_TRIALS, _guesses, detection_sample, script_letters
from corpus.process import extract_policy
from tests.reference import REFERENCE, require

FIXTURES = Path(__file__).parent / "fixtures" / "policy_pages"


def langdetect_itself(sample: str) -> tuple[tuple[str, float], ...]:
    """What `_guesses` did before: langdetect's own Detector, 3 trials."""
    try:
        detector_factory.init_factory()
        detector = detector_factory._factory.create()
        detector.n_trial = LANGDETECT_TRIALS
        detector.append(sample)
        found = detector.get_probabilities()
    except LangDetectException:
        return ()
    return tuple((g.lang.split("-", 1)[0], g.prob) for g in found)


def _samples(pages: list[Path]) -> list[str]:
    samples: set[str] = set()
    for page in pages:
        extracted = extract_policy(decode_html(page.read_bytes()).text, None, None)
        samples.add(detection_sample(extracted.text))
        samples.update(detection_sample(block.content) for block in extracted.blocks)
    return sorted(s for s in samples if s)


SHORT = [
    "Privacy Policy",
    "DATENSCHUTZERKLÄRUNG",
    "Política de privacidad",
    "Ochrona danych osobowych",
    "Политика конфиденциальности",
    "سياسة الخصوصية",
    "गोपनीयता नीति और उपयोग की शर्तें",
    "We use cookies. Nous utilisons des cookies. Wir verwenden Cookies.",
    "PRIVACY POLICY AND TERMS OF USE FOR THE SERVICE",
    "a b c",
    "x",
    "l'utilisation d’un service în România, ș and ț",
    "Tiếng Việt: chính sách bảo mật",
]


@pytest.mark.parametrize("sample", SHORT)
def test_short_and_odd_samples_match_langdetect(sample: str) -> None:
    assert _guesses.__wrapped__(sample) == langdetect_itself(sample)


def test_labelled_pages_match_langdetect_on_every_block() -> None:
    samples = _samples(sorted(FIXTURES.glob("*.html")))
    assert len(samples) > 400
    mismatched = [s for s in samples if _guesses.__wrapped__(s) != langdetect_itself(s)]
    assert mismatched == []


def test_reference_pages_match_langdetect_on_every_block() -> None:
    root = require(REFERENCE)
    samples = _samples(sorted(root.rglob("*.html")))
    mismatched = [s for s in samples if _guesses.__wrapped__(s) != langdetect_itself(s)]
    assert mismatched == []


@pytest.mark.parametrize(
    "text", ["", "123 -- !!", "Hello, World", "A1b2C3 _x_", "\x7f\x00 tab\tend"]
)
def test_ascii_letter_count_matches_the_code_point_table(text: str) -> None:
    from corpus.language import _TABLE

    coded = text.translate(_TABLE)
    assert script_letters(text) == {code: coded.count(code) for code in set(coded)}


@pytest.mark.parametrize("depth", [250, 254, 255, 256, 300])
@pytest.mark.parametrize("comments", [0, 3])
def test_limits_checked_in_libxml2_agree_with_the_walk(depth: int, comments: int) -> None:
    """Where the fast check says "within the limits", the walk refuses and unwraps nothing."""
    import copy

    import lxml.html
    from lxml import etree

    from corpus.extraction import MAX_DEPTH, _bound, _within_limits

    html = (
        "<html><body>"
        + "<!-- c -->" * comments
        + "<div>" * depth
        + "<p>deep text</p>"
        + "</div>" * depth
        + "</body></html>"
    )
    tree = lxml.html.fromstring(html, parser=lxml.html.HTMLParser(huge_tree=True))
    deepest = max(sum(1 for _ in e.iterancestors()) + 1 for e in tree.iter())
    walked = copy.deepcopy(tree)
    _bound(walked)
    assert _within_limits(tree, html) == (deepest <= MAX_DEPTH)
    if _within_limits(tree, html):
        assert etree.tostring(walked) == etree.tostring(tree)


def test_the_libxml2_node_count_is_the_walks() -> None:
    import lxml.html

    from corpus.extraction import _NODES

    html = "<html><head><?pi x?></head><body>" + "<p>a<!-- b -->c</p>" * 50 + "</body></html>"
    tree = lxml.html.fromstring(html)
    # elements, comments and processing instructions, as _bound counts them
    assert _NODES(tree) == len(list(tree.iter())) == 1 + 2 + 1 + 50 * 2
