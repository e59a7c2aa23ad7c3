"""The `policy-archive` command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from policy_archive import __version__

log = logging.getLogger(__name__)


class UserError(Exception):
    """Something the user can fix; printed as one line, no traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policy-archive",
        description="Build versioned corpora of website policies from the Wayback Machine.",
    )
    parser.add_argument("--version", action="version", version=f"policy-archive {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", default="data", type=Path, help="data directory (default: data)")
        p.add_argument("-v", "--verbose", action="store_true", help="show the crawl's log")

    def crawl_options(p: argparse.ArgumentParser) -> None:
        """Options of every command that crawls (fetch and crawl)."""
        common(p)
        p.add_argument(
            "--archive",
            default="https://web.archive.org",
            help="base URL of a Wayback-compatible archive (default: https://web.archive.org)",
        )
        p.add_argument(
            "--kind",
            default="privacy",
            choices=("privacy", "terms", "cookies"),
            help="document kind",
        )
        p.add_argument(
            "--url", action="append", default=[], help="a policy URL you know (repeatable)"
        )

    fetch = sub.add_parser("fetch", help="build the policy history of one or more domains")
    fetch.add_argument("domains", nargs="+", metavar="DOMAIN", help="e.g. example.com")
    crawl_options(fetch)

    crawl = sub.add_parser(
        "crawl", help="scheduled run: fetch what is new for every domain of a list file"
    )
    crawl.add_argument("domains_file", type=Path, metavar="FILE", help="one domain a line")
    crawl_options(crawl)

    export = sub.add_parser("export", help="write the corpus's versions in a data format")
    export.add_argument("--out", default="data", type=Path, help="data directory (default: data)")
    export.add_argument("--format", default="jsonl", choices=("jsonl",), help="output format")
    export.add_argument("--output", type=Path, help="write to this file instead of stdout")

    demo = sub.add_parser("demo", help="run the whole pipeline on the bundled demo archive")
    common(demo)
    demo.set_defaults(out=Path("demo-data"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command not in ("fetch", "crawl", "demo"):  # crawls log through Scrapy's root handler
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "fetch":
            return cmd_fetch(args)
        if args.command == "crawl":
            return cmd_crawl(args)
        if args.command == "export":
            return cmd_export(args)
        if args.command == "demo":
            return cmd_demo(args)
    except UserError as exc:
        print(f"policy-archive: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("policy-archive: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return 2


# -- fetch ---------------------------------------------------------------------------


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} exists and is not a directory")


def cmd_fetch(args: argparse.Namespace) -> int:
    from crawler.discovery import DomainError, normalise_domain
    from crawler.wayback import Archive, ArchiveUrlError

    try:
        domains = list(dict.fromkeys(normalise_domain(d) for d in args.domains))
        archive = Archive.parse(args.archive)
    except (DomainError, ArchiveUrlError) as exc:
        raise UserError(str(exc)) from exc
    _check_out(args.out)
    return _crawl_locked(domains, archive.base, args)


def _crawl_locked(domains: list[str], archive: str, args: argparse.Namespace) -> int:
    """Crawl under the data directory's lock; print the summary and failures."""
    from corpus.lock import DataDirLock, LockedError
    from policy_archive.crawl import print_summary, report_failures, run_crawl

    try:
        with DataDirLock(args.out):
            results = run_crawl(domains, archive, args.out, args.kind, args.url, args.verbose)
    except LockedError as exc:
        print(f"policy-archive: {exc}; not starting", file=sys.stderr)
        return 3
    if not all(r.fatal for r in results):
        print_summary(results, archive, args.out, sys.stdout)
    return report_failures(results)


def read_domain_list(path: Path) -> list[str]:
    """Domains of a list file (one a line, `#` comments); every bad line is reported."""
    from crawler.discovery import DomainError, normalise_domain

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the domain list {path}: {exc}") from exc
    domains: list[str] = []
    bad: list[str] = []
    for number, line in enumerate(lines, start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            domains.append(normalise_domain(entry))
        except DomainError:
            bad.append(f"line {number}: {entry!r}")
    if bad:
        raise UserError(f"{path} has lines that are not domain names: {'; '.join(bad)}")
    if not domains:
        raise UserError(f"{path} lists no domains")
    return list(dict.fromkeys(domains))


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.wayback import Archive, ArchiveUrlError

    domains = read_domain_list(args.domains_file)
    try:
        archive = Archive.parse(args.archive)
    except ArchiveUrlError as exc:
        raise UserError(str(exc)) from exc
    _check_out(args.out)
    return _crawl_locked(domains, archive.base, args)


# -- export --------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    from corpus.store import Store, StoreError

    try:
        store = Store.open(args.out, create=False)
    except StoreError as exc:
        raise UserError(str(exc)) from exc
    try:
        if args.output:
            with _atomic_output(args.output) as stream:
                count = _write_jsonl(store, stream)
            print(f"{count} versions written to {args.output}", file=sys.stderr)
        else:
            _write_jsonl(store, sys.stdout)
            sys.stdout.flush()
    finally:
        store.close()
    return 0


def _write_jsonl(store: Any, stream: TextIO) -> int:
    count = 0
    for row in store.versions():
        stream.write(json.dumps(row.as_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


class _atomic_output:
    """A text file that appears at `path` only once it has been completely written."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> TextIO:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(
            tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")[1]
        )
        self.stream = open(self.tmp, "w", encoding="utf-8")
        return self.stream

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.stream.close()
        if exc_type is None:
            self.tmp.replace(self.path)
        else:
            self.tmp.unlink(missing_ok=True)


# -- demo ----------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from localarchive.server import LocalArchive
    from localarchive.sites import write_demo_archive
    from policy_archive.crawl import print_summary, report_failures, run_crawl

    _check_out(args.out)
    with tempfile.TemporaryDirectory(prefix="policy-archive-demo-") as tmp:
        manifest = write_demo_archive(Path(tmp))
        domains = sorted(manifest.versions)
        with LocalArchive(Path(tmp)) as archive:
            print(f"demo archive: {len(domains)} sites served at {archive.url}")
            started = datetime.now(UTC)
            results = run_crawl(domains, archive.url, args.out, "privacy", [], args.verbose)
            seconds = (datetime.now(UTC) - started).total_seconds()
    print_summary(results, "the demo archive", args.out, sys.stdout)
    print(f"done in {seconds:.1f} s; export with: policy-archive export --out {args.out}")
    return report_failures(results)
