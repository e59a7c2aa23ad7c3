"""One timeline from three archives on 127.0.0.1: the local archive (IA's dialect), a real
pywb (its CDX dialect) and a pywb collection read through Memento TimeMaps only, holding
overlapping and disjoint captures of one policy (bench.multi_archive's world).

Checked as a user would: the merged versions are those of one archive holding every
capture; no capture is counted twice; every capture names exactly the archives that hold
it; a version file cites its first read capture in that capture's own archive; and an
archive that fails midway leaves the others' results whole, with a re-run filling the gap.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench import multi_archive as world
from localarchive.server import Faults, LocalArchive
from tests.integration.conftest import READ_FIELDS, free_port, run_cli

# fields that name where a capture was read, which differs between the merged crawl and
# the reference (one archive holding everything)
WHERE_FIELDS = ("archive_url", "archive", "archives")


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if world.pywb_bin() is None:
        pytest.skip("pywb is not installed (`make install` puts it in .venv-pywb)")
    with world.three_archives(tmp_path_factory.mktemp("multi")) as specs:
        yield specs


def _fetch(out: Path, *specs: str) -> Any:
    args = ["fetch", world.DOMAIN, "--out", str(out)]
    for spec in specs:
        args += ["--archive", spec]
    return run_cli(*args)


def _export(out: Path) -> list[dict[str, Any]]:
    result = run_cli("export", "--out", str(out))
    assert result.code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _comparable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    drop = (*WHERE_FIELDS, *READ_FIELDS)
    return [{k: v for k, v in row.items() if k not in drop} for row in rows]


def _base(spec: str) -> str:
    return spec.split("+", 1)[-1]


def _held(specs: dict[str, str]) -> dict[str, set[str]]:
    """Policy capture timestamp -> base URLs of the archives holding it, as the world says."""
    return {
        world.timestamp_of(n): {_base(specs[name]) for name in world.holders(n)}
        for n in range(world.CAPTURES)
    }


def _sources(out: Path) -> dict[str, set[str]]:
    with sqlite3.connect(out / "index.sqlite") as db:
        rows = db.execute(
            "SELECT s.timestamp, s.archive FROM capture_sources s JOIN captures c "
            "ON c.domain = s.domain AND c.kind = s.kind AND c.url = s.url "
            "AND c.timestamp = s.timestamp WHERE c.role = 'policy'"
        ).fetchall()
    found: dict[str, set[str]] = {}
    for ts, archive in rows:
        found.setdefault(ts, set()).add(archive)
    return found


def _policy_captures(out: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(out / "index.sqlite") as db:
        return db.execute(
            "SELECT url, timestamp FROM captures WHERE role = 'policy' ORDER BY timestamp"
        ).fetchall()


@pytest.fixture(scope="module")
def reference(archives: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("reference") / "data"
    result = _fetch(out, archives["all"])
    assert result.code == 0, result.stderr
    return _export(out)


def test_three_archives_give_the_versions_of_one_archive_holding_every_capture(
    archives: dict[str, str], reference: list[dict[str, Any]], tmp_path: Path
) -> None:
    out = tmp_path / "data"
    result = _fetch(out, *(archives[name] for name in world.ARCHIVES))
    assert result.code == 0, result.stderr
    rows = _export(out)

    assert _comparable(rows) == _comparable(reference)
    assert [r["first_seen"] for r in rows[1:]] == world.expected_changes()
    # no capture counted twice: 84 captures, each once, however many archives hold it
    assert sum(r["snapshots"] for r in rows) == world.CAPTURES
    captures = _policy_captures(out)
    assert len(captures) == len(set(captures)) == world.CAPTURES
    # every capture names exactly the archives that hold it
    assert _sources(out) == _held(archives)
    # each version: the archives of its captures, and the one its cited capture came from
    held = _held(archives)
    for row in rows:
        span = [ts for ts in held if row["first_seen"] <= _iso(ts) <= row["last_seen"]]
        assert set(row["archives"]) == set().union(*(held[ts] for ts in span)), row["version"]
        assert row["archive_url"].startswith(row["archive"] + "/")
        assert row["archive"] in row["archives"]
        cited = re.search(r"/(\d{14})id_/", row["archive_url"])
        assert cited is not None and row["archive"] in held[cited[1]]
        # the provenance line names that capture in its own archive
        first_line = (out / row["path"]).read_text(encoding="utf-8").splitlines()[0]
        assert row["archive"] in first_line and cited[1] in first_line
    # the capture export: each capture once, its archive and every archive holding it
    listed = run_cli("export", "--out", str(out), "--captures")
    assert listed.code == 0, listed.stderr
    lines = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(lines) == world.CAPTURES
    for line in lines:
        assert {s["archive"] for s in line["sources"]} == held[line["timestamp"]]
        assert line["archive"] in held[line["timestamp"]]
    # pywb's own collection and the TimeMap-only one are both cited somewhere
    cited_archives = {row["archive"] for row in rows}
    assert len(cited_archives) >= 2
    # a second run finds nothing new and writes nothing
    raw_before = sorted(p.name for p in (out / "raw").rglob("*.warc.gz"))
    again = _fetch(out, *(archives[name] for name in world.ARCHIVES))
    assert again.code == 0, again.stderr
    assert sorted(p.name for p in (out / "raw").rglob("*.warc.gz")) == raw_before
    # and a rebuild from raw/ keeps every source
    rebuilt = run_cli("rebuild", "--out", str(out))
    assert rebuilt.code == 0, rebuilt.stderr
    assert _sources(out) == _held(archives)
    assert _export(out) == rows


def _iso(ts: str) -> str:
    return f"{ts[:4]}-{ts[4:6]}-{ts[6:8]}"


def test_each_archive_alone_misses_changes_that_all_three_find(
    archives: dict[str, str], tmp_path: Path
) -> None:
    truth = set(world.expected_changes())
    for name in world.ARCHIVES:
        out = tmp_path / name
        result = _fetch(out, archives[name])
        assert result.code == 0, result.stderr
        changes = {r["first_seen"] for r in _export(out)[1:]}
        assert len(changes & truth) < len(truth), name


def test_an_archive_failing_midway_leaves_the_others_whole_and_a_rerun_fills_the_gap(
    archives: dict[str, str],
    reference: list[dict[str, Any]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp("failing")
    warcs = world.write_archives(folder)
    out = folder / "data"
    # the local archive answers a few calls (its listings), then refuses every
    # connection, as the Internet Archive does to an IP it blocks
    with LocalArchive(warcs[world.IA], faults=Faults(refuse_after=4)) as failing:
        others = [archives[world.PYWB], archives[world.MEMENTO]]
        result = _fetch(out, failing.url, *others)
        assert result.code == 1, result.stderr
        assert f"gave up on {failing.url}" in result.stderr
        report = json.loads(next((out / "runs").glob("*.json")).read_text())
        states = {a["archive"]: a["state"] for a in report["archives"]}
        assert states == {
            failing.url: "given up",
            _base(archives[world.PYWB]): "ok",
            _base(archives[world.MEMENTO]): "ok",
        }
        # every capture the other two hold is in the index, with its sources
        stored = {ts for _, ts in _policy_captures(out)}
        theirs = {
            world.timestamp_of(n)
            for n in range(world.CAPTURES)
            if world.holders(n) & {world.PYWB, world.MEMENTO}
        }
        assert theirs <= stored
        assert len(stored) < world.CAPTURES  # the local archive's own captures are missing

        failing.faults.refuse_after = None  # the archive is back
        again = _fetch(out, failing.url, *others)
        assert again.code == 0, again.stderr
        rows = _export(out)
        assert _comparable(rows) == _comparable(reference)
        held = _held({**archives, world.IA: failing.url})
        assert _sources(out) == held


def test_an_archive_that_is_down_is_given_up_and_the_others_are_whole(
    archives: dict[str, str], tmp_path: Path
) -> None:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    out = tmp_path / "data"
    result = _fetch(out, down, archives[world.PYWB], archives[world.MEMENTO])
    assert result.code == 1, result.stderr
    assert f"gave up on {down}" in result.stderr
    assert "Traceback" not in result.stderr
    stored = {ts for _, ts in _policy_captures(out)}
    assert stored == {
        world.timestamp_of(n)
        for n in range(world.CAPTURES)
        if world.holders(n) & {world.PYWB, world.MEMENTO}
    }
    assert all(down not in sources for sources in _sources(out).values())


def test_an_archive_answering_429_pauses_alone_and_is_given_up_while_the_others_go_on(
    archives: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("limited")
    warcs = world.write_archives(folder)
    out = folder / "data"
    # every listing call answers 429: the archive's pauses (short here) double until the
    # run gives up on it; the other two archives are not paused by it
    with LocalArchive(warcs[world.IA], faults=Faults(cdx_limit=0)) as limited:
        args = ["fetch", world.DOMAIN, "--out", str(out), "--backoff", "0.05"]
        for spec in (limited.url, archives[world.PYWB], archives[world.MEMENTO]):
            args += ["--archive", spec]
        result = run_cli(*args)
        answered_429 = sum(1 for r in limited.requests if r.status == 429)
        url = limited.url
    assert result.code == 1, result.stderr
    assert f"gave up on {url}" in result.stderr and "429" in result.stderr
    assert answered_429 > 1  # paused and asked again, not given up at the first 429
    stored = {ts for _, ts in _policy_captures(out)}
    assert stored == {
        world.timestamp_of(n)
        for n in range(world.CAPTURES)
        if world.holders(n) & {world.PYWB, world.MEMENTO}
    }
