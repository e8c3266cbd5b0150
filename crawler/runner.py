"""The crawl runner: one crawl in this process, from settings to how it ended.

``newsclean crawl`` (``newsclean.crawl_cmd``) runs every crawl through ``run_crawl``: a single
crawl, and one worker of a distributed crawl alike (its settings come from
``crawler.distributed.settings.worker_settings``; the spider is the one ``NEWSCLEAN_SPIDER``
names). ``CrawlResult.ok`` is the one rule for a successful end. Starts the Twisted reactor,
which cannot be restarted: once per process.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.stats import format_site, site_counts

if TYPE_CHECKING:
    from scrapy.settings import Settings

#: A run that ends for one of these reasons did its job (a page or time limit is a normal end).
OK_FINISH_REASONS = ("finished", "closespider_")
#: ``NEWSCLEAN_SPIDER`` -> the spider class (the news spider unless the settings name another).
SPIDERS = {"news": "crawler.spiders.news.NewsSpider", "news_redis": "crawler.spiders.news_redis.RedisNewsSpider"}


def crawl_settings(overrides: Mapping[str, object]) -> Settings:
    """crawler.settings, then the overrides: the same settings wherever the crawl runs from."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(dict(overrides), priority="cmdline")
    return settings


@dataclass
class CrawlResult:
    """How a crawl ended: Scrapy's finish reason, its stats, errors that stopped it from starting."""

    reason: str
    stats: Mapping[str, object] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """The crawl did its job: no error, and it ended for a normal reason."""
        return not self.errors and self.reason.startswith(OK_FINISH_REASONS)

    def summary(self, out: str | Path) -> list[str]:
        """One line per site, the totals, and why the crawl failed or stopped early."""
        per_site = site_counts(self.stats)
        lines = [format_site(site, counts) for site, counts in sorted(per_site.items())]
        cleaned = sum(counts.get("cleaned", 0) for counts in per_site.values())
        lines.append(f"crawl {self.reason}: {cleaned} articles cleaned, "
                     f"{self.stats.get('response_received_count', 0)} responses, output {out}")
        if self.reason == "shutdown":
            lines.append("crawl stopped before the end: run it again to resume")
        if not self.ok:
            lines.append(f"crawl failed: {'; '.join(self.errors) or self.reason}")
        return lines


def run_crawl(targets: Sequence[str], out: str | Path, settings: Settings) -> CrawlResult:
    """Crawl ``targets`` (site names or start URLs) into ``out`` with ``settings``."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.misc import load_object

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(load_object(SPIDERS[settings.get("NEWSCLEAN_SPIDER") or "news"]))
    errors: list[str] = []
    deferred = process.crawl(crawler, site=list(targets), out=str(out))
    deferred.addErrback(lambda failure: errors.append(failure.getErrorMessage()))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return CrawlResult(str(stats.get("finish_reason", "did not start")), stats, errors)
