"""Crawl extensions: progress lines and summary (CrawlProgress); the crawl ledger (CrawlLedger)."""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

from cleaning.dataset import DatasetLock
from crawler.state.ledger import Ledger, Recovery
from crawler.state.sqlite_ledger import SQLiteLedger

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)
PREFIX = "newsclean/"
#: ``discovered``/``fetched`` count article candidates; ``not_article`` those judged not articles
#: (listing, category, tag pages: crawler.articles); ``link_pages`` pages fetched for links only.
MAIN_KEYS = ("discovered", "fetched", "written", "not_article", "link_pages")
#: Shown after MAIN_KEYS when not zero: rows cleaned and handed to the writer (``written`` counts
#: them when their file commits, every NEWSCLEAN_MAX_ROWS_PER_FILE rows and at the end), failed
#: URLs of earlier runs sent back to be fetched again, then incremental crawls and dedup.
EXTRA_KEYS = ("cleaned", "retried_failed", "resumed", "unchanged", "revalidated", "not_modified", "gone",
              "duplicates", "near_duplicates", "feeds_announced", "refollowed", "requeued")


def site_counts(stats: Mapping[str, object]) -> dict[str, Counter[str]]:
    """``newsclean/<site>/<key>`` stats -> {site: Counter(key: n)} (sites only, not globals)."""
    sites: dict[str, Counter[str]] = defaultdict(Counter)
    for name, value in stats.items():
        if name.startswith(PREFIX) and isinstance(value, int):
            parts = name[len(PREFIX):].split("/", 1)
            if len(parts) == 2:
                sites[parts[0]][parts[1]] += value
    return dict(sites)


def format_site(site: str, counts: Counter[str]) -> str:
    """``site: discovered=12 fetched=12 written=11 link_pages=3 skipped=1 (no_article=1) failed=0``."""
    parts = [f"{key}={counts.get(key, 0)}" for key in MAIN_KEYS]
    parts += [f"{key}={counts[key]}" for key in EXTRA_KEYS if counts.get(key)]
    for group in ("cut", "skipped", "failed"):
        reasons = {k.split("/", 1)[1]: v for k, v in counts.items() if k.startswith(group + "/")}
        if group == "cut" and not reasons:
            continue  # links not followed (traps, calendars): shown only when some were
        detail = " (" + ", ".join(f"{k}={v}" for k, v in sorted(reasons.items())) + ")" if reasons else ""
        parts.append(f"{group}={sum(reasons.values())}{detail}")
    return f"{site}: " + " ".join(parts)


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

    def __init__(self, crawler: Crawler, state_path: Path, out: Path) -> None:
        self.crawler = crawler
        self.lock = DatasetLock(out).__enter__()
        batch = crawler.settings.getint("NEWSCLEAN_LEDGER_BATCH", 500)
        seconds = crawler.settings.getfloat("NEWSCLEAN_LEDGER_BATCH_SECONDS", 1.0)
        try:
            # Per-page marks batched (see crawler.state.sqlite_store: a crash loses only marks, i.e. re-fetches).
            self.ledger = SQLiteLedger(state_path, batch_size=batch, batch_seconds=seconds)
            self.recovery: Recovery = self.ledger.recover(out)
            self.retried_failed = retry_transient_failures(crawler, self.ledger)
        except BaseException:
            self.lock.__exit__(None, None, None)
            raise
        sites = [site.name for site in getattr(crawler.spider, "sites", ())]
        self.run_id = self.ledger.start_run(",".join(sites) or None)
        log.info("ledger %s, run %s: %d URLs pending", state_path, self.run_id, self.ledger.stats().pending)
        # The open batch holds SQLite's write lock: commit it at least every batch_seconds,
        # also when no mark comes (other processes, ``newsclean status``, see it soon).
        self.flusher: LoopingCall | None = None
        if batch > 0:
            self.flusher = LoopingCall(self.ledger.flush)
            self.flusher.start(seconds, now=False)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CrawlLedger":
        state = crawler.settings.get("NEWSCLEAN_STATE")
        out = output_of(crawler)
        if not state:
            raise NotConfigured("NEWSCLEAN_STATE is empty: no crawl ledger")
        if not out or out.endswith(".parquet"):
            log.warning("no crawl ledger: the output %r is not a dataset folder (incremental crawls need one)", out)
            raise NotConfigured("the output is not a dataset folder")
        extension = cls(crawler, Path(state), Path(out))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        counts = {f"{site}/{key}": n for site, keys in site_counts(self.crawler.stats.get_stats()).items()
                  for key, n in keys.items()}
        if getattr(self, "flusher", None) is not None and self.flusher.running:
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
            crawler.stats.inc_value(f"{PREFIX}{site}/retried_failed", per_site[site])
    total = sum(per_site.values())
    crawler.stats.inc_value(f"{PREFIX}retried_failed", total)
    log.info("ledger: %d failed URLs sent back to pending to be fetched again (%s; transient reasons,"
             " failed in fewer than %d runs in a row)", total,
             ", ".join(f"{site}={n}" for site, n in per_site.items()) or "no site", cap)
    return total


def ledger_of(crawler: Crawler) -> Ledger | None:
    """The crawl's ledger, or None when the CrawlLedger extension is not enabled."""
    extension = crawler.get_extension(CrawlLedger)
    return extension.ledger if extension is not None else None
