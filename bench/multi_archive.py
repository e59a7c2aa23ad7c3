"""One policy's history from several archives against each archive alone.

    .venv/bin/python -m bench.multi_archive

Writes a test world (one site whose policy changes six times over 2010-2023, captured
every two months) and shares its captures out between three archives on 127.0.0.1, each
missing years the others hold, with overlaps: the project's local archive (the Internet
Archive's dialect), a real pywb collection (pywb's CDX dialect) and a second pywb
collection read through its Memento TimeMaps only. Crawls each archive alone, all three
together, and one local archive holding every capture (the reference), then prints the
versions and change dates each finds. Needs pywb (`make install` puts it in .venv-pywb).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.pages import home_page, policy_page
from localarchive.server import LocalArchive
from localarchive.worlds import Page, write_world

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = "threearchives.com"
BRAND = "Three Archives"
POLICY = f"https://www.{DOMAIN}/privacy-policy"
HOME = f"https://www.{DOMAIN}/"
START = datetime(2010, 1, 5, 10, 0, 0, tzinfo=UTC)
CAPTURES = 84  # one every two months, 2010-2023
STEP = timedelta(days=61)
# The policy's version from these capture numbers on (so six changes).
CHANGES = (10, 22, 33, 47, 58, 71)
IA, PYWB, MEMENTO = "ia", "pywb", "memento"
ARCHIVES = (IA, PYWB, MEMENTO)


def holders(n: int) -> frozenset[str]:
    """Which archives hold policy capture `n`: each misses years the others have, they
    overlap (the same capture in two or three), and some captures only one holds."""
    year = (START + STEP * n).year
    held = set()
    if year <= 2014 or n % 9 == 0:
        held.add(IA)
    if 2013 <= year <= 2019:
        held.add(PYWB)
    if year >= 2018 or n in (5, 6):
        held.add(MEMENTO)
    return frozenset(held)


def timestamp_of(n: int) -> str:
    return (START + STEP * n).strftime("%Y%m%d%H%M%S")


def world() -> list[tuple[Page, frozenset[str]]]:
    """Every capture of the world, with the archives that hold it."""
    pages: list[tuple[Page, frozenset[str]]] = []
    for n in range(CAPTURES):
        ts = timestamp_of(n)
        version = sum(1 for c in CHANGES if c <= n)
        body = policy_page(BRAND, version, ts, 1000 + 37 * n)
        pages.append((Page(POLICY, ts, body, "text/html; charset=utf-8"), holders(n)))
    # a homepage linking to the policy, every year, in every archive (each must be able to
    # find the policy on its own); a minute after the policy capture of that time
    for year in range(START.year, START.year + 14):
        ts = f"{year}0301120000"
        pages.append((Page(HOME, ts, home_page(BRAND, ts)), frozenset(ARCHIVES)))
    return pages


def expected_changes() -> list[str]:
    """The dates the policy changed on (ISO), as the whole world shows them."""
    return [(START + STEP * c).date().isoformat() for c in CHANGES]


def write_archives(folder: Path) -> dict[str, Path]:
    """One WARC folder per archive, plus `all` holding every capture."""
    pages = world()
    folders = {name: folder / name for name in (*ARCHIVES, "all")}
    for name, dest in folders.items():
        chosen = [page for page, held in pages if name == "all" or name in held]
        write_world(dest, chosen)
    return folders


def pywb_bin() -> Path | None:
    for candidate in (Path(sys.executable).parent, ROOT / ".venv-pywb" / "bin"):
        if (candidate / "wayback").exists() and (candidate / "wb-manager").exists():
            return candidate
    found = shutil.which("wayback")
    return Path(found).parent if found and shutil.which("wb-manager") else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def pywb_server(bin_dir: Path, home: Path, collections: dict[str, Path]) -> Iterator[str]:
    """A real pywb on 127.0.0.1 serving `collections` (name -> WARC folder); yields its
    base URL and stops it on exit."""
    home.mkdir(parents=True, exist_ok=True)
    for name, folder in collections.items():
        warcs = sorted(str(p) for p in folder.glob("*.warc.gz"))
        for args in (["init", name], ["add", name, *warcs]):
            subprocess.run(
                [str(bin_dir / "wb-manager"), *args], cwd=home, check=True, capture_output=True
            )
    port = free_port()
    server = subprocess.Popen(
        [str(bin_dir / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    first = next(iter(collections))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/{first}/cdx?url={DOMAIN}", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError) as exc:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("pywb did not start") from exc
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@dataclass(frozen=True, slots=True)
class Found:
    """What one crawl found: its versions' first-seen dates (changes: all but the first)."""

    versions: int
    first_seen: tuple[str, ...]
    snapshots: int
    code: int

    @property
    def changes(self) -> tuple[str, ...]:
        return self.first_seen[1:]


def crawl(out: Path, archives: Sequence[str], *extra: str) -> tuple[int, str]:
    """`policy-archive fetch DOMAIN --archive ...` (one --archive per archive)."""
    args = [sys.executable, "-m", "policy_archive", "fetch", DOMAIN, "--out", str(out)]
    for archive in archives:
        args += ["--archive", archive]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(args + list(extra), capture_output=True, text=True, env=env)
    return result.returncode, result.stderr


def export(out: Path) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "policy_archive", "export", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


def found(rows: list[dict[str, Any]], code: int) -> Found:
    rows = sorted(rows, key=lambda r: int(r["version"]))
    return Found(
        len(rows),
        tuple(str(r["first_seen"]) for r in rows),
        sum(int(r["snapshots"]) for r in rows),
        code,
    )


@contextmanager
def three_archives(folder: Path) -> Iterator[dict[str, str]]:
    """The world's archives running: name -> the --archive value that reads it (and
    `all`: the reference archive holding every capture)."""
    bin_dir = pywb_bin()
    if bin_dir is None:
        raise RuntimeError("pywb is not installed (`make install` puts it in .venv-pywb)")
    folders = write_archives(folder / "warcs")
    with (
        LocalArchive(folders[IA]) as ia,
        LocalArchive(folders["all"]) as everything,
        pywb_server(
            bin_dir, folder / "pywb", {PYWB: folders[PYWB], MEMENTO: folders[MEMENTO]}
        ) as pywb,
    ):
        yield {
            IA: ia.url,
            PYWB: f"pywb+{pywb}/{PYWB}",
            MEMENTO: f"memento+{pywb}/{MEMENTO}",
            "all": everything.url,
        }


def main(argv: list[str] | None = None) -> int:
    with tempfile.TemporaryDirectory(prefix="policy-archive-multi-") as tmp:
        folder = Path(tmp)
        with three_archives(folder) as specs:
            results: dict[str, Found] = {}
            for name in ARCHIVES:
                code, _ = crawl(folder / f"out-{name}", [specs[name]])
                results[f"{name} alone"] = found(export(folder / f"out-{name}"), code)
            code, _ = crawl(folder / "out-merged", [specs[n] for n in ARCHIVES])
            results["all three"] = found(export(folder / "out-merged"), code)
            code, _ = crawl(folder / "out-reference", [specs["all"]])
            results["one archive holding all"] = found(export(folder / "out-reference"), code)
    truth = expected_changes()
    print(f"{DOMAIN}: {CAPTURES} policy captures 2010-2023, {len(truth)} changes")
    print(f"{'archives':<26} {'versions':>8} {'changes found':>14} {'captures':>9}  change dates")
    for name, result in results.items():
        hit = sum(1 for d in result.changes if d in truth)
        print(
            f"{name:<26} {result.versions:>8} {f'{hit}/{len(truth)}':>14} "
            f"{result.snapshots:>9}  {' '.join(result.changes)}"
        )
    same = results["all three"] == results["one archive holding all"]
    print(f"all three == one archive holding every capture: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
