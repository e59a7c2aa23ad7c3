"""The README's screenshots: the corpus, a domain and a diff page of the demo corpus, taken
with the same headless chromium as the browser tests and saved as small PNGs.

    .venv/bin/python -m bench.screenshots demo-data docs/screenshots
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image

from tests.browser import chromium, find_chromium
from tests.integration.serving import serving

PAGES = {
    "corpus": "",
    "domain": "shuangyu-tech.com/",
    "version": "acme-shop.com/privacy/en/v2",
    "diff": "acme-shop.com/privacy/en/v1..v2",
}
VIEWPORT = {"width": 1100, "height": 720}
COLOURS = 64  # a palette this size keeps text crisp and each file far under 150 KB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="data directory (make demo writes demo-data)")
    parser.add_argument("folder", type=Path, help="where the PNG files go")
    args = parser.parse_args()
    executable = find_chromium()
    if executable is None:
        print("no chromium found: apt-get install chromium", file=sys.stderr)
        return 2
    args.folder.mkdir(parents=True, exist_ok=True)
    with serving(args.corpus) as url, chromium(executable) as browser:
        page = browser.new_page(viewport=VIEWPORT)
        for name, path in PAGES.items():
            page.goto(url + path)
            target = args.folder / f"{name}.png"
            page.screenshot(path=str(target))
            with Image.open(target) as shot:
                small = shot.convert("RGB").quantize(
                    colors=COLOURS, method=Image.Quantize.MEDIANCUT
                )
            small.save(target, optimize=True)
            print(f"{target}: {target.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
