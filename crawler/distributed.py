"""A crawl over several worker processes or machines: scrapy-redis plus newsclean's Redis ledger.

``redis_settings(url)`` is what ``newsclean crawl ... --redis URL`` (or ``scrapy crawl
news_redis -s ...``) adds to the settings: the ``news_redis`` spider, scrapy-redis's shared
scheduler queue and duplicate filter (``SCHEDULER_PERSIST`` on: one worker stopping must not
empty the queue of the others), the Redis ledger instead of the SQLite one, and per-domain
politeness across workers (``crawler.redis_politeness``).

Each worker writes its own dataset folder ``OUT/worker-<id>/``; ``pyarrow.parquet.read_table(OUT)``
reads them all as one dataset. A worker never sweeps or recovers another's folder while it runs;
a dead worker's pending commit is settled by a live one (``RedisLedger.settle_dead_commits``).
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from crawler import signals as nc_signals
from crawler.extensions import CrawlLedger, output_of, retry_transient_failures
from cleaning.dataset import DatasetLock
from crawler.state.redis_ledger import RedisLedger
from crawler.state.redis_store import default_worker_id

log = logging.getLogger(__name__)


def redis_settings(url: str, *, prefix: str = "newsclean", worker: str | None = None,
                   lease_seconds: float = 30.0) -> dict:
    """Scrapy settings for a distributed crawl on the Redis at ``url``.

    ``prefix`` names the crawl in Redis (ledger, queue, duplicate filter, politeness); workers of
    one crawl share it. The duplicate filter persists: start a new crawl of the same sites with a
    new prefix for the queue (or delete ``<prefix>:news_redis:dupefilter``); the ledger then still
    skips what was written, keyed by its own prefix.
    """
    from crawler import settings as defaults

    extensions = {**defaults.EXTENSIONS, "crawler.extensions.CrawlLedger": None,
                  "crawler.distributed.RedisCrawlLedger": 100}
    middlewares = {**defaults.DOWNLOADER_MIDDLEWARES, "crawler.redis_politeness.RedisPolitenessMiddleware": 950}
    return {
        "NEWSCLEAN_SPIDER": "news_redis",
        "REDIS_URL": url,
        "NEWSCLEAN_REDIS_URL": url,
        "NEWSCLEAN_REDIS_PREFIX": prefix,
        "NEWSCLEAN_WORKER_ID": worker or "",
        "NEWSCLEAN_LEASE_SECONDS": lease_seconds,
        "SCHEDULER": "crawler.distributed.LeasingScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
        "REDIS_START_URLS_KEY": f"{prefix}:%(name)s:start_urls",
        "EXTENSIONS": extensions,
        "DOWNLOADER_MIDDLEWARES": middlewares,
    }


def worker_id(settings) -> str:
    return settings.get("NEWSCLEAN_WORKER_ID") or default_worker_id()


def worker_folder(out: str | Path, worker: str) -> Path:
    return Path(out) / f"worker-{worker}"


class LeasingScheduler(Scheduler):
    """scrapy-redis's scheduler; an article request popped off the shared queue is taken in the
    ledger by this worker (its lease), so that it is re-enqueued if this worker dies."""

    def next_request(self):
        request = super().next_request()
        if request is not None and request.meta.get("article"):
            ledger = getattr(self.spider, "ledger", None)
            if isinstance(ledger, RedisLedger):
                ledger.take(request.meta.get("redirect_urls", [request.url])[0])
        return request


class RedisCrawlLedger(CrawlLedger):
    """The crawl ledger extension on Redis (replaces ``CrawlLedger``; the pipeline and the spider
    find it the same way). Keeps this worker's lease alive with a heartbeat, and settles dead
    workers' commits and re-enqueues their orphaned URLs (``spider.reap``) every few seconds."""

    def __init__(self, crawler, ledger: RedisLedger, out: Path) -> None:  # super().__init__ is not called: no SQLite ledger here
        self.crawler = crawler
        self.ledger = ledger
        self.lock = DatasetLock(out).__enter__()  # this worker's own folder
        self.recovery = ledger.recover(out)
        retry_transient_failures(crawler, ledger)
        sites = [site.name for site in getattr(crawler.spider, "sites", ())]
        self.run_id = ledger.start_run(",".join(sites) or None)
        self.beat = LoopingCall(self._tick)
        log.info("redis ledger %s (worker %s), run %s: %d URLs pending", ledger.prefix, ledger.worker,
                 self.run_id, len(ledger.pending()))

    @classmethod
    def from_crawler(cls, crawler) -> "RedisCrawlLedger":
        settings = crawler.settings
        url = settings.get("NEWSCLEAN_REDIS_URL")
        if not url:
            raise NotConfigured("no NEWSCLEAN_REDIS_URL")
        out = output_of(crawler)
        if not out or out.endswith(".parquet"):
            raise NotConfigured("the output is not a dataset folder")
        ledger = RedisLedger(url, prefix=settings.get("NEWSCLEAN_REDIS_PREFIX") or "newsclean",
                             worker=worker_id(settings), lease_seconds=settings.getfloat("NEWSCLEAN_LEASE_SECONDS"))
        extension = cls(crawler, ledger, Path(out))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.writer_opened, signal=nc_signals.writer_opened)
        return extension

    def writer_opened(self, writer) -> None:
        self.writer = writer
        original = writer.before_commit

        def before_commit(path, ids):  # the commit names this worker's folder, for settling it if we die
            self.ledger.folder = Path(path).parent.resolve()
            if original:
                original(path, ids)

        writer.before_commit = before_commit

    def spider_opened(self, spider) -> None:
        self.beat.start(max(0.5, self.ledger.lease_seconds / 4), now=True)

    def _tick(self) -> None:
        try:
            self.ledger.heartbeat()
            reap = getattr(self.crawler.spider, "reap", None)
            if reap is not None:
                reap()
        except Exception:  # noqa: BLE001 - a Redis hiccup must not stop the heartbeat loop
            log.exception("redis ledger heartbeat failed")

    def spider_closed(self, spider, reason: str) -> None:
        if self.beat.running:
            self.beat.stop()
        # A clean stop gives up this worker's leases at once (its buffered rows were committed by
        # the pipeline before this signal); live workers take over whatever it still owned.
        self.ledger.release()
        super().spider_closed(spider, reason)  # finish_run, close, unlock


def run_worker(targets: list[str], out: str | Path, url: str, overrides: dict | None = None, *,
               prefix: str = "newsclean") -> int:
    """One worker of a distributed crawl (starts the reactor: once per process); exit code."""
    from scrapy.crawler import CrawlerProcess

    from crawler.extensions import format_site, site_counts
    from crawler.spiders.news_redis import RedisNewsSpider
    from newsclean.crawl_cmd import crawl_settings

    overrides = dict(overrides or {})
    settings = crawl_settings({**redis_settings(url, prefix=overrides.pop("NEWSCLEAN_REDIS_PREFIX", prefix),
                                                worker=overrides.get("NEWSCLEAN_WORKER_ID")), **overrides})
    # The command line set up one log handler (newsclean.logs): Scrapy does not add its own.
    settings.set("LOG_INSTALL_ROOT_HANDLER", not logging.getLogger().handlers, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(RedisNewsSpider)
    errors: list[str] = []
    process.crawl(crawler, site=list(targets), out=str(out)).addErrback(
        lambda failure: errors.append(failure.getErrorMessage()))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    reason = str(stats.get("finish_reason", "did not start"))
    for site, counts in sorted(site_counts(stats).items()):
        print(format_site(site, counts), file=sys.stderr)
    print(f"crawl {reason}: {stats.get('item_scraped_count', 0)} articles cleaned, "
          f"{stats.get('response_received_count', 0)} responses, output {out}", file=sys.stderr, flush=True)
    return 0 if not errors and reason == "finished" else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m crawler.distributed SITE|URL... -o OUT --redis URL [-s NAME=VALUE ...]``: one worker."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("targets", nargs="+")
    parser.add_argument("-o", "--out", required=True)
    parser.add_argument("--redis", required=True, help="redis://host:port/db shared by the workers")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    overrides = dict(pair.split("=", 1) for pair in args.set)
    return run_worker(args.targets, args.out, args.redis, overrides)


if __name__ == "__main__":
    raise SystemExit(main())
