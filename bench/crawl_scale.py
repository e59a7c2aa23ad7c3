"""Crawl scale benchmark: `policy-archive crawl` on 200, 2000, 10000 domains, and its budget.

    .venv/bin/python -m bench.crawl_scale [--domains 200 2000 10000] [--quick] [--budget]
                                          [--json FILE]

Writes one archive of synthetic domains (one or two homepage captures linking to the
policy, three to five policy captures with one or two text changes), serves it with the
local archive (no budget, no latency) and, for each size N, runs `policy-archive crawl`
on the first N domains as a subprocess. It prints wall time, captures fetched a second,
CPU share, peak RSS of the crawl, the longest stretch with no request reaching the
archive, exit status and versions written, then the targets: at the largest N, peak RSS
under 400 MB and within 1.5x of the smallest N's, captures/s within 20% of it.

`--budget` crawls for about three minutes under --cdx-per-minute 120
--replay-per-minute 600 with 50 ms latency per answer and checks, from the archive's
request log, that no 60-s window holds more than the budget plus the burst of one and
that the steady rate uses the budget that binds (within 5% under it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from warcio.warcwriter import WARCWriter

from bench.pages import home_page, html_capture, policy_page
from localarchive.server import CDX_PATH, Faults, LocalArchive, RequestLog
from localarchive.sites import Capture, write_captures, write_warcinfo

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2017, 3, 6, 10, 0, 0, tzinfo=UTC)
DOMAINS_PER_WARC = 2500  # a few files at 10,000 domains, written as a stream
RSS_LIMIT_MB = 400.0
RSS_GROWTH_LIMIT = 1.5
THROUGHPUT_DROP_LIMIT = 0.20
SAMPLE_EVERY = 0.2  # seconds between RSS samples of the crawl's process tree
BUDGET_CDX = 120.0
BUDGET_REPLAY = 600.0
BUDGET_LATENCY = 0.05
BUDGET_DOMAINS = 330  # ~5.5 replays a domain at 600/min: about three minutes
BUDGET_BURST = 1  # crawler.settings.WAYBACK_BURST: a minute may hold the budget plus one
BUDGET_USED = 0.95  # the steady rate of the binding budget is at least this share of it
WINDOW = 60.0


# -- the archive -----------------------------------------------------------------------


def domain_name(n: int) -> str:
    return f"scale{n:05d}-shop.com"


def synthetic_domain(n: int, seed: int = 7) -> tuple[list[Capture], int]:
    """Domain n's captures and how many versions a correct crawl finds; same for any N."""
    rng = random.Random(f"{seed}:{n}")
    domain = domain_name(n)
    brand = domain.split(".")[0].replace("-", " ").title()
    policy_url = f"https://www.{domain}/privacy-policy"
    policies = rng.randint(3, 5)
    changes = sorted(rng.sample(range(1, policies), rng.randint(1, 2)))
    step = timedelta(days=rng.randint(120, 300))
    captures: list[Capture] = []
    for i in range(policies):
        moment = START + step * i + timedelta(minutes=rng.randint(0, 600))
        timestamp = moment.strftime("%Y%m%d%H%M%S")
        version = sum(1 for c in changes if c <= i)
        visitor = 1000 + i * 37 + rng.randint(0, 30)
        page = policy_page(brand, version, timestamp, visitor)
        captures.append(html_capture(policy_url, timestamp, page))
    for year in range(rng.randint(1, 2)):
        timestamp = (START + timedelta(days=365 * year + 3)).strftime("%Y%m%d%H%M%S")
        home = home_page(brand, timestamp)
        captures.append(html_capture(f"https://www.{domain}/", timestamp, home))
    return captures, len(changes) + 1


@dataclass(frozen=True, slots=True)
class Archive:
    domains: int
    captures: int
    versions: dict[str, int]  # versions a correct crawl finds, by domain
    files: int
    seconds: float


def write_archive(dest: Path, domains: int) -> Archive:
    """Streams `domains` synthetic domains into a few WARC files under dest."""
    began = time.monotonic()
    dest.mkdir(parents=True, exist_ok=True)
    versions: dict[str, int] = {}
    captures = files = 0
    for first in range(0, domains, DOMAINS_PER_WARC):
        name = f"scale-{first // DOMAINS_PER_WARC:03d}.warc.gz"
        part = dest / f".{name}.part"  # not a .warc.gz until complete
        with part.open("wb") as stream:
            writer = WARCWriter(stream, gzip=True)
            write_warcinfo(writer, name, START.strftime("%Y%m%d%H%M%S"))
            for n in range(first, min(first + DOMAINS_PER_WARC, domains)):
                records, expected = synthetic_domain(n)
                write_captures(writer, records)
                versions[domain_name(n)] = expected
                captures += len(records)
        os.replace(part, dest / name)
        files += 1
    return Archive(domains, captures, versions, files, time.monotonic() - began)


# -- measuring a crawl -------------------------------------------------------------------


def crawl_command(domains_file: Path, archive_url: str, out: Path, *extra: str) -> list[str]:
    """`policy-archive crawl` with this interpreter, so the worktree's code runs."""
    args = ["crawl", str(domains_file), "--archive", archive_url, "--out", str(out), *extra]
    if (ROOT / "policy_archive" / "__main__.py").exists():
        return [sys.executable, "-m", "policy_archive", *args]
    main = "from policy_archive.cli import main; raise SystemExit(main())"
    return [sys.executable, "-c", main, *args]


def _tree(pid: int) -> Iterator[int]:
    yield pid
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for task in tasks:
        try:
            children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        except OSError:
            continue
        for child in children:
            yield from _tree(int(child))


def tree_rss(pid: int) -> int:
    """Resident bytes of pid and its descendants (0 once gone)."""
    total = 0
    for member in _tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


@dataclass(frozen=True, slots=True)
class Crawl:
    exit_status: int
    seconds: float
    cpu_seconds: float  # the crawl's user + system time
    archive_cpu_seconds: float  # this process meanwhile: the archive's threads, the sampler
    peak_rss_mb: float
    log: list[RequestLog]
    began: float  # time.monotonic() at launch, the clock of RequestLog.time
    stderr_tail: str


def run_crawl(archive: LocalArchive, domains: Sequence[str], folder: Path, *extra: str) -> Crawl:
    """Runs `policy-archive crawl` on domains into folder/out, sampling its RSS."""
    folder.mkdir(parents=True, exist_ok=True)
    domains_file = folder / "domains.txt"
    domains_file.write_text("".join(f"{d}\n" for d in domains), encoding="utf-8")
    command = crawl_command(domains_file, archive.url, folder / "out", *extra)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first_request = len(archive.requests)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    peak = 0
    with (folder / "stdout.txt").open("wb") as out, (folder / "stderr.txt").open("wb") as err:
        began = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            time.sleep(SAMPLE_EVERY)
        seconds = time.monotonic() - began
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    if children.ru_maxrss > children_before.ru_maxrss:
        # this crawl is the largest child so far: its ru_maxrss (KiB) covers a peak that
        # fell between two samples
        peak = max(peak, children.ru_maxrss * 1024)
    stderr = (folder / "stderr.txt").read_text(encoding="utf-8", errors="replace")
    return Crawl(
        exit_status=process.returncode,
        seconds=seconds,
        cpu_seconds=_cpu(children) - _cpu(children_before),
        archive_cpu_seconds=_cpu(own) - _cpu(self_before),
        peak_rss_mb=peak / 2**20,
        log=archive.requests[first_request:],
        began=began,
        stderr_tail="\n".join(stderr.strip().splitlines()[-5:]),
    )


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def longest_idle(times: Sequence[float]) -> tuple[float, float]:
    """The largest gap between consecutive requests arriving at the archive, and its start."""
    ordered = sorted(times)
    return max(((b - a, a) for a, b in pairwise(ordered)), default=(0.0, 0.0))


@dataclass(frozen=True, slots=True)
class Written:
    captures: int
    domains: int  # domains with at least one capture stored
    versions: int


def written(out: Path) -> Written:
    index = out / "index.sqlite"
    if not index.exists():
        return Written(0, 0, 0)
    db = sqlite3.connect(f"file:{index}?mode=ro", uri=True)
    try:
        captures, domains = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT domain) FROM captures"
        ).fetchone()
        (versions,) = db.execute("SELECT COUNT(*) FROM versions").fetchone()
    finally:
        db.close()
    return Written(int(captures), int(domains), int(versions))


# -- scale runs --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScaleRun:
    domains: int
    exit_status: int
    seconds: float
    captures: int  # rows of `captures` in index.sqlite
    domains_crawled: int
    versions: int
    expected_versions: int
    cdx_requests: int
    replay_requests: int
    cpu_seconds: float
    archive_cpu_seconds: float
    peak_rss_mb: float
    longest_idle: float
    longest_idle_at: float  # seconds from launch to the start of that gap
    first_request_after: float  # seconds from launch to the first request (start-up)
    last_request_before_end: float  # seconds from the last request to the exit (shut-down)
    stderr_tail: str

    @property
    def captures_per_second(self) -> float:
        return self.captures / self.seconds if self.seconds else 0.0

    @property
    def cpu_share(self) -> float:
        return self.cpu_seconds / self.seconds if self.seconds else 0.0

    def figures(self) -> dict[str, object]:
        return {
            **asdict(self),
            "captures_per_second": self.captures_per_second,
            "cpu_share": self.cpu_share,
        }


def scale_run(archive: LocalArchive, expected: Archive, n: int, folder: Path) -> ScaleRun:
    domains = [domain_name(i) for i in range(n)]
    crawl = run_crawl(archive, domains, folder)
    out = written(folder / "out")
    times = [r.time for r in crawl.log]
    idle, idle_at = longest_idle(times)
    return ScaleRun(
        domains=n,
        exit_status=crawl.exit_status,
        seconds=crawl.seconds,
        captures=out.captures,
        domains_crawled=out.domains,
        versions=out.versions,
        expected_versions=sum(expected.versions[d] for d in domains),
        cdx_requests=sum(1 for r in crawl.log if r.path.startswith(CDX_PATH)),
        replay_requests=sum(1 for r in crawl.log if r.path.startswith("/web/")),
        cpu_seconds=crawl.cpu_seconds,
        archive_cpu_seconds=crawl.archive_cpu_seconds,
        peak_rss_mb=crawl.peak_rss_mb,
        longest_idle=idle,
        longest_idle_at=idle_at - crawl.began if times else 0.0,
        first_request_after=min(times) - crawl.began if times else crawl.seconds,
        last_request_before_end=crawl.began + crawl.seconds - max(times) if times else 0.0,
        stderr_tail=crawl.stderr_tail,
    )


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    value: float
    limit: float
    passed: bool


def scale_checks(runs: Sequence[ScaleRun]) -> list[Check]:
    """The targets at the largest N, against the smallest N's figures."""
    base, top = runs[0], runs[-1]
    rss_ratio = top.peak_rss_mb / base.peak_rss_mb if base.peak_rss_mb else float("inf")
    speed = top.captures_per_second / base.captures_per_second if base.captures_per_second else 0.0
    return [
        Check(
            f"peak RSS at {top.domains} domains (MB)",
            top.peak_rss_mb,
            RSS_LIMIT_MB,
            top.peak_rss_mb < RSS_LIMIT_MB,
        ),
        Check(
            f"peak RSS {top.domains}/{base.domains}",
            rss_ratio,
            RSS_GROWTH_LIMIT,
            rss_ratio <= RSS_GROWTH_LIMIT,
        ),
        Check(
            f"captures/s {top.domains}/{base.domains}",
            speed,
            1 - THROUGHPUT_DROP_LIMIT,
            speed >= 1 - THROUGHPUT_DROP_LIMIT,
        ),
    ]


def print_scale(runs: Sequence[ScaleRun], checks: Sequence[Check]) -> None:
    header = (
        f"{'domains':>7} {'exit':>4} {'wall s':>7} {'captures':>8} {'capt/s':>7} {'crawled':>7} "
        f"{'versions':>12} {'CDX':>6} {'replay':>6} {'CPU%':>5} {'arch CPU s':>10} "
        f"{'RSS MB':>7} {'idle s':>6} {'@ s':>6} {'1st req':>7} {'tail':>6}"
    )
    print(header)
    for r in runs:
        print(
            f"{r.domains:7d} {r.exit_status:4d} {r.seconds:7.1f} {r.captures:8d} "
            f"{r.captures_per_second:7.1f} {r.domains_crawled:7d} "
            f"{f'{r.versions}/{r.expected_versions}':>12} {r.cdx_requests:6d} {r.replay_requests:6d} "
            f"{100 * r.cpu_share:5.0f} {r.archive_cpu_seconds:10.1f} {r.peak_rss_mb:7.0f} "
            f"{r.longest_idle:6.2f} {r.longest_idle_at:6.1f} {r.first_request_after:7.2f} "
            f"{r.last_request_before_end:6.2f}"
        )
    for r in runs:
        if r.exit_status != 0 and r.stderr_tail:
            print(f"  {r.domains} domains, exit {r.exit_status}: {r.stderr_tail}")
    for c in checks:
        verdict = "ok" if c.passed else "FAILED"
        print(f"target: {c.name}: {c.value:.2f} (limit {c.limit:.2f}) {verdict}")


# -- budget run --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pace:
    kind: str
    budget: float
    requests: int
    max_window: int  # most requests in any 60-s window
    steady_per_minute: float  # rate between the first minute and the last
    per_minute: list[int]  # requests in each minute from the first request

    @property
    def within(self) -> bool:
        return self.max_window <= self.budget + BUDGET_BURST

    @property
    def used(self) -> float:
        return self.steady_per_minute / self.budget


def pace(kind: str, budget: float, times: Sequence[float]) -> Pace:
    ordered = sorted(times)
    if not ordered:
        return Pace(kind, budget, 0, 0, 0.0, [])
    # the fullest window starts at a request
    most = max(bisect_left(ordered, t + WINDOW) - i for i, t in enumerate(ordered))
    first, last = ordered[0], ordered[-1]
    minutes = [0] * (int((last - first) // WINDOW) + 1)
    for t in ordered:
        minutes[int((t - first) // WINDOW)] += 1
    # skip the first minute (the burst) and the last one (domains running out)
    lo, hi = first + WINDOW, last - WINDOW
    if hi - lo < WINDOW / 2:
        lo, hi = first, last
    inside = bisect_left(ordered, hi) - bisect_left(ordered, lo)
    steady = inside / (hi - lo) * WINDOW if hi > lo else 0.0
    return Pace(kind, budget, len(ordered), most, steady, minutes)


@dataclass(frozen=True, slots=True)
class BudgetRun:
    domains: int
    exit_status: int
    seconds: float
    versions: int
    expected_versions: int
    cdx: Pace
    replay: Pace

    @property
    def binding(self) -> Pace:
        return max(self.cdx, self.replay, key=lambda p: p.used)

    @property
    def passed(self) -> bool:
        return self.cdx.within and self.replay.within and self.binding.used >= BUDGET_USED

    def figures(self) -> dict[str, object]:
        return {
            **asdict(self),
            "binding": self.binding.kind,
            "cdx_within": self.cdx.within,
            "replay_within": self.replay.within,
            "cdx_used": self.cdx.used,
            "replay_used": self.replay.used,
            "passed": self.passed,
        }


def budget_run(warcs: Path, expected: Archive, n: int, folder: Path) -> BudgetRun:
    domains = [domain_name(i) for i in range(n)]
    extra = ("--cdx-per-minute", f"{BUDGET_CDX:g}", "--replay-per-minute", f"{BUDGET_REPLAY:g}")
    with LocalArchive(warcs, faults=Faults(delay=BUDGET_LATENCY)) as archive:
        crawl = run_crawl(archive, domains, folder, *extra)
    out = written(folder / "out")
    return BudgetRun(
        domains=n,
        exit_status=crawl.exit_status,
        seconds=crawl.seconds,
        versions=out.versions,
        expected_versions=sum(expected.versions[d] for d in domains),
        cdx=pace("cdx", BUDGET_CDX, [r.time for r in crawl.log if r.path.startswith(CDX_PATH)]),
        replay=pace(
            "replay", BUDGET_REPLAY, [r.time for r in crawl.log if r.path.startswith("/web/")]
        ),
    )


SHARED_CDX = 60.0  # a smaller budget, so that two workers would exceed it if not shared
SHARED_REPLAY = 300.0
SHARED_DOMAINS = 160


def shared_budget_run(warcs: Path, expected: Archive, n: int, folder: Path) -> BudgetRun:
    """Two workers of one Redis crawl in one budget group: together within the budget."""
    import shutil

    from tests.redis_server import RedisServer

    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("bench: --shared-budget needs redis-server (apt-get install redis-server)")
    domains = [domain_name(i) for i in range(n)]
    folder.mkdir(parents=True, exist_ok=True)
    domains_file = folder / "domains.txt"
    domains_file.write_text("".join(f"{d}\n" for d in domains), encoding="utf-8")
    (folder / "redis").mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    budget = ("--cdx-per-minute", f"{SHARED_CDX:g}", "--replay-per-minute", f"{SHARED_REPLAY:g}")
    with (
        RedisServer(binary, folder / "redis") as redis,
        LocalArchive(warcs, faults=Faults(delay=BUDGET_LATENCY)) as archive,
    ):
        began = time.monotonic()
        workers = []
        for name in ("w1", "w2"):
            command = crawl_command(domains_file, archive.url, folder / "out", *budget)
            command += ["--redis", redis.url, "--crawl-id", "bench", "--worker", name]
            command += ["--budget-group", "bench-machine"]
            with (folder / f"{name}.err").open("wb") as err:
                workers.append(
                    subprocess.Popen(
                        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err
                    )
                )
        statuses = [w.wait() for w in workers]
        seconds = time.monotonic() - began
        log = list(archive.requests)
    out = written(folder / "out")
    return BudgetRun(
        domains=n,
        exit_status=max(statuses),
        seconds=seconds,
        versions=out.versions,
        expected_versions=sum(expected.versions[d] for d in domains),
        cdx=pace("cdx", SHARED_CDX, [r.time for r in log if r.path.startswith(CDX_PATH)]),
        replay=pace("replay", SHARED_REPLAY, [r.time for r in log if r.path.startswith("/web/")]),
    )


def print_budget(run: BudgetRun) -> None:
    print(
        f"budget: {run.domains} domains, exit {run.exit_status}, {run.seconds:.0f} s wall, "
        f"{run.versions}/{run.expected_versions} versions, {BUDGET_LATENCY * 1000:.0f} ms latency"
    )
    for p in (run.cdx, run.replay):
        print(
            f"  {p.kind:6s} budget {p.budget:5.0f}/min: {p.requests} requests, fullest 60-s window "
            f"{p.max_window} ({'ok' if p.within else 'OVER'} <= {p.budget + BUDGET_BURST:.0f}), "
            f"steady {p.steady_per_minute:.1f}/min ({100 * p.used:.1f}% of budget), "
            f"per minute {p.per_minute}"
        )
    verdict = "ok" if run.passed else "FAILED"
    print(
        f"target: never over budget + {BUDGET_BURST}, the binding budget ({run.binding.kind}) "
        f"used >= {100 * BUDGET_USED:.0f}%: {verdict}"
    )


# -- command line ------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crawl_scale", description=__doc__)
    parser.add_argument("--domains", type=int, nargs="+", default=[200, 2000], metavar="N")
    parser.add_argument("--quick", action="store_true", help="200 domains only")
    parser.add_argument("--budget", action="store_true", help="also the budget run (~3 min)")
    parser.add_argument(
        "--budget-domains",
        type=int,
        default=BUDGET_DOMAINS,
        metavar="N",
        help="domains of the budget run",
    )
    parser.add_argument(
        "--shared-budget",
        action="store_true",
        help="two Redis workers of one budget group under one budget (~3 min)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every figure as JSON")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args(argv)
    sizes = [200] if args.quick else sorted(set(args.domains))
    if sizes[0] < 1 or args.budget_domains < 1:
        print("bench: need --domains >= 1 and --budget-domains >= 1", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-crawl-scale-") as tmp:
        folder = args.keep or Path(tmp)
        largest = max(
            sizes[-1],
            args.budget_domains if args.budget else 0,
            SHARED_DOMAINS if args.shared_budget else 0,
        )
        archive = write_archive(folder / "warcs", largest)
        print(
            f"archive: {archive.domains} domains, {archive.captures} captures in "
            f"{archive.files} WARC files, written in {archive.seconds:.1f} s"
        )
        began = time.monotonic()
        runs: list[ScaleRun] = []
        with LocalArchive(folder / "warcs") as server:
            print(f"archive: indexed in {time.monotonic() - began:.1f} s")
            for n in sizes:
                runs.append(scale_run(server, archive, n, folder / f"scale-{n}"))
                print(f"  {n} domains: {runs[-1].seconds:.1f} s", flush=True)
        checks = scale_checks(runs)
        print_scale(runs, checks)
        budget = None
        if args.budget:
            budget = budget_run(folder / "warcs", archive, args.budget_domains, folder / "budget")
            print_budget(budget)
        shared = None
        if args.shared_budget:
            shared = shared_budget_run(
                folder / "warcs", archive, SHARED_DOMAINS, folder / "shared-budget"
            )
            print("two Redis workers, one budget group:")
            print_budget(shared)
    figures = {
        "archive": {k: v for k, v in asdict(archive).items() if k != "versions"},
        "scale": [r.figures() for r in runs],
        "checks": [asdict(c) for c in checks],
        "budget": budget.figures() if budget else None,
        "shared_budget": shared.figures() if shared else None,
    }
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    ran = all(r.exit_status == 0 and r.domains_crawled == r.domains for r in runs)
    passed = all(c.passed for c in checks) and (budget is None or budget.passed)
    passed = passed and (shared is None or (shared.cdx.within and shared.replay.within))
    return 0 if ran and passed else 1


if __name__ == "__main__":
    sys.exit(main())
