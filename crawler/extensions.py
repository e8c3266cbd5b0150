"""Progress of a crawl: a line per site every NEWSCLEAN_PROGRESS_INTERVAL seconds, and a summary."""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

from scrapy import signals
from twisted.internet.task import LoopingCall

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)
PREFIX = "newsclean/"
MAIN_KEYS = ("discovered", "fetched", "written", "link_pages")


def site_counts(stats: Mapping[str, object]) -> dict[str, Counter[str]]:
    """``newsclean/<site>/<key>`` stats -> {site: Counter(key: n)} (sites only, not globals)."""
    sites: dict[str, Counter[str]] = defaultdict(Counter)
    for name, value in stats.items():
        if name.startswith(PREFIX) and isinstance(value, int):
            parts = name[len(PREFIX):].split("/", 1)
            if len(parts) == 2:
                sites[parts[0]][parts[1]] += value
    return dict(sites)


def format_site(site: str, counts: Counter[str]) -> str:
    """``site: discovered=12 fetched=12 written=11 link_pages=3 skipped=1 (no_article=1) failed=0``."""
    parts = [f"{key}={counts.get(key, 0)}" for key in MAIN_KEYS]
    for group in ("skipped", "failed"):
        reasons = {k.split("/", 1)[1]: v for k, v in counts.items() if k.startswith(group + "/")}
        detail = " (" + ", ".join(f"{k}={v}" for k, v in sorted(reasons.items())) + ")" if reasons else ""
        parts.append(f"{group}={sum(reasons.values())}{detail}")
    return f"{site}: " + " ".join(parts)


class CrawlProgress:
    """Logs per-site counts (discovered, fetched, written, skipped and failed by reason)."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.task: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CrawlProgress":
        extension = cls(crawler, crawler.settings.getfloat("NEWSCLEAN_PROGRESS_INTERVAL"))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        if self.interval > 0:
            self.task = LoopingCall(self.report, "progress")
            self.task.start(self.interval, now=False)

    def report(self, label: str) -> None:
        for site, counts in sorted(site_counts(self.crawler.stats.get_stats()).items()):
            log.info("%s %s", label, format_site(site, counts))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task and self.task.running:
            self.task.stop()
        self.report(f"finished ({reason})")
