"""The script a user would write instead of policy-archive, for the benchmark suite.

    python -m bench.naive --archive URL --out DIR URL [URL ...]

For each policy URL (given: the naive script is even spared discovery), list every
capture with waybackpy's CDX API, download each one with a plain HTTP client, one at a
time, run `trafilatura.extract` on it and write one markdown file per capture. It is
what a first attempt looks like, kept faithful on purpose: no digest dedupe, no
politeness, no retries, no charset handling beyond trafilatura's own.
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.request
from pathlib import Path

import trafilatura
from waybackpy import WaybackMachineCDXServerAPI

USER_AGENT = "policy-archive-bench-naive/0.1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.naive", description=__doc__)
    parser.add_argument("--archive", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("urls", nargs="+")
    args = parser.parse_args(argv)
    archive = args.archive.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    written = 0
    for url in args.urls:
        cdx = WaybackMachineCDXServerAPI(url, user_agent=USER_AGENT, filters=["statuscode:200"])
        cdx.endpoint = f"{archive}/cdx/search/cdx"  # waybackpy names only web.archive.org
        for snapshot in cdx.snapshots():
            replay = f"{archive}/web/{snapshot.timestamp}id_/{snapshot.original}"
            request = urllib.request.Request(replay, headers={"User-Agent": USER_AGENT})
            with urllib.request.urlopen(request, timeout=60) as answer:
                html = answer.read()
            text = trafilatura.extract(html, url=snapshot.original, output_format="markdown")
            name = re.sub(r"[^A-Za-z0-9.-]+", "_", f"{snapshot.original}-{snapshot.timestamp}")
            (args.out / f"{name}.md").write_text(text or "", encoding="utf-8")
            written += 1
    print(written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
