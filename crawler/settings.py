"""Scrapy settings of the newsclean crawler: safe, polite defaults.

Override any of them per run: ``newsclean crawl ... -s NAME=VALUE`` or ``scrapy crawl news -s``.
The ``NEWSCLEAN_*`` settings are newsclean's own; each is described where it is set.

Scrapy imports this module before any component, so it also sets up the crawl process: the
cleaning package is imported first because importing it chooses Arrow's memory pool
(``ARROW_DEFAULT_MEMORY_POOL``, read when pyarrow loads; see ``cleaning/__init__.py``), which
must happen before the ledger or the Parquet writer imports pyarrow.
"""
import cleaning  # noqa: F401  (Arrow's memory pool, above; not a setting: Scrapy reads upper-case names)

BOT_NAME = "newsclean"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- Identity -----------------------------------------------------------------------------
#: Where site owners can reach whoever runs the crawl: a URL or an e-mail address.
NEWSCLEAN_CONTACT = "https://github.com/newsclean/newsclean"
#: ``{contact}`` is replaced by NEWSCLEAN_CONTACT (crawler.downloadermiddlewares.useragent).
USER_AGENT = "newsclean/0.1 (+{contact})"
ROBOTSTXT_OBEY = True
#: The token matched against robots.txt ``User-agent:`` groups.
ROBOTSTXT_USER_AGENT = "newsclean"

# --- Politeness ---------------------------------------------------------------------------
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
#: A robots.txt ``Crawl-delay`` is honoured up to this many seconds.
NEWSCLEAN_MAX_CRAWL_DELAY = 30.0
#: 429/503 are retried after ``Retry-After`` (capped here), else after
#: NEWSCLEAN_BACKOFF_BASE * 2**retries seconds; the whole host waits meanwhile.
NEWSCLEAN_RETRY_AFTER_MAX = 120.0
NEWSCLEAN_BACKOFF_BASE = 2.0
RETRY_ENABLED = True
RETRY_TIMES = 3
COOKIES_ENABLED = False
REDIRECT_MAX_TIMES = 5

# --- Safety -------------------------------------------------------------------------------
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 20
#: Only http and https: never read local files, inline data, S3 buckets or FTP.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}
TELNETCONSOLE_ENABLED = False
#: Scrapy 2.19's HTTP remote-control listener: no open ports on a crawler.
REMOTE_CONTROL_ENABLED = False
#: Private, loopback, link-local and reserved addresses (as IPs or names resolving to them) are
#: refused before connecting (crawler.downloadermiddlewares.safetarget), and again when the
#: connection resolves the name (crawler.targets.PublicAddressResolver: DNS rebinding), except
#: the hosts the configured sites name and these: host names as written in URLs, IPs or CIDR
#: networks.
NEWSCLEAN_REFUSE_PRIVATE_ADDRESSES = True
NEWSCLEAN_ALLOW_PRIVATE_HOSTS: list[str] = []
TWISTED_DNS_RESOLVER = "crawler.targets.PublicAddressResolver"
#: A partial body (Content-Length not reached, broken chunked encoding) is a failure, never cleaned.
DOWNLOAD_FAIL_ON_DATALOSS = True

# --- Components ---------------------------------------------------------------------------
#: Enforces CONCURRENT_REQUESTS_PER_DOMAIN, which Scrapy 2.19's Downloader lets bursts exceed.
DOWNLOADER = "crawler.downloader.PoliteDownloader"
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.downloadermiddlewares.robotstxt.StrictRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "crawler.downloadermiddlewares.useragent.ContactUserAgentMiddleware": 500,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.downloadermiddlewares.retry.PoliteRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.downloadermiddlewares.metarefresh.LazyMetaRefreshMiddleware": 580,
    # before robots.txt and offsite (no robots.txt fetched from a refused host)
    "crawler.downloadermiddlewares.safetarget.SafeTargetMiddleware": 40,
    # its process_response runs before RedirectMiddleware's (600)
    "crawler.downloadermiddlewares.redirectguard.RedirectGuardMiddleware": 610,
    # after every middleware that adds headers (cookies 700), just before the download
    "crawler.downloadermiddlewares.credentials.CredentialScopeMiddleware": 960,
}
# Scrapy re-parses a callback's source for every response to warn about generators that return
# a value (its cache is keyed by the bound method, which is new each time): ~3 % of the crawl
# process's CPU. tests/crawler/test_spider_callbacks.py checks ours once instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
ITEM_PIPELINES = {"crawler.pipelines.CleanAndWritePipeline": 300}
#: Items processed in parallel per response. A page gives at most one item, and Scrapy starts
#: this many asyncio tasks for every response (100 by default: 200k tasks for 2k pages).
CONCURRENT_ITEMS = 4
EXTENSIONS = {"crawler.extensions.CrawlProgress": 500, "crawler.extensions.CrawlLedger": 100}

# --- Discovery ----------------------------------------------------------------------------
#: sites.toml to read site names from (default: seeds/sites.toml).
NEWSCLEAN_SITES_FILE = ""
#: Link hops followed from a start page, sitemap or feed (0: only what they list). 2 reaches an
#: article two hops from the home page (home -> category -> article).
NEWSCLEAN_FOLLOW_DEPTH = 2
#: Follow the links of article pages too (found by a cheap scan of their <a href>, not a parse);
#: False: only start and listing pages are followed.
NEWSCLEAN_FOLLOW_ARTICLE_LINKS = True
#: Pages (articles and link pages) requested per site at most.
NEWSCLEAN_MAX_PAGES_PER_SITE = 10_000
#: Date archive and calendar pages (crawler.traps.is_calendar) followed per site at most: they
#: link to endlessly many dates. The rest are cut and counted (``cut/calendar``).
NEWSCLEAN_MAX_CALENDAR_PAGES = 20
#: Sitemap and feed entries older than this are skipped: an ISO date/time (``2024-06-10``,
#: without a zone: UTC, ``cleaning.dates``) or an age (``36h``, ``7d``). Empty: no window.
NEWSCLEAN_SINCE = ""

# --- Cleaning and output ------------------------------------------------------------------
#: Output dataset folder or .parquet file (the spider argument ``out`` takes precedence).
NEWSCLEAN_OUT = ""
#: Processes cleaning pages; 0 = one per CPU core.
NEWSCLEAN_CLEAN_WORKERS = 0
#: Seconds one page may take in process_html; beyond, it fails with reason ``timeout``.
NEWSCLEAN_PAGE_TIMEOUT = 30.0
NEWSCLEAN_MAX_ROWS_PER_FILE = 50_000
NEWSCLEAN_MAX_BYTES_PER_FILE = 256 * 1024 * 1024
#: Seconds between progress lines (0: none).
NEWSCLEAN_PROGRESS_INTERVAL = 10.0

# --- Incremental crawls (crawler.extensions.CrawlLedger) -----------------------------------
#: The crawl ledger (SQLite): what was discovered, fetched, written and failed. A re-run
#: resumes from it and fetches known articles again only when they changed. One ledger per
#: output folder; empty: no ledger (every run starts from scratch). ``newsclean status`` reads it.
NEWSCLEAN_STATE = "data/state.sqlite"
#: The ledger's per-page marks are committed together: after this many (0: each at once), after
#: NEWSCLEAN_LEDGER_BATCH_SECONDS, and with every Parquet file commit. A crash loses at most the
#: marks not yet committed, whose URLs are then fetched again (crawler.state.sqlite_store explains why).
NEWSCLEAN_LEDGER_BATCH = 500
NEWSCLEAN_LEDGER_BATCH_SECONDS = 1.0
#: At the start of a run, a ``failed`` URL whose reason is transient goes back to pending and is
#: fetched again, until it has failed in this many runs in a row (a fetch or a 304 restarts the
#: count; 0: failed URLs are never retried on their own). Permanent outcomes (404/410 ``gone``,
#: robots refusals, too_large, binary, no_article, duplicates...) are never retried.
NEWSCLEAN_RETRY_FAILED_ATTEMPTS = 3
#: The transient reasons (as ``newsclean status`` shows them; ``*`` at the end: a prefix).
#: Download errors Scrapy's RetryMiddleware itself retries within a run: timeouts, partial
#: bodies, refused or dropped connections (named after their exception when not ``data_loss``),
#: DNS failures, 5xx, 408, 429; a robots.txt that answered 5xx or could not be fetched (every
#: URL of the host refused for the run); and a cleaning worker process that crashed. A page over
#: NEWSCLEAN_PAGE_TIMEOUT in cleaning (``clean_timeout``) would be as slow again: not retried.
NEWSCLEAN_RETRY_FAILED_REASONS = [
    "timeout", "data_loss", "connection_refused", "dns", "http_5*", "http_408", "http_429", "robots_unavailable",
    "DownloadFailedError", "ResponseNeverReceived", "ResponseFailed", "ConnectionLost", "ConnectionDone",
    "ConnectionAborted", "ConnectError", "TCPTimedOutError", "TunnelError", "worker_crashed",
]
#: Near duplicates (MinHash) are written with ``duplicate_of`` set; True: dropped instead.
#: Exact duplicates (same content_hash as a row already written) are never written again.
NEWSCLEAN_DROP_NEAR_DUPLICATES = False

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
