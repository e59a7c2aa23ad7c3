from __future__ import annotations

import json
from pathlib import Path

from bench import crawl_scale


def test_tiny_scale_run_crawls_every_domain(tmp_path: Path) -> None:
    figures_file = tmp_path / "figures.json"
    crawl_scale.main(["--domains", "20", "--json", str(figures_file), "--keep", str(tmp_path)])
    figures = json.loads(figures_file.read_text(encoding="utf-8"))
    assert figures["budget"] is None
    (run,) = figures["scale"]
    assert run["domains"] == 20
    assert run["exit_status"] == 0
    assert run["domains_crawled"] == 20
    assert 0 < run["versions"] == run["expected_versions"]
    assert run["captures"] > 0 and run["captures_per_second"] > 0
    assert run["cdx_requests"] >= 20 and run["replay_requests"] >= run["captures"]
    assert 0 < run["seconds"] < 60
    assert 0 < run["cpu_share"] <= 2
    assert 0 < run["peak_rss_mb"] < 1000
    assert 0 <= run["longest_idle"] < run["seconds"]
    assert 0 < run["first_request_after"] < run["seconds"]
    assert 0 <= run["last_request_before_end"] < run["seconds"]
    assert {c["name"].split(" at ")[0] for c in figures["checks"]} >= {"peak RSS"}


def test_pace_counts_the_fullest_window_and_the_steady_rate() -> None:
    # one request a second for four minutes, plus a burst of five at the start
    times = [0.0] * 5 + [float(t) for t in range(240)]
    pace = crawl_scale.pace("cdx", 60, times)
    assert pace.requests == 245
    assert pace.max_window == 65
    assert pace.steady_per_minute == 60
    assert pace.per_minute == [65, 60, 60, 60]
    assert crawl_scale.longest_idle([0.0, 3.0, 1.0]) == (2.0, 1.0)


def test_synthetic_domains_do_not_depend_on_the_archive_size() -> None:
    captures, versions = crawl_scale.synthetic_domain(3)
    again, same = crawl_scale.synthetic_domain(3)
    assert captures == again and versions == same
    policies = [c for c in captures if c.url.endswith("/privacy-policy")]
    assert 3 <= len(policies) <= 5 and 2 <= versions <= 3
    assert len({c.body for c in policies}) == len(policies)  # every capture its own digest
