"""Fault soak: a crawl of an archive that fails in every passing way, then a second run.

    .venv/bin/python -m bench.soak [--domains 200] [--slow-delay 20] [--json FILE]

Generates N synthetic domains (bench.crawl_scale's archive) plus hostile captures (a
captured redirect that loops, a PDF listed under the policy URL, 10 MB policy pages),
crawls it once fault-free (the reference), then with 10% 503s, 5% dropped connections,
5% bodies cut short and some answers only after --slow-delay seconds, then again with no
faults. Prints the faults injected by kind, retries, captures pending after the first
run, crashes (tracebacks, unexpected exit statuses), captures lost against the reference
(must be 0), whether the final corpus equals the reference field by field, and both wall
times.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from warcio.warcwriter import WARCWriter

from bench.crawl_scale import START, domain_name, write_archive
from bench.pages import html_capture, policy_page
from localarchive.server import NO_ANSWER, Faults, LocalArchive
from localarchive.sites import Capture, write_captures, write_warcinfo

ROOT = Path(__file__).resolve().parents[1]
LOCAL = re.compile(r"http://127\.0\.0\.1:\d+")
HOSTILE_EVERY = 10  # one domain in ten gets hostile captures
BIG_PAGES = 2  # domains with a 10 MB policy page
BIG_BYTES = 10 * 1024 * 1024


def hostile_captures(n: int, big: bool) -> list[Capture]:
    domain = domain_name(n)
    url = f"https://www.{domain}/privacy-policy"
    late = START + timedelta(days=3000)
    captures = [
        # a captured redirect of the policy to itself: followed at most WAYBACK_MAX_REDIRECTS
        Capture(
            url,
            (late + timedelta(days=1)).strftime("%Y%m%d%H%M%S"),
            302,
            "Found",
            (("Location", url), ("Content-Type", "text/html"), ("Content-Length", "0")),
            b"",
        ),
        # not HTML: left out by the listing's filters
        Capture(
            url,
            (late + timedelta(days=2)).strftime("%Y%m%d%H%M%S"),
            200,
            "OK",
            (("Content-Type", "application/pdf"), ("Content-Length", "9")),
            b"%PDF-1.4\n",
        ),
    ]
    if big:
        timestamp = (late + timedelta(days=3)).strftime("%Y%m%d%H%M%S")
        page = policy_page(domain.split(".")[0].title(), 9, timestamp, 1)
        filler = b"<p>" + b"Lorem ipsum dolor sit amet, consectetur. " * 1000 + b"</p>\n"
        body = page.replace(b"</article>", filler * (BIG_BYTES // len(filler)) + b"</article>")
        captures.append(html_capture(url, timestamp, body))
    return captures


def write_world(dest: Path, domains: int) -> None:
    write_archive(dest, domains)
    with (dest / "soak-hostile.warc.gz").open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        write_warcinfo(writer, "soak-hostile.warc.gz", START.strftime("%Y%m%d%H%M%S"))
        hostile = [n for n in range(domains) if n % HOSTILE_EVERY == 0]
        for rank, n in enumerate(hostile):
            write_captures(writer, hostile_captures(n, big=rank < BIG_PAGES))


def crawl(listing: Path, archive: LocalArchive, out: Path, *extra: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "policy_archive", "crawl", str(listing)]
    command += ["--archive", archive.url, "--out", str(out), *extra]
    began = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - began
    reports = sorted((out / "runs").glob("*.json"))
    report = json.loads(reports[-1].read_text()) if reports else {}
    return {
        "exit": done.returncode,
        "seconds": seconds,
        "crashed": "Traceback" in done.stderr or done.returncode not in (0, 1),
        "report": report,
        "stderr_tail": "\n".join(done.stderr.strip().splitlines()[-4:]),
    }


def export(out: Path) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "policy_archive", "export", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(LOCAL.sub("ARCHIVE", line)) for line in done.stdout.splitlines()]


def soak(folder: Path, domains: int, slow_delay: float) -> dict[str, Any]:
    world = folder / "warcs"
    write_world(world, domains)
    listing = folder / "domains.txt"
    listing.write_text("".join(f"{domain_name(n)}\n" for n in range(domains)))
    with LocalArchive(world) as archive:
        reference = crawl(listing, archive, folder / "reference")
    # periods prime to each other, so that no fault hides another on the same answer
    faults = Faults(
        error_5xx_every=10,
        drop_every=19,
        truncate_every=21,
        slow_every=97,
        slow_delay=slow_delay,
    )
    with LocalArchive(world, faults=faults) as archive:
        first = crawl(listing, archive, folder / "soak")
        log = list(archive.requests)
        truncated, slowed = archive.truncated, archive.slowed
    injected = Counter(
        "dropped" if r.status == NO_ANSWER else "503" if r.status == 503 else "answered"
        for r in log
    )
    with LocalArchive(world) as archive:
        second = crawl(listing, archive, folder / "soak")
    expected, got = export(folder / "reference"), export(folder / "soak")
    snapshots = sum(int(r["snapshots"]) for r in expected)
    lost = snapshots - sum(int(r["snapshots"]) for r in got)
    return {
        "domains": domains,
        "faults_injected": {
            "503": injected["503"],
            "dropped_connections": injected["dropped"],
            "truncated": truncated,
            "slow": slowed,
            "requests": len(log),
        },
        "retries": first["report"].get("requests", {}).get("retries"),
        "first_run": {
            "exit": first["exit"],
            "seconds": round(first["seconds"], 1),
            "pending": first["report"].get("captures", {}).get("pending"),
            "domains": first["report"].get("domains"),
        },
        "second_run": {"exit": second["exit"], "seconds": round(second["seconds"], 1)},
        "fault_free_seconds": round(reference["seconds"], 1),
        "crashes": sum(1 for r in (reference, first, second) if r["crashed"]),
        "lost_snapshots": lost,
        "equal_to_fault_free": got == expected,
        "versions": len(got),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--domains", type=int, default=200, metavar="N")
    parser.add_argument("--slow-delay", type=float, default=20.0, metavar="SECONDS")
    parser.add_argument("--json", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        figures = soak(Path(tmp), args.domains, args.slow_delay)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    good = (
        figures["crashes"] == 0
        and figures["lost_snapshots"] == 0
        and figures["equal_to_fault_free"]
        and figures["second_run"]["exit"] == 0
    )
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
