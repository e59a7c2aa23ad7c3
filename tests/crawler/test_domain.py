"""One domain's crawl as a state object: phases, calls and what ends up recorded (offline)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

import pytest

from bench.pages import home_page, policy_page
from corpus.models import ROLE_DISCOVERY, ROLE_POLICY
from crawler.domain import (
    Answer,
    CdxCall,
    CrawlConfig,
    DomainCrawl,
    Known,
    Output,
    Phase,
    ReplayCall,
    Stage,
)
from crawler.items import CaptureItem, CaptureOutcomeItem, HomepageLinksItem
from localarchive.timestamps import http_date
from webarchive.cdx import CDX_FIELDS
from webarchive.wayback import Archive

ARCHIVE = Archive.parse("http://127.0.0.1:9")
DOMAIN = "acme-shop.com"
KIND = "privacy"
HOME = "https://www.acme-shop.com/"
SHOP = "https://www.acme-shop.com/shop"
POLICY = "https://www.acme-shop.com/privacy-policy"
POLICY_KEY = "acme-shop.com/privacy-policy"
HOME_TS = "20190301120000"
# three captures of the policy, two texts: T1 and T2 share their bytes, T3 is an update
T1, T2, T3 = "20190401120000", "20190901120000", "20200301120000"
DIGESTS = {T1: "TEXTONEDIGEST", T2: "TEXTONEDIGEST", T3: "TEXTTWODIGEST"}
BODIES = {T1: policy_page("Acme", 0, T1, 7), T3: policy_page("Acme", 1, T3, 9)}
SIGNATURE_ONE = (None, (("en", "sha-of-text-one"),))


def config(strategy: str = "all") -> CrawlConfig:
    return CrawlConfig(
        strategy=strategy,
        every=timedelta(days=180),
        probe_every=None,
        window_seconds=183 * 86400.0,
        page_size=50,
        homepage_samples=3,
        max_policy_urls=2,
        max_redirects=3,
    )


def row(url: str, ts: str, digest: str, status: str = "200") -> list[str]:
    path = url.split("acme-shop.com", 1)[1] or "/"
    return [f"com,acme-shop){path}", ts, url, "text/html", status, digest, "4200"]


def policy_rows() -> list[list[str]]:
    return [row(POLICY, ts, digest) for ts, digest in DIGESTS.items()]


def cdx_body(rows: Sequence[list[str]], resume_key: str | None = None) -> bytes:
    """An IA JSON answer: header row, rows, and `[]`, `[key]` when more pages follow."""
    data: list[list[str]] = [list(CDX_FIELDS), *rows]
    if resume_key is not None:
        data += [[], [resume_key]]
    return json.dumps(data).encode()


def served(call: ReplayCall, body: bytes) -> Answer:
    """The capture the call asked for, answered as the archive sends it."""
    ts = call.record.timestamp
    headers = (
        ("Memento-Datetime", http_date(ts)),
        ("Content-Type", "text/html; charset=utf-8"),
        ("X-Archive-Orig-Server", "nginx"),
        ("X-Archive-Orig-Date", http_date(ts)),
    )
    return Answer(call.url, 200, headers, body)


def policy_body(call: ReplayCall) -> bytes:
    return BODIES[T1 if DIGESTS[call.record.timestamp] == DIGESTS[T1] else T3]


def new_crawl(
    counts: Counter[str] | None = None,
    known: Known | None = None,
    urls: Sequence[str] = (),
    strategy: str = "all",
) -> DomainCrawl:
    def hook(key: str, n: int) -> None:
        if counts is not None:
            counts[key] += n

    return DomainCrawl(DOMAIN, KIND, ARCHIVE, config(strategy), known=known, urls=urls, count=hook)


def calls(outputs: Sequence[Output]) -> list[CdxCall | ReplayCall]:
    return [o for o in outputs if isinstance(o, CdxCall | ReplayCall)]


def items(outputs: Sequence[Output]) -> list[CaptureItem]:
    return [o for o in outputs if isinstance(o, CaptureItem)]


def policy_fetches(outputs: Sequence[Output]) -> list[ReplayCall]:
    return [o for o in outputs if isinstance(o, ReplayCall) and o.purpose == "policy"]


def answer_cdx(
    crawl: DomainCrawl,
    outputs: Sequence[Output],
    hint_rows: Sequence[list[str]] = (),
    homepage_rows: Sequence[list[str]] = (),
    lookups: dict[str, list[list[str]]] | None = None,
) -> list[Output]:
    """Answers the CDX calls among `outputs` (and those they lead to) from the given rows,
    as the archive would; returns everything else they led to."""
    pending, rest = list(outputs), []
    while pending:
        output = pending.pop(0)
        if not isinstance(output, CdxCall):
            rest.append(output)
            continue
        if output.purpose == "homepages":
            rows = homepage_rows
        elif output.purpose == "hints":
            rows = hint_rows
        else:
            rows = (lookups or {}).get(output.query.url, [])
        pending += crawl.on_cdx(output, 200, cdx_body(rows))
    return rest


def to_fetch_phase(crawl: DomainCrawl, listing_rows: Sequence[list[str]]) -> list[Output]:
    """Lists the domain with its policy rows among the hinted URLs and no homepage:
    straight to the fetch phase; returns what that first step asked for."""
    lookups: dict[str, list[list[str]]] = {}
    for values in listing_rows:
        lookups.setdefault(values[2], []).append(values)
    return answer_cdx(crawl, crawl.start(), hint_rows=listing_rows, lookups=lookups)


def listing_calls(crawl: DomainCrawl) -> tuple[CdxCall, CdxCall]:
    """The LIST stage's two calls: the homepage's captures, the hinted URLs."""
    homepages, hints = crawl.start()
    assert isinstance(homepages, CdxCall) and homepages.purpose == "homepages"
    assert isinstance(hints, CdxCall) and hints.purpose == "hints"
    return homepages, hints


def test_homepage_link_leads_to_the_policy_and_every_capture_is_recorded_once() -> None:
    counts: Counter[str] = Counter()
    crawl = new_crawl(counts)
    homepages, hints = listing_calls(crawl)
    # the homepage's own captures, one a month; the domain's policy-like URLs, one a URL
    assert homepages.query.url == f"{DOMAIN}/" and homepages.query.match_type == "exact"
    assert homepages.query.collapse == ("timestamp:6",)
    assert hints.query.match_type == "domain" and hints.query.collapse == ("urlkey",)
    assert any(f.startswith("original:") for f in hints.query.filters)
    assert crawl.phase is Phase.DISCOVER and crawl.outstanding == 2

    assert crawl.on_cdx(hints, 200, cdx_body([])) == []  # no URL names a policy
    out = crawl.on_cdx(homepages, 200, cdx_body([row(HOME, HOME_TS, "HOMEDIGEST")]))
    (homepage,) = out
    assert isinstance(homepage, ReplayCall) and homepage.purpose == "homepage"
    assert homepage.role == ROLE_DISCOVERY and homepage.record.original == HOME
    assert crawl.phase is Phase.DISCOVER and crawl.outstanding == 1

    out = crawl.on_replay(homepage, served(homepage, home_page("Acme", HOME_TS)))
    (home_item,) = items(out)
    assert home_item.capture.role == ROLE_DISCOVERY and home_item.links == (POLICY,)
    # what the homepage linked to is kept for the next run
    (read,) = [o for o in out if isinstance(o, HomepageLinksItem)]
    assert (read.url, read.timestamp, read.links) == (HOME, HOME_TS, (POLICY,))
    (lookup,) = calls(out)
    assert isinstance(lookup, CdxCall) and lookup.key == POLICY_KEY
    assert lookup.query.url == POLICY and lookup.query.match_type == "exact"
    assert crawl.phase is Phase.DISCOVER and crawl.outstanding == 1

    out = crawl.on_cdx(lookup, 200, cdx_body(policy_rows()))
    assert crawl.phase is Phase.FETCH
    fetches = policy_fetches(out)
    assert out == fetches  # nothing recorded before a fetch answers
    # one fetch per distinct bytes: T2 repeats T1's
    assert sorted(f.record.timestamp for f in fetches) == [T1, T3]
    assert crawl.outstanding == 2

    recorded: list[CaptureItem] = []
    first, last = fetches
    out = crawl.on_replay(first, served(first, policy_body(first)))
    recorded += items(out)
    assert calls(out) == []
    assert crawl.phase is Phase.FETCH and crawl.outstanding == 1

    out = crawl.on_replay(last, served(last, policy_body(last)))
    recorded += items(out)
    assert crawl.phase is Phase.DONE and crawl.outstanding == 0
    assert crawl.failure is None and calls(out) == []

    by_ts = {item.capture.timestamp: item.capture for item in recorded}
    assert len(recorded) == 3 and set(by_ts) == {T1, T2, T3}  # each capture exactly once
    assert all(item.capture.role == ROLE_POLICY for item in recorded)
    assert all(item.capture.url == POLICY for item in recorded)
    for ts in (T1, T3):
        assert by_ts[ts].body == policy_body(next(f for f in fetches if f.record.timestamp == ts))
        assert by_ts[ts].digest == DIGESTS[ts]
        assert ("Server", "nginx") in by_ts[ts].headers  # the page's own, unprefixed
    fetched = [item for item in recorded if item.capture.body is not None]
    assert all(item.processed and item.processed.documents for item in fetched)
    assert len({item.processed.documents[0].sha256 for item in fetched if item.processed}) == 2
    # T2 is recorded without a fetch, pointing at the capture holding its bytes
    assert by_ts[T2].body is None and by_ts[T2].refers_to == (POLICY, T1)

    assert crawl.counts["policy/captures/listed"] == 3
    assert crawl.counts["policy/captures/fetched_policy"] == 2
    assert crawl.counts["policy/captures/same_bytes"] == 1
    assert crawl.counts["policy/candidates"] == 1
    assert counts == crawl.counts  # the hook sees every count


@pytest.mark.parametrize("strategy", ["all", "changes", "interval"])
def test_each_policy_capture_is_recorded_once_whatever_the_strategy(strategy: str) -> None:
    crawl = new_crawl(strategy=strategy)
    pending = calls(to_fetch_phase(crawl, policy_rows()))
    recorded: list[CaptureItem] = []
    while pending:
        call = pending.pop(0)
        assert isinstance(call, ReplayCall) and call.purpose == "policy"
        out = crawl.on_replay(call, served(call, policy_body(call)))
        pending += calls(out)
        recorded += items(out)
    assert crawl.phase is Phase.DONE and crawl.outstanding == 0
    stamps = sorted(item.capture.timestamp for item in recorded)
    # `interval` (every 180 days) takes the first capture of each period only
    assert stamps == ([T1, T3] if strategy == "interval" else [T1, T2, T3])
    assert crawl.counts["policy/captures/fetched_policy"] == 2


def test_paged_listing_asks_for_the_next_page_before_moving_on() -> None:
    crawl = new_crawl()
    homepages, hints = listing_calls(crawl)
    assert crawl.on_cdx(homepages, 200, cdx_body([row(HOME, HOME_TS, "HOMEDIGEST")])) == []
    key = "com,acme-shop)/shop 20190301120000"
    out = crawl.on_cdx(hints, 200, cdx_body([row(SHOP, HOME_TS, "SHOP")], key))
    (page_two,) = out
    assert isinstance(page_two, CdxCall)
    assert page_two.resume_key == key and page_two.purpose == "hints"
    assert page_two.query == hints.query
    assert "resumeKey=" in crawl.cdx_url(page_two)
    assert crawl.phase is Phase.DISCOVER and crawl.outstanding == 1

    # the second page completes the listing: only now are homepages read and the hinted
    # policy listed exactly
    out = crawl.on_cdx(page_two, 200, cdx_body([row(POLICY, T1, DIGESTS[T1])]))
    (homepage,) = [c for c in calls(out) if isinstance(c, ReplayCall)]
    (lookup,) = [c for c in calls(out) if isinstance(c, CdxCall)]
    assert homepage.purpose == "homepage" and lookup.query.url == POLICY
    out = crawl.on_replay(homepage, served(homepage, home_page("Acme", HOME_TS)))
    # the linked policy is being listed already: no second lookup
    assert calls(out) == []
    out = crawl.on_cdx(lookup, 200, cdx_body(policy_rows()))
    assert crawl.phase is Phase.FETCH
    assert sorted(f.record.timestamp for f in policy_fetches(out)) == [T1, T3]
    assert crawl.counts["policy/captures/listed"] == 3


def test_403_on_the_listing_fails_the_domain_as_blocked() -> None:
    crawl = new_crawl()
    listing, _ = listing_calls(crawl)
    assert crawl.on_cdx(listing, 403, b"Blocked Site Error") == []
    assert crawl.phase is Phase.FAILED and crawl.finished
    assert crawl.failure is not None and "blocked" in crawl.failure
    # a late or repeated answer changes nothing
    assert crawl.on_cdx(listing, 200, cdx_body(policy_rows())) == []
    assert crawl.on_error(listing, "TimeoutError") == []
    assert crawl.phase is Phase.FAILED and "blocked" in crawl.failure


def test_answers_in_flight_when_the_domain_fails_are_ignored() -> None:
    crawl = new_crawl(urls=[POLICY])
    listing, hints = listing_calls(crawl)
    assert crawl.on_cdx(hints, 200, cdx_body([])) == []
    out = crawl.on_cdx(listing, 200, cdx_body([row(HOME, HOME_TS, "HOMEDIGEST")]))
    (lookup,) = [c for c in calls(out) if isinstance(c, CdxCall)]
    (homepage,) = [c for c in calls(out) if isinstance(c, ReplayCall)]
    assert lookup.key == POLICY_KEY  # the user's URL is looked up

    assert crawl.on_cdx(lookup, 403, b"") == []
    assert crawl.phase is Phase.FAILED and crawl.failure and "blocked" in crawl.failure
    assert crawl.on_replay(homepage, served(homepage, home_page("Acme", HOME_TS))) == []
    assert crawl.phase is Phase.FAILED


def test_an_html_page_instead_of_cdx_data_fails_with_a_clear_message() -> None:
    crawl = new_crawl()
    listing, _ = listing_calls(crawl)
    body = b"<!DOCTYPE html><html><body><h1>Please log in</h1></body></html>"
    assert crawl.on_cdx(listing, 200, body) == []
    assert crawl.phase is Phase.FAILED
    assert crawl.failure is not None
    assert "not a Wayback CDX endpoint" in crawl.failure and "HTML" in crawl.failure
    assert ARCHIVE.base in crawl.failure


def test_a_policy_fetch_that_keeps_failing_is_pending_and_the_crawl_finishes() -> None:
    crawl = new_crawl()
    fetches = policy_fetches(to_fetch_phase(crawl, policy_rows()))
    (first,) = [f for f in fetches if f.record.timestamp == T1]
    (last,) = [f for f in fetches if f.record.timestamp == T3]

    recorded = items(crawl.on_replay(first, served(first, policy_body(first))))
    out = crawl.on_error(last, "TimeoutError: took too long")
    recorded += items(out)
    assert crawl.phase is Phase.DONE and crawl.failure is None and crawl.outstanding == 0
    assert crawl.counts["policy/captures/pending"] == 1
    # T3 could not be had: recorded as pending (the next run asks again), not dropped
    (outcome,) = [o for o in out if isinstance(o, CaptureOutcomeItem)]
    assert (outcome.timestamp, outcome.state) == (T3, "pending")
    assert not any(k.startswith("policy/dropped/") for k in crawl.counts)
    # T1 and its twin T2 are recorded
    assert sorted(item.capture.timestamp for item in recorded) == [T1, T2]


def test_a_permanent_failure_is_dropped_with_its_reason() -> None:
    crawl = new_crawl()
    fetches = policy_fetches(to_fetch_phase(crawl, policy_rows()))
    (last,) = [f for f in fetches if f.record.timestamp == T3]
    out = crawl.on_error(last, "too_large", transient=False)
    (outcome,) = [o for o in out if isinstance(o, CaptureOutcomeItem)]
    assert (outcome.timestamp, outcome.state, outcome.reason) == (T3, "dropped", "too_large")
    assert crawl.counts["policy/dropped/too_large"] == 1


def test_captures_dropped_before_are_not_asked_again() -> None:
    dropped = {("https://www.acme-shop.com/privacy-policy", T3): "too_large"}
    crawl = new_crawl(known=Known(dropped=dropped))
    fetches = policy_fetches(to_fetch_phase(crawl, policy_rows()))
    assert T3 not in {f.record.timestamp for f in fetches}
    assert crawl.counts["policy/captures/dropped_before"] == 1


def test_a_failed_fetch_is_made_up_for_by_a_capture_with_the_same_bytes() -> None:
    crawl = new_crawl()
    fetches = policy_fetches(to_fetch_phase(crawl, policy_rows()))
    (first,) = [f for f in fetches if f.record.timestamp == T1]
    (last,) = [f for f in fetches if f.record.timestamp == T3]

    out = crawl.on_error(first, "ConnectionRefusedError")
    (twin,) = policy_fetches(out)
    assert twin.record.timestamp == T2  # same digest as T1: its bytes are still wanted
    recorded = items(crawl.on_replay(twin, served(twin, policy_body(twin))))
    recorded += items(crawl.on_replay(last, served(last, policy_body(last))))
    assert crawl.phase is Phase.DONE
    assert sorted(item.capture.timestamp for item in recorded) == [T2, T3]
    # T1 itself is left pending (its bytes came through T2: the next run records it
    # from them without a fetch)
    assert crawl.counts["policy/captures/pending"] == 1


def test_stored_captures_are_never_fetched_again() -> None:
    known = Known(
        stored={(POLICY, T1): DIGESTS[T1], (POLICY, T2): DIGESTS[T2]},
        signatures=lambda digests: {d: SIGNATURE_ONE for d in digests if d == DIGESTS[T1]},
    )
    crawl = new_crawl(known=known)
    (fetch,) = policy_fetches(to_fetch_phase(crawl, policy_rows()))
    assert fetch.record.timestamp == T3
    recorded = items(crawl.on_replay(fetch, served(fetch, policy_body(fetch))))
    assert crawl.phase is Phase.DONE
    assert [item.capture.timestamp for item in recorded] == [T3]
    assert crawl.counts["policy/captures/already_stored"] == 2
    assert crawl.counts["policy/captures/fetched_policy"] == 1


def test_a_domain_with_nothing_new_finishes_without_a_policy_fetch() -> None:
    known = Known(
        stored={(POLICY, ts): digest for ts, digest in DIGESTS.items()},
        signatures=lambda digests: {d: SIGNATURE_ONE for d in digests},
    )
    crawl = new_crawl(known=known)
    out = to_fetch_phase(crawl, policy_rows())
    assert out == []
    assert crawl.phase is Phase.DONE and crawl.outstanding == 0 and crawl.failure is None
    assert crawl.counts["policy/captures/listed"] == 3
    assert crawl.counts["policy/captures/already_stored"] == 3
    assert crawl.counts["wayback/replay_requests"] == 0
    assert crawl.counts["policy/captures/fetched_policy"] == 0


def test_a_domain_without_any_candidate_is_done_right_after_its_listing() -> None:
    crawl = new_crawl()
    out = to_fetch_phase(crawl, [row(SHOP, HOME_TS, "SHOP")])
    assert out == []
    assert crawl.phase is Phase.DONE and crawl.failure is None
    assert crawl.counts["policy/candidates"] == 0
    assert crawl.counts["wayback/replay_requests"] == 0


def test_a_homepage_without_policy_links_ends_discovery_with_nothing_to_fetch() -> None:
    crawl = new_crawl()
    (homepage,) = answer_cdx(crawl, crawl.start(), homepage_rows=[row(HOME, HOME_TS, "HD")])
    assert isinstance(homepage, ReplayCall)
    body = b"<html><body><h1>Acme</h1><a href='/shop'>Shop</a></body></html>"
    out = crawl.on_replay(homepage, served(homepage, body))
    home_item, read = out  # the homepage capture itself and its (no) links, no call
    assert isinstance(home_item, CaptureItem) and home_item.links == ()
    assert isinstance(read, HomepageLinksItem) and read.links == ()
    assert crawl.phase is Phase.DONE and crawl.outstanding == 0
    assert crawl.counts["policy/urls_selected"] == 0


def _sha1(body: bytes) -> str:
    return base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _one_capture_crawl(digest: str) -> tuple[DomainCrawl, ReplayCall]:
    crawl = new_crawl()
    (fetch,) = policy_fetches(to_fetch_phase(crawl, [row(POLICY, T1, digest)]))
    return crawl, fetch


def test_bytes_that_do_not_match_the_cdx_digest_are_asked_for_again() -> None:
    good = BODIES[T1]
    crawl, fetch = _one_capture_crawl(_sha1(good))
    cut = good[: len(good) // 2]
    (again,) = policy_fetches(crawl.on_replay(fetch, served(fetch, cut)))
    assert again.mismatched == _sha1(cut) and crawl.counts["policy/replay/digest_mismatch"] == 1
    recorded = items(crawl.on_replay(again, served(again, good)))
    assert [i.capture.body for i in recorded] == [good] and crawl.phase is Phase.DONE


def test_the_same_other_bytes_twice_are_what_the_archive_holds() -> None:
    crawl, fetch = _one_capture_crawl("A" * 32)  # a digest of other bytes
    (again,) = policy_fetches(crawl.on_replay(fetch, served(fetch, BODIES[T1])))
    recorded = items(crawl.on_replay(again, served(again, BODIES[T1])))
    assert [i.capture.body for i in recorded] == [BODIES[T1]] and crawl.phase is Phase.DONE


def test_different_damaged_bytes_twice_leave_the_capture_pending() -> None:
    good = BODIES[T1]
    crawl, fetch = _one_capture_crawl(_sha1(good))
    (again,) = policy_fetches(crawl.on_replay(fetch, served(fetch, good[:100])))
    out = crawl.on_replay(again, served(again, good[:200]))
    assert items(out) == []
    (outcome,) = [o for o in out if isinstance(o, CaptureOutcomeItem)]
    assert (outcome.state, outcome.reason) == ("pending", "digest_mismatch")
    assert crawl.phase is Phase.DONE


def test_the_hint_listing_url_fits_what_the_crawler_sends() -> None:
    from crawler import settings

    _, hints = listing_calls(new_crawl())
    # a longer URL would be dropped by Scrapy's UrlLengthMiddleware, without an answer
    assert len(new_crawl().cdx_url(hints)) < settings.URLLENGTH_LIMIT


# -- discovery on real sites: other hosts, moves, the archive failing, the cache ----------

PARENT_POLICY = "https://legal.parent-group.com/privacy"
PARENT_KEY = "legal.parent-group.com/privacy"
HOME_2020 = "20200301120000"


def parent_row(ts: str, digest: str, status: str = "200", url: str = PARENT_POLICY) -> list[str]:
    path = url.split("parent-group.com", 1)[1]
    return [f"com,parent-group,legal){path}", ts, url, "text/html", status, digest, "4200"]


def homepage_linking(*hrefs: str) -> bytes:
    links = " ".join(f'<a href="{href}">Privacy</a>' for href in hrefs)
    return f"<html><body><h1>Acme</h1><a href='/shop'>Shop</a> {links}</body></html>".encode()


def read_homepages(crawl: DomainCrawl, bodies: dict[str, bytes]) -> list[Output]:
    """Lists the domain with one homepage capture per entry of `bodies` (timestamp ->
    page) and no hinted URL, and answers the homepage reads; returns what followed."""
    homepage_rows = [row(HOME, ts, f"HOME{ts}") for ts in sorted(bodies)]
    out = answer_cdx(crawl, crawl.start(), homepage_rows=homepage_rows)
    reads = [c for c in out if isinstance(c, ReplayCall) and c.purpose == "homepage"]
    assert sorted(c.record.timestamp for c in reads) == sorted(bodies)
    following: list[Output] = []
    for call in reads:
        following += crawl.on_replay(call, served(call, bodies[call.record.timestamp]))
    return following


def test_a_policy_on_another_host_linked_from_the_homepage_is_listed_and_fetched() -> None:
    crawl = new_crawl()
    out = read_homepages(crawl, {HOME_TS: homepage_linking(PARENT_POLICY)})
    (lookup,) = calls(out)
    # listed exactly, from the first homepage capture linking to it to the end
    assert isinstance(lookup, CdxCall) and lookup.key == PARENT_KEY
    assert lookup.query.url == PARENT_POLICY and lookup.query.match_type == "exact"
    assert (lookup.query.from_ts, lookup.query.to_ts) == (HOME_TS, None)
    assert crawl.counts["policy/discovery/off_domain_urls"] == 1

    rows = [parent_row(T1, "P1"), parent_row(T3, "P3")]
    fetches = policy_fetches(crawl.on_cdx(lookup, 200, cdx_body(rows)))
    assert sorted(f.record.timestamp for f in fetches) == [T1, T3]
    # a redirect within the policy's own host is followed, not dropped as off the domain
    assert {f.scope for f in fetches} == {"legal.parent-group.com"}
    first = fetches[0]
    moved_to = "https://legal.parent-group.com/privacy/"
    location = ARCHIVE.replay_url(first.record.timestamp, moved_to)
    headers = (("Memento-Datetime", http_date(first.record.timestamp)), ("Location", location))
    (follow,) = calls(crawl.on_replay(first, Answer(first.url, 301, headers, b"")))
    assert isinstance(follow, ReplayCall) and follow.url == location
    recorded = items(crawl.on_replay(follow, served(follow, BODIES[T1])))
    recorded += items(crawl.on_replay(fetches[1], served(fetches[1], BODIES[T3])))
    assert crawl.phase is Phase.DONE
    # recorded as the domain's policy, at the URL (and host) it was found on
    assert {(i.capture.domain, i.capture.url) for i in recorded} == {
        (DOMAIN, moved_to),
        (DOMAIN, PARENT_POLICY),
    }


def test_an_off_domain_policy_is_listed_only_while_the_homepage_linked_to_it() -> None:
    crawl = new_crawl()
    out = read_homepages(
        crawl,
        {
            HOME_TS: homepage_linking(PARENT_POLICY),  # 2019: the group's policy
            HOME_2020: homepage_linking("/privacy-policy"),  # 2020: a policy of its own
        },
    )
    lookups = {c.query.url: c for c in calls(out) if isinstance(c, CdxCall)}
    assert set(lookups) == {POLICY}  # the own policy first; the other host once all are read
    out = crawl.on_cdx(lookups[POLICY], 200, cdx_body([row(POLICY, HOME_2020, "OWN")]))
    (parent,) = calls(out)
    assert isinstance(parent, CdxCall) and parent.query.url == PARENT_POLICY
    # up to the next homepage capture read, which no longer linked to it
    assert (parent.query.from_ts, parent.query.to_ts) == (HOME_TS, HOME_2020)


def test_a_partner_link_beside_the_sites_own_policy_is_not_followed() -> None:
    crawl = new_crawl()
    out = read_homepages(crawl, {HOME_TS: homepage_linking("/privacy-policy", PARENT_POLICY)})
    (lookup,) = calls(out)
    assert isinstance(lookup, CdxCall) and lookup.query.url == POLICY
    crawl.on_cdx(lookup, 200, cdx_body([]))
    assert crawl.counts["policy/discovery/off_domain_urls"] == 0
    assert PARENT_KEY not in crawl.candidates.by_key or not crawl.candidates.rows(PARENT_KEY)


def test_links_on_the_other_hosts_page_are_never_followed() -> None:
    crawl = new_crawl()
    (lookup,) = calls(read_homepages(crawl, {HOME_TS: homepage_linking(PARENT_POLICY)}))
    assert isinstance(lookup, CdxCall)
    (fetch,) = policy_fetches(crawl.on_cdx(lookup, 200, cdx_body([parent_row(T1, "P1")])))
    page = homepage_linking("https://third-party.org/privacy") + BODIES[T1]
    out = crawl.on_replay(fetch, served(fetch, page))
    assert calls(out) == [] and crawl.phase is Phase.DONE  # a policy page is not read for links


def test_a_user_url_on_another_host_is_honoured() -> None:
    crawl = new_crawl(urls=[PARENT_POLICY])
    homepages, hints = listing_calls(crawl)
    crawl.on_cdx(hints, 200, cdx_body([]))
    (lookup,) = calls(crawl.on_cdx(homepages, 200, cdx_body([])))
    assert isinstance(lookup, CdxCall) and lookup.query.url == PARENT_POLICY
    assert crawl.counts["policy/discovery/user_url_off_domain"] == 1
    (fetch,) = policy_fetches(crawl.on_cdx(lookup, 200, cdx_body([parent_row(T1, "P1")])))
    assert fetch.scope == "legal.parent-group.com"
    (item,) = items(crawl.on_replay(fetch, served(fetch, BODIES[T1])))
    assert item.capture.url == PARENT_POLICY and item.capture.domain == DOMAIN


def test_a_policy_that_moved_is_followed_to_its_new_url_as_one_track() -> None:
    old, new = "http://www.acme-shop.com/privacy.html", "https://www.acme-shop.com/legal/p7"
    old_rows = [row(old, "20050601120000", "OLD1"), row(old, "20120601120000", "OLD2")]
    moved = row(old, "20180601120000", "MOVED", status="301")
    crawl = new_crawl()
    out = answer_cdx(
        crawl,
        crawl.start(),
        hint_rows=[old_rows[0]],  # /legal/p7 names no policy: only the move leads there
        lookups={old: [*old_rows, moved]},
    )
    (move,) = calls(out)
    assert isinstance(move, ReplayCall) and move.purpose == "move"
    assert move.record.timestamp == "20180601120000"
    location = ARCHIVE.replay_url("20180601120000", new)
    headers = (("Memento-Datetime", http_date("20180601120000")), ("Location", location))
    (lookup,) = calls(crawl.on_replay(move, Answer(move.url, 301, headers, b"")))
    assert isinstance(lookup, CdxCall) and lookup.query.url == new
    new_rows = [row(new, "20180601120500", "NEW1"), row(new, "20240101120000", "NEW2")]
    fetches = policy_fetches(crawl.on_cdx(lookup, 200, cdx_body(new_rows)))
    # both URLs' captures are fetched for the one track of the domain's policy
    assert {(f.record.original, f.record.timestamp) for f in fetches} == {
        (old, "20050601120000"),
        (old, "20120601120000"),
        (new, "20180601120500"),
        (new, "20240101120000"),
    }
    assert crawl.counts["policy/discovery/moved"] == 1


def test_a_hint_listing_the_archive_fails_on_is_asked_again_in_slices() -> None:
    crawl = new_crawl()
    homepages, hints = listing_calls(crawl)
    slices = calls(crawl.on_cdx(hints, 503, b"busy"))
    assert crawl.phase is Phase.DISCOVER and crawl.failure is None
    assert crawl.counts["policy/discovery/hint_listing_sliced"] == 1
    assert len(slices) >= 6 and all(isinstance(c, CdxCall) for c in slices)
    spans = [(c.query.from_ts, c.query.to_ts) for c in slices if isinstance(c, CdxCall)]
    assert spans[0][0] == "1996" and all(a and b and a <= b for a, b in spans)
    # one slice answers, another fails through its retries: discovery goes on without it
    first, second, *rest = [c for c in slices if isinstance(c, CdxCall)]
    assert calls(crawl.on_cdx(first, 200, cdx_body([row(POLICY, T1, DIGESTS[T1])]))) == []
    assert crawl.on_error(second, "TimeoutError: took too long") == []
    assert crawl.failure is None
    for call in rest:
        crawl.on_cdx(call, 200, cdx_body([]))
    out = crawl.on_cdx(homepages, 200, cdx_body([]))
    assert crawl.counts["policy/discovery/hint_listing_failed"] == 1
    (lookup,) = calls(out)  # what the answered slice found is still listed
    assert isinstance(lookup, CdxCall) and lookup.query.url == POLICY


def test_the_hint_listing_stops_at_its_page_cap_and_says_so() -> None:
    crawl = new_crawl()
    homepages, hints = listing_calls(crawl)
    crawl.on_cdx(homepages, 200, cdx_body([]))
    call = hints
    for page in range(1, crawl.config.hint_max_pages + 1):
        out = crawl.on_cdx(call, 200, cdx_body([row(POLICY, T1, "D")], f"key{page}"))
        cdx_calls = [c for c in calls(out) if isinstance(c, CdxCall)]
        if page < crawl.config.hint_max_pages:
            (call,) = cdx_calls
            assert call.purpose == "hints" and call.page == page + 1
    assert crawl.counts["policy/discovery/hint_pages_capped"] == 1
    assert crawl.stage is not Stage.LIST  # went on with what it had


def test_homepages_read_by_an_earlier_run_are_not_fetched_again() -> None:
    crawl = new_crawl(known=Known(homepages={(HOME, HOME_TS): (POLICY,)}))
    homepages, hints = listing_calls(crawl)
    crawl.on_cdx(hints, 200, cdx_body([]))
    out = crawl.on_cdx(homepages, 200, cdx_body([row(HOME, HOME_TS, "HOMEDIGEST")]))
    (lookup,) = calls(out)  # the policy link comes from the index: no homepage replay
    assert isinstance(lookup, CdxCall) and lookup.query.url == POLICY
    assert crawl.counts["policy/discovery/homepages_from_index"] == 1
    assert crawl.counts["wayback/replay_requests"] == 0


def test_a_year_with_a_homepage_read_before_reads_that_one() -> None:
    later = "20190901120000"
    crawl = new_crawl(known=Known(homepages={(HOME, later): ()}))
    homepage_rows = [row(HOME, HOME_TS, "H1"), row(HOME, later, "H2")]
    assert answer_cdx(crawl, crawl.start(), homepage_rows=homepage_rows) == []
    assert crawl.phase is Phase.DONE and crawl.counts["wayback/replay_requests"] == 0


def test_a_homepage_that_only_redirects_is_read_where_it_leads() -> None:
    crawl = new_crawl()
    homepage_rows = [
        row(HOME, "20190101120000", "R1", status="301"),
        row(HOME, "20200101120000", "R2", status="302"),
        row(HOME, "20200201120000", "OK", status="200"),  # a year with a 200 reads that
    ]
    reads = answer_cdx(crawl, crawl.start(), homepage_rows=homepage_rows)
    assert sorted((c.record.timestamp, c.record.statuscode) for c in calls(reads)) == [
        ("20190101120000", "301"),
        ("20200201120000", "200"),
    ]
    (first,) = [c for c in calls(reads) if c.record.statuscode == "301"]
    assert isinstance(first, ReplayCall)
    english = "https://www.acme-shop.com/en/"
    location = ARCHIVE.replay_url("20190101120005", english)
    headers = (("Memento-Datetime", http_date("20190101120000")), ("Location", location))
    (follow,) = calls(crawl.on_replay(first, Answer(first.url, 301, headers, b"")))
    assert isinstance(follow, ReplayCall) and follow.purpose == "homepage"
    answer = Answer(
        location,
        200,
        (("Memento-Datetime", http_date("20190101120005")),),
        homepage_linking("/en/privacy"),
    )
    out = crawl.on_replay(follow, answer)
    (lookup,) = calls(out)
    assert (
        isinstance(lookup, CdxCall) and lookup.query.url == "https://www.acme-shop.com/en/privacy"
    )
    # kept under the capture listed, which is what the next run finds in its listing
    (read,) = [o for o in out if isinstance(o, HomepageLinksItem)]
    assert (read.url, read.timestamp) == (HOME, "20190101120000")


# -- several archives -----------------------------------------------------------------

SECOND = Archive.parse("pywb+http://127.0.0.1:10/coll")


def _two_archive_crawl() -> tuple[DomainCrawl, list[Output]]:
    """Both archives list every policy capture; the first one's listings come first."""
    crawl = DomainCrawl(DOMAIN, KIND, (ARCHIVE, SECOND), config("all"))
    lookups: dict[str, list[list[str]]] = {POLICY: policy_rows()}
    out = answer_cdx(crawl, crawl.start(), hint_rows=policy_rows(), lookups=lookups)
    return crawl, out


def test_listings_of_several_archives_are_one_series_and_a_failed_fetch_asks_the_next() -> None:
    crawl, out = _two_archive_crawl()
    fetches = policy_fetches(out)
    # each distinct payload asked once, of the first archive (T2 shares T1's bytes)
    assert sorted(f.record.timestamp for f in fetches) == [T1, T3]
    assert all(f.archive == 0 and f.url.startswith(ARCHIVE.base + "/web/") for f in fetches)
    (first,) = [f for f in fetches if f.record.timestamp == T1]
    (last,) = [f for f in fetches if f.record.timestamp == T3]
    recorded = items(crawl.on_replay(first, served(first, policy_body(first))))
    # the first archive fails on T3: the second one is asked, in its own raw mode
    (again,) = crawl.on_error(last, "TimeoutError: took too long")
    assert isinstance(again, ReplayCall) and again.archive == 1
    assert again.url == f"{SECOND.base}/{T3}id_/{POLICY}"
    recorded += items(crawl.on_replay(again, served(again, policy_body(again))))
    assert crawl.phase is Phase.DONE and crawl.failure is None
    assert crawl.counts["policy/captures/pending"] == 0
    by_ts = {item.capture.timestamp: item.capture for item in recorded}
    assert sorted(by_ts) == [T1, T2, T3]  # each capture once
    assert by_ts[T3].archive_url == f"{SECOND.base}/{T3}id_/{POLICY}"
    # every capture keeps the other archive as a source
    assert by_ts[T1].also_in == ((f"{SECOND.base}/{T1}id_/{POLICY}", DIGESTS[T1]),)
    assert by_ts[T3].also_in == ((f"{ARCHIVE.base}/web/{T3}id_/{POLICY}", DIGESTS[T3]),)


def test_an_archive_failing_to_list_leaves_the_domain_to_the_others() -> None:
    crawl = DomainCrawl(DOMAIN, KIND, (ARCHIVE, SECOND), config("all"))
    queue, fetches = list(crawl.start()), []
    while queue:  # every listing of the first archive answers 503 (hints: in slices too)
        call = queue.pop(0)
        if isinstance(call, CdxCall) and call.archive == 0:
            queue += crawl.on_cdx(call, 503, b"")
        elif isinstance(call, CdxCall):
            queue += crawl.on_cdx(call, 200, cdx_body(policy_rows()))
        elif isinstance(call, ReplayCall):
            fetches.append(call)
            queue += crawl.on_replay(call, served(call, policy_body(call)))
    assert fetches and all(f.archive == 1 for f in fetches)
    # done, but interrupted: the next run asks the failed archive again
    assert crawl.phase is Phase.DONE
    assert crawl.transient and crawl.failure is not None and "HTTP 503" in crawl.failure


def test_a_capture_two_archives_write_with_other_url_forms_is_one_capture() -> None:
    """One archive lists https://www.…, the other http://… at the same second: the same
    capture, recorded once with both sources."""
    crawl = DomainCrawl(DOMAIN, KIND, (ARCHIVE, SECOND), config("all"))
    plain = "http://acme-shop.com/privacy-policy"
    other_form = [row(plain, ts, digest) for ts, digest in DIGESTS.items()]
    queue, recorded = list(crawl.start()), []
    while queue:
        call = queue.pop(0)
        if isinstance(call, CdxCall):
            if call.purpose == "homepages":
                rows: list[list[str]] = []
            else:
                rows = policy_rows() if call.archive == 0 else other_form
            queue += crawl.on_cdx(call, 200, cdx_body(rows))
        elif isinstance(call, ReplayCall):
            queue += crawl.on_replay(call, served(call, policy_body(call)))
        else:
            recorded.append(call)
    captures = [o.capture for o in recorded if isinstance(o, CaptureItem)]
    assert crawl.phase is Phase.DONE
    assert sorted(c.timestamp for c in captures) == [T1, T2, T3]  # each once, not twice
    by_ts = {c.timestamp: c for c in captures}
    assert by_ts[T1].also_in == ((f"{SECOND.base}/{T1}id_/{plain}", DIGESTS[T1]),)
