"""Capture selection benchmark: `changes` against `all` on a generated archive.

    .venv/bin/python -m bench.crawl [--domains 50] [--captures 48] [--latency 0.05]

Writes an archive of synthetic domains (every capture's boilerplate differs, so every
capture has its own digest; each domain's policy changes 1-3 times at known captures),
serves it with the local archive and injected latency, crawls it with `--strategy all`
and `--strategy changes`, and prints: whether both give the same versions (and the
known ones), replay fetches of each and their ratio, CDX calls per domain, wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.pages import home_page, html_capture, policy_page
from localarchive.server import CDX_PATH, Faults, LocalArchive, RequestLog
from localarchive.sites import Capture, warc_bytes
from localarchive.timestamps import iso_day

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2016, 1, 4, 9, 0, 0, tzinfo=UTC)
YEARS = 6  # captures spread over six years: about eight a year at 48 captures


@dataclass(frozen=True, slots=True)
class Expected:
    first_seen: str
    last_seen: str
    snapshots: int


def synthetic_domain(
    domain: str, captures: int, rng: random.Random
) -> tuple[list[Capture], list[Expected]]:
    """One domain's captures and the versions a correct crawl finds in them."""
    brand = domain.split(".")[0].replace("-", " ").title()
    url = f"https://www.{domain}/privacy-policy"
    changes = sorted(rng.sample(range(1, captures), rng.randint(1, 3)))
    step = timedelta(days=YEARS * 365 / captures)
    out: list[Capture] = []
    stamps: list[tuple[str, int]] = []
    for i in range(captures):
        moment = START + step * i + timedelta(minutes=rng.randint(0, 600))
        timestamp = moment.strftime("%Y%m%d%H%M%S")
        version = sum(1 for c in changes if c <= i)
        visitor = 1000 + i * 37 + rng.randint(0, 30)
        out.append(html_capture(url, timestamp, policy_page(brand, version, timestamp, visitor)))
        stamps.append((timestamp, version))
    for year in range(YEARS):
        timestamp = (START + timedelta(days=365 * year + 3)).strftime("%Y%m%d%H%M%S")
        out.append(html_capture(f"https://www.{domain}/", timestamp, home_page(brand, timestamp)))
    expected: list[Expected] = []
    for version in range(len(changes) + 1):
        mine = [ts for ts, v in stamps if v == version]
        expected.append(Expected(iso_day(mine[0]), iso_day(mine[-1]), len(mine)))
    return out, expected


def write_archive(
    dest: Path, domains: int, captures: int, seed: int = 7
) -> dict[str, list[Expected]]:
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    expected: dict[str, list[Expected]] = {}
    for n in range(domains):
        domain = f"bench{n:03d}-shop.com"
        records, versions = synthetic_domain(domain, captures, rng)
        (dest / f"{domain}.warc.gz").write_bytes(warc_bytes(records, f"{domain}.warc.gz"))
        expected[domain] = versions
    return expected


@dataclass(frozen=True, slots=True)
class Run:
    strategy: str
    seconds: float
    cdx: int
    replay_policy: int
    replay_discovery: int
    rows: list[dict[str, object]]


def crawl(archive: LocalArchive, domains: list[str], out: Path, strategy: str) -> Run:
    start = len(archive.requests)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "policy_archive", "fetch", *domains]
    command += ["--archive", archive.url, "--out", str(out), "--strategy", strategy]
    began = time.monotonic()
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    seconds = time.monotonic() - began
    if done.returncode != 0:
        raise SystemExit(f"bench: the {strategy} crawl failed: {done.stderr.strip()}")
    log: list[RequestLog] = archive.requests[start:]
    exported = subprocess.run(
        [sys.executable, "-m", "policy_archive", "export", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    replays = [r.path for r in log if r.path.startswith("/web/")]
    policy = sum(1 for p in replays if p.endswith("/privacy-policy"))
    return Run(
        strategy,
        seconds,
        cdx=sum(1 for r in log if r.path.startswith(CDX_PATH)),
        replay_policy=policy,
        replay_discovery=len(replays) - policy,
        rows=rows,
    )


def _versions(rows: list[dict[str, object]]) -> dict[str, list[Expected]]:
    out: dict[str, list[Expected]] = {}
    for row in rows:
        out.setdefault(str(row["domain"]), []).append(
            Expected(str(row["first_seen"]), str(row["last_seen"]), int(str(row["snapshots"])))
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crawl", description=__doc__)
    parser.add_argument("--domains", type=int, default=50)
    parser.add_argument("--captures", type=int, default=48, help="policy captures per domain")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added per request")
    args = parser.parse_args(argv)
    if args.domains < 1 or args.captures < 4 or args.latency < 0:
        print("bench: need --domains >= 1, --captures >= 4, --latency >= 0", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        folder = Path(tmp)
        expected = write_archive(folder / "warcs", args.domains, args.captures)
        domains = sorted(expected)
        changes = sum(len(v) - 1 for v in expected.values())
        print(
            f"archive: {len(domains)} domains x {args.captures} policy captures "
            f"({YEARS} years, every capture its own digest), {changes} known changes, "
            f"{args.latency * 1000:.0f} ms latency per request"
        )
        runs = {}
        with LocalArchive(folder / "warcs", faults=Faults(delay=args.latency)) as archive:
            for strategy in ("all", "changes"):
                runs[strategy] = crawl(archive, domains, folder / strategy, strategy)
    all_, changes_ = runs["all"], runs["changes"]
    identical = all_.rows == changes_.rows
    known = _versions(changes_.rows) == expected
    print(f"versions: changes == all (every field, text included): {identical}")
    print(f"versions: equal to the known ones (dates, snapshots): {known}")
    for run in (all_, changes_):
        print(
            f"  {run.strategy:8s} {len(run.rows):4d} versions, {run.replay_policy:5d} policy "
            f"replay fetches (+{run.replay_discovery} homepage), "
            f"{run.cdx / len(domains):.2f} CDX calls/domain, {run.seconds:6.1f} s wall"
        )
    ratio = changes_.replay_policy / all_.replay_policy if all_.replay_policy else 0.0
    print(f"replay fetches changes/all: {ratio:.3f} (target <= 0.35)")
    return 0 if identical and known else 1


if __name__ == "__main__":
    sys.exit(main())
