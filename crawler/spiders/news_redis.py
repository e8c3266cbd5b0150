"""The ``news`` spider on scrapy-redis: several workers share one crawl through Redis.

    newsclean crawl vnexpress -o data/vnexpress --redis URL    (or ``scrapy crawl news_redis``
    with the settings of ``crawler.distributed.settings.redis_settings``)

Same discovery, cleaning and output as ``NewsSpider``; what changes:

- Start: scrapy-redis 0.9.1's ``RedisMixin`` starts spiders through ``start_requests``, which
  Scrapy >= 2.16 no longer calls. ``start()`` here is an ``async def`` that yields the news
  spider's start requests (sitemaps, feeds, start pages: the shared duplicate filter lets one
  worker fetch each) and then the URLs pushed to the Redis start key (``RedisMixin.next_requests``).
- Pending URLs at start: only orphans (pending URLs whose worker's lease lapsed), claimed
  atomically, not every pending URL (the other workers are fetching those).
- Every few seconds (``reap``, from the ledger heartbeat) a live worker settles dead workers'
  commits and re-enqueues their orphaned URLs: a SIGKILLed worker's articles are fetched by the others.
- Idle: commits the rows buffered so far (so that other workers see them written), asks again
  for its own discovered URLs whose requests the shared duplicate filter dropped (another
  worker had fetched the same URL as a link page: ``requeue_lost``), reaps, and
  closes only when the shared queue is empty and nothing is pending in the ledger for
  NEWSCLEAN_REDIS_IDLE_CLOSE seconds; otherwise waits for more work (DontCloseSpider).
- Output: this worker's folder ``OUT/worker-<id>/`` (``crawler.distributed.settings.worker_folder``).
"""
from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.spiders import RedisMixin

from cleaning.dataset import Dataset
from crawler.distributed.extension import RedisCrawlLedger, redis_ledger_of
from crawler.distributed.settings import worker_folder, worker_id
from crawler.sites import Site
from crawler.spiders.news import NewsSpider


class RedisNewsSpider(RedisMixin, NewsSpider):
    name = "news_redis"

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> "RedisNewsSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        out = spider.out or crawler.settings.get("NEWSCLEAN_OUT")
        if out and not Dataset(out).single_file:
            spider.out = str(worker_folder(out, worker_id(crawler.settings)))
        spider.idle_close = crawler.settings.getfloat("NEWSCLEAN_REDIS_IDLE_CLOSE", 5.0)
        spider._quiet_since = None
        spider.setup_redis(crawler)  # connects spider_idle (ours, below)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        async for request in super().start():
            yield request
        for request in self.next_requests():
            yield request

    def pending_requests(self, site: Site) -> Iterator[Request]:
        """Orphaned pending URLs of ``site`` (claimed for this worker), as article requests."""
        ledger = redis_ledger_of(self.crawler)
        if ledger is None:
            yield from super().pending_requests(site)
            return
        state = self.site_state[site.name]
        for url in ledger.claim_orphans(site.name):
            state.seen[url] = 0
            state.scheduled += 1
            self.count(site, "resumed")
            yield self.article_request(site, url, self.candidate_route(site, url, "link") or "link", hops=0,
                                       dont_filter=True)

    def reap(self) -> int:
        """Settle dead workers' commits and re-enqueue their orphaned URLs; return how many URLs."""
        ledger = redis_ledger_of(self.crawler)
        if ledger is None or self.crawler.engine is None:
            return 0
        self.ledger = ledger  # the heartbeat may reap before ``start`` set it (conditional requests need it)
        ledger.settle_dead_commits()
        n = 0
        for site in self.sites:
            for request in self.pending_requests(site):
                self.crawler.engine.crawl(request)
                n += 1
        return n

    def requeue_lost(self) -> int:
        """Ask again (past the shared duplicate filter) for this worker's discovered URLs whose
        requests were lost (``RedisLedger.lost``); return how many. Called when idle."""
        ledger = redis_ledger_of(self.crawler)
        if ledger is None or self.crawler.engine is None:
            return 0
        n = 0
        for site in self.sites:
            for url in ledger.lost(site.name):
                self.count(site, "requeued")
                route = self.candidate_route(site, url, "link") or "link"
                self.crawler.engine.crawl(self.article_request(site, url, route, hops=0, dont_filter=True))
                n += 1
        return n

    def spider_idle(self) -> None:
        extension = self.crawler.get_extension(RedisCrawlLedger)
        writer = getattr(extension, "writer", None)
        if writer is not None:
            writer.commit()  # other workers wait for pending URLs: make ours written now
        for request in self.next_requests():
            self.crawler.engine.crawl(request)
            self._quiet_since = None
            raise DontCloseSpider
        if self.requeue_lost():
            self._quiet_since = None
            raise DontCloseSpider
        if self.reap():
            self._quiet_since = None
            raise DontCloseSpider
        ledger = redis_ledger_of(self.crawler)
        if ledger is not None and ledger.pending():
            self._quiet_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self._quiet_since is None:
            self._quiet_since = now
        if now - self._quiet_since < self.idle_close:
            raise DontCloseSpider
        # nothing queued, nothing pending anywhere for idle_close seconds: this worker is done
