"""Capture selection plans: `changes` must agree with `all` at a fraction of the fetches."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.selection import (
    ChangePlan,
    DurationError,
    IntervalPlan,
    Plan,
    Signature,
    make_plan,
    parse_duration,
)
from webarchive.cdx import CdxRecord

YEAR = timedelta(days=365)


def rec(i: int, text: str, length: int = 2500, digest: str | None = None) -> CdxRecord:
    # one capture a month from 2010
    ts = f"{2010 + i // 12}{i % 12 + 1:02d}15120000"
    return CdxRecord("k", ts, "http://a.com/p", "text/html", "200", digest or f"D{i}", str(length))


def sig(text: str) -> Signature:
    return (None, (("en", text),)) if text != "404" else ("not_found_page", ())


def run(plan: Plan, truth: dict[str, str | None]) -> int:
    """Drives a plan like the spider does; returns how many fetches it made."""
    fetches = 0
    while not plan.done:
        wanted = plan.wanted()
        assert wanted, "a plan that is not done must want something"
        for i in wanted:
            fetches += 1
            text = truth[plan.slots[i].record.timestamp]
            plan.learn(i, None if text is None else sig(text), i)
    return fetches


def shown(plan: Plan) -> list[str | None]:
    return [s.signature[1][0][1] if s.signature and s.signature[1] else None for s in plan.slots]


def test_changes_finds_every_change_point_with_log_fetches() -> None:
    texts = ["A"] * 20 + ["B"] * 30 + ["C"] * 14
    records = [rec(i, t) for i, t in enumerate(texts)]
    plan = ChangePlan(records, probe_every=None)
    fetches = run(plan, {r.timestamp: t for r, t in zip(records, texts, strict=True)})
    assert shown(plan) == texts
    assert fetches <= 2 + 2 * math.ceil(math.log2(len(texts)))
    assert len(plan.assignments()) == len(texts) - fetches


def test_a_change_reverted_between_probes_is_caught_by_the_probe() -> None:
    texts = ["A"] * 10 + ["B"] * 3 + ["A"] * 11  # A -> B -> A within two years
    records = [rec(i, t) for i, t in enumerate(texts)]
    truth = {r.timestamp: t for r, t in zip(records, texts, strict=True)}
    blind = ChangePlan(records, probe_every=None)
    run(blind, truth)
    assert shown(blind) == ["A"] * 24  # first and last agree: the detour is invisible
    probed = ChangePlan(records, probe_every=timedelta(days=90))
    run(probed, truth)
    assert shown(probed) == texts


def test_an_error_page_between_equal_texts_is_fetched_by_its_length() -> None:
    texts = ["A"] * 6 + ["404"] + ["A"] * 5
    records = [rec(i, t, length=1200 if t == "404" else 2500 + i) for i, t in enumerate(texts)]
    plan = ChangePlan(records, probe_every=None)
    run(plan, {r.timestamp: t for r, t in zip(records, texts, strict=True)})
    assert plan.slots[6].signature == sig("404") and plan.slots[6].fetched


def test_same_digest_is_free_and_failed_fetches_fall_back_to_a_twin() -> None:
    records = [rec(0, "A", digest="X"), rec(1, "A", digest="X"), rec(2, "A", digest="X")]
    plan = Plan(records)
    first = plan.wanted()
    assert first == [0]  # one fetch per digest
    plan.learn(0, None, None)  # it failed: the twin stands in
    assert plan.wanted() == [1]
    plan.learn(1, sig("A"), 1)
    assert plan.done and [r.timestamp for r, _, _ in plan.assignments()] == [records[2].timestamp]


def test_interval_takes_the_first_fetchable_capture_of_each_period() -> None:
    records = [rec(i, "A") for i in range(24)]  # two years, monthly
    plan = IntervalPlan(records, timedelta(days=182))
    assert plan.wanted() == [0, 7, 12, 18]  # day 181 is still in the first period
    plan.learn(7, None, None)
    assert plan.wanted() == [8]


def test_stored_captures_anchor_a_later_run() -> None:
    texts = ["A"] * 8 + ["B"] * 8
    records = [rec(i, t) for i, t in enumerate(texts)]
    plan = ChangePlan(records, probe_every=None)
    for i in range(8):  # the first run stored the first eight
        plan.know_stored(i, sig("A"))
    fetches = run(plan, {r.timestamp: t for r, t in zip(records, texts, strict=True)})
    assert shown(plan) == texts and fetches <= 1 + math.ceil(math.log2(8)) + 1
    assert all(not s.stored for s in plan.slots[8:])


@settings(max_examples=150, deadline=None)
@given(
    runs=st.lists(st.integers(1, 12), min_size=1, max_size=6),
    twins=st.lists(st.integers(0, 60), max_size=6),
)
def test_changes_agrees_with_all_on_generated_histories(runs: list[int], twins: list[int]) -> None:
    """Texts that never come back (the case bisection is exact for), some captures
    sharing bytes."""
    texts = [chr(65 + n) for n, length in enumerate(runs) for _ in range(length)]
    records: list[CdxRecord] = []
    for i, text in enumerate(texts):
        twin = i in twins and i > 0 and texts[i - 1] == text
        records.append(rec(i, text, digest=records[i - 1].digest if twin else None))
    truth: dict[str, str | None] = {r.timestamp: t for r, t in zip(records, texts, strict=True)}
    results = {}
    for strategy in ("all", "changes"):
        plan = make_plan(strategy, records, timedelta(days=182), YEAR)
        fetches = run(plan, truth)
        results[strategy] = (shown(plan), fetches)
    assert results["changes"][0] == results["all"][0] == texts
    assert results["changes"][1] <= results["all"][1]


def test_failed_first_and_last_captures_hand_over_to_their_neighbours() -> None:
    texts = ["A"] * 5 + ["B"] * 5
    records = [rec(i, t) for i, t in enumerate(texts)]
    truth: dict[str, str | None] = {r.timestamp: t for r, t in zip(records, texts, strict=True)}
    truth[records[0].timestamp] = truth[records[-1].timestamp] = None
    plan = ChangePlan(records, probe_every=None)
    run(plan, truth)
    # as with `all`, captures that cannot be fetched are simply absent
    assert shown(plan) == [None, *texts[1:-1], None]


@pytest.mark.parametrize(
    ("text", "days"), [("6M", 182.64), ("1Y", 365.25), ("2W", 14), ("30d", 30), ("12h", 0.5)]
)
def test_durations(text: str, days: float) -> None:
    assert parse_duration(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["", "6", "M", "-1Y", "0D", "1 year", "6X"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)
