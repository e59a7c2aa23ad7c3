"""Reading replay answers, pinned on the recorded IA exchanges where they exist."""

from __future__ import annotations

from typing import Any

from crawler.replay import Dropped, Follow, Served, read_replay
from tests.reference import IA_RECORDED, cassette_exchanges, require
from webarchive.wayback import Archive

IA = Archive.parse("https://web.archive.org")
DAY = 86400.0


def _read(exchange: dict[str, Any], asked: str, domain: str, window: float = 183 * DAY) -> Any:
    headers = {k: v[0] for k, v in exchange["headers"].items()}
    return read_replay(
        IA,
        exchange["uri"],
        exchange["status"],
        headers,
        exchange["body"],
        asked_timestamp=asked,
        domain=domain,
        window_seconds=window,
    )


def _recorded(name: str) -> list[dict[str, Any]]:
    return cassette_exchanges(require(IA_RECORDED / name))


def test_recorded_redirect_chain_nearest_then_moved_then_nearest_then_served() -> None:
    steps = _recorded("test_get_memento_follows_historical_redirects.yaml")
    asked = "20200201020357"
    outcomes = [_read(e, asked, "epa.gov") for e in steps]
    assert isinstance(outcomes[0], Follow) and not outcomes[0].moved
    assert outcomes[0].timestamp == "20200201023757"
    moved = outcomes[1]
    assert isinstance(moved, Follow) and moved.moved
    assert moved.url == "https://www.epa.gov/sites/production/files/signpost/cc.html"
    assert isinstance(outcomes[2], Follow) and not outcomes[2].moved
    assert outcomes[3] == Served(
        "20200201024405", "https://www.epa.gov/sites/production/files/signpost/cc.html"
    )


def test_recorded_nearest_capture_outside_the_window_is_not_followed() -> None:
    (step,) = _recorded("test_get_memento_raises_when_memento_is_outside_target_window.yaml")
    # 2017-11-01 asked, 2017-11-24 offered: 23 days
    assert _read(step, "20171101000000", "fws.gov", window=7 * DAY) == Dropped("outside_window")
    assert isinstance(_read(step, "20171101000000", "fws.gov", window=30 * DAY), Follow)


def test_recorded_blocked_page_and_never_archived_are_dropped_with_reasons() -> None:
    (blocked,) = _recorded("test_get_memento_raises_blocked_error.yaml")
    outcome = _read(blocked, "20170929002712", "nationalpost.com")
    assert isinstance(outcome, Dropped) and outcome.reason in ("blocked", "archive_page")
    (missing,) = _recorded("test_get_memento_raises_no_memento_error.yaml")
    assert _read(missing, "20170929002712", "whatever") == Dropped("not_archived")


def test_recorded_archived_429_is_a_capture_not_a_rate_limit() -> None:
    (step,) = _recorded("test_get_memento_works_on_archived_rate_limit_responses.yaml")
    assert _read(step, "20150129034904", "reddit.com") == Dropped("captured_http_429")


def test_captured_redirect_off_the_domain_or_off_the_archive_is_never_followed() -> None:
    base = {"memento-datetime": "Sat, 01 Feb 2020 02:37:57 GMT"}
    url = "https://web.archive.org/web/20200201023757id_/https://a.com/privacy"
    other = {**base, "location": "https://web.archive.org/web/20200201023757id_/https://b.com/p"}
    live = {**base, "location": "https://a.com/legal/privacy"}
    kw: dict[str, Any] = {"asked_timestamp": "20200201023757", "domain": "a.com"}
    kw["window_seconds"] = DAY
    assert read_replay(IA, url, 301, other, b"", **kw) == Dropped("moved_off_domain")
    assert read_replay(IA, url, 301, live, b"", **kw) == Dropped("redirect_off_archive")
    inside = {**base, "location": "/web/20200201023757id_/https://www.a.com/legal/privacy"}
    follow = read_replay(IA, url, 301, inside, b"", **kw)
    assert follow == Follow(
        "https://web.archive.org/web/20200201023757id_/https://www.a.com/legal/privacy",
        "20200201023757",
        "https://www.a.com/legal/privacy",
        moved=True,
    )


def test_pywb_serves_the_nearest_capture_directly_and_names_it() -> None:
    pywb = Archive.parse("pywb+http://127.0.0.1:9/demo")
    headers = {
        "memento-datetime": "Sat, 17 Feb 2018 09:30:00 GMT",
        "content-location": "http://127.0.0.1:9/demo/20180217093000id_/https://a.com/privacy",
    }
    asked = "http://127.0.0.1:9/demo/20180101000000id_/https://a.com/privacy"
    kw: dict[str, Any] = {"asked_timestamp": "20180101000000", "domain": "a.com"}
    served = read_replay(pywb, asked, 200, headers, b"<html>", window_seconds=183 * DAY, **kw)
    assert served == Served("20180217093000", "https://a.com/privacy")
    late = read_replay(pywb, asked, 200, headers, b"<html>", window_seconds=DAY, **kw)
    assert late == Dropped("outside_window")
