"""process_html off the reactor: ``cleaning.limits.HtmlPool`` workers, awaitable from Scrapy.

``HtmlPool.process`` blocks its caller, and one pool belongs to one thread, so each of
``workers`` threads owns an ``HtmlPool(workers=1)``: a thread sends a page to its process and
waits on the pipe (the GIL is free meanwhile), the event loop awaits the thread's future. The
per-page time limit is HtmlPool's: an overrunning worker is killed and replaced, the page
becomes ``Dropped("clean_timeout")``. The workers also compute each Document's near-duplicate
signature (``Document.signature``), so the crawl process's ``Deduplicator`` only queries its index.
"""
from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from cleaning.document import Document, Dropped
from cleaning.limits import HtmlPool

log = logging.getLogger(__name__)

#: Reasons that mean "the page could not be processed" rather than "no article in it".
FAILURE_REASONS = frozenset({"clean_timeout", "error", "worker_crashed"})


class CleanerPool:
    """``await pool.clean(body, url, charset)`` -> Document | Dropped; never raises for a bad page."""

    def __init__(self, workers: int = 0, timeout: float = 30.0) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.timeout = timeout
        self._threads = ThreadPoolExecutor(self.workers, thread_name_prefix="newsclean-clean")
        self._local = threading.local()
        self._pools: list[HtmlPool] = []
        self._lock = threading.Lock()

    def _pool(self) -> HtmlPool:
        """The calling thread's own HtmlPool (started on its first page)."""
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = HtmlPool(workers=1, timeout=self.timeout, signatures=True)
            with self._lock:
                self._pools.append(pool)
        return pool

    def start(self) -> None:
        """Start every worker now, in the background (the forkserver loads the extractor once,
        ~1 s), so that the first pages are not kept waiting for it; returns at once."""
        barrier = threading.Barrier(self.workers)

        def start_one() -> None:
            try:
                self._pool()
            finally:  # held here, so that each task lands on a thread of its own
                try:
                    barrier.wait(timeout=60)
                except threading.BrokenBarrierError:
                    pass

        for _ in range(self.workers):
            self._threads.submit(start_one)

    def _clean_blocking(self, body: bytes, url: str, charset: str | None) -> Document | Dropped:
        return self._pool().process(body, url=url, source=url, charset=charset)

    async def clean(self, body: bytes, url: str, charset: str | None = None) -> Document | Dropped:
        """``charset``: the Content-Type header's (``cleaning.charset`` ranks it before the page's own)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._clean_blocking, body, url, charset)

    def close(self) -> None:
        self._threads.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            for pool in self._pools:
                pool.close()
            self._pools.clear()
