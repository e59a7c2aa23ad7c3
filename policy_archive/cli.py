"""The `policy-archive` command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from policy_archive import __version__

log = logging.getLogger(__name__)


class UserError(Exception):
    """Something the user can fix; printed as one line, no traceback."""


@dataclass(frozen=True, slots=True)
class DomainResult:
    domain: str
    kind: str
    stats: dict[str, Any]
    fatal: str | None


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

    fetch = sub.add_parser("fetch", help="build the policy history of one or more domains")
    fetch.add_argument("domains", nargs="+", metavar="DOMAIN", help="e.g. example.com")
    common(fetch)
    fetch.add_argument(
        "--archive",
        default="https://web.archive.org",
        help="base URL of a Wayback-compatible archive (default: https://web.archive.org)",
    )
    fetch.add_argument(
        "--kind", default="privacy", choices=("privacy", "terms", "cookies"), help="document kind"
    )
    fetch.add_argument(
        "--url", action="append", default=[], help="a policy URL you know (repeatable)"
    )

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
    if args.command not in ("fetch", "demo"):  # crawls log through Scrapy's root handler
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "fetch":
            return cmd_fetch(args)
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
    results = run_crawl(domains, archive.base, args.out, args.kind, args.url, args.verbose)
    if not all(r.fatal for r in results):
        print_summary(results, archive.base, args.out, sys.stdout)
    return report_failures(results)


def report_failures(results: list[DomainResult]) -> int:
    """One stderr line per failed domain; the exit status of the whole run."""
    failed = [r for r in results if r.fatal]
    for result in failed:
        print(f"policy-archive: error: {result.domain}: {result.fatal}", file=sys.stderr)
    errors = sum(int(r.stats.get("log_count/ERROR", 0)) for r in results if not r.fatal)
    if errors:
        print(
            f"policy-archive: warning: {errors} error(s) during the crawl; rerun with -v to see them",
            file=sys.stderr,
        )
    return 1 if failed else 0


def run_crawl(
    domains: list[str], archive: str, out: Path, kind: str, urls: list[str], verbose: bool
) -> list[DomainResult]:
    """Crawl `domains` in one Scrapy process (one spider each) and report on each."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.spiders.history import DomainHistorySpider
    from crawler.wayback import Archive

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("WAYBACK_ARCHIVE", archive, priority="cmdline")
    settings.set("POLICY_ARCHIVE_OUT", str(out), priority="cmdline")
    # Without -v the summary speaks for the crawl; Scrapy's own lines would only repeat it.
    settings.set("LOG_LEVEL", "INFO" if verbose else "CRITICAL", priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    if Archive.parse(archive).is_loopback:
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", settings.getint("WAYBACK_LOCAL_CONCURRENCY"))
        settings.set("DOWNLOAD_DELAY", 0)
    else:
        settings.set(
            "CONCURRENT_REQUESTS_PER_DOMAIN", settings.getint("WAYBACK_REMOTE_CONCURRENCY")
        )
        settings.set("DOWNLOAD_DELAY", settings.getfloat("WAYBACK_REMOTE_DELAY"))
        settings.set("RANDOMIZE_DOWNLOAD_DELAY", False)
    process = CrawlerProcess(settings)
    crawlers = []
    for domain in domains:
        crawler = process.create_crawler(DomainHistorySpider)
        process.crawl(crawler, domain=domain, kind=kind, archive=archive, out=str(out), urls=urls)
        crawlers.append((domain, crawler))
    process.start()
    results = []
    for domain, crawler in crawlers:
        spider = crawler.spider
        stats = crawler.stats.get_stats() if crawler.stats else {}
        results.append(DomainResult(domain, kind, stats, getattr(spider, "fatal", None)))
    return results


def print_summary(results: list[DomainResult], archive: str, out: Path, stream: TextIO) -> None:
    from corpus.store import INDEX_NAME, Store

    versions: dict[str, list[Any]] = {}
    if (out / INDEX_NAME).exists():
        store = Store.open(out, create=False)
        try:
            for row in store.versions():
                versions.setdefault(row.version.domain, []).append(row.version)
        finally:
            store.close()
    print(f"policy-archive fetch from {archive}", file=stream)
    total_fetched = total_versions = 0
    first_file: Path | None = None
    for result in results:
        s = result.stats
        fetched = int(s.get("policy/captures/fetched_policy", 0))
        listed = int(s.get("policy/captures/listed", 0))
        dropped = {k.split("/", 2)[2]: v for k, v in s.items() if k.startswith("policy/dropped/")}
        mine = [v for v in versions.get(result.domain, []) if v.kind == result.kind]
        langs = sorted({v.lang for v in mine})
        total_fetched += fetched
        total_versions += len(mine)
        status = "FAILED" if result.fatal else "ok"
        drops = ", ".join(f"{k} {n}" for k, n in sorted(dropped.items())) or "none"
        print(
            f"  {result.domain} [{status}]: {listed} policy captures listed, {fetched} fetched, "
            f"{len(mine)} versions ({', '.join(langs) or '-'}); dropped: {drops}",
            file=stream,
        )
        if mine and first_file is None:
            first_file = out / mine[-1].path
    print(
        f"{len(results)} domain(s), {total_fetched} captures fetched, "
        f"{total_versions} versions in {out / 'corpus'} (index: {out / INDEX_NAME})",
        file=stream,
    )
    if first_file is not None:
        print(f"open: {first_file}", file=stream)


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
