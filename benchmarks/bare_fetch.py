"""Scrapy's own cost per page: a spider that fetches a list of URLs and discards the bodies.

    python benchmarks/bare_fetch.py URLS_FILE [--no-middlewares]

No robots.txt, no pipelines, no cleaning, 16 requests in flight: what any Scrapy crawl of these
pages spends in its process at the least (Scrapy's default middlewares, or none at all with
``--no-middlewares``). Prints one JSON line: pages, wall seconds, CPU seconds of this process.
benchmarks/crawl.py uses it to bound what a Scrapy crawl of the same pages can reach.
"""
from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess


class BareSpider(Spider):
    name = "bare"

    def __init__(self, urls: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self):
        for url in self.urls:
            yield Request(url, callback=self.parse)

    def parse(self, response):
        self.crawler.stats.inc_value("bare/bytes", len(response.body))
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", type=Path)
    parser.add_argument("--no-middlewares", action="store_true")
    args = parser.parse_args()
    urls = args.urls.read_text().split()
    settings = {"LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                "ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False, "DOWNLOAD_MAXSIZE": 10 * 2**20}
    if args.no_middlewares:
        settings.update(DOWNLOADER_MIDDLEWARES_BASE={}, SPIDER_MIDDLEWARES_BASE={}, EXTENSIONS_BASE={})
    process = CrawlerProcess(settings)
    process.crawl(BareSpider, urls=urls)
    start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    process.start()
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(json.dumps({"pages": len(urls), "wall": time.perf_counter() - start, "cpu": cpu}))


if __name__ == "__main__":
    main()
