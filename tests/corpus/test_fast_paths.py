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


# Pages where trafilatura's raw-tree prunes have something to find: comment sections and
# lists (kept apart from "commentary"), disqus, infinite-scroll wrappers with and without
# the page's h1, share buttons, and the same names on elements the prunes never look at.
PRUNE_PAGES = [
    "<html><body><div id='comments'><p>c</p></div><div class='commentary'><p>k</p></div>"
    "<ol class='comment-list'><li>a</li></ol><ul id='Comment-1'><li>b</li></ul>"
    "<ul class='nav'><li>n</li></ul><section id='disqus_thread'>d</section>"
    "<details class='post-comments'><p>p</p></details><span id='comments'>s</span>"
    "<ol id='disqus_thread'><li>x</li></ol><list class='comment'>l</list></body></html>",
    "<html><body><div class='infinite-scroll'><h1>Title</h1><p>main</p></div>"
    "<aside id='infinitescroll'><p>next</p></aside><section class='mvp-post-add-box'>"
    "<h1>Other</h1></section><div class='a elementor-share-buttons'>share</div>"
    "<div><div class='comments'><div class='comments'>nested</div></div></div></body></html>",
]


def _prune_pages() -> list[str]:
    pages = [*PRUNE_PAGES, *(p.read_text(errors="replace") for p in FIXTURES.glob("*.html"))]
    if REFERENCE.is_dir():
        pages += [p.read_text(errors="replace") for p in sorted(REFERENCE.rglob("*.html"))]
    return pages


def test_trafilaturas_prunes_are_rewritten() -> None:
    """Every expression of the two raw-tree prunes has the form the rewrite speeds up; a
    trafilatura whose prunes change shape fails here instead of quietly going slow."""
    import trafilatura.xpaths

    from corpus.extraction import rewritten_prunes

    prunes = [
        *trafilatura.xpaths.RAW_TREE_PRUNE_XPATH,
        *trafilatura.xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH,
    ]
    assert [rewritten for _, rewritten in rewritten_prunes] == [x.path for x in prunes]


def test_rewritten_prunes_select_what_trafilaturas_own_select() -> None:
    import lxml.html
    from lxml import etree
    from trafilatura.xpaths import REGEXP_NS

    from corpus.extraction import parse_html, rewritten_prunes

    namespaces = {"re": REGEXP_NS}
    pairs = [
        (etree.XPath(old, namespaces=namespaces), etree.XPath(new, namespaces=namespaces))
        for old, new in rewritten_prunes
    ]
    found = [0] * len(pairs)
    for page in _prune_pages():
        try:
            tree = parse_html(page)
        except (ValueError, lxml.etree.ParserError):
            continue
        for index, (old, new) in enumerate(pairs):
            selected = old(tree)
            assert new(tree) == selected  # the same elements, in the same order
            found[index] += len(selected)
    assert all(found)  # the pages above give each expression something to select


@pytest.mark.parametrize(
    "path",
    [
        ".//div[@class]",  # no name step to rewrite
        ".//*[self::div or self::p][1]",  # positional: the union would number differently
        ".//*[self::div][position() < 3]",
        ".//*[self::div or self::p][last()]",
        "//*[self::div]",  # from the root, not the context
    ],
)
def test_paths_the_rewrite_leaves_alone(path: str) -> None:
    from corpus.extraction import by_name

    assert by_name(path) is None


def test_the_rewrite_of_a_name_step() -> None:
    from corpus.extraction import by_name

    assert by_name(".//*[self::div or self::ol][@id]") == "(descendant::div|descendant::ol)[@id]"
