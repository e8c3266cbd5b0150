"""``PoliteRetryMiddleware``: Scrapy's retries, and each host paced by robots.txt ``Crawl-delay``
and by 429/503 back-off (``Retry-After``, read by ``retry_after_seconds``)."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.asyncio import call_later

from crawler.stats import count

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

log = logging.getLogger(__name__)

BACKOFF_CODES = (429, 503)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class PoliteRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, plus pacing per download slot (host).

    - robots.txt ``Crawl-delay`` becomes the slot's delay (no jitter, not lowered by
      AutoThrottle), capped at NEWSCLEAN_MAX_CRAWL_DELAY; also kept in DOWNLOAD_SLOTS so a
      slot re-created after idling keeps it.
    - 429/503 pause the whole slot before the retry: ``Retry-After`` seconds (capped at
      NEWSCLEAN_RETRY_AFTER_MAX), else NEWSCLEAN_BACKOFF_BASE * 2**retries. The pause is the
      slot's own delay counted from the moment the response arrived, so nothing blocks.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        settings = crawler.settings
        self.max_crawl_delay = settings.getfloat("NEWSCLEAN_MAX_CRAWL_DELAY")
        self.max_retry_after = settings.getfloat("NEWSCLEAN_RETRY_AFTER_MAX")
        self.backoff_base = settings.getfloat("NEWSCLEAN_BACKOFF_BASE")
        self.robots_agent = settings.get("ROBOTSTXT_USER_AGENT") or "newsclean"
        self.crawl_delays: dict[str, float] = {}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "PoliteRetryMiddleware":
        return cls(crawler)

    @property
    def downloader(self):
        return self.crawler.engine.downloader

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        delay = robotparser.crawl_delay(self.robots_agent)
        if not delay:
            return
        delay = min(float(delay), self.max_crawl_delay)
        key = self.downloader.get_slot_key(request)
        self.crawl_delays[key] = delay
        self.downloader.per_slot_settings[key] = {
            **self.downloader.per_slot_settings.get(key, {}), "delay": delay, "jitter": 0}
        slot = self.downloader.slots.get(key)
        if slot is not None:
            slot.delay, slot.jitter = max(slot.delay, delay), 0
        log.info("robots.txt Crawl-delay for %s: %.1f s", key, delay)

    def process_request(self, request: Request) -> None:
        if self.downloader.get_slot_key(request) in self.crawl_delays:
            request.meta["autothrottle_dont_adjust_delay"] = True

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status in BACKOFF_CODES and not request.meta.get("dont_retry", False):
            self.pause_slot(request, self.backoff_seconds(request, response), response.status)
        return super().process_response(request, response)

    def backoff_seconds(self, request: Request, response: Response) -> float:
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is None:
            asked = self.backoff_base * 2 ** request.meta.get("retry_times", 0)
        return min(asked, self.max_retry_after)

    def pause_slot(self, request: Request, seconds: float, status: int) -> None:
        """No request of this slot starts in the next ``seconds`` (then its delay is restored)."""
        key = self.downloader.get_slot_key(request)
        slot = self.downloader.slots.get(key)
        if slot is None or seconds <= 0:
            return
        count(self.crawler, None, "backoff_pauses")
        restore = (slot.delay, slot.jitter)
        slot.delay, slot.jitter, slot.lastseen = max(slot.delay, seconds), 0, monotonic()
        paused = slot.delay
        log.info("%s answered %d: pausing %s for %.1f s", request.url, status, key, seconds)
        call_later(seconds, self._unpause, slot, paused, restore)

    @staticmethod
    def _unpause(slot, paused: float, restore: tuple[float, float]) -> None:
        if slot.delay == paused:  # nobody (AutoThrottle, a later pause) changed it since
            slot.delay, slot.jitter = restore
