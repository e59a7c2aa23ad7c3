from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.diff import diff_lines, measure_change, render_diff
from corpus.models import Document, Processed, RawCapture, TrackCapture
from corpus.normalise import comparison_form, comparison_key, strip_tracking
from corpus.store import Store
from corpus.versioning import build_runs
from tests.corpus.builders import policy_capture


def cap(ts: str, sha: str, url: str = "http://a.com/privacy") -> TrackCapture:
    return TrackCapture(ts, url, f"http://arch/web/{ts}id_/{url}", sha, sha)


def test_runs_of_identical_text_become_versions() -> None:
    captures = [
        cap("2015", "A"),
        cap("2016", "A"),
        cap("2017", "B"),
        cap("2018", "B"),
        cap("2019", "C"),
    ]
    runs = build_runs(captures)
    assert [(r.text_sha, r.first.timestamp, r.last.timestamp, r.snapshots) for r in runs] == [
        ("A", "2015", "2016", 2),
        ("B", "2017", "2018", 2),
        ("C", "2019", "2019", 1),
    ]


def test_a_reverted_change_is_three_versions() -> None:
    runs = build_runs([cap("1", "A"), cap("2", "B"), cap("3", "A")])
    assert [r.text_sha for r in runs] == ["A", "B", "A"]


def test_the_same_capture_twice_counts_once() -> None:
    assert build_runs([cap("1", "A"), cap("1", "A")])[0].snapshots == 1


def test_texts_with_one_comparison_key_are_one_version() -> None:
    first = TrackCapture("1", "u", "a", "sha-2015", "K")
    later = TrackCapture("2", "u", "a", "sha-2016", "K")
    (run,) = build_runs([later, first])
    assert run.snapshots == 2 and run.text_sha == "sha-2015"  # the earliest wording stands


def test_a_version_cites_a_capture_that_was_read_and_counts_the_reads() -> None:
    """Its first capture was only taken to show the text (same bytes as a later one):
    first_seen stays that capture's date, but the provenance cites the first one read."""
    from dataclasses import replace

    from corpus.diff import Change
    from corpus.versioning import build_versions

    def known(ts: str, source: str) -> TrackCapture:
        return replace(cap(ts, "A"), source=source)

    captures = [
        known("20150101000000", "same_bytes"),
        known("20150601000000", "inferred"),
        known("20160101000000", "fetched"),
        known("20170101000000", "fetched"),
        known("20180101000000", "inferred"),
    ]
    (version,) = build_versions("a.com", "privacy", {"en": captures}, lambda *_: Change(1, 0, 0))
    assert (version.first_ts, version.last_ts) == ("20150101000000", "20180101000000")
    assert (version.snapshots, version.snapshots_fetched) == (5, 2)
    assert (version.first_source, version.last_source) == ("same_bytes", "inferred")
    assert version.cited_ts == "20160101000000"
    assert "/20160101000000id_/" in version.archive_url
    # with no capture read, the archive's own digest is the firmest ground
    (guess,) = build_versions(
        "a.com", "privacy", {"en": [captures[1], captures[0]]}, lambda *_: Change(1, 0, 0)
    )
    assert guess.cited_ts == "20150101000000" and guess.snapshots_fetched == 0


_captures = st.lists(
    st.builds(cap, st.from_regex(r"\A20[0-2]\d\Z"), st.sampled_from("ABC")), max_size=30
)


@given(_captures, st.randoms())
def test_runs_do_not_depend_on_arrival_order(captures: list[TrackCapture], rnd: object) -> None:
    shuffled = list(captures)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert build_runs(shuffled) == build_runs(captures)


# -- normalisation ----------------------------------------------------------------------

POLICY = (
    "# Privacy\n\nWe collect your e-mail address [4] to send café receipts.\n\n© 2015 Acme Inc."
)


def test_noise_that_is_not_the_policy_compares_equal() -> None:
    variants = [
        POLICY,
        POLICY.replace("e-mail address [4]", "e\\-mail address \\[4\\]"),
        POLICY.replace("your e-mail", "your\u00a0e-mail").replace("\n\n©", "\n\n\n\n©"),
        POLICY.replace("café", "cafe\u0301"),
        POLICY.replace("© 2015", "© 1999-2023"),
        POLICY + "\n\nPage generated on 2015-03-02 10:00:01 UTC",
        POLICY + "\n\nThis page was generated in 0.031 seconds.",
        POLICY + "\n\nVisitors: 12,345",
        "  " + POLICY.replace("receipts.", "receipts.   "),
    ]
    assert len({comparison_key(v) for v in variants}) == 1


def test_tracking_parameters_in_links_do_not_make_a_version() -> None:
    a = "See [our partners](https://a.com/partners?id=3&utm_source=mail&utm_medium=x)."
    b = "See [our partners](https://a.com/partners;jsessionid=AB12?id=3&gclid=zz)."
    assert comparison_key(a) == comparison_key(b)
    assert strip_tracking("https://a.com/p?b=2&a=1") == "https://a.com/p?b=2&a=1"
    assert strip_tracking("https://a.com/p?fbclid=1") == "https://a.com/p"
    assert "id=3" in comparison_form(a)


def test_every_substantive_edit_is_a_new_key() -> None:
    edits = [
        POLICY.replace("café receipts.", "café receipts and offers."),
        POLICY.replace("We collect", "We do not collect"),
        POLICY + "\n\nWe share data with advertisers.",
        POLICY.replace("[4]", "[5]"),
        POLICY.replace("Acme Inc.", "Acme Holdings Inc."),
        POLICY.replace("# Privacy", "## Privacy"),
        POLICY + "\n\nThis policy was updated on 2016-01-01.",
    ]
    keys = {comparison_key(e) for e in edits}
    assert len(keys) == len(edits) and comparison_key(POLICY) not in keys


def test_change_size() -> None:
    same = measure_change("a b c d", "a b c d")
    assert same.similarity == 1.0 and same.words_added == same.words_removed == 0
    edit = measure_change("we keep data for ten years", "we keep data for two years")
    assert (edit.words_added, edit.words_removed) == (1, 1)
    assert 0.8 < edit.similarity < 0.9
    assert measure_change("", "new text").similarity == 0.0


def test_word_diff_marks_only_what_changed() -> None:
    old = "# Privacy\n\nIntro stays.\n\nWe keep data for ten years.\n\nOther stays.\n\nEnd."
    new = "# Privacy\n\nIntro stays.\n\nWe keep data for two years.\n\nOther stays.\n\nEnd."
    text = render_diff(diff_lines(old, new), context=0)
    assert text == "…\nWe keep data for [-ten-] {+two+} years.\n…"
    assert render_diff(diff_lines("a\n\nb\n\nc", "a\n\nb\n\nC")) == "…\nb\n[-c-]\n{+C+}"
    assert render_diff(diff_lines(old, old)) == ""


def test_diff_keeps_markdown_structure_out_of_the_marks() -> None:
    old = "# Privacy\n\nWe keep data.\n\n## Contact us\n\nWrite to us by post."
    new = (
        "# Privacy\n\nWe keep data.\n\n## Your rights\n\nYou may ask for a copy.\n\n"
        "## Contact us\n\nWrite to us by email or by post."
    )
    text = render_diff(diff_lines(old, new), context=0)
    # A new heading is a heading added whole; the next heading is untouched (no `{+##+}`).
    assert text.splitlines() == [
        "…",
        "## {+Your rights+}",
        "{+You may ask for a copy.+}",
        "…",
        "Write to us by {+email or by+} post.",
    ]
    lines = diff_lines(old, new)
    assert [(d.op, d.prefix) for d in lines if d.op != "equal"] == [
        ("insert", "## "),
        ("insert", ""),
        ("change", ""),
    ]
    edited = next(d for d in lines if d.op == "change")
    assert (edited.old, edited.new) == ("Write to us by post.", "Write to us by email or by post.")


def test_diff_pairs_edited_items_and_keeps_renumbered_ones() -> None:
    old = "- We collect your name.\n- We collect your email.\n\n1. First step"
    new = "- We collect your full name.\n- We sell nothing.\n- We collect your email.\n\n2. First step"
    lines = [d for d in diff_lines(old, new) if d.op != "equal"]
    assert [(d.op, d.prefix) for d in lines] == [
        ("change", "- "),
        ("insert", "- "),
        ("change", "2. "),
    ]
    assert [s.text for s in lines[0].segments if s.op == "insert"] == ["full "]
    assert lines[2].old == lines[2].new == "First step"  # only the number changed: no words


# -- the store: order independence, reverts, flips ---------------------------------------

TEXTS = {
    "A": "# Privacy\n\nVersion A of the policy.\n\n© 2015 Acme",
    "A2": "# Privacy\n\nVersion A of the policy.\n\n© 2016 Acme",  # A with a new copyright year
    "B": "# Privacy\n\nVersion B of the policy, with a new sentence.",
    "C": "# Privacy\n\nVersion C.",
}


def raw(ts: str, digest: str, url: str = "https://www.a.com/privacy") -> RawCapture:
    return policy_capture(ts, digest, url=url)


def result(name: str) -> Processed:
    if name == "DROP":
        return Processed(drop_reason="not_found_page")
    docs = [Document("en", TEXTS[name], "Privacy")]
    if name == "C":  # a bilingual page: the French half is its own track
        docs.append(Document("fr", "# Confidentialité\n\nVersion C.", "Confidentialité"))
    return Processed(documents=tuple(docs))


# Each capture: (timestamp, digest, url); a digest always carries the same payload result.
_PAYLOADS = {"d1": "A", "d2": "A2", "d3": "B", "d4": "C", "d5": "DROP"}
_capture_sets = st.lists(
    st.tuples(
        st.from_regex(r"\A20(0[5-9]|1\d)(0[1-9]|1[0-2])1[0-9]120000\Z"),
        st.sampled_from(sorted(_PAYLOADS)),
        st.sampled_from(["https://www.a.com/privacy", "http://a.com/privacy/"]),
    ),
    min_size=1,
    max_size=25,
    unique_by=lambda t: (t[0], t[2]),
)


def _build(entries: list[tuple[str, str, str]], batches: list[int], root: Path) -> tuple:  # type: ignore[type-arg]
    """Feed captures in `batches` (sizes), as separate runs would; the payload is given with
    the first capture of a digest in arrival order, later ones are revisits."""
    store = Store.open(root)
    seen: set[str] = set()
    start = 0
    for size in [*batches, len(entries)]:
        batch = entries[start : start + size]
        start += len(batch)
        for ts, digest, url in batch:
            first = digest not in seen
            seen.add(digest)
            store.add_capture(raw(ts, digest, url), result(_PAYLOADS[digest]) if first else None)
        store.refresh_versions("a.com", "privacy")
    rows = [r.as_dict() for r in store.versions()]
    texts = store.db.execute("SELECT COUNT(*) FROM texts").fetchone()[0]
    store.close()
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.md"))}
    return rows, files, texts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_capture_sets, st.randoms(use_true_random=False), st.lists(st.integers(1, 8), max_size=4))
def test_versions_and_files_do_not_depend_on_order_or_batches(
    entries: list[tuple[str, str, str]], rnd: random.Random, batches: list[int]
) -> None:
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        expected = _build(sorted(entries), [], Path(one))
        shuffled = list(entries)
        rnd.shuffle(shuffled)
        assert _build(shuffled, batches, Path(two)) == expected


def test_a_b_a_is_three_versions_with_the_a_text_stored_once(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    for ts, digest, name in [("20150101", "d1", "A"), ("20160101", "d3", "B")]:
        store.add_capture(raw(ts + "000000", digest), result(name))
    store.add_capture(raw("20170101000000", "d1"), None)  # A again, same bytes
    store.add_capture(raw("20180101000000", "d2"), result("A2"))  # A, new copyright year
    versions = store.refresh_versions("a.com", "privacy")
    assert [(v.number, v.first_ts[:4], v.last_ts[:4], v.revert_of) for v in versions] == [
        (1, "2015", "2015", None),
        (2, "2016", "2016", None),
        (3, "2017", "2018", 1),
    ]
    assert versions[2].text_sha == versions[0].text_sha
    assert store.db.execute("SELECT COUNT(*) FROM texts").fetchone()[0] == 3  # A, B, A2
    assert not any(v.flapping for v in versions)
    assert versions[1].similarity is not None and versions[1].similarity < 1.0
    assert versions[1].words_added > 0


def test_frequent_flips_are_flagged(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.add_capture(raw("20150101000000", "d1"), result("A"))
    store.add_capture(raw("20150201000000", "d3"), result("B"))
    for month in ("03", "05"):
        store.add_capture(raw(f"2015{month}01000000", "d1"), None)
    store.add_capture(raw("20150401000000", "d3"), None)
    versions = store.refresh_versions("a.com", "privacy")
    assert [v.revert_of for v in versions] == [None, None, 1, 2, 1]
    assert all(v.flapping for v in versions)
    assert {r.as_dict()["flapping"] for r in store.versions()} == {True}
