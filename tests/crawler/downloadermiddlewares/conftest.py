"""Middleware unit tests: a crawler built from the project's settings (``make_crawler``), and
a running asyncio loop for the coroutines Scrapy's machinery awaits (``run``)."""
from __future__ import annotations

import asyncio
import importlib
from collections.abc import Coroutine
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from crawler.sites import Site


class SitesSpider(Spider):
    """A spider that holds ``sites``, as the news spider does (middlewares read them)."""

    name = "sites"

    def __init__(self, sites: tuple[Site, ...] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sites = sites


def make_crawler(settings: dict | None = None, sites: tuple[Site, ...] = ()) -> Crawler:
    """A crawler with crawler.settings and ``settings`` over them, its spider holding ``sites``."""
    project = importlib.import_module("crawler.settings")
    ours = {name: getattr(project, name) for name in dir(project) if name.isupper()}
    # (no spider modules: the spider loader would import every spider, which these tests do not need)
    crawler = get_crawler(SitesSpider, {**ours, "SPIDER_MODULES": [], **(settings or {})})
    crawler.spider = SitesSpider.from_crawler(crawler, sites=sites)
    return crawler


def run(coroutine: Coroutine) -> Any:
    """Runs one coroutine on a fresh asyncio loop (Scrapy's signals need a running loop)."""
    return asyncio.run(coroutine)
