"""The SQLite crawl frontier: states, claim order, and what a re-run finds (offline)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.frontier import FRONTIER_NAME, FrontierError, SqliteFrontier

DOMAINS = ["a.com", "b.com", "c.com", "d.com"]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / FRONTIER_NAME


def opened(path: Path) -> SqliteFrontier:
    frontier = SqliteFrontier(path)
    frontier.begin()
    return frontier


def test_add_is_idempotent(path: Path) -> None:
    frontier = opened(path)
    assert frontier.add(DOMAINS) == 4
    assert frontier.add(["b.com", "e.com", "e.com"]) == 1
    assert frontier.counts()["pending"] == 5
    frontier.close()


def test_claim_takes_domains_in_list_order_n_at_a_time(path: Path) -> None:
    frontier = opened(path)
    frontier.add(DOMAINS)
    assert frontier.claim(0) == []
    assert frontier.claim(3) == ["a.com", "b.com", "c.com"]
    assert frontier.claim(3) == ["d.com"]
    assert frontier.claim(3) == []
    assert frontier.counts() == {
        "pending": 0,
        "in_progress": 4,
        "done": 0,
        "failed": 0,
        "interrupted": 0,
    }
    frontier.close()


def test_finish_release_counts_exhausted_and_results(path: Path) -> None:
    frontier = opened(path)
    frontier.add(DOMAINS[:3])
    assert frontier.claim(3) == DOMAINS[:3]
    frontier.finish("a.com", "done", None, {"fetched": 3})
    frontier.finish("b.com", "failed", "the archive refuses to list b.com", {})
    frontier.release("c.com")  # the run stopped in the middle of it
    counts = frontier.counts()
    assert (counts["done"], counts["failed"], counts["interrupted"]) == (1, 1, 1)
    assert not frontier.exhausted()
    assert frontier.was_interrupted("c.com") and not frontier.was_interrupted("a.com")

    assert frontier.claim(5) == ["c.com"]
    frontier.finish("c.com", "done", None, {"fetched": 1})
    assert frontier.exhausted()
    assert list(frontier.results()) == [
        ("a.com", "done", None, {"fetched": 3}),
        ("b.com", "failed", "the archive refuses to list b.com", {}),
        ("c.com", "done", None, {"fetched": 1}),
    ]
    frontier.close()


def test_release_leaves_a_finished_domain_alone(path: Path) -> None:
    frontier = opened(path)
    frontier.add(["a.com"])
    frontier.claim(1)
    frontier.finish("a.com", "done", None, {})
    frontier.release("a.com")
    assert frontier.counts()["done"] == 1 and frontier.exhausted()
    frontier.close()


@pytest.mark.parametrize("state", ["pending", "in_progress", "interrupted", "skipped"])
def test_finish_accepts_only_done_or_failed(path: Path, state: str) -> None:
    frontier = opened(path)
    frontier.add(["a.com"])
    frontier.claim(1)
    with pytest.raises(ValueError, match="done or failed"):
        frontier.finish("a.com", state, None, {})
    assert frontier.counts()["in_progress"] == 1
    frontier.close()


def test_a_run_that_died_mid_domain_has_it_taken_first_by_the_next_run(path: Path) -> None:
    first = opened(path)
    first.add(DOMAINS)
    assert first.claim(2) == ["a.com", "b.com"]
    first.finish("a.com", "done", None, {})
    first.close()  # died with b.com in progress

    second = SqliteFrontier(path)
    assert second.begin() == (True, 3)  # continuing: b.com, c.com, d.com left
    assert second.counts()["interrupted"] == 1 and second.counts()["in_progress"] == 0
    assert second.was_interrupted("b.com")
    assert not second.was_interrupted("c.com")
    assert not second.was_interrupted("unknown.com")
    assert second.add(DOMAINS) == 0  # the same list again adds nothing
    assert second.claim(2) == ["b.com", "c.com"]
    assert second.was_interrupted("b.com")  # still known as such while it is crawled
    second.close()


def test_a_finished_round_starts_a_new_one_over_the_whole_list(path: Path) -> None:
    first = opened(path)
    first.add(DOMAINS[:2])
    for domain in first.claim(2):
        first.finish(domain, "done", None, {})
    first.close()

    second = SqliteFrontier(path)
    assert second.begin() == (False, 0)
    assert second.add(DOMAINS[:2]) == 2
    assert second.counts()["pending"] == 2 and second.counts()["done"] == 0
    assert not second.exhausted()
    assert second.claim(5) == DOMAINS[:2]
    second.close()


def test_a_corrupt_frontier_file_is_a_frontier_error(path: Path) -> None:
    path.write_bytes(b"this is not a database, " * 200)
    with pytest.raises(FrontierError, match="cannot use the crawl frontier"):
        SqliteFrontier(path)


def test_in_dir_keeps_the_frontier_in_the_data_directory(tmp_path: Path) -> None:
    frontier = SqliteFrontier.in_dir(tmp_path)
    frontier.add(["a.com"])
    frontier.close()
    assert (tmp_path / FRONTIER_NAME).is_file()
    again = SqliteFrontier.in_dir(tmp_path)
    assert again.claim(1) == ["a.com"]
    again.close()
