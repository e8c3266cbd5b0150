"""Item pipeline: clean each fetched page off the reactor, dedup, write Documents to the Parquet dataset.

With the crawl ledger (``crawler.extensions.CrawlLedger``), the writer's commits go through the
ledger's commit protocol (a row is ``written`` only once its file is durably in place), and each
article's outcome is recorded: dropped -> ``failed`` with the reason; cleaned -> ``mark_fetched``,
which says whether the row must be written (new, or its content_hash changed) or is already in
the dataset. Dedup (``cleaning.dedup.Deduplicator``) is seeded from the rows already written, so
it works across runs and sources: an exact duplicate of another article is not written
(``skipped/duplicate_exact``), a near duplicate is written with ``duplicate_of`` (counted as
``near_duplicates``) or dropped (``skipped/duplicate_near``) with NEWSCLEAN_DROP_NEAR_DUPLICATES.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.exceptions import DropItem, NotConfigured

from cleaning.dataset import CommittedFile, DatasetWriter
from cleaning.dedup import Deduplicator
from cleaning.document import Document, Dropped
from crawler import signals as nc_signals
from crawler.articles import judge
from crawler.canonical import settle_url
from crawler.cleaner import FAILURE_REASONS, CleanerPool
from crawler.extensions import CrawlLedger, output_of
from crawler.items import PageItem
from crawler.state.ledger import Ledger, LedgerCommitHook
from crawler.stats import count

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)


def ledger_url(item: PageItem) -> str:
    """The article's key in the ledger: the URL as discovered (``ArticlePage.ledger_url``)."""
    return getattr(item, "ledger_url", "") or item.url


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
        self.drop_near = settings.getbool("NEWSCLEAN_DROP_NEAR_DUPLICATES")
        self.pool: CleanerPool | None = None
        self.writer: DatasetWriter | None = None
        self.dedup: Deduplicator | None = None
        self.ledger: Ledger | None = None
        self.site_of: dict[str, str] = {}  # doc id -> site, to count rows per site at commit

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CleanAndWritePipeline":
        return cls(crawler)

    def open_spider(self) -> None:
        out = output_of(self.crawler)
        if not out:
            raise NotConfigured("no output: give -a out=PATH or -s NEWSCLEAN_OUT=PATH")
        extension = self.crawler.get_extension(CrawlLedger)
        if extension is not None:
            self.ledger = extension.ledger
            hook = LedgerCommitHook(self.ledger)
            self.writer = DatasetWriter(Path(out), max_rows=self.max_rows, max_bytes=self.max_bytes,
                                        run_id=extension.run_id, before_commit=hook.before_commit, empty_file=True,
                                        on_commit=lambda committed: self._committed(committed, hook))
        else:
            self.writer = DatasetWriter(Path(out), max_rows=self.max_rows, max_bytes=self.max_bytes,
                                        on_commit=self._committed, empty_file=True)
        self.pool = CleanerPool(self.workers, self.timeout)
        self.pool.start()   # the workers load while the dedup index is read and robots.txt fetched
        self.dedup = Deduplicator.from_dataset(out, drop_near=self.drop_near)
        self.crawler.signals.send_catch_log(nc_signals.writer_opened, writer=self.writer)
        log.info("cleaning with %d processes into %s", self.pool.workers, out)

    async def process_item(self, item: PageItem) -> PageItem:
        assert self.pool is not None and self.writer is not None
        result = await self.pool.clean(item.body, item.url, item.charset)
        route = getattr(item, "route", "")
        if route and (not isinstance(result, Dropped) or result.reason == "no_article"):
            self._judged(item, result, route)
        if isinstance(result, Dropped):
            self._dropped(item, result)
        settle_url(result, item.url, getattr(item, "allowed_domains", ()))
        if self._is_duplicate(item, result):
            self._duplicate(item, result)
            return item
        result.fetched_at = item.fetched_at
        doc = self._deduplicated(item, result)
        if self.ledger is not None and not self._must_write(item, doc):
            count(self.crawler, item.site, "unchanged")  # fetched again, same text as the row written
            return item
        self.site_of[doc.id] = item.site
        self.writer.write(doc)
        count(self.crawler, item.site, "cleaned")  # a row in the writer; "written" once its file commits
        self.crawler.signals.send_catch_log(nc_signals.url_cleaned, url=item.url, site=item.site, doc_id=doc.id)
        return item

    def _judged(self, item: PageItem, result: Document | Dropped, route: str) -> None:
        """The article decision on a candidate (``crawler.articles.judge``); a page that is not
        an article is counted ``not_article`` (not failed) and dropped quietly."""
        verdict = judge(result, route)
        spider = self.crawler.spider
        if hasattr(spider, "page_judged"):
            spider.page_judged(ledger_url(item), item.site, verdict.is_article)
        if verdict.is_article:
            return
        count(self.crawler, item.site, "not_article")
        log.debug("not an article (%s, found by %s): %s", verdict.reason, route, item.url)
        if self.ledger is not None:
            self.ledger.mark_not_article(ledger_url(item), item.site, verdict.reason)
        raise DropItem(f"not an article: {item.url}", log_level="DEBUG")

    def _is_duplicate(self, item: PageItem, doc: Document) -> bool:
        """A second URL of an article (same canonical URL, hence id) cleaned in this run, or
        written before, or being written by another worker (the ledger's ``claim_doc``)."""
        if doc.id in self.site_of:
            return True
        return self.ledger is not None and not self.ledger.claim_doc(doc.id, ledger_url(item))

    def _duplicate(self, item: PageItem, doc: Document) -> None:
        """Another URL of an article this run already has a row for: one row, counted ``duplicates``."""
        count(self.crawler, item.site, "duplicates")
        log.debug("duplicate %s of row %s", item.url, doc.id)
        if self.ledger is not None:
            self.ledger.mark_duplicate(ledger_url(item), doc.id, doc.content_hash)

    def _deduplicated(self, item: PageItem, doc: Document) -> Document:
        assert self.dedup is not None
        result = self.dedup(doc)
        if isinstance(result, Dropped):
            self._dropped(item, result)
        if result.duplicate_of:
            count(self.crawler, item.site, "near_duplicates")
            log.info("near duplicate %s of %s", item.url, result.duplicate_of)
        return result

    def _must_write(self, item: PageItem, doc: Document) -> bool:
        """Record the fetch in the ledger; True when the row is new or its text changed."""
        assert self.ledger is not None
        return self.ledger.mark_fetched(ledger_url(item), doc_id=doc.id, content_hash=doc.content_hash,
                                        etag=getattr(item, "etag", None),
                                        last_modified=getattr(item, "last_modified", None))

    def _dropped(self, item: PageItem, dropped: Dropped) -> None:
        kind = "failed" if dropped.reason in FAILURE_REASONS else "skipped"
        count(self.crawler, item.site, f"{kind}/{dropped.reason}")
        log.info("%s %s: %s %s", kind, item.url, dropped.reason, dropped.detail)
        self.crawler.signals.send_catch_log(nc_signals.url_failed, url=item.url, site=item.site,
                                            reason=dropped.reason)
        if self.ledger is not None:
            self.ledger.mark_failed(ledger_url(item), dropped.reason)
        raise DropItem(f"{dropped.reason}: {item.url}", log_level="DEBUG")

    def _committed(self, committed: CommittedFile, hook: LedgerCommitHook | None = None) -> None:
        if hook is not None:
            hook.on_commit(committed)  # the ledger first: the rows are written once it says so
        for doc_id in committed.ids:
            count(self.crawler, self.site_of.get(doc_id, "?"), "written")
        count(self.crawler, None, "files_committed")

    def close_spider(self) -> None:
        if self.writer is not None:
            self.writer.close()
        if self.pool is not None:
            self.pool.close()
