from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from corpus.models import TrackCapture
from corpus.versioning import build_runs


def cap(ts: str, sha: str, url: str = "http://a.com/privacy") -> TrackCapture:
    return TrackCapture(ts, url, f"http://arch/web/{ts}id_/{url}", sha)


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


_captures = st.lists(
    st.builds(cap, st.from_regex(r"\A20[0-2]\d\Z"), st.sampled_from("ABC")), max_size=30
)


@given(_captures, st.randoms())
def test_versions_do_not_depend_on_arrival_order(captures: list[TrackCapture], rnd: object) -> None:
    shuffled = list(captures)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert build_runs(shuffled) == build_runs(captures)
