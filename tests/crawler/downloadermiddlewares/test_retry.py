"""PoliteRetryMiddleware: robots.txt Crawl-delay and 429/503 back-off pace the host's download
slot; ``retry_after_seconds`` reads Retry-After. The spacing a crawl shows on the wire is checked
end to end in tests/crawler/test_politeness.py."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from scrapy import Request
from scrapy.core.engine import ExecutionEngine
from scrapy.http import Response
from scrapy.robotstxt import ProtegoRobotParser

from crawler.downloadermiddlewares.retry import PoliteRetryMiddleware, retry_after_seconds
from tests.crawler.downloadermiddlewares.conftest import make_crawler, run

ARTICLE = Request("https://example.org/tin-1.html")


def test_retry_after_header_forms():
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past
    now = datetime(2015, 10, 21, 7, 27, 30, tzinfo=timezone.utc)
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 30.0
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


def paced(settings: dict | None = None):
    """A middleware on a real engine's downloader (not started: nothing is fetched)."""
    crawler = make_crawler({"NEWSCLEAN_MAX_CRAWL_DELAY": 10, "NEWSCLEAN_RETRY_AFTER_MAX": 60,
                            "NEWSCLEAN_BACKOFF_BASE": 2, **(settings or {})})
    crawler.engine = ExecutionEngine(crawler, lambda _: None)
    return crawler, PoliteRetryMiddleware.from_crawler(crawler)


@pytest.mark.parametrize("headers, retries, seconds", [
    ({"Retry-After": "7"}, 0, 7.0),
    ({"Retry-After": "3600"}, 0, 60.0),     # capped at NEWSCLEAN_RETRY_AFTER_MAX
    ({}, 0, 2.0), ({}, 2, 8.0),             # NEWSCLEAN_BACKOFF_BASE * 2**retries
])
def test_backoff_seconds(headers, retries, seconds):
    _, middleware = paced()
    request = ARTICLE.replace(meta={"retry_times": retries})
    assert middleware.backoff_seconds(request, Response(request.url, status=503, headers=headers)) == seconds


def test_crawl_delay_becomes_the_slots_delay_capped():
    async def check():
        crawler, middleware = paced()
        downloader = crawler.engine.downloader
        key, slot = downloader._get_slot(ARTICLE)
        middleware.robots_parsed(ProtegoRobotParser(b"User-agent: *\nCrawl-delay: 30\n", None), ARTICLE)
        assert (slot.delay, slot.jitter) == (10.0, 0)                       # capped at NEWSCLEAN_MAX_CRAWL_DELAY
        assert downloader.per_slot_settings[key]["delay"] == 10.0         # kept for a re-created slot
        request = ARTICLE.replace()
        middleware.process_request(request)
        assert request.meta["autothrottle_dont_adjust_delay"] is True     # AutoThrottle does not lower it
    run(check())


def test_a_503_pauses_the_whole_slot_then_restores_its_delay():
    async def check():
        crawler, middleware = paced({"NEWSCLEAN_RETRY_AFTER_MAX": 0.05, "DOWNLOAD_DELAY": 0})
        _, slot = crawler.engine.downloader._get_slot(ARTICLE)
        before = slot.delay
        result = middleware.process_response(ARTICLE, Response(ARTICLE.url, status=503, headers={"Retry-After": "9"}))
        assert isinstance(result, Request) and result.url == ARTICLE.url   # retried
        assert slot.delay == 0.05 and crawler.stats.get_value("newsclean/backoff_pauses") == 1
        await asyncio.sleep(0.3)  # past the pause: its timer has fired
        assert slot.delay == before
    run(check())


def test_a_request_that_must_not_be_retried_pauses_nothing():
    async def check():
        crawler, middleware = paced()
        request = ARTICLE.replace(meta={"dont_retry": True})
        middleware.process_response(request, Response(request.url, status=429))
        assert crawler.stats.get_value("newsclean/backoff_pauses") is None
    run(check())
