"""File names built from domains, kinds, languages and worker names never leave DIR."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from corpus.rawstore import RAW_DIR, _file_name, new_run_id
from corpus.render import SEGMENT_MAX, WINDOWS_RESERVED, safe_segment, version_path
from crawler.discovery import DomainError, normalise_domain

ROOT = Path("/srv/policy-archive/data")
# What a hostile or careless name tries: climbing out, absolute paths, separators of every
# system, NUL, names Windows reserves, names far over 255 bytes once UTF-8 encoded.
NASTY = st.sampled_from(
    ["..", ".", "/", "\\", "\x00", "/etc/passwd", "C:\\Windows", "../../x", "~", " ", "-"]
    + [
        name + ext
        for name in ("CON", "prn", "Aux", "nUl", "COM1", "lpt9", "com0")
        for ext in ("", ".txt", ".tar.gz", ".com")
    ]
)
TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(NASTY, st.text(max_size=5)), max_size=8).map("".join),
    st.text(st.characters(min_codepoint=0x80), min_size=64, max_size=400),  # > 255 bytes
    st.integers(101, 400).map(lambda n: "a" * n),
)
_VALID_CHARS = re.compile(r"^[a-z0-9._-]+$")


def check_segment(segment: str) -> None:
    assert segment not in ("", ".", "..")
    assert len(segment.encode("utf-8")) <= 255
    assert _VALID_CHARS.match(segment), segment  # no separator, NUL, control or <>:"|?*
    assert not segment.endswith((".", " "))  # Windows drops them: two names would meet
    assert segment.split(".", 1)[0].lower() not in WINDOWS_RESERVED


def check_inside(relative: str) -> None:
    path = (ROOT / relative).resolve()
    assert path.is_relative_to(ROOT)
    assert path.relative_to(ROOT).parts == tuple(relative.split("/"))
    for segment in relative.split("/"):
        check_segment(segment)


@settings(max_examples=400, deadline=None)
@given(TEXT, TEXT, TEXT, st.integers(1, 10_000))
@example("con", "PRN.txt", "nul", 1)
@example("..", "/", "\\", 2)
@example("a" * 300, "\x00", "é" * 200, 3)
def test_version_paths_stay_inside_the_data_directory(
    domain: str, kind: str, lang: str, ordinal: int
) -> None:
    check_inside(version_path(domain, kind, lang, "2019-06-24", ordinal))
    check_inside(version_path("example.com", "privacy", "en", domain, ordinal))


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(0, 99_999))
def test_raw_store_names_stay_inside_the_data_directory(value: str, sequence: int) -> None:
    check_inside(f"{RAW_DIR}/{safe_segment(value)}/{_file_name(new_run_id(value), sequence)}")


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_a_normalised_domain_is_its_own_folder_name_or_refused(value: str) -> None:
    try:
        domain = normalise_domain(value)
    except DomainError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 300
        return
    assert len(domain) <= 253 and all(len(label) <= 63 for label in domain.split("."))
    if len(domain) <= SEGMENT_MAX and domain.split(".")[0] not in WINDOWS_RESERVED:
        assert safe_segment(domain) == domain  # ordinary domains keep their paths


def test_ordinary_paths_are_unchanged() -> None:
    assert version_path("example.com", "privacy", "en", "2019-06-24", 1) == (
        "corpus/example.com/privacy/en/2019-06-24.md"
    )
    assert version_path("xn--bcher-kva.de", "terms", "zh", "2001-01-01", 3) == (
        "corpus/xn--bcher-kva.de/terms/zh/2001-01-01-3.md"
    )
    assert safe_segment("a" * 100) == "a" * 100


def test_long_names_keep_apart_and_reserved_names_are_prefixed() -> None:
    one, two = safe_segment("a" * 150 + ".com"), safe_segment("a" * 150 + ".net")
    assert one != two and len(one) == len(two) == SEGMENT_MAX
    assert safe_segment("CON") == "_con" and safe_segment("nul.com") == "_nul.com"
    assert safe_segment("console.com") == "console.com"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("a" * 64 + ".com", "a label has 64 characters; DNS allows 63"),
        (".".join(["a" * 63] * 4) + ".com", "259 characters; DNS allows 253"),
    ],
)
def test_domains_longer_than_dns_allows_are_refused(value: str, reason: str) -> None:
    with pytest.raises(DomainError, match=reason):
        normalise_domain(value)
    assert normalise_domain(".".join(["a" * 63] * 3) + ".example.com")  # 203: fine
