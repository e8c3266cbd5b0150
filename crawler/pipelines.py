"""Item pipeline: clean each fetched page off the reactor, write Documents to the Parquet dataset."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.exceptions import DropItem, NotConfigured

from cleaning.document import Dropped
from cleaning.parquet import CommittedFile, DatasetWriter, documents_to_table, write_table_atomically
from crawler import signals as nc_signals
from crawler.cleaner import FAILURE_REASONS, CleanerPool
from crawler.items import PageItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)


def count(crawler: Crawler, site: str, key: str) -> None:
    """Per-site counter in the crawl stats: ``newsclean/<site>/<key>``."""
    crawler.stats.inc_value(f"newsclean/{site}/{key}")


class CleanAndWritePipeline:
    """PageItem -> process_html in the CleanerPool -> DatasetWriter (the same as ``newsclean clean``).

    ``process_item`` is a coroutine awaiting the worker, so the reactor keeps crawling while
    pages are cleaned on every core. A dropped page is counted by reason (``skipped/<reason>``,
    or ``failed/<reason>`` for timeouts and errors) and the item is dropped quietly.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.workers = settings.getint("NEWSCLEAN_CLEAN_WORKERS")
        self.timeout = settings.getfloat("NEWSCLEAN_PAGE_TIMEOUT")
        self.max_rows = settings.getint("NEWSCLEAN_MAX_ROWS_PER_FILE")
        self.max_bytes = settings.getint("NEWSCLEAN_MAX_BYTES_PER_FILE")
        self.pool: CleanerPool | None = None
        self.writer: DatasetWriter | None = None
        self.site_of: dict[str, str] = {}  # doc id -> site, to count rows per site at commit

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CleanAndWritePipeline":
        return cls(crawler)

    def open_spider(self) -> None:
        out = getattr(self.crawler.spider, "out", None) or self.crawler.settings.get("NEWSCLEAN_OUT")
        if not out:
            raise NotConfigured("no output: give -a out=PATH or -s NEWSCLEAN_OUT=PATH")
        self.writer = DatasetWriter(Path(out), max_rows=self.max_rows, max_bytes=self.max_bytes,
                                    on_commit=self._committed)
        self.crawler.signals.send_catch_log(nc_signals.writer_opened, writer=self.writer)
        self.pool = CleanerPool(self.workers, self.timeout)
        log.info("cleaning with %d processes into %s", self.pool.workers, out)

    async def process_item(self, item: PageItem) -> PageItem:
        assert self.pool is not None and self.writer is not None
        result = await self.pool.clean(item.body, item.url)
        if isinstance(result, Dropped):
            self._dropped(item, result)
        if result.id in self.site_of:  # e.g. two URLs with the same canonical URL
            self._dropped(item, Dropped("duplicate_id", result.url or ""))
        result.fetched_at = item.fetched_at
        self.site_of[result.id] = item.site
        self.writer.write(result)
        self.crawler.signals.send_catch_log(nc_signals.url_cleaned, url=item.url, site=item.site, doc_id=result.id)
        return item

    def _dropped(self, item: PageItem, dropped: Dropped) -> None:
        kind = "failed" if dropped.reason in FAILURE_REASONS else "skipped"
        count(self.crawler, item.site, f"{kind}/{dropped.reason}")
        log.info("%s %s: %s %s", kind, item.url, dropped.reason, dropped.detail)
        self.crawler.signals.send_catch_log(nc_signals.url_failed, url=item.url, site=item.site,
                                            reason=dropped.reason)
        raise DropItem(f"{dropped.reason}: {item.url}", log_level="DEBUG")

    def _committed(self, committed: CommittedFile) -> None:
        for doc_id in committed.ids:
            count(self.crawler, self.site_of.get(doc_id, "?"), "written")
        self.crawler.stats.inc_value("newsclean/files_committed")

    def close_spider(self) -> None:
        if self.writer is not None:
            self.writer.close()
            if self.writer.rows_written == 0:
                self._write_empty_file()
        if self.pool is not None:
            self.pool.close()

    def _write_empty_file(self) -> None:
        """A run that wrote nothing still leaves a dataset ``pyarrow.parquet.read_table`` reads."""
        writer = self.writer
        assert writer is not None
        if writer.single_file:
            if writer.out.exists():
                return
            path = writer.out
        else:
            if any(writer.folder.glob("*.parquet")):
                return
            path = writer.folder / f"part-{writer.run_id}-empty.parquet"
        write_table_atomically(documents_to_table([]), path)
