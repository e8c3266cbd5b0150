"""The shared request queue of a distributed crawl: scrapy-redis's scheduler, leasing what it hands out."""
from __future__ import annotations

from scrapy_redis.scheduler import Scheduler

from crawler.distributed.extension import redis_ledger_of


class LeasingScheduler(Scheduler):
    """scrapy-redis's scheduler; an article request popped off the shared queue is taken in the
    ledger by this worker (its lease), so that it is re-enqueued if this worker dies."""

    def next_request(self):
        request = super().next_request()
        if request is not None and request.meta.get("article"):
            ledger = redis_ledger_of(self.spider.crawler)
            if ledger is not None:
                ledger.take(request.meta.get("redirect_urls", [request.url])[0])
        return request
