"""The Redis crawl ledger for the length of one worker's crawl (``RedisCrawlLedger``)."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

from crawler import signals as nc_signals
from crawler.distributed.settings import DEFAULT_PREFIX, worker_id
from crawler.extensions import CrawlLedger, dataset_folder_of
from crawler.state.redis_ledger import RedisLedger

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from cleaning.dataset import DatasetWriter

log = logging.getLogger(__name__)


class RedisCrawlLedger(CrawlLedger):
    """``CrawlLedger`` on Redis (it replaces it in ``redis_settings``; the pipeline and the spider
    find it the same way, ``ledger_of``). Keeps this worker's lease alive with a heartbeat, and
    settles dead workers' commits and re-enqueues their orphaned URLs (``spider.reap``) every
    few seconds. Its folder is this worker's own (``crawler.distributed.settings.worker_folder``)."""

    ledger: RedisLedger

    def __init__(self, crawler: Crawler, ledger: RedisLedger, out) -> None:
        super().__init__(crawler, ledger, out)
        self.writer: DatasetWriter | None = None
        self.beat = LoopingCall(self._tick)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RedisCrawlLedger":
        settings = crawler.settings
        url = settings.get("NEWSCLEAN_REDIS_URL")
        if not url:
            raise NotConfigured("no NEWSCLEAN_REDIS_URL")
        out = dataset_folder_of(crawler)
        ledger = RedisLedger(url, prefix=settings.get("NEWSCLEAN_REDIS_PREFIX") or DEFAULT_PREFIX,
                             worker=worker_id(settings), lease_seconds=settings.getfloat("NEWSCLEAN_LEASE_SECONDS"))
        extension = cls(crawler, ledger, out)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.writer_opened, signal=nc_signals.writer_opened)
        return extension

    def writer_opened(self, writer: DatasetWriter) -> None:
        self.writer = writer  # the spider commits its rows when idle, for the other workers to see

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


def redis_ledger_of(crawler: Crawler) -> RedisLedger | None:
    """The worker's Redis ledger, or None when ``RedisCrawlLedger`` is not enabled."""
    extension = crawler.get_extension(RedisCrawlLedger)
    return extension.ledger if extension is not None else None
