"""process_html in a pool of worker processes, under a per-page time limit, awaitable from Scrapy.

A stop-gap until ``cleaning.limits`` (the shared timeout-bounded pool) lands; the pipeline
only uses ``CleanerPool.clean`` and ``close``.

The limit is enforced twice: inside the worker by SIGALRM (the page becomes
``Dropped("timeout")`` and the worker lives on), and in the parent by a deadline a little
later (a worker stuck in C code is killed and the pool re-created).
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from cleaning.document import Document, Dropped

log = logging.getLogger(__name__)

#: Reasons that mean "the page could not be processed" rather than "no article in it".
FAILURE_REASONS = frozenset({"timeout", "error", "worker_crashed"})
PARENT_GRACE = 5.0  # seconds the parent waits beyond the worker's own limit


class PageTimeout(Exception):
    pass


def _on_alarm(signum, frame) -> None:
    raise PageTimeout


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGALRM, _on_alarm)
    import cleaning.html  # noqa: F401  (import the extractor once, not on the first page)


def clean_page(body: bytes, url: str, timeout: float) -> Document | Dropped:
    """Runs in a worker: process_html under a SIGALRM deadline; errors become Dropped."""
    from cleaning.html import process_html

    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return process_html(body, url=url, source=url)
    except PageTimeout:
        return Dropped("timeout", f"process_html took more than {timeout:g} s")
    except Exception as exc:  # noqa: BLE001 - any bug in one page must not stop the crawl
        return Dropped("error", f"{type(exc).__name__}: {exc}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


class CleanerPool:
    """``await pool.clean(body, url)`` -> Document | Dropped, never raises for a bad page."""

    def __init__(self, workers: int = 0, timeout: float = 30.0, max_tasks_per_child: int = 2000) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.timeout = timeout
        self.max_tasks_per_child = max_tasks_per_child
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # spawn: the parent runs an event loop and threads, which fork would copy half-way.
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, max_tasks_per_child=self.max_tasks_per_child)

    async def clean(self, body: bytes, url: str) -> Document | Dropped:
        loop = asyncio.get_running_loop()
        executor = self._executor
        try:
            future = loop.run_in_executor(executor, clean_page, body, url, self.timeout)
            return await asyncio.wait_for(future, self.timeout + PARENT_GRACE)
        except asyncio.TimeoutError:
            log.warning("worker stuck on %s: restarting the cleaning pool", url)
            self._restart(executor)
            return Dropped("timeout", "worker did not answer; killed")
        except BrokenProcessPool:
            self._restart(executor)
            return Dropped("worker_crashed", "a cleaning process died")

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        if broken is not self._executor:
            return  # another page already restarted it
        for process in list(getattr(broken, "_processes", {}).values()):
            process.kill()
        broken.shutdown(wait=False, cancel_futures=True)
        self._executor = self._start()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
