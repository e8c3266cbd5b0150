"""Downloader middlewares: strict robots.txt, per-host pacing (Crawl-delay, Retry-After), User-Agent."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.asyncio import call_later
from scrapy.utils.misc import build_from_crawler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

log = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
BACKOFF_CODES = (429, 503)


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware with the RFC 9309 reading of failures.

    A robots.txt answering 5xx, or not reachable at all, means "disallow everything" (Scrapy
    would allow everything); a 4xx means "no rules" (Scrapy would parse the error page).
    """

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            log.warning("robots.txt of %s answered %d: nothing on this host is fetched (RFC 9309)",
                        netloc, response.status)
            self._stats.inc_value("newsclean/robots_unavailable")
            response = response.replace(body=DISALLOW_ALL)
        elif response.status >= 400:
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):
            super()._robots_error(exc, netloc)
            return
        log.warning("robots.txt of %s unreachable (%s): nothing on this host is fetched (RFC 9309)", netloc, exc)
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._stats.inc_value("newsclean/robots_unavailable")
        waiting = self._parsers[netloc]
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        self._parsers[netloc] = parser
        waiting.callback(parser)


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
        self.crawler.stats.inc_value("newsclean/backoff_pauses")
        restore = (slot.delay, slot.jitter)
        slot.delay, slot.jitter, slot.lastseen = max(slot.delay, seconds), 0, monotonic()
        paused = slot.delay
        log.info("%s answered %d: pausing %s for %.1f s", request.url, status, key, seconds)
        call_later(seconds, self._unpause, slot, paused, restore)

    @staticmethod
    def _unpause(slot, paused: float, restore: tuple[float, float]) -> None:
        if slot.delay == paused:  # nobody (AutoThrottle, a later pause) changed it since
            slot.delay, slot.jitter = restore


class ContactUserAgentMiddleware:
    """Sets the User-Agent: USER_AGENT with ``{contact}`` replaced by NEWSCLEAN_CONTACT."""

    def __init__(self, user_agent: str) -> None:
        self.user_agent = user_agent

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ContactUserAgentMiddleware":
        template = crawler.settings.get("USER_AGENT")
        if not template:
            raise NotConfigured
        return cls(template.replace("{contact}", crawler.settings.get("NEWSCLEAN_CONTACT", "")))

    def process_request(self, request: Request) -> None:
        request.headers.setdefault(b"User-Agent", self.user_agent)
