"""Per-domain politeness across every worker of a distributed crawl, in Redis.

Scrapy enforces CONCURRENT_REQUESTS_PER_DOMAIN and DOWNLOAD_DELAY per process; N workers would
hit a site N times as hard. ``RedisPolitenessMiddleware`` takes a slot from a Redis semaphore
per host before each request goes to the downloader and gives it back with the response (or
the failure):

- at most CONCURRENT_REQUESTS_PER_DOMAIN requests to a host are in flight across all workers;
- two requests to a host start at least DOWNLOAD_DELAY seconds apart across all workers (and
  at least a robots.txt Crawl-delay, when a middleware put ``download_slot_delay`` in the meta);
- a slot is a member of a sorted set scored with its expiry (NEWSCLEAN_REDIS_SLOT_LEASE, default
  DOWNLOAD_TIMEOUT + 10 s), so the
  slots of a worker that dies are freed when they expire, never held for ever.

Taking a slot is one Lua script on the server's clock (no clock skew between machines). When no
slot is free the request waits with an asyncio sleep (or Twisted ``deferLater``): the reactor
keeps running. Enabled by ``crawler.distributed.settings.redis_settings``.
"""
from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit

import redis
from scrapy import Request
from scrapy.exceptions import NotConfigured

META_KEY = "_newsclean_redis_slot"

# KEYS[1]: the host's semaphore (zset member=token score=expiry ms), KEYS[2]: its next start time (ms)
# ARGV: token, limit, slot lease ms, delay ms. Returns 0 when taken, else milliseconds to wait.
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
    local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return math.max(5, math.min(50, tonumber(first[2]) - now))
end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < nxt then
    return nxt - now
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
if tonumber(ARGV[4]) > 0 then
    redis.call('SET', KEYS[2], now + tonumber(ARGV[4]), 'PX', tonumber(ARGV[4]) + 1000)
end
return 0
"""


async def _sleep(seconds: float) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        running = False
    else:
        running = True
    if running:  # the asyncio reactor (Scrapy's default), or plain asyncio
        await asyncio.sleep(seconds)
    else:  # pragma: no cover - the project runs on the asyncio reactor
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        await deferLater(reactor, seconds, lambda: None)


class RedisSlots:
    """The per-host semaphores and delays (usable outside Scrapy, e.g. in tests)."""

    def __init__(self, client: redis.Redis, prefix: str, limit: int, delay: float, lease: float) -> None:
        self.r = client
        self.prefix = prefix
        self.limit = limit
        self.delay = delay
        self.lease = lease
        self._acquire = self.r.register_script(ACQUIRE)

    def keys(self, host: str) -> list[str]:
        return [f"{self.prefix}:politeness:{host}:slots", f"{self.prefix}:politeness:{host}:next"]

    def try_acquire(self, host: str, token: str, delay: float | None = None) -> float:
        """0 when a slot was taken for ``token``, else seconds to wait before trying again."""
        wait_ms = self._acquire(keys=self.keys(host), args=[token, self.limit, int(self.lease * 1000),
                                                              int(1000 * (self.delay if delay is None else delay))])
        return int(wait_ms) / 1000

    async def acquire(self, host: str, delay: float | None = None) -> str:
        token = uuid.uuid4().hex
        while True:
            wait = self.try_acquire(host, token, delay)
            if wait <= 0:
                return token
            await _sleep(wait)

    def release(self, host: str, token: str) -> None:
        self.r.zrem(self.keys(host)[0], token)

    def in_flight(self, host: str) -> int:
        return self.r.zcard(self.keys(host)[0])


class RedisPolitenessMiddleware:
    """Downloader middleware: a Redis slot per host around every download (see the module docstring)."""

    def __init__(self, slots: RedisSlots) -> None:
        self.slots = slots

    @classmethod
    def from_crawler(cls, crawler) -> "RedisPolitenessMiddleware":
        settings = crawler.settings
        url = settings.get("NEWSCLEAN_REDIS_URL") or settings.get("REDIS_URL")
        if not url:
            raise NotConfigured("no NEWSCLEAN_REDIS_URL: no distributed politeness")
        client = redis.Redis.from_url(url, decode_responses=True)
        slots = RedisSlots(client, settings.get("NEWSCLEAN_REDIS_PREFIX") or "newsclean",
                           limit=settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or 1,
                           delay=settings.getfloat("DOWNLOAD_DELAY"),
                           lease=settings.getfloat("NEWSCLEAN_REDIS_SLOT_LEASE")
                           or settings.getfloat("DOWNLOAD_TIMEOUT") + 10.0)
        return cls(slots)

    async def process_request(self, request: Request, spider=None):
        host = urlsplit(request.url).hostname or ""
        delay = request.meta.get("download_slot_delay")  # e.g. a robots.txt Crawl-delay, when set
        token = await self.slots.acquire(host, max(self.slots.delay, float(delay)) if delay else None)
        request.meta[META_KEY] = (host, token)
        return None

    def _release(self, request: Request) -> None:
        held = request.meta.pop(META_KEY, None)
        if held:
            self.slots.release(*held)

    def process_response(self, request: Request, response, spider=None):
        self._release(request)
        return response

    def process_exception(self, request: Request, exception, spider=None):
        self._release(request)
        return None
