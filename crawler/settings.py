"""Scrapy settings for policy-archive; every default in one place, with its reason."""

from __future__ import annotations

from policy_archive import PROJECT_URL, __version__

BOT_NAME = "policy-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = f"policy-archive/{__version__} (+{PROJECT_URL})"
ROBOTSTXT_OBEY = False  # we only ever talk to the archive, never to the archived sites
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"

# Redirects are the archive's way of saying which capture it served, so the spider reads
# them itself; a stock redirect could also leave the archive host.
REDIRECT_ENABLED = False
# The stock retry of 429 is immediate and gets the IP refused: 429 is handled by
# ArchiveBackoffMiddleware instead. Connection errors and 5xx are retried.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024  # no policy page is larger; archived video is

# Politeness for web.archive.org: IA publishes no limits; ~30 CDX calls/min were seen
# refused in 2026, so one request every 2.5 s (24/min) serves CDX and replay alike.
# Archives on loopback (tests, the demo) get no delay.
WAYBACK_ARCHIVE = "https://web.archive.org"
WAYBACK_REMOTE_DELAY = 2.5
WAYBACK_REMOTE_CONCURRENCY = 1
WAYBACK_LOCAL_CONCURRENCY = 8
WAYBACK_BACKOFF = 60.0  # seconds of silence after a 429: IA's penalty grows if we insist
WAYBACK_BACKOFF_MAX = 3600.0
WAYBACK_CDX_PAGE_SIZE = 5000  # rows per CDX request: bounded memory, few requests
WAYBACK_HOMEPAGE_SAMPLES = 12  # homepage captures read for policy links, spread over years
WAYBACK_MAX_POLICY_URLS = 5  # candidate policy URLs fetched per domain and kind

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.ArchiveOnlyMiddleware": 50,
    "crawler.middlewares.ArchiveBackoffMiddleware": 560,
}
ITEM_PIPELINES = {
    "pipelines.raw.RawStorePipeline": 100,
    "pipelines.text.ExtractionPipeline": 200,
    "pipelines.versions.VersioningPipeline": 300,
}

POLICY_ARCHIVE_OUT = "data"
