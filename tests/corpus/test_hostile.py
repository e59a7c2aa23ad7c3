"""Hostile payloads end as documents or a named drop, within memory and time limits.

Each page is generated (tests/corpus/hostile_pages.py) and processed in a forked child,
whose peak memory is its own; `python -m tests.corpus.hostile_pages` prints the figures.
"""

from __future__ import annotations

import gzip
import multiprocessing
import signal
import threading
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import brotli
import pytest

import corpus.process
from corpus import limits
from corpus.decoding import decode_content
from corpus.extraction import parse_html
from corpus.limits import MAX_PAGE_BYTES, ExtractionTimeout, PageRefused, time_limit
from corpus.process import process_capture
from tests.corpus import hostile_pages as pages
from tests.corpus.hostile_pages import MB, POLICY, Measured, measure

MAX_PEAK_MB = 300
MAX_SECONDS = 5


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    # imports and lazily loaded tables (langdetect's profiles) load here, not in a child
    process_capture(pages.long_page(100_000))


def hostile(make: pages.Callable[[], pages.RawCapture]) -> Measured:
    measured = measure(make, process_capture)
    assert not measured.outcome.startswith("raised"), measured
    assert measured.peak_mb < MAX_PEAK_MB, measured
    assert measured.seconds < MAX_SECONDS, measured
    return measured


def test_gzip_bomb_is_too_large_without_inflating_it_all() -> None:
    measured = hostile(pages.gzip_bomb)  # 1 GiB from 1 MB
    assert measured.outcome == "too_large"
    assert measured.peak_mb < 3 * MAX_PAGE_BYTES / MB


def test_a_hundred_thousand_nested_elements_are_too_deep() -> None:
    assert hostile(lambda: pages.nested(100_000)).outcome == "too_deep"


@pytest.mark.parametrize("tag", ["div", "font", "ul"])
def test_deep_nesting_within_the_parser_keeps_the_policy(tag: str) -> None:
    # deeper than MAX_DEPTH (and libxml2's default 256, which lost it all before)
    measured = hostile(lambda: pages.nested(1_000, tag))
    assert measured.outcome == "1 document(s)"
    assert POLICY.split(".")[0].strip() in measured.text


def test_a_thirty_megabyte_text_node_is_too_large() -> None:
    assert hostile(lambda: pages.text_node(30 * MB)).outcome == "too_large"


def test_a_text_node_over_libxml2s_limit_is_kept() -> None:
    # a 12 MB script: libxml2 without huge_tree dropped it and the policy after it
    measured = hostile(lambda: pages.scripted_page(12 * MB))
    assert measured.outcome == "1 document(s)"
    assert "protect your privacy" in measured.text


def test_a_ten_megabyte_page_stays_within_memory() -> None:
    assert hostile(lambda: pages.scripted_page(10 * MB)).outcome == "1 document(s)"
    assert hostile(lambda: pages.long_page(10 * MB)).outcome == "too_large"  # 10M characters


def test_comments_count_towards_the_limits() -> None:
    with pytest.raises(PageRefused, match="elements"):
        parse_html(f"<html><body>{'<!-- -->' * (limits.MAX_ELEMENTS + 1)}</body></html>")
    tails = "<!-- -->" + "x" * 1000
    with pytest.raises(PageRefused, match="characters"):
        parse_html(f"<html><body>{tails * (limits.MAX_TEXT_CHARS // 1000 + 1)}</body></html>")


def test_binary_garbage_is_dropped_as_binary() -> None:
    assert hostile(pages.binary_garbage).outcome == "binary"


def test_entity_bomb_is_not_expanded() -> None:
    measured = hostile(pages.entity_bomb)
    assert measured.outcome == "1 document(s)"
    assert "lollol" not in measured.text
    assert measured.peak_mb < 50


def test_a_fifty_megabyte_single_line_is_too_large() -> None:
    assert hostile(lambda: pages.single_line(50 * MB)).outcome == "too_large"


# -- Content-Encoding ------------------------------------------------------------------

PAGE = pages.POLICY_PAGE.encode()


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzip.compress(PAGE)),
        ("x-gzip", gzip.compress(PAGE[:100]) + gzip.compress(PAGE[100:])),  # two members
        ("deflate", zlib.compress(PAGE)),
        ("deflate", zlib.compress(PAGE)[2:-4]),  # raw deflate, as some servers send it
        ("br", brotli.compress(PAGE)),
        ("gzip", PAGE),  # the archive already undid it; the header stayed
        ("br", PAGE),
        ("identity", PAGE),
        ("gzip, br", brotli.compress(gzip.compress(PAGE))),
    ],
)
def test_content_encoding_is_undone(coding: str, body: bytes) -> None:
    assert decode_content(body, coding) == PAGE


def test_a_truncated_gzip_body_keeps_what_inflated() -> None:
    body = gzip.compress(PAGE * 50, mtime=0)
    decoded = decode_content(body[: len(body) // 2], "gzip")
    assert 0 < len(decoded) < len(PAGE * 50)
    assert (PAGE * 50).startswith(decoded)


def test_a_body_is_refused_past_the_page_limit_even_uncompressed() -> None:
    with pytest.raises(PageRefused, match="too_large"):
        decode_content(b" " * (MAX_PAGE_BYTES + 1), None)


def test_a_gzipped_policy_capture_is_processed() -> None:
    page = f"<html><body>{pages.POLICY_PAGE}</body></html>".encode()
    processed = process_capture(pages.capture(gzip.compress(page), Content_Encoding="gzip"))
    assert processed.drop_reason is None
    assert "protect your privacy" in processed.documents[0].text


# -- the time limit --------------------------------------------------------------------


@pytest.fixture
def no_alarm() -> Iterator[None]:
    yield
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL


def _spin(*_: object) -> None:
    while True:
        time.sleep(0.01)


def test_a_slow_page_is_dropped_as_extraction_timeout(
    monkeypatch: pytest.MonkeyPatch, no_alarm: None
) -> None:
    monkeypatch.setattr(corpus.process, "EXTRACTION_SECONDS", 0.2)
    monkeypatch.setattr(corpus.process, "extract_policy", _spin)
    started = time.monotonic()
    assert process_capture(pages.long_page(1000)).drop_reason == "extraction_timeout"
    assert time.monotonic() - started < 2


def test_the_time_limit_holds_in_rebuild_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    # rebuild's ProcessPoolExecutor runs each task in its worker's main thread
    monkeypatch.setattr(corpus.process, "EXTRACTION_SECONDS", 0.2)
    monkeypatch.setattr(corpus.process, "extract_policy", _spin)
    context = multiprocessing.get_context("fork")  # the workers inherit the patches
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        processed = pool.submit(process_capture, pages.long_page(1000)).result(timeout=10)
    assert processed.drop_reason == "extraction_timeout"


def test_the_time_limit_is_disarmed_on_every_path(no_alarm: None) -> None:
    with time_limit(5):
        pass
    with pytest.raises(ValueError), time_limit(5):
        raise ValueError
    with pytest.raises(ExtractionTimeout), time_limit(0.05):
        _spin()


def test_an_outer_alarm_survives_the_time_limit(no_alarm: None) -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with time_limit(5):
            pass
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 0.3
        time.sleep(0.5)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_outside_the_main_thread_the_page_runs_unbounded(no_alarm: None) -> None:
    results: list[str | None] = []
    worker = threading.Thread(
        target=lambda: results.append(process_capture(pages.long_page(5000)).drop_reason)
    )
    worker.start()
    worker.join()
    assert results == [None]


def test_limits_are_what_the_tests_assume() -> None:
    assert limits.MAX_DEPTH < 1000 < 2048  # nested(1_000) is unwrapped, not refused
    assert limits.MAX_TEXT_CHARS < 10 * MB < MAX_PAGE_BYTES < 30 * MB
