"""The Redis frontier against a real redis-server: exclusive leases, takeover, outcomes."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import redis

from crawler.redis_frontier import FrontierError, RedisFrontier

TAKEOVER_DEADLINE = 20.0  # seconds to wait for a 0.5 s lease to expire: generous, polled


@pytest.fixture
def workers(redis_url: str) -> Iterator[tuple[RedisFrontier, RedisFrontier]]:
    """Two workers of crawl "c", each with its own connection, as on two machines."""
    a = RedisFrontier.connect(redis_url, "c", "a")
    b = RedisFrontier.connect(redis_url, "c", "b")
    yield a, b
    a.close()
    b.close()


def domains(n: int) -> list[str]:
    return [f"site{i:04d}.example" for i in range(n)]


def test_add_is_idempotent_and_keeps_the_file_order(
    workers: tuple[RedisFrontier, RedisFrontier],
) -> None:
    a, b = workers
    assert a.add(["x.example", " y.example\n", "", "x.example"]) == 2
    assert b.add(["x.example", "y.example", "z.example"]) == 1  # every worker adds the file
    assert a.counts() == {"pending": 3, "in_progress": 0, "done": 0, "failed": 0, "interrupted": 0}
    assert a.claim(10) == ["x.example", "y.example", "z.example"]


def test_add_pages_a_long_list(workers: tuple[RedisFrontier, RedisFrontier]) -> None:
    a, b = workers
    many = domains(2500)  # more than one page of PAGE
    assert a.add(iter(many)) == 2500
    assert b.add(iter(many)) == 0
    assert a.claim(3) == many[:3]
    assert b.claim(2) == many[3:5]


def test_claims_are_exclusive_across_workers(
    workers: tuple[RedisFrontier, RedisFrontier],
) -> None:
    a, b = workers
    a.add(domains(5))
    first, second = a.claim(3), b.claim(3)
    assert first == domains(5)[:3] and second == domains(5)[3:]
    assert not a.claim(1) and not b.claim(1)
    assert a.counts()["in_progress"] == 5 and a.counts()["pending"] == 0
    assert not a.exhausted()


def test_racing_threads_never_share_a_domain(redis_url: str) -> None:
    frontiers = [RedisFrontier.connect(redis_url, "race", f"w{i}") for i in range(8)]
    frontiers[0].add(domains(400))
    claimed: list[list[str]] = [[] for _ in frontiers]
    start = threading.Barrier(len(frontiers))

    def work(index: int) -> None:
        start.wait()
        while batch := frontiers[index].claim(3):
            claimed[index].extend(batch)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(frontiers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [domain for batch in claimed for domain in batch]
    assert sorted(everything) == domains(400)  # each exactly once
    assert frontiers[0].counts()["in_progress"] == 400
    for frontier in frontiers:
        frontier.close()


def test_a_dead_workers_lease_is_taken_over(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    dead = RedisFrontier.connect(redis_url, "c", "dead", lease_seconds=0.5)
    alive = RedisFrontier.connect(redis_url, "c", "alive")  # a long lease: it never lapses here
    dead.add(["a.example", "b.example"])
    assert dead.claim(1) == ["a.example"]
    assert alive.claim(1) == ["b.example"]
    # `dead` stops renewing; `alive` asks for more until the dead worker's lease expires.
    deadline = time.monotonic() + TAKEOVER_DEADLINE
    taken: list[str] = []
    with caplog.at_level(logging.WARNING, logger="crawler.redis_frontier"):
        while not taken and time.monotonic() < deadline:
            taken = alive.claim(1)
            time.sleep(0.05)
    assert taken == ["a.example"]
    assert "taken over" in caplog.text
    assert alive.held == {"a.example", "b.example"}
    alive.renew()
    assert alive.counts()["in_progress"] == 2

    # The dead worker comes back: its renewal drops the domain, its finish is kept aside.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="crawler.redis_frontier"):
        dead.renew()
        assert dead.held == set()
        dead.finish("a.example", "failed", "late", {"fetched": 1})
        dead.release("a.example")
    assert "lease lost" in caplog.text and "kept aside" in caplog.text
    assert alive.counts()["in_progress"] == 2 and alive.counts()["failed"] == 0
    assert [record["worker"] for record in alive.stale()] == ["dead"]

    alive.finish("a.example", "done", None, {"fetched": 3})
    alive.finish("b.example", "done", None, {"fetched": 2})
    assert list(alive.results()) == [
        ("a.example", "done", None, {"fetched": 3}),
        ("b.example", "done", None, {"fetched": 2}),
    ]
    assert alive.exhausted()
    dead.close()
    alive.close()


def test_an_expired_lease_not_yet_taken_over_still_finishes(redis_url: str) -> None:
    slow = RedisFrontier.connect(redis_url, "c", "slow", lease_seconds=0.01)
    slow.add(["a.example"])
    assert slow.claim(1) == ["a.example"]
    time.sleep(0.05)  # only makes the lease expire; nothing asserts on how long it took
    assert slow.claim(1) == []  # its own lapsed lease is renewed, not handed out twice
    slow.renew()  # nobody took it: the lease is still this worker's
    assert slow.held == {"a.example"}
    slow.finish("a.example", "done", None, {})
    assert slow.counts()["done"] == 1 and slow.exhausted()
    slow.close()


def test_finish_release_counts_exhausted_and_results(
    workers: tuple[RedisFrontier, RedisFrontier],
) -> None:
    a, b = workers
    a.add(domains(4))
    d0, d1, d2, d3 = domains(4)
    assert a.claim(3) == [d0, d1, d2]
    a.finish(d0, "done", None, {"versions": 2, "captures": 10})
    a.finish(d1, "failed", "archive unreachable", {"captures": 0})
    a.release(d2)  # interrupted: queued again, ahead of d3
    assert a.held == set()
    assert a.counts() == {"pending": 1, "in_progress": 0, "done": 1, "failed": 1, "interrupted": 1}
    assert not a.exhausted()
    assert b.claim(5) == [d2, d3]
    assert b.counts()["interrupted"] == 0 and b.counts()["in_progress"] == 2
    b.finish(d2, "done", None, {})
    assert not b.exhausted()  # d3 is still leased
    b.finish(d3, "done", None, {"versions": 1})
    assert b.exhausted()
    assert b.counts() == {"pending": 0, "in_progress": 0, "done": 3, "failed": 1, "interrupted": 0}
    assert list(a.results()) == [
        (d0, "done", None, {"versions": 2, "captures": 10}),
        (d1, "failed", "archive unreachable", {"captures": 0}),
        (d2, "done", None, {}),
        (d3, "done", None, {"versions": 1}),
    ]
    with pytest.raises(ValueError):
        a.finish(d0, "interrupted", None, {})


def test_a_finished_domain_is_not_queued_again(
    workers: tuple[RedisFrontier, RedisFrontier],
) -> None:
    a, _ = workers
    a.add(["a.example"])
    (domain,) = a.claim(1)
    a.finish(domain, "done", None, {})
    assert a.add(["a.example"]) == 0 and a.claim(1) == [] and a.exhausted()


def test_crawls_do_not_see_each_other(redis_url: str) -> None:
    one = RedisFrontier.connect(redis_url, "one", "w")
    two = RedisFrontier.connect(redis_url, "two", "w")
    one.add(["a.example"])
    assert two.add(["a.example"]) == 1
    assert one.claim(1) == two.claim(1) == ["a.example"]
    client = redis.Redis.from_url(redis_url)
    keys = {key.decode() for key in client.scan_iter()}
    assert all(
        key.startswith(("policy-archive:crawl:one:", "policy-archive:crawl:two:")) for key in keys
    )
    client.close()
    one.close()
    two.close()


def test_workers_of_one_name_do_not_share_leases(redis_url: str) -> None:
    # A worker restarted under its old name must not keep its predecessor's leases alive.
    before = RedisFrontier.connect(redis_url, "c", "host1")
    after = RedisFrontier.connect(redis_url, "c", "host1")
    before.add(["a.example"])
    before.claim(1)
    after.held.add("a.example")  # as if it believed it held the domain
    after.renew()
    assert after.held == set()
    before.close()
    after.close()


def test_counts_every_state_through_many_workers(redis_url: str) -> None:
    frontiers = [RedisFrontier.connect(redis_url, "many", f"w{i}") for i in range(4)]
    frontiers[0].add(domains(60))
    outcomes: Counter[str] = Counter()
    while not frontiers[0].exhausted():
        for index, frontier in enumerate(frontiers):
            for domain in frontier.claim(2):
                if index == 3 and outcomes["interrupted"] < 5:
                    frontier.release(domain)
                    outcomes["interrupted"] += 1
                else:
                    state = "failed" if domain.endswith("7.example") else "done"
                    frontier.finish(domain, state, None, {"n": 1})
                    outcomes[state] += 1
    counts = frontiers[0].counts()
    assert counts["done"] == outcomes["done"] and counts["failed"] == outcomes["failed"] == 6
    assert counts["done"] + counts["failed"] == 60
    assert counts["pending"] == counts["in_progress"] == counts["interrupted"] == 0
    assert sorted(result[0] for result in frontiers[0].results()) == domains(60)
    for frontier in frontiers:
        frontier.close()


def test_connect_says_what_is_wrong() -> None:
    with pytest.raises(FrontierError, match="bad Redis URL"):
        RedisFrontier.connect("http://127.0.0.1:1/", "c", "w")
    with pytest.raises(
        FrontierError, match=r"cannot reach Redis at redis://u:\*\*\*@127.0.0.1:1/0"
    ):
        RedisFrontier.connect("redis://u:secret@127.0.0.1:1/0", "c", "w")
