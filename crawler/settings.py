"""Scrapy settings for policy-archive; every default in one place, with its reason."""

from __future__ import annotations

from policy_archive import user_agent

BOT_NAME = "policy-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# `scrapy crawl` exits with the spider's status (crawler.commands.crawl), not always 0.
COMMANDS_MODULE = "crawler.commands"

USER_AGENT = user_agent()
# Whom the archive can reach about this crawl (an e-mail address or a URL): added to the
# User-Agent (`policy-archive/VERSION (+PROJECT_URL; CONTACT)`) and to every raw file's
# warcinfo record. The Internet Archive asks crawlers to name one; "" names none.
WAYBACK_CONTACT = ""
ROBOTSTXT_OBEY = False  # we only ever talk to the archive, never to the archived sites
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no control port: a crawl is steered by signals and its frontier
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"

# Redirects are the archive's way of saying which capture it served, so the spider reads
# them itself (crawler.replay); a stock redirect could also leave the archive host.
REDIRECT_ENABLED = False
# Retries live in ArchiveDownloadHandler, not in the stock middleware (whose retries are
# immediate): a 429 waits out a pause for everyone; a passing fault (the archive's 5xx, a
# dropped or reset connection, a body cut short, a timeout) is asked again after 1, 2, 4
# s, then the capture is recorded *pending* and the next run asks again: a fault of the
# archive that lasts longer is better left to the next run than waited for.
RETRY_ENABLED = False
WAYBACK_RETRY_TIMES = 3
WAYBACK_RETRY_BACKOFF = 1.0
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024  # no policy page is larger; archived video is
DOWNLOAD_DELAY = 0  # pacing is the token buckets' job (crawler.politeness)
DOWNLOAD_HANDLERS = {
    "http": "crawler.handlers.ArchiveDownloadHandler",
    "https": "crawler.handlers.ArchiveDownloadHandler",
}

WAYBACK_ARCHIVE = "https://web.archive.org"
# Budgets per archive host, shared by every crawler of the process. None: the remote
# default below for a remote archive, no limit for one on loopback (tests, the demo).
WAYBACK_CDX_PER_MINUTE: float | None = None
WAYBACK_REPLAY_PER_MINUTE: float | None = None
# IA refused IPs at about 30 CDX calls a minute in 2026 (60 were fine in 2023), and
# timemaps count against the same budget: 20 leaves a third of it for everything else.
WAYBACK_REMOTE_CDX_PER_MINUTE = 20.0
# Replay was seen to take several hundred a minute; 60 (one a second) stays far below.
WAYBACK_REMOTE_REPLAY_PER_MINUTE = 60.0
WAYBACK_BURST = 1.0  # no bursts: any minute holds at most the budget plus one request
WAYBACK_BACKOFF = 60.0  # seconds of silence after a 429: IA's limit window is a minute
WAYBACK_BACKOFF_MAX = 3600.0  # doubling stops at an hour, the length of an IP refusal
WAYBACK_BACKOFF_RESET_FACTOR = 15.0  # quiet for 15 backoffs (15 min) and pauses start small again
# A refused connection means the IP is already penalised (an hour, doubling): pause five
# times longer than for a 429, doubling, and after four such pauses in a row (about 75
# minutes with the defaults) stop the run; a re-run resumes where it stopped.
WAYBACK_REFUSED_FACTOR = 5.0
WAYBACK_REFUSED_LIMIT = 4
# On loopback a refusal pauses at most this long: a local archive has no IP to protect,
# and one that refuses connections is down or restarting (the run still stops after
# WAYBACK_REFUSED_LIMIT refusals in a row).
WAYBACK_LOOPBACK_REFUSED_PAUSE = 1.0
WAYBACK_RATE_LIMITED_LIMIT = 8  # 429 pauses in a row (2 h in all) before the run stops
# A crawl over several machines keeps its frontier and budgets in Redis at this URL
# (redis://host:6379/0); None: one machine, budgets in this process alone.
WAYBACK_REDIS_URL: str | None = None
# Processes of one budget group share the budgets and 429 pauses above, since the archive
# limits per IP. None: this machine's hostname; name one group for machines behind one NAT.
WAYBACK_BUDGET_GROUP: str | None = None
WAYBACK_REMOTE_CONCURRENCY = 2  # the buckets set the pace; two hide one round trip
WAYBACK_LOCAL_CONCURRENCY = 8
WAYBACK_CDX_PAGE_SIZE = 5000  # rows per CDX request: bounded memory, few requests
WAYBACK_HOMEPAGE_SAMPLES = 12  # homepage captures read for policy links, spread over years
WAYBACK_MAX_POLICY_URLS = 5  # candidate policy URLs fetched per domain and kind
# Discovery never lists a whole domain (millions of rows on a large site): the archive
# filters the listing to URLs whose path may name a policy, one row a URL, and the best
# of them get an exact listing each (a CDX call apiece, so few); the listing stops after
# this many pages of WAYBACK_CDX_PAGE_SIZE rows (a site with more such URLs has articles
# about privacy, not more policies). An archive that fails on it is asked again in time
# slices of this many years.
WAYBACK_HINT_LOOKUPS = 10
# The hint listing's filter names policies in many languages (non-Latin ones also
# percent-encoded) in its URL; Scrapy's default cap of 2083 characters would drop it
# unsaid. 8000 stays under the 8 kB request line web servers accept.
URLLENGTH_LIMIT = 8000
WAYBACK_HINT_MAX_PAGES = 20
WAYBACK_HINT_SLICE_YEARS = 5
# Replay: the archive's redirect to the nearest capture is followed only this close to
# the capture asked for (half a year, the reference corpus's sampling step), and captured
# redirects (a policy that moved) only this many hops (loops exist in the archive).
WAYBACK_WINDOW_DAYS = 183.0
WAYBACK_MAX_REDIRECTS = 5
# Capture selection (crawler.selection): `changes` bisects where texts differ.
WAYBACK_STRATEGY = "changes"
WAYBACK_EVERY = "6M"  # `interval`: one capture per period, like the reference corpus
WAYBACK_PROBE_EVERY = "1Y"  # `changes`: no two fetched captures further apart than this

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.ArchiveOnlyMiddleware": 50,
}
ITEM_PIPELINES = {
    "pipelines.raw.RawStorePipeline": 100,
    "pipelines.text.ExtractionPipeline": 200,
    "pipelines.versions.VersioningPipeline": 300,
    "pipelines.frontier.FrontierPipeline": 400,
}

# Domains crawled at once. Each domain spends most of its time waiting on its own
# sequential steps (listing, then homepages, then bisection rounds), so a few dozen keep
# the archive's budget or the CPU busy; memory is bounded by this number, not by the
# length of the domain list.
CRAWL_DOMAINS_IN_FLIGHT = 32
# Items of one answer go through the pipelines one after the other: a domain's
# "done" item must follow its captures (the pipelines are synchronous, so parallel item
# processing gains nothing), and Scrapy's default of 100 starts 100 asyncio tasks for
# every answer (measured: 280,000 tasks, 8 s of a 400-domain crawl).
CONCURRENT_ITEMS = 1
# A pause (429 back-off, budget wait) is slept in slices this long, so that a stop
# (Ctrl-C, SIGTERM) is not held up by a long pause.
WAYBACK_WAIT_SLICE = 1.0

POLICY_ARCHIVE_OUT = "data"
POLICY_ARCHIVE_RUN_ID = None  # None: a fresh one per run (corpus.rawstore.new_run_id)
POLICY_ARCHIVE_COMMAND = None  # the command line, for the run log in the index
