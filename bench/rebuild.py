"""Rebuild speed and memory on a generated raw store, against bare trafilatura.extract.

`python -m bench.rebuild [--domains 500] [--captures 40] [--dir DIR]` writes a raw store
(default: 500 domains x 40 captures = 20,000 captures, each domain's policy changing four
times, the page's "generated" stamp and copyright year changing more often, and identical
captures stored as WARC revisits as the crawl stores them), then measures in fresh
processes:

- the yardstick: every capture's payload through bare `trafilatura.extract`, one process
  (what a rebuild that repeated work would cost for extraction alone);
- `rebuild` with 1 and 2 jobs (decode, extract, policy check, language, versions, files,
  index), captures per second and peak memory (main process plus its largest worker).

Targets: 1 job at least as fast as the yardstick; 2 jobs at least 1.7x 1 job; < 500 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from base64 import b32encode
from datetime import date, timedelta
from pathlib import Path

from corpus.models import ROLE_POLICY, SOURCE_SAME_BYTES, RawCapture
from corpus.rawstore import RawWriter

_SENTENCES = (
    "We collect the information you give us when you create an account, such as your name, e-mail address and postal address.",
    "We use your information to process orders, deliver products and answer your questions.",
    "We keep order records for as long as tax law requires and delete them afterwards.",
    "Cookies help us remember the contents of your basket between visits.",
    "You may ask us at any time which personal data we hold about you.",
    "You have the right to have inaccurate data corrected and, in some cases, erased.",
    "We share delivery details with the carriers who bring your parcels.",
    "Payment card details are handled by our payment provider and never stored on our servers.",
    "We use analytics services to understand how visitors use the site.",
    "Where we rely on your consent, you may withdraw it at any time.",
    "Our servers are located in the European Union and protected by access controls.",
    "Children under thirteen may not open an account.",
    "We will tell you about material changes to this policy by e-mail.",
    "Marketing e-mails contain a link that lets you unsubscribe with one click.",
    "If you have a complaint, you may contact the data protection authority.",
    "We do not sell your personal information to third parties.",
    "Log files record your IP address, browser type and the pages you visit.",
    "We review the data we hold every year and remove what we no longer need.",
)
_HEADINGS = (
    "Information we collect",
    "How we use information",
    "Cookies",
    "Sharing",
    "Your rights",
    "Security",
    "Retention",
    "Contact",
)


def _policy(rng: random.Random, brand: str, version: int) -> list[tuple[str, list[str]]]:
    sections = []
    for heading in _HEADINGS:
        paragraphs = [
            " ".join(rng.choice(_SENTENCES) for _ in range(rng.randint(3, 6)))
            + (f" This applies to {brand} since revision {version}." if rng.random() < 0.3 else "")
            for _ in range(rng.randint(2, 3))
        ]
        sections.append((heading, paragraphs))
    return sections


def _page(brand: str, sections: list[tuple[str, list[str]]], moment: date) -> bytes:
    body = "".join(
        f"<h2>{heading}</h2>" + "".join(f"<p>{p}</p>" for p in paragraphs)
        for heading, paragraphs in sections
    )
    nav = "".join(f'<li><a href="/{w.lower()}">{w}</a></li>' for w in ("Home", "Shop", "About"))
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Privacy Policy | {brand}</title></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main><article><h1>Privacy Policy</h1>"
        f"{body}</article></main><footer><p>&copy; {moment.year} {brand}. All rights reserved."
        f"</p><p>Page generated on {moment.isoformat()}</p></footer></body></html>"
    ).encode()


def generate(root: Path, domains: int, per_domain: int, seed: int = 5) -> int:
    """Write the raw store; returns the number of captures."""
    rng = random.Random(seed)
    writer = RawWriter(root, "bench", durable=False)
    count = 0
    for index in range(domains):
        domain = f"site{index:04d}.example"
        brand = f"Site {index}"
        url = f"https://www.{domain}/privacy"
        texts = [_policy(rng, brand, v) for v in range(5)]
        first_digest: dict[str, tuple[str, str]] = {}
        for n in range(per_domain):
            moment = date(2005, 1, 1) + timedelta(days=n * 6570 // per_domain + index % 30)
            version = n * 5 // per_domain
            # The stamp changes every fourth capture: new bytes, same policy.
            stamp = moment - timedelta(days=(n % 4) * 6570 // per_domain)
            body = _page(brand, texts[version], stamp)
            digest = b32encode(hashlib.sha1(body).digest()).decode()
            timestamp = moment.strftime("%Y%m%d") + "120000"
            archive_url = f"http://archive.invalid/web/{timestamp}id_/{url}"
            fields = {
                "domain": domain,
                "kind": "privacy",
                "role": ROLE_POLICY,
                "url": url,
                "timestamp": timestamp,
                "archive_url": archive_url,
                "digest": digest,
            }
            if digest in first_digest:
                # the same bytes as a capture written before: recorded, not fetched again
                twin = RawCapture(
                    **fields, refers_to=first_digest[digest], source=SOURCE_SAME_BYTES
                )
                writer.write(twin)
            else:
                first_digest[digest] = (url, timestamp)
                headers = (("Content-Type", "text/html; charset=utf-8"),)
                writer.write(RawCapture(**fields, headers=headers, body=body))
            count += 1
    writer.close()
    return count


# -- measurements, each in a fresh process ------------------------------------------------


def _cpu_seconds() -> float:
    """CPU time of this process and its finished workers: unlike wall time, unaffected by
    other programs sharing the machine."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_mb() -> tuple[float, float]:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def measure_rebuild(root: Path, jobs: int) -> dict[str, float]:
    from corpus.rebuild import rebuild

    cpu = _cpu_seconds()
    report = rebuild(root, jobs)
    own, worker = _peak_mb()
    return {
        "captures": report.captures,
        "payloads": report.payloads,
        "versions": report.versions,
        "seconds": report.seconds,
        "cpu_seconds": _cpu_seconds() - cpu,
        "main_mb": own,
        "worker_mb": worker,
    }


def measure_yardstick(root: Path) -> dict[str, float]:
    import trafilatura

    from corpus.rawstore import read_raw, warc_files

    bodies: dict[str, bytes] = {}
    payloads: list[tuple[str, str]] = []  # (digest, url) per capture, revisits resolved
    for path in warc_files(root):
        for capture in read_raw(path):
            if capture.body is not None:
                bodies.setdefault(capture.digest, capture.body)
            payloads.append((capture.digest, capture.url))
    started, cpu = time.monotonic(), _cpu_seconds()
    for digest, url in payloads:
        html = bodies[digest].decode("utf-8")
        trafilatura.extract(html, url=url, output_format="markdown", deduplicate=False)
    seconds = time.monotonic() - started
    own, _ = _peak_mb()
    return {
        "captures": len(payloads),
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu,
        "main_mb": own,
    }


def _in_fresh_process(*args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.rebuild", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rebuild", description=__doc__)
    parser.add_argument("--domains", type=int, default=500)
    parser.add_argument("--captures", type=int, default=40, help="captures per domain")
    parser.add_argument("--dir", type=Path, help="keep the generated store here")
    parser.add_argument("--measure", nargs=2, metavar=("WHAT", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        what, folder = args.measure
        if what == "yardstick":
            print(json.dumps(measure_yardstick(Path(folder))))
        else:
            print(json.dumps(measure_rebuild(Path(folder), int(what))))
        return 0
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    work = args.dir or Path(tempfile.mkdtemp(prefix="policy-archive-bench-"))
    try:
        started = time.monotonic()
        captures = generate(work, args.domains, args.captures)
        print(
            f"generated {captures} captures over {args.domains} domains in "
            f"{time.monotonic() - started:.0f} s ({work})"
        )
        yardstick = _in_fresh_process("--measure", "yardstick", str(work))
        one = _in_fresh_process("--measure", "1", str(work))
        two = _in_fresh_process("--measure", "2", str(work))
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    y_rate = yardstick["captures"] / yardstick["seconds"]
    r1 = one["captures"] / one["seconds"]
    r2 = two["captures"] / two["seconds"]
    print(
        f"payloads: {one['payloads']:.0f} distinct of {one['captures']:.0f} captures; "
        f"{one['versions']:.0f} versions"
    )
    print(f"yardstick (bare trafilatura.extract, every capture): {y_rate:8.1f} captures/s")
    for name, run in (("yardstick", yardstick), ("rebuild -j1", one), ("rebuild -j2", two)):
        print(
            f"  {name}: {run['seconds']:.1f} s wall, {run['cpu_seconds']:.1f} s CPU "
            f"({run['captures'] / run['cpu_seconds']:.1f} captures per CPU second)"
        )
    print(
        f"rebuild --jobs 1: {r1:8.1f} captures/s ({r1 / y_rate:.2f}x the yardstick), "
        f"peak {one['main_mb']:.0f} MB"
    )
    print(
        f"rebuild --jobs 2: {r2:8.1f} captures/s ({r2 / r1:.2f}x 1 job), peak "
        f"{two['main_mb']:.0f} MB main + {two['worker_mb']:.0f} MB per worker "
        f"(at most {two['main_mb'] + 2 * two['worker_mb']:.0f} MB together)"
    )
    ok = r1 >= y_rate and r2 >= 1.7 * r1 and two["main_mb"] + 2 * two["worker_mb"] < 500
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
