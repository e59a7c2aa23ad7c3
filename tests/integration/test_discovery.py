"""Discovery end to end: what a large site costs the archive, a policy on another host,
and a re-run with nothing new (the CLI against the local archive)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from warcio.warcwriter import WARCWriter

from bench import discovery_cost
from bench.pages import html_capture, policy_page
from localarchive.server import CDX_PATH, LocalArchive
from localarchive.sites import Capture, write_captures, write_warcinfo
from tests.integration.conftest import run_cli


def test_discovery_costs_what_the_policy_costs_not_what_the_site_costs(
    tmp_path: Path,
) -> None:
    result = discovery_cost.measure(4000, tmp_path)
    first, second = result["first"], result["second"]
    assert first["exit_status"] == 0, first["stderr_tail"]
    # the archive sent at most a tenth of the site's rows (the whole domain before)
    assert first["cdx_rows"] <= discovery_cost.ROWS_TARGET * result["site_rows"]
    # and the policy's history is complete: four texts, one across the 2018 move
    assert result["versions_match"], first["versions"]
    # a re-run with nothing new reads no homepage again and writes nothing
    assert second["exit_status"] == 0, second["stderr_tail"]
    assert second["replay_fetches"] == 0
    assert second["raw_files"] == first["raw_files"]
    assert result["second_run_files_unchanged"]
    assert second["versions"] == first["versions"]


# -- a policy on another host -----------------------------------------------------------

BAKERY = "corner-bakery.com"
GROUP_POLICY = "https://legal.bakery-group.com/privacy"
HOMEPAGES = ("20160105100000", "20190105100000", "20220105100000")
# the group's policy, captured before, while and after the bakery's homepage links to it
GROUP_CAPTURES = (
    ("20140301100000", 0),  # before the first homepage capture linking to it: not taken
    ("20160601100000", 0),
    ("20180301100000", 1),
    ("20210301100000", 1),
    ("20230301100000", 1),
)


def _bakery_home(timestamp: str) -> bytes:
    return (
        "<!DOCTYPE html><html lang='en'><head><title>Corner Bakery</title></head><body>"
        "<h1>Corner Bakery</h1><p>Fresh bread every morning.</p><footer>"
        "<a href='/menu'>Menu</a> <a href='/contact'>Contact</a> "
        f"<a href='{GROUP_POLICY}'>Privacy Policy</a></footer></body></html>"
    ).encode()


def _group_page(version: int, timestamp: str) -> bytes:
    page = policy_page("Bakery Group", version, timestamp, 100)
    # the group's page links further out: never followed
    return page.replace(b"</footer>", b"<a href='https://ads-network.net/privacy'>Ads</a></footer>")


@pytest.fixture(scope="module")
def group_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("offdomain-archive")
    captures: list[Capture] = [
        html_capture(f"https://www.{BAKERY}/", ts, _bakery_home(ts)) for ts in HOMEPAGES
    ]
    captures += [html_capture(GROUP_POLICY, ts, _group_page(v, ts)) for ts, v in GROUP_CAPTURES]
    captures.append(
        html_capture(
            "https://ads-network.net/privacy",
            "20200101100000",
            policy_page("Ads Network", 0, "20200101100000", 7),
        )
    )
    captures.append(
        html_capture(
            "https://www.quiet-shop.com/",
            "20200101100000",
            b"<html><body><h1>Quiet shop</h1><a href='/cart'>Cart</a></body></html>",
        )
    )
    name = "offdomain.warc.gz"
    with (folder / name).open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        write_warcinfo(writer, name, "20140301100000")
        write_captures(writer, captures)
    return folder


def _export(out: Path) -> list[dict[str, Any]]:
    exported = run_cli("export", "--out", str(out), "--format", "jsonl")
    assert exported.code == 0, exported.stderr
    return [json.loads(line) for line in exported.stdout.splitlines()]


def test_a_policy_on_another_domain_is_found_and_fetched_end_to_end(
    group_archive: Path, tmp_path: Path
) -> None:
    with LocalArchive(group_archive) as archive:
        result = run_cli("fetch", BAKERY, "--archive", archive.url, "--out", str(tmp_path))
        assert result.code == 0, result.stderr
        asked = [log.path for log in archive.requests]
    rows = _export(tmp_path)
    assert [
        (r["domain"], r["url"], r["first_seen"], r["last_seen"], r["snapshots"]) for r in rows
    ] == [
        (BAKERY, GROUP_POLICY, "2016-06-01", "2016-06-01", 1),
        (BAKERY, GROUP_POLICY, "2018-03-01", "2023-03-01", 3),
    ]
    assert "Bakery Group keeps the logs" in rows[1]["text"]  # the group's own text
    assert all(r["archive_url"].endswith("/https%3A//legal.bakery-group.com/privacy") for r in rows)
    # listed from the first homepage capture linking to it; the group page's own links
    # (ads-network.net) were never asked for
    (lookup,) = [p for p in asked if p.startswith(CDX_PATH) and "bakery-group" in p]
    assert "from=20160105100000" in lookup
    assert not any("ads-network" in p for p in asked)
    assert "2 versions" in result.stdout


def test_homepage_links_survive_a_rebuild_and_a_rerun_asks_for_no_homepage(
    group_archive: Path, tmp_path: Path
) -> None:
    fetch = ("fetch", BAKERY, "--out", str(tmp_path))
    with LocalArchive(group_archive) as archive:
        assert run_cli(*fetch, "--archive", archive.url).code == 0
        raw = sorted(p.name for p in (tmp_path / "raw").rglob("*.warc.gz"))
        rebuilt = run_cli("rebuild", "--out", str(tmp_path))
        assert rebuilt.code == 0, rebuilt.stderr
        before = len(archive.requests)
        again = run_cli(*fetch, "--archive", archive.url)
        assert again.code == 0, again.stderr
        replays = [log.path for log in archive.requests[before:] if log.path.startswith("/web/")]
    assert replays == []  # the homepages' links came from the index
    assert sorted(p.name for p in (tmp_path / "raw").rglob("*.warc.gz")) == raw


def test_a_user_url_on_another_domain_is_honoured_and_said(
    group_archive: Path, tmp_path: Path
) -> None:
    with LocalArchive(group_archive) as archive:
        result = run_cli(
            "fetch",
            "quiet-shop.com",
            "--url",
            GROUP_POLICY,
            "--archive",
            archive.url,
            "--out",
            str(tmp_path),
        )
    assert result.code == 0, result.stderr
    assert f"--url {GROUP_POLICY} is on another host (legal.bakery-group.com)" in result.stdout
    rows = _export(tmp_path)
    # every capture of the URL the user named (no homepage period to bound it)
    assert [(r["domain"], r["url"], r["snapshots"]) for r in rows] == [
        ("quiet-shop.com", GROUP_POLICY, 2),
        ("quiet-shop.com", GROUP_POLICY, 3),
    ]


def test_a_url_that_is_not_one_is_refused_in_one_line(tmp_path: Path) -> None:
    result = run_cli(
        "fetch", "example.com", "--url", "ftp://example.com/privacy", "--out", str(tmp_path / "d")
    )
    assert result.code == 2
    assert result.stderr.strip().splitlines() == [
        "policy-archive: error: not a policy URL: 'ftp://example.com/privacy' "
        "(expected http(s)://host/path)"
    ]
    assert not (tmp_path / "d").exists()


def test_a_hint_listing_the_archive_cannot_answer_leaves_the_homepage_links(
    demo_archive: tuple[Path, Any], tmp_path: Path
) -> None:
    from localarchive.server import Faults

    faults = Faults(cdx_fail_when="filter=original:")  # every hint listing, every slice
    with LocalArchive(demo_archive[0], faults=faults) as archive:
        result = run_cli(
            "fetch", "acme-shop.com", "--archive", archive.url, "--out", str(tmp_path),
            "--retries", "0",
        )  # fmt: skip
        hints = [p for p in (log.path for log in archive.requests) if "filter=original" in p]
    # the run says it did not search everything: exit 1, and how to ask again
    assert result.code == 1, result.stderr
    assert "re-run the same command to ask again" in result.stderr
    assert len(hints) >= 2 and any("from=1996" in p for p in hints)  # sliced, then given up
    assert "failed on 1 listing of policy-like URLs" in result.stderr
    # the homepage links still lead to the policy: its three texts
    assert [r["url"].split("/")[-1] for r in _export(tmp_path)] == ["privacy-policy"] * 3
    (report,) = [json.loads(p.read_text()) for p in (tmp_path / "runs").glob("*.json")]
    assert report["discovery"]["hint_listings_failed"] == 1
    assert report["discovery"]["hint_listings_sliced"] == 1
