"""Crawl extensions: progress lines and summary (CrawlProgress); the crawl ledger for the length
of a crawl (CrawlLedger: lock, recovery, retries, run record; ``ledger_of`` finds it)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

from cleaning.dataset import Dataset, DatasetLock
from crawler.state.ledger import Ledger, Recovery
from crawler.state.sqlite_ledger import SQLiteLedger
from crawler.stats import count, format_site, site_counts

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)


class CrawlProgress:
    """Logs per-site counts (discovered, fetched, written, skipped and failed by reason)."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.task: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CrawlProgress":
        extension = cls(crawler, crawler.settings.getfloat("NEWSCLEAN_PROGRESS_INTERVAL"))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        if self.interval > 0:
            self.task = LoopingCall(self.report, "progress")
            self.task.start(self.interval, now=False)

    def report(self, label: str) -> None:
        for site, counts in sorted(site_counts(self.crawler.stats.get_stats()).items()):
            log.info("%s %s", label, format_site(site, counts))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task and self.task.running:
            self.task.stop()
        self.report(f"finished ({reason})")


def output_of(crawler: Crawler) -> str:
    """The crawl's output: the spider argument ``out``, else NEWSCLEAN_OUT."""
    return getattr(crawler.spider, "out", None) or crawler.settings.get("NEWSCLEAN_OUT") or ""


def dataset_folder_of(crawler: Crawler) -> Path:
    """The crawl's output folder, for a ledger; NotConfigured when there is none (no output, or one
    ``.parquet`` file: a ledger needs a dataset folder, where a re-run adds files, never rewrites one)."""
    out = output_of(crawler)
    if not out or Dataset(out).single_file:
        log.warning("no crawl ledger: the output %r is not a dataset folder (incremental crawls need one)", out)
        raise NotConfigured("the output is not a dataset folder")
    return Path(out)


class CrawlLedger:
    """The crawl ledger (``crawler.state``) for the length of a crawl, at NEWSCLEAN_STATE.

    Opened when the crawler is set up, before the item pipeline opens its writer: the output
    folder is locked, ``recover(out)`` settles what a previous stop left, failed URLs worth
    another try go back to pending (``retry_transient_failures``), and a run starts.
    The spider and the pipeline reach it with ``ledger_of(crawler)`` and mark each article's
    outcome. At ``spider_closed`` (after the pipeline committed its last file) the run is
    finished with the crawl's counts and the reason it ended, and the ledger closed.
    Per-page marks are committed in batches (NEWSCLEAN_LEDGER_BATCH marks or
    NEWSCLEAN_LEDGER_BATCH_SECONDS, and with every file commit; see ``crawler.state.sqlite_store``).

    No ledger when NEWSCLEAN_STATE is empty or the output is one ``.parquet`` file (a ledger
    needs a dataset folder: a re-run adds files, never rewrites one).
    """

    def __init__(self, crawler: Crawler, ledger: Ledger, out: Path, flush_seconds: float = 0) -> None:
        self.crawler = crawler
        self.ledger = ledger
        try:
            self.lock = DatasetLock(out).__enter__()
        except BaseException:
            ledger.close()
            raise
        try:
            self.recovery: Recovery = ledger.recover(out)
            self.retried_failed = retry_transient_failures(crawler, ledger)
        except BaseException:
            self.lock.__exit__(None, None, None)
            raise
        sites = [site.name for site in getattr(crawler.spider, "sites", ())]
        self.run_id = ledger.start_run(",".join(sites) or None)
        log.info("ledger %s, run %s: %d URLs pending", ledger, self.run_id, ledger.stats().pending)
        # A batching ledger holds SQLite's write lock while its batch is open: commit it at least
        # every flush_seconds, also when no mark comes (other processes, ``newsclean status``, see it soon).
        self.flusher: LoopingCall | None = None
        if flush_seconds > 0:
            self.flusher = LoopingCall(ledger.flush)
            self.flusher.start(flush_seconds, now=False)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CrawlLedger":
        state = crawler.settings.get("NEWSCLEAN_STATE")
        if not state:
            raise NotConfigured("NEWSCLEAN_STATE is empty: no crawl ledger")
        out = dataset_folder_of(crawler)
        batch = crawler.settings.getint("NEWSCLEAN_LEDGER_BATCH", 500)
        seconds = crawler.settings.getfloat("NEWSCLEAN_LEDGER_BATCH_SECONDS", 1.0)
        # Per-page marks batched (see crawler.state.sqlite_store: a crash loses only marks, i.e. re-fetches).
        ledger = SQLiteLedger(state, batch_size=batch, batch_seconds=seconds)
        extension = cls(crawler, ledger, out, flush_seconds=seconds if batch > 0 else 0)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        counts = {f"{site}/{key}": n for site, keys in site_counts(self.crawler.stats.get_stats()).items()
                  for key, n in keys.items()}
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        try:
            self.ledger.finish_run(self.run_id, counts, status=reason)
            log.info("ledger: %s", self.ledger.stats())
        finally:
            self.ledger.close()
            self.lock.__exit__(None, None, None)


def retry_transient_failures(crawler: Crawler, ledger: Ledger) -> int:
    """At the start of a run, before the spider enqueues ``ledger.pending()``: the crawled sites'
    failed URLs whose reason is in NEWSCLEAN_RETRY_FAILED_REASONS (transient: timeouts, dropped
    connections, 5xx, 429) and that failed fewer than NEWSCLEAN_RETRY_FAILED_ATTEMPTS times in a
    row go back to pending, so this run fetches them again (``Ledger.retry_failed``).

    Counted as ``newsclean/retried_failed`` and ``newsclean/<site>/retried_failed``; one INFO line.
    Returns how many. NEWSCLEAN_RETRY_FAILED_ATTEMPTS = 0 (or no reasons): nothing is retried.
    """
    settings = crawler.settings
    cap = settings.getint("NEWSCLEAN_RETRY_FAILED_ATTEMPTS", 3)
    reasons = [r.strip() for r in settings.getlist("NEWSCLEAN_RETRY_FAILED_REASONS") if r.strip()]
    if cap <= 0 or not reasons:
        log.info("ledger: failed URLs are not retried (NEWSCLEAN_RETRY_FAILED_ATTEMPTS=%d, %d reasons)",
                 cap, len(reasons))
        return 0
    per_site = {}
    for site in [site.name for site in getattr(crawler.spider, "sites", ())]:
        per_site[site] = ledger.retry_failed(site, reasons=reasons, max_attempts=cap)
        if per_site[site]:
            count(crawler, site, "retried_failed", per_site[site])
    total = sum(per_site.values())
    count(crawler, None, "retried_failed", total)
    log.info("ledger: %d failed URLs sent back to pending to be fetched again (%s; transient reasons,"
             " failed in fewer than %d runs in a row)", total,
             ", ".join(f"{site}={n}" for site, n in per_site.items()) or "no site", cap)
    return total


def ledger_of(crawler: Crawler) -> Ledger | None:
    """The crawl's ledger, or None when the CrawlLedger extension is not enabled."""
    extension = crawler.get_extension(CrawlLedger)
    return extension.ledger if extension is not None else None
