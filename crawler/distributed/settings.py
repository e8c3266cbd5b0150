"""The settings of one worker of a distributed crawl, and where it writes.

``worker_settings(url, overrides)`` is what ``newsclean crawl ... --redis URL`` runs with (or
``scrapy crawl news_redis -s ...`` with the same settings): the ``news_redis`` spider,
scrapy-redis's shared scheduler queue and duplicate filter (``SCHEDULER_PERSIST`` on: one worker
stopping must not empty the queue of the others), the Redis ledger instead of the SQLite one,
and per-domain politeness across workers.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from crawler.state.redis_store import default_worker_id

DEFAULT_PREFIX = "newsclean"


def redis_settings(url: str, *, prefix: str = DEFAULT_PREFIX, worker: str | None = None,
                   lease_seconds: float = 30.0) -> dict:
    """Scrapy settings for a distributed crawl on the Redis at ``url``.

    ``prefix`` names the crawl in Redis (ledger, queue, duplicate filter, politeness); workers of
    one crawl share it. The duplicate filter persists: start a new crawl of the same sites with a
    new prefix for the queue (or delete ``<prefix>:news_redis:dupefilter``); the ledger then still
    skips what was written, keyed by its own prefix.
    """
    from crawler import settings as defaults

    extensions = {**defaults.EXTENSIONS, "crawler.extensions.CrawlLedger": None,
                  "crawler.distributed.extension.RedisCrawlLedger": 100}
    middlewares = {**defaults.DOWNLOADER_MIDDLEWARES,
                   "crawler.distributed.politeness.RedisPolitenessMiddleware": 950}
    return {
        "NEWSCLEAN_SPIDER": "news_redis",
        "REDIS_URL": url,
        "NEWSCLEAN_REDIS_URL": url,
        "NEWSCLEAN_REDIS_PREFIX": prefix,
        "NEWSCLEAN_WORKER_ID": worker or "",
        "NEWSCLEAN_LEASE_SECONDS": lease_seconds,
        "SCHEDULER": "crawler.distributed.scheduler.LeasingScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
        "REDIS_START_URLS_KEY": f"{prefix}:%(name)s:start_urls",
        "EXTENSIONS": extensions,
        "DOWNLOADER_MIDDLEWARES": middlewares,
    }


def worker_settings(url: str, overrides: Mapping[str, object]) -> dict:
    """``redis_settings`` for the crawl the overrides name (NEWSCLEAN_REDIS_PREFIX, NEWSCLEAN_WORKER_ID),
    then the overrides."""
    prefix = str(overrides.get("NEWSCLEAN_REDIS_PREFIX") or DEFAULT_PREFIX)
    worker = overrides.get("NEWSCLEAN_WORKER_ID")
    return {**redis_settings(url, prefix=prefix, worker=str(worker) if worker else None), **overrides}


def worker_id(settings) -> str:
    return settings.get("NEWSCLEAN_WORKER_ID") or default_worker_id()


def worker_folder(out: str | Path, worker: str) -> Path:
    return Path(out) / f"worker-{worker}"
