"""The `policy-archive` command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
            action="append",
            default=None,
            help="base URL of a Wayback-compatible archive (default: https://web.archive.org); "
            "pywb+URL for a pywb collection, memento+URL for TimeMaps only; repeat it to "
            "build one timeline from several archives, or give a NAME of --archives",
        )
        p.add_argument(
            "--archives",
            type=Path,
            default=None,
            metavar="FILE",
            help="archives file (TOML) naming archives with their dialect and budgets; "
            "without --archive, all of them are read",
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
        fetch_options(p)

    fetch = sub.add_parser("fetch", help="build the policy history of one or more domains")
    fetch.add_argument("domains", nargs="+", metavar="DOMAIN", help="e.g. example.com")
    crawl_options(fetch)

    crawl = sub.add_parser(
        "crawl", help="scheduled run: fetch what is new for every domain of a list file"
    )
    crawl.add_argument("domains_file", type=Path, metavar="FILE", help="one domain a line")
    crawl_options(crawl)
    shared = crawl.add_argument_group("several machines (README: Operations)")
    shared.add_argument(
        "--redis",
        metavar="URL",
        help="be one worker of a crawl shared through Redis (redis://HOST:PORT/DB)",
    )
    shared.add_argument(
        "--crawl-id",
        metavar="NAME",
        help="the shared crawl's name in Redis (default: the list file's name)",
    )
    shared.add_argument(
        "--worker", metavar="NAME", help="this worker's name (default: HOST-PID); names raw files"
    )
    shared.add_argument(
        "--budget-group",
        metavar="NAME",
        help="workers of one group share the archive's budgets (default: this machine's name, "
        "since the archive limits per IP)",
    )
    shared.add_argument(
        "--lease",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="a worker that stops renewing its domains for this long loses them (default 60)",
    )

    add_corpus_commands(sub)

    runs = sub.add_parser("runs", help="list the crawl runs of a data directory")
    runs.add_argument("--out", default="data", type=Path, help="data directory (default: data)")
    runs.add_argument("--json", action="store_true", help="the reports as JSON")

    demo = sub.add_parser("demo", help="run the whole pipeline on the bundled demo archive")
    common(demo)
    demo.set_defaults(out=Path("demo-data"))
    return parser


def fetch_options(p: argparse.ArgumentParser) -> None:
    """Capture selection, replay and politeness options (README: "Fetch options")."""
    p.add_argument(
        "--strategy",
        choices=("changes", "all", "interval"),
        help="which captures to fetch: changes (default: bisect where the text changed), "
        "all (every distinct capture), interval (one per --every)",
    )
    p.add_argument("--every", metavar="PERIOD", help="interval: one capture per PERIOD (6M)")
    p.add_argument(
        "--probe-every",
        metavar="PERIOD",
        help="changes: fetch at least one capture per PERIOD, 0 for none (default 1Y)",
    )
    p.add_argument(
        "--window",
        type=float,
        metavar="DAYS",
        help="follow the archive to a nearby capture only within DAYS (default 183)",
    )
    p.add_argument(
        "--cdx-per-minute",
        type=float,
        metavar="N",
        help="CDX calls a minute (default 20 remote, unlimited on loopback; 0: unlimited)",
    )
    p.add_argument(
        "--replay-per-minute",
        type=float,
        metavar="N",
        help="replay fetches a minute (default 60 remote, unlimited on loopback; 0: unlimited)",
    )
    p.add_argument(
        "--retries",
        type=int,
        metavar="N",
        help="ask again this many times after a passing fault (5xx, dropped connection, "
        "cut body) before the capture is left pending for the next run (default 3)",
    )
    p.add_argument(
        "--retry-backoff",
        type=float,
        metavar="SECONDS",
        help="first pause before asking again, doubling (default 1)",
    )
    p.add_argument(
        "--in-flight",
        type=int,
        metavar="N",
        help="domains crawled at once (default 32)",
    )
    p.add_argument(
        "--backoff",
        type=float,
        metavar="SECONDS",
        help="pause of all traffic after a 429, doubling on repeats (default 60)",
    )
    p.add_argument(
        "--contact",
        metavar="EMAIL-OR-URL",
        help="whom the archive can reach about this crawl: sent in the User-Agent and "
        "written into every raw file's warcinfo record",
    )


def fetch_settings(args: argparse.Namespace) -> Any:
    """The fetch options as policy_archive.crawl.FetchOptions; bad values are a UserError."""
    from crawler.selection import DurationError, parse_duration
    from policy_archive.crawl import FetchOptions

    for name in ("every", "probe_every"):
        value = getattr(args, name, None)
        if value is not None and not (name == "probe_every" and value.strip() == "0"):
            try:
                parse_duration(value)
            except DurationError as exc:
                raise UserError(f"--{name.replace('_', '-')}: {exc}") from exc
    in_flight = getattr(args, "in_flight", None)
    if in_flight is not None and in_flight < 1:
        raise UserError(f"--in-flight must be 1 or more, not {in_flight}")
    retries = getattr(args, "retries", None)
    if retries is not None and retries < 0:
        raise UserError(f"--retries must be 0 or more, not {retries}")
    retry_backoff = getattr(args, "retry_backoff", None)
    if retry_backoff is not None and not retry_backoff >= 0:
        raise UserError(f"--retry-backoff must be a number >= 0, not {retry_backoff}")
    contact = getattr(args, "contact", None)
    if contact is not None and not contact.isprintable():
        raise UserError("--contact must be one line of printable text (an e-mail address or URL)")
    for name in ("window", "cdx_per_minute", "replay_per_minute", "backoff"):
        value = getattr(args, name, None)
        if value is not None and not value >= 0:
            raise UserError(f"--{name.replace('_', '-')} must be a number >= 0, not {value}")
    return FetchOptions(
        strategy=getattr(args, "strategy", None),
        every=getattr(args, "every", None),
        probe_every=getattr(args, "probe_every", None),
        window_days=getattr(args, "window", None),
        cdx_per_minute=getattr(args, "cdx_per_minute", None),
        replay_per_minute=getattr(args, "replay_per_minute", None),
        backoff=getattr(args, "backoff", None),
        in_flight=getattr(args, "in_flight", None),
        retries=getattr(args, "retries", None),
        retry_backoff=getattr(args, "retry_backoff", None),
        contact=contact.strip() if contact else None,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command not in ("fetch", "crawl", "demo"):  # crawls log through Scrapy's root handler
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "fetch":
            return cmd_fetch(args)
        if args.command == "crawl":
            return cmd_crawl(args)
        if args.command == "runs":
            return cmd_runs(args)
        if args.command in CORPUS_COMMANDS:
            return CORPUS_COMMANDS[args.command](args)
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


def _archives(args: argparse.Namespace) -> str:
    """The WAYBACK_ARCHIVE value of `--archive` and `--archives` (ArchiveUrlError if bad)."""
    from policy_archive.archives import select_archives
    from webarchive.wayback import archives_setting

    return archives_setting(select_archives(args.archive, args.archives))


def cmd_fetch(args: argparse.Namespace) -> int:
    from crawler.discovery import DomainError, normalise_domain
    from crawler.frontier import SqliteFrontier
    from webarchive.wayback import ArchiveUrlError

    try:
        domains = list(dict.fromkeys(normalise_domain(d) for d in args.domains))
        archive = _archives(args)
        args.url_notes = _url_notes(_policy_urls(args.url), domains)
    except (DomainError, ArchiveUrlError) as exc:
        raise UserError(str(exc)) from exc
    _check_out(args.out)
    options = fetch_settings(args)
    frontier = SqliteFrontier()  # a one-off fetch: its domains are on the command line
    frontier.add(domains)
    return _locked(args.out, lambda: _crawl(frontier, archive, args, options, "fetch"))


def _policy_urls(urls: Sequence[str]) -> list[str]:
    """The `--url`s, checked (DomainError names the first that is not a URL)."""
    from crawler.discovery import policy_url

    return [policy_url(url) for url in urls]


def _url_notes(urls: Sequence[str], domains: Sequence[str]) -> list[str]:
    """What the summary says of `--url`s on another host than the domains crawled."""
    from urllib.parse import urlsplit

    from crawler.discovery import host_in_domain

    notes = []
    for url in urls:
        host = (urlsplit(url).hostname or "").lower()
        if not any(host_in_domain(host, domain) for domain in domains):
            notes.append(
                f"--url {url} is on another host ({host}) than {', '.join(domains)}: "
                "followed as you asked; its captures are recorded under that URL"
            )
    return notes


def _locked(out: Path, work: Callable[[], int], shared: str | None = None) -> int:
    """Run a writing command's `work` holding the data directory's lock, once the
    directory is found writable and its index intact (before any network traffic)."""
    from corpus.lock import DataDirLock, LockedError

    _check_writable(out)
    lock = DataDirLock(out, shared)
    try:
        lock.__enter__()
    except LockedError as exc:
        print(f"policy-archive: {exc}; not starting", file=sys.stderr)
        return 3
    except OSError as exc:
        raise UserError(f"cannot write to --out {out}: {exc.strerror or exc}") from exc
    try:
        _check_index(out)
        return work()
    finally:
        lock.__exit__(None, None, None)


def _check_writable(out: Path) -> None:
    import os

    if out.is_dir() and not os.access(out, os.W_OK):
        raise UserError(f"--out {out} is read-only; this command writes there")


def _check_index(out: Path) -> None:
    from corpus.store import StoreError, check_index

    try:
        check_index(out)
    except StoreError as exc:
        raise UserError(str(exc)) from exc


def _crawl(
    frontier: Any,
    archive: str,
    args: argparse.Namespace,
    options: Any,
    command: str,
    invalid: list[tuple[int, str]] | None = None,
    write_report: bool = False,
    extra_settings: dict[str, object] | None = None,
) -> int:
    """Crawl what `frontier` holds; summary on stdout, problems on stderr, a run report."""
    from corpus.rawstore import new_run_id
    from policy_archive.crawl import (
        EXIT_FAILED,
        close_report,
        exit_status,
        print_summary,
        report_problems,
        run_crawl,
    )
    from policy_archive.runs import RunReport
    from webarchive.wayback import archives_label, parse_archives

    report = RunReport(
        run_id=new_run_id(getattr(args, "worker", None) or ""),
        command=" ".join(["policy-archive", *sys.argv[1:]]) if command != "demo" else "demo",
        options=_option_dict(options),
        archive=archives_label(archive),
    )
    report.invalid_lines = [{"line": n, "text": t} for n, t in (invalid or [])][:1000]
    if write_report:
        report.write(args.out)
    note = contact_note(options.contact, parse_archives(archive)[0])
    if note:
        print(note, file=sys.stderr)
    outcome = run_crawl(
        frontier,
        archive,
        args.out,
        args.kind,
        args.url,
        args.verbose,
        options,
        report,
        extra_settings,
    )
    counts = frontier.counts()
    status = exit_status(outcome, counts)
    if status == 0 and invalid:
        status = EXIT_FAILED
    close_report(report, outcome, frontier, status)
    from corpus.store import INDEX_NAME

    wrote = write_report or (args.out / INDEX_NAME).exists()
    path = report.write(args.out) if wrote else None
    if counts.get("done", 0) or not (counts.get("failed") or outcome.stop_reason):
        print_summary(frontier, outcome, archive, args.out, sys.stdout)
        for note in getattr(args, "url_notes", ()):
            print(f"note: {note}", file=sys.stdout)

    def say(line: str) -> None:
        print(line, file=sys.stderr)

    report_problems(frontier, outcome, status, say)
    if invalid:
        say(
            f"policy-archive: warning: {_plural(len(invalid), 'line')} of the domain list "
            "skipped (not domain names; listed above and in the run report)"
        )
    if path is not None and command != "demo":
        print(f"run report: {path}", file=sys.stderr)
    frontier.close()
    return status


def contact_note(contact: str | None, archive: Any) -> str | None:
    """One line asking for --contact when a remote archive is crawled without one."""
    if contact or archive.is_loopback:
        return None
    return (
        "policy-archive: note: the archive asks crawlers to name a contact; "
        "add --contact EMAIL-OR-URL (it goes into the User-Agent)"
    )


def _option_dict(options: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return {k: v for k, v in asdict(options).items() if v is not None}


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# A domain list is read as a stream: a line longer than any domain name with a comment
# is not one, and a "list" larger than this (ten million domains and more) is a mistake
# (`crawl /dev/zero`) rather than a crawl anyone can finish.
LIST_MAX_BYTES = 512 * 1024 * 1024
LIST_MAX_LINE = 4096
LIST_MAX_REPORTED = 20  # invalid lines printed one by one; the rest are counted


class DomainList:
    """The valid domains of a list file, streamed; invalid lines are collected with their
    numbers (one a line, `#` comments, blank lines ignored)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.invalid: list[tuple[int, str]] = []
        self.valid = 0
        try:
            self.handle = open(path, "rb")  # noqa: SIM115  (closed by domains())
        except OSError as exc:
            raise UserError(f"cannot read the domain list {path}: {exc.strerror or exc}") from exc
        if path.is_dir():
            self.handle.close()
            raise UserError(f"cannot read the domain list {path}: it is a directory")

    def domains(self) -> Iterator[str]:
        from crawler.discovery import DomainError, normalise_domain

        read = 0
        try:
            for number, raw in enumerate(self._lines(), start=1):
                read += len(raw)
                if read > LIST_MAX_BYTES:
                    raise UserError(
                        f"the domain list {self.path} is larger than {LIST_MAX_BYTES // 2**20} MiB; "
                        "split it"
                    )
                if raw is _TOO_LONG:
                    self.invalid.append((number, f"(a line over {LIST_MAX_LINE} bytes)"))
                    continue
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    self.invalid.append((number, "(not UTF-8 text)"))
                    continue
                entry = line.split("#", 1)[0].strip()
                if not entry:
                    continue
                try:
                    domain = normalise_domain(entry)
                except DomainError:
                    self.invalid.append((number, entry))
                    continue
                self.valid += 1
                yield domain
        finally:
            self.handle.close()

    def _lines(self) -> Iterator[bytes]:
        while True:
            line = self.handle.readline(LIST_MAX_LINE + 1)
            if not line:
                return
            if len(line) > LIST_MAX_LINE and not line.endswith(b"\n"):
                skipped = len(line)
                # skip the rest of the overlong line, within the size limit
                while line and not line.endswith(b"\n"):
                    line = self.handle.readline(LIST_MAX_LINE + 1)
                    skipped += len(line)
                    if skipped > LIST_MAX_BYTES:
                        raise UserError(
                            f"the domain list {self.path} holds a line of more than "
                            f"{LIST_MAX_BYTES // 2**20} MiB: not a domain list"
                        )
                yield _TOO_LONG
                continue
            yield line


_TOO_LONG = b"\0too long\0"


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.discovery import DomainError
    from webarchive.wayback import ArchiveUrlError

    try:
        archive = _archives(args)
        _policy_urls(args.url)
    except (ArchiveUrlError, DomainError) as exc:
        raise UserError(str(exc)) from exc
    _check_out(args.out)
    options = fetch_settings(args)
    listing = DomainList(args.domains_file)
    if args.redis:
        return _crawl_shared(args, archive, options, listing)

    def work() -> int:
        from crawler.frontier import FrontierError, SqliteFrontier

        try:
            frontier = SqliteFrontier.in_dir(args.out)
        except FrontierError as exc:
            raise UserError(str(exc)) from exc
        continuing, left = frontier.begin()
        frontier.add(listing.domains())
        _report_invalid(listing)
        if listing.valid == 0 and not continuing:
            frontier.close()
            raise UserError(f"{args.domains_file} lists no domains")
        if continuing:
            print(
                f"policy-archive: continuing the unfinished crawl in {args.out}: "
                f"{_plural(left, 'domain')} left",
                file=sys.stderr,
            )
        return _crawl(frontier, archive, args, options, "crawl", listing.invalid, write_report=True)

    return _locked(args.out, work)


def _crawl_shared(args: argparse.Namespace, archive: str, options: Any, listing: DomainList) -> int:
    """One worker of a crawl shared through Redis: domains, leases and budgets there."""
    import os
    import socket

    from crawler.frontier import FrontierError
    from crawler.redis_frontier import RedisFrontier, redacted

    if args.lease <= 0:
        raise UserError("--lease must be a positive number of seconds")
    crawl_id = args.crawl_id or args.domains_file.stem
    args.worker = args.worker or f"{socket.gethostname()}-{os.getpid()}"
    try:
        frontier = RedisFrontier.connect(args.redis, crawl_id, args.worker, args.lease)
    except FrontierError as exc:
        raise UserError(str(exc)) from exc
    extra = {"WAYBACK_REDIS_URL": args.redis, "WAYBACK_BUDGET_GROUP": args.budget_group}

    def work() -> int:
        # every worker adds the list: domains already known to the crawl are skipped
        frontier.add(listing.domains())
        _report_invalid(listing)
        if listing.valid == 0:
            frontier.close()
            raise UserError(f"{args.domains_file} lists no domains")
        print(
            f"policy-archive: worker {args.worker} of crawl {crawl_id!r} at {redacted(args.redis)}",
            file=sys.stderr,
        )
        return _crawl(
            frontier,
            archive,
            args,
            options,
            "crawl",
            listing.invalid,
            write_report=True,
            extra_settings={k: v for k, v in extra.items() if v},
        )

    shared_key = f"{redacted(args.redis)}#{crawl_id}"
    return _locked(args.out, work, shared=shared_key)


def _report_invalid(listing: DomainList) -> None:
    for number, text in listing.invalid[:LIST_MAX_REPORTED]:
        print(
            f"policy-archive: {listing.path}: line {number}: {text!r} is not a domain name; skipped",
            file=sys.stderr,
        )
    more = len(listing.invalid) - LIST_MAX_REPORTED
    if more > 0:
        print(f"policy-archive: {listing.path}: {more} more invalid lines skipped", file=sys.stderr)


def cmd_runs(args: argparse.Namespace) -> int:
    from corpus.lock import DataDirLock, LockedError
    from policy_archive.runs import format_reports, read_reports

    if not args.out.is_dir():
        raise UserError(f"--out {args.out} does not exist")
    reports = read_reports(args.out)
    try:
        with DataDirLock(args.out):
            locked = False
    except LockedError:
        locked = True
    if args.json:
        print(json.dumps(reports, indent=2, sort_keys=True))
    else:
        print(format_reports(reports, locked))
    return 0


# -- corpus commands: rebuild, export, stats, diff, timeline ---------------------------


def add_corpus_commands(sub: Any) -> None:
    def out_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", default="data", type=Path, help="data directory (default: data)")

    rebuild = sub.add_parser(
        "rebuild", help="regenerate the index and every version file from DIR/raw (no network)"
    )
    out_option(rebuild)
    rebuild.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="worker processes, one domain at a time each (default: the CPUs it may use)",
    )
    rebuild.add_argument(
        "--from",
        dest="sources",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="also take the raw captures of DIR (another worker's data directory; repeatable)",
    )
    rebuild.add_argument(
        "--accept-loss",
        action="store_true",
        help="swap the rebuilt corpus in even if it lacks captures the current index has "
        "(damaged or missing raw files)",
    )

    export = sub.add_parser("export", help="write the corpus's versions in a data format")
    out_option(export)
    export.add_argument(
        "--format", default="jsonl", choices=("jsonl", "parquet", "csv"), help="output format"
    )
    export.add_argument(
        "--output",
        type=_output_arg,
        help="write to this regular file (and a dataset card beside it); - is standard output",
    )
    export.add_argument(
        "--captures",
        action="store_true",
        help="one JSON line per policy capture instead (its archive and every archive "
        "holding it) on standard output",
    )

    stats = sub.add_parser("stats", help="domains, policies, versions, captures, drops")
    out_option(stats)
    stats.add_argument("--json", action="store_true", help="print the figures as JSON")

    diff = sub.add_parser("diff", help="a word-level diff between two versions of a policy")
    diff.add_argument("domain", metavar="DOMAIN")
    out_option(diff)
    diff.add_argument("--kind", default="privacy", choices=("privacy", "terms", "cookies"))
    diff.add_argument("--lang", help="language of the timeline (needed when there are several)")
    diff.add_argument("--from", dest="old", type=int, help="older version (default: --to minus 1)")
    diff.add_argument("--to", dest="new", type=int, help="newer version (default: the latest)")

    serve = sub.add_parser(
        "serve", help="browse the corpus in a web browser: timelines, versions, diffs, search"
    )
    out_option(serve)
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument(
        "--port",
        type=_port_arg,
        default=8000,
        help="port to listen on (default: 8000; 0: any free one)",
    )

    timeline = sub.add_parser("timeline", help="plot versions over time (PNG and SVG)")
    timeline.add_argument("domain", nargs="?", metavar="DOMAIN")
    out_option(timeline)
    timeline.add_argument(
        "--all", action="store_true", help="corpus-wide: policies and median length per year"
    )
    timeline.add_argument(
        "--output", type=Path, help="file name stem (default: DIR/plots/<domain> or DIR/plots/all)"
    )


def _port_arg(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port (0 to 65535)")
    return int(value)


def _output_arg(value: str) -> Path | None:
    """`--output -` is standard output, as leaving --output out is."""
    return None if value == "-" else Path(value)


def _open_corpus(out: Path) -> Any:
    """The corpus for reading: opened read-only, so a read-only data directory serves."""
    import os

    from corpus.store import OldSchemaError, Store, StoreError

    try:
        try:
            return Store.open(out, readonly=True)
        except OldSchemaError:
            if not os.access(out, os.W_OK):
                raise
            return Store.open(out, create=False)  # migrates, once
    except StoreError as exc:
        raise UserError(str(exc)) from exc


def cmd_rebuild(args: argparse.Namespace) -> int:
    from corpus.rebuild import (
        RebuildError,
        RebuildLossError,
        RebuildProgress,
        describe_losses,
        rebuild,
        usable_cpus,
    )

    if args.jobs is None:
        args.jobs = usable_cpus()
    if args.jobs < 1:
        raise UserError("--jobs must be 1 or more")
    _check_out(args.out)
    if not args.out.is_dir() and not args.sources:
        raise UserError(f"--out {args.out} does not exist")
    _check_writable(args.out)
    bar = sys.stderr.isatty()

    def progress(p: RebuildProgress) -> None:
        if not bar:
            return
        width = 30
        filled = width * p.domains_done // max(p.domains_total, 1)
        rate = p.captures / p.seconds if p.seconds else 0.0
        print(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {p.domains_done}/{p.domains_total} "
            f"domains, {p.captures} captures, {rate:.0f}/s",
            end="",
            file=sys.stderr,
            flush=True,
        )

    try:
        try:
            report = rebuild(args.out, args.jobs, progress, args.sources, args.accept_loss)
        finally:
            if bar:
                print(file=sys.stderr)
    except RebuildLossError as exc:
        _report_damage(exc.damaged)
        print(f"policy-archive: error: {exc}", file=sys.stderr)
        return 1
    except RebuildError as exc:
        raise UserError(str(exc)) from exc
    _report_damage(report.damaged)
    if report.lost:
        print(
            f"policy-archive: warning: --accept-loss: the rebuilt corpus lost "
            f"{describe_losses(list(report.lost))} that the previous index held",
            file=sys.stderr,
        )
    print(
        f"rebuilt {args.out}: {report.domains} domains, {report.captures} captures "
        f"({report.payloads} payloads processed), {report.versions} versions in "
        f"{report.seconds:.1f} s ({report.captures_per_second:.0f} captures/s)"
    )
    return 0


def _report_damage(damaged: Sequence[Any]) -> None:
    for damage in damaged:
        print(f"policy-archive: warning: {damage}", file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:
    from corpus.export import ExportError, card_path, export

    if args.output is None and args.format == "parquet" and sys.stdout.isatty():
        raise UserError("parquet is binary: give --output FILE or redirect standard output")
    if args.captures:
        return _export_captures(args)
    store = _open_corpus(args.out)
    try:
        count = export(store, args.format, args.output, sys.stdout.buffer)
    except ExportError as exc:
        raise UserError(str(exc)) from exc
    finally:
        store.close()
    sys.stdout.flush()
    if args.output:
        print(
            f"{count} versions written to {args.output} (card: {card_path(args.output)})",
            file=sys.stderr,
        )
    return 0


def _export_captures(args: argparse.Namespace) -> int:
    from corpus.export import write_captures_jsonl

    if args.format != "jsonl" or args.output is not None:
        raise UserError("--captures writes JSON lines to standard output only")
    store = _open_corpus(args.out)
    try:
        write_captures_jsonl(store, sys.stdout)
    finally:
        store.close()
    sys.stdout.flush()
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from corpus.summary import format_summary, summarise

    store = _open_corpus(args.out)
    try:
        summary = summarise(store)
    finally:
        store.close()
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2, sort_keys=True))
    else:
        print(format_summary(summary))
    return 0


def _domain_arg(value: str) -> str:
    from crawler.discovery import DomainError, normalise_domain

    try:
        return normalise_domain(value)
    except DomainError as exc:
        raise UserError(str(exc)) from exc


def cmd_diff(args: argparse.Namespace) -> int:
    from corpus.diff import diff_lines, render_diff

    domain = _domain_arg(args.domain)
    store = _open_corpus(args.out)
    try:
        rows = [r for r in store.versions(domain) if r.version.kind == args.kind]
    finally:
        store.close()
    langs = sorted({r.version.lang for r in rows})
    if not rows:
        raise UserError(f"no {args.kind} versions of {domain} in {args.out}")
    lang = args.lang or (langs[0] if len(langs) == 1 else None)
    if lang is None:
        raise UserError(
            f"{domain} has {args.kind} texts in {', '.join(langs)}; pick one with --lang"
        )
    track = {r.version.number: r for r in rows if r.version.lang == lang}
    if not track:
        raise UserError(f"{domain} has no {args.kind} text in {lang!r} (it has {', '.join(langs)})")
    new = args.new if args.new is not None else max(track)
    old = args.old if args.old is not None else new - 1
    for number in (old, new):
        if number not in track:
            raise UserError(
                f"{domain} {args.kind} {lang} has versions 1 to {max(track)}; there is no {number}"
            )
    a, b = track[old], track[new]
    change = a.as_dict(), b.as_dict()
    print(
        f"{domain} {args.kind} {lang}: version {old} ({change[0]['first_seen']}) -> "
        f"version {new} ({change[1]['first_seen']})"
    )
    print(f"--- {a.version.archive_url}\n+++ {b.version.archive_url}")
    print(render_diff(diff_lines(a.text, b.text), colour=sys.stdout.isatty()) or "(identical)")
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    from corpus.timeline import capture_marks, plot_corpus, plot_domain

    if bool(args.domain) == bool(args.all):
        raise UserError("name one DOMAIN or give --all")
    domain = _domain_arg(args.domain) if args.domain else None
    store = _open_corpus(args.out)
    try:
        rows = list(store.versions(domain))
        marks = capture_marks(store, domain, {r.version.kind for r in rows}) if domain else {}
    finally:
        store.close()
    if not rows:
        raise UserError(f"no versions of {domain} in {args.out}" if domain else "no versions yet")
    from corpus.render import safe_segment

    stem = args.output or args.out / "plots" / (safe_segment(domain) if domain else "all")
    try:
        paths = plot_domain(rows, domain, stem, marks) if domain else plot_corpus(rows, stem)
    except OSError as exc:
        raise UserError(f"cannot write the plot {stem}: {exc.strerror or exc}") from exc
    for path in paths:
        print(path)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from policy_archive.web.app import ServeError, serve

    _check_out(args.out)
    if not args.out.is_dir():
        raise UserError(f"--out {args.out} does not exist")

    def ready(url: str) -> None:
        print(f"serving {args.out} at {url} (read-only; Ctrl-C stops)", flush=True)

    try:
        serve(args.out, args.host, args.port, ready)
    except ServeError as exc:
        raise UserError(str(exc)) from exc
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a server is meant to stop
    return 0


CORPUS_COMMANDS = {
    "rebuild": cmd_rebuild,
    "export": cmd_export,
    "stats": cmd_stats,
    "diff": cmd_diff,
    "timeline": cmd_timeline,
    "serve": cmd_serve,
}


# -- demo ----------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.frontier import SqliteFrontier
    from localarchive.server import LocalArchive
    from localarchive.sites import write_demo_archive
    from policy_archive.crawl import FetchOptions

    _check_out(args.out)
    args.kind, args.url = "privacy", []
    with tempfile.TemporaryDirectory(prefix="policy-archive-demo-") as tmp:
        manifest = write_demo_archive(Path(tmp))
        domains = sorted(manifest.versions)
        with LocalArchive(Path(tmp)) as archive:
            print(f"demo archive: {len(domains)} sites served at {archive.url}")
            started = datetime.now(UTC)
            frontier = SqliteFrontier()
            frontier.add(domains)
            status = _locked(
                args.out,
                lambda: _crawl(frontier, archive.url, args, FetchOptions(), "demo"),
            )
            seconds = (datetime.now(UTC) - started).total_seconds()
    print(f"done in {seconds:.1f} s; export with: policy-archive export --out {args.out}")
    print(f"browse it with: policy-archive serve --out {args.out}")
    return status
