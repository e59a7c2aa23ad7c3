"""What discovery costs the archive on a large site: CDX rows sent against the site's rows.

    .venv/bin/python -m bench.discovery_cost [--articles 20000] [--code DIR] [--json FILE]

Writes one generated news site (`bigsite-news.com`): a homepage captured every two weeks
from 2005 to mid-2024, `--articles` article pages captured once each, and a privacy
policy that moved in 2018 from `/privacy.html` (which then answers 301) to
`/legal/privacy`, with four texts over 19 captures. It serves the site with the local
archive and runs `policy-archive fetch bigsite-news.com` as a subprocess, twice: the
second run has nothing new. It prints the CDX rows the archive sent (and their share of
the site's rows; target at most 10%), the CDX calls, the replay fetches, the versions
found against the four the site holds, and what the second run asked for and wrote.

`--code DIR` runs the crawl from another checkout (e.g. `git archive` of an older commit
unpacked in DIR) against the same archive, to compare with what the code did before.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warcio.warcwriter import WARCWriter

from bench.pages import html_capture, policy_page
from localarchive.server import CDX_PATH, LocalArchive
from localarchive.sites import Capture, write_captures, write_warcinfo
from localarchive.timestamps import http_date, iso_day

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = "bigsite-news.com"
SITE = f"https://www.{DOMAIN}"
OLD_POLICY = f"{SITE}/privacy.html"
NEW_POLICY = f"{SITE}/legal/privacy"
MOVED_ON = "20180305100000"
BRAND = "Bigsite News"
ROWS_TARGET = 0.10  # the bound: at most 10% of the site's rows

# (timestamp, url, text version); the text changes three times, and version 2 spans the
# move from one URL to the other
POLICY_SCHEDULE = (
    ("20050310090000", OLD_POLICY, 0),
    ("20060714120000", OLD_POLICY, 0),
    ("20071102080000", OLD_POLICY, 0),
    ("20090211150000", OLD_POLICY, 0),
    ("20100615100000", OLD_POLICY, 1),
    ("20110920110000", OLD_POLICY, 1),
    ("20130108130000", OLD_POLICY, 1),
    ("20140522140000", OLD_POLICY, 1),
    ("20150817090000", OLD_POLICY, 2),
    ("20161201100000", OLD_POLICY, 2),
    ("20170619120000", OLD_POLICY, 2),
    ("20180305100500", NEW_POLICY, 2),
    ("20181010100000", NEW_POLICY, 2),
    ("20190612100000", NEW_POLICY, 2),
    ("20200214100000", NEW_POLICY, 3),
    ("20210421100000", NEW_POLICY, 3),
    ("20220808100000", NEW_POLICY, 3),
    ("20230315100000", NEW_POLICY, 3),
    ("20240110100000", NEW_POLICY, 3),
)
REDIRECTS = (MOVED_ON, "20190520100000")  # /privacy.html answering 301 to the new URL
HOME_FROM = datetime(2005, 1, 3, 8, 0, 0, tzinfo=UTC)
HOME_UNTIL = datetime(2024, 6, 30, tzinfo=UTC)
HOME_EVERY = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class ExpectedVersion:
    first_seen: str
    last_seen: str
    snapshots: int
    url: str


def expected_versions() -> list[ExpectedVersion]:
    runs: list[list[tuple[str, str, int]]] = []
    for entry in POLICY_SCHEDULE:
        if runs and runs[-1][-1][2] == entry[2]:
            runs[-1].append(entry)
        else:
            runs.append([entry])
    return [
        ExpectedVersion(iso_day(run[0][0]), iso_day(run[-1][0]), len(run), run[0][1])
        for run in runs
    ]


def _homepage(timestamp: str) -> bytes:
    policy, label = (
        ("/privacy.html", "Privacy")
        if timestamp < MOVED_ON
        else ("/legal/privacy", "Privacy policy")
    )
    return (
        f"<!DOCTYPE html><html><head><title>{BRAND}</title></head><body>"
        f"<header><a href='/'>{BRAND}</a> <a href='/news/'>News</a> <a href='/sport/'>Sport</a>"
        f"</header><main><h1>Today's headlines</h1><p>Edition of {iso_day(timestamp)}.</p>"
        f"</main><footer><a href='/about.html'>About</a> <a href='{policy}'>{label}</a>"
        "</footer></body></html>"
    ).encode()


def _article(number: int, timestamp: str) -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>Story {number}</title></head><body>"
        f"<h1>Story {number}</h1><p>Reported on {iso_day(timestamp)}: the council met and "
        f"discussed item {number % 97} of its agenda.</p></body></html>"
    ).encode()


def _moved(timestamp: str) -> Capture:
    body = b"<html><body>Moved to <a href='/legal/privacy'>/legal/privacy</a></body></html>"
    headers = (
        ("Date", http_date(timestamp)),
        ("Content-Type", "text/html"),
        ("Content-Length", str(len(body))),
        ("Location", NEW_POLICY),
    )
    return Capture(OLD_POLICY, timestamp, 301, "Moved Permanently", headers, body)


def site_captures(articles: int) -> Iterator[Capture]:
    """Every capture of the site, homepage first, articles last (streamed)."""
    moment = HOME_FROM
    while moment < HOME_UNTIL:
        timestamp = moment.strftime("%Y%m%d%H%M%S")
        yield html_capture(f"{SITE}/", timestamp, _homepage(timestamp))
        moment += HOME_EVERY
    for number, (timestamp, url, version) in enumerate(POLICY_SCHEDULE):
        yield html_capture(url, timestamp, policy_page(BRAND, version, timestamp, 500 + number))
    for timestamp in REDIRECTS:
        yield _moved(timestamp)
    span = (HOME_UNTIL - HOME_FROM).total_seconds()
    for number in range(articles):
        moment = HOME_FROM + timedelta(seconds=span * number / max(articles, 1))
        timestamp = moment.strftime("%Y%m%d%H%M%S")
        url = f"{SITE}/news/{moment.year}/{number:06d}.html"
        yield html_capture(url, timestamp, _article(number, timestamp))


def write_site(dest: Path, articles: int) -> int:
    """The site as WARC files in dest (a few thousand captures a file); its capture count."""
    dest.mkdir(parents=True, exist_ok=True)
    count, chunk, part = 0, [], 0

    def flush() -> None:
        nonlocal chunk, part
        if not chunk:
            return
        name = f"{DOMAIN}-{part:03d}.warc.gz"
        tmp = dest / f".{name}.part"
        with tmp.open("wb") as stream:
            writer = WARCWriter(stream, gzip=True)
            write_warcinfo(writer, name, min(c.timestamp for c in chunk))
            write_captures(writer, chunk)
        os.replace(tmp, dest / name)
        chunk, part = [], part + 1

    for capture in site_captures(articles):
        chunk.append(capture)
        count += 1
        if len(chunk) >= 5000:
            flush()
    flush()
    return count


@dataclass(frozen=True, slots=True)
class FetchRun:
    exit_status: int
    seconds: float
    cdx_calls: int
    cdx_rows: int
    replay_fetches: int
    raw_files: int
    versions: list[dict[str, object]]
    stderr_tail: str


def fetch(archive: LocalArchive, out: Path, code: Path, *extra: str) -> FetchRun:
    """`policy-archive fetch DOMAIN` from the checkout in `code`; what it cost the archive."""
    requests, rows = len(archive.requests), archive.cdx_rows
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [sys.executable, "-m", "policy_archive", "fetch", DOMAIN, "--archive", archive.url]
    command += ["--out", str(out), *extra]
    began = time.monotonic()
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=code, timeout=1800, check=False
    )
    seconds = time.monotonic() - began
    paths = [log.path for log in archive.requests[requests:]]
    exported = subprocess.run(
        [sys.executable, "-m", "policy_archive", "export", "--out", str(out), "--format", "jsonl"],
        capture_output=True,
        text=True,
        env=env,
        cwd=code,
        timeout=600,
        check=False,
    )
    fields = ("first_seen", "last_seen", "snapshots", "url", "sha256", "lang")
    versions = [
        {name: row[name] for name in fields}
        for row in map(json.loads, exported.stdout.splitlines())
    ]
    return FetchRun(
        exit_status=done.returncode,
        seconds=round(seconds, 1),
        cdx_calls=sum(1 for p in paths if p.startswith(CDX_PATH)),
        cdx_rows=archive.cdx_rows - rows,
        replay_fetches=sum(1 for p in paths if p.startswith("/web/")),
        raw_files=sum(1 for _ in (out / "raw").rglob("*.warc.gz")) if (out / "raw").exists() else 0,
        versions=versions,
        stderr_tail=done.stderr[-2000:],
    )


def version_files(out: Path) -> dict[str, bytes]:
    corpus = out / "corpus"
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(corpus.rglob("*.md"))}


def measure(articles: int, folder: Path, code: Path = ROOT) -> dict[str, object]:
    site_rows = write_site(folder / "archive", articles)
    with LocalArchive(folder / "archive") as archive:
        out = folder / "out"
        first = fetch(archive, out, code)
        files = version_files(out)
        second = fetch(archive, out, code)
        unchanged = version_files(out) == files
    expected = [asdict(v) for v in expected_versions()]
    found = [
        {k: v[k] for k in ("first_seen", "last_seen", "snapshots", "url")} for v in first.versions
    ]
    return {
        "articles": articles,
        "site_rows": site_rows,
        "first": asdict(first),
        "second": asdict(second),
        "rows_share": first.cdx_rows / site_rows,
        "versions_expected": expected,
        "versions_match": found == expected,
        "second_run_files_unchanged": unchanged,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=20000)
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose crawl runs")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="discovery-cost-") as tmp:
        result = measure(args.articles, Path(tmp), args.code.resolve())
    first, second = result["first"], result["second"]
    assert isinstance(first, dict) and isinstance(second, dict)
    print(f"site: {DOMAIN}, {result['site_rows']:,} captures ({args.articles:,} articles)")
    print(
        f"first fetch: exit {first['exit_status']}, {first['seconds']} s; "
        f"{first['cdx_calls']} CDX calls sent {first['cdx_rows']:,} rows "
        f"({result['rows_share']:.1%} of the site's; target <= {ROWS_TARGET:.0%}); "
        f"{first['replay_fetches']} replay fetches; {len(first['versions'])} versions "
        f"({'as the site holds' if result['versions_match'] else 'NOT as the site holds'})"
    )
    for version in first["versions"]:
        print(
            f"  {version['first_seen']} .. {version['last_seen']}  {version['snapshots']:>2}  "
            f"{version['url']}"
        )
    print(
        f"second fetch (nothing new): exit {second['exit_status']}; {second['cdx_calls']} CDX "
        f"calls, {second['cdx_rows']:,} rows; {second['replay_fetches']} replay fetches; "
        f"raw files {first['raw_files']} -> {second['raw_files']}; version files "
        f"{'unchanged' if result['second_run_files_unchanged'] else 'CHANGED'}"
    )
    if first["exit_status"]:
        print(first["stderr_tail"], file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    ok = (
        result["versions_match"]
        and float(str(result["rows_share"])) <= ROWS_TARGET
        and result["second_run_files_unchanged"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
