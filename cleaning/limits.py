"""Bounded HTML extraction: ``process_html`` under a per-page time limit, in a reusable worker pool.

lxml and trafilatura run C code and regexes that a signal cannot always interrupt, and a page
can make them run for minutes, so the only reliable limit is a separate process that is killed.
``HtmlPool`` keeps ``workers`` long-lived processes; a page that overruns its time limit gets
``Dropped("clean_timeout")`` and only the worker that ran it is killed and replaced (no process per
page, none leaked: ``close()`` or the ``with`` block joins them all).

Usage (the crawler's item pipeline, a batch job)::

    from cleaning.limits import HtmlPool

    with HtmlPool(workers=4, timeout=10.0) as pool:
        result = pool.process(html_bytes, url="https://example.vn/a.html")   # Document | Dropped
        for result in pool.map([(html, url, source), ...]):                    # in input order
            ...

``process`` blocks the caller; ``map`` keeps every worker busy. A worker that dies (segfault,
out of memory) gives ``Dropped("worker_crashed")`` and is replaced. The pool is not meant to be
shared between threads; make one per thread or guard it with a lock.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection, wait

from cleaning.document import Document, Dropped

DEFAULT_TIMEOUT = 10.0   # seconds per page
_JOIN_SECONDS = 2.0


def _serve(conn: Connection, signatures: bool = False) -> None:
    """Worker loop: receive (html, url, source, charset), send back process_html's result; None ends it.

    With ``signatures``, a Document comes back with its near-duplicate MinHash signature
    (``Document.signature``, ``cleaning.minhash.signature``) computed here, off the caller's process.
    """
    from cleaning.html import process_html

    if signatures:
        from cleaning.minhash import signature

    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        html, url, source, charset = job
        try:
            result: Document | Dropped = process_html(html, url, source, charset=charset)
            if signatures and isinstance(result, Document):
                result.signature = signature(result.text)
        except Exception as error:  # counted by the caller like any other drop
            result = Dropped("error", f"{type(error).__name__}: {error}")
        conn.send(result)


class _Worker:
    def __init__(self, context: mp.context.BaseContext, signatures: bool = False) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, signatures), daemon=True)
        self.process.start()
        child.close()
        self.started: float | None = None   # when its current job was sent
        self.index: int | None = None       # position of its current job in map()

    def send(self, job: tuple, index: int | None = None) -> None:
        self.conn.send(job)
        self.started, self.index = time.monotonic(), index

    def kill(self) -> None:
        self.process.kill()
        self.process.join(_JOIN_SECONDS)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(_JOIN_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(_JOIN_SECONDS)
        self.conn.close()


class HtmlPool:
    """``workers`` long-lived processes running ``process_html`` with a ``timeout`` per page."""

    def __init__(self, workers: int = 2, timeout: float = DEFAULT_TIMEOUT, start_method: str = "forkserver",
                 signatures: bool = False) -> None:
        # "forkserver": workers are forked from a clean server process (safe even when the parent
        # runs threads: Scrapy, Twisted) that has loaded the extractor and langdetect's profiles
        # once, so the workers share those pages instead of each loading its own copy.
        # signatures: Documents come back with their dedup signature (see _serve).
        self.timeout = timeout
        self.signatures = signatures
        self._context = mp.get_context(start_method)
        if start_method == "forkserver":
            self._context.set_forkserver_preload(["cleaning.worker_preload"])
        self._workers = [_Worker(self._context, signatures) for _ in range(max(1, workers))]
        self.replaced = 0   # workers killed for a timeout or found dead

    def __enter__(self) -> HtmlPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop and join every worker."""
        for worker in self._workers:
            worker.stop()
        self._workers = []

    def process(self, html: str | bytes, url: str | None = None, source: str | None = None,
                charset: str | None = None) -> Document | Dropped:
        """One page, within the time limit (``charset``: the HTTP header's, see ``process_html``)."""
        return next(self.map([(html, url, source, charset)]))

    def map(self, jobs: Iterable[tuple]) -> Iterator[Document | Dropped]:
        """Results of (html, url, source[, charset]) jobs, in input order, every worker kept busy."""
        pending = iter(enumerate(jobs))
        results: dict[int, Document | Dropped] = {}
        next_out, busy = 0, {}
        exhausted = False
        while True:
            for i, worker in enumerate(self._workers):
                if i not in busy and not exhausted:
                    item = next(pending, None)
                    if item is None:
                        exhausted = True
                        break
                    index, job = item
                    worker.send((*job, None)[:4], index)  # the header charset is optional
                    busy[i] = worker
            while next_out in results:
                yield results.pop(next_out)
                next_out += 1
            if not busy:
                if exhausted:
                    return
                continue
            self._collect(busy, results)

    def _collect(self, busy: dict[int, _Worker], results: dict[int, Document | Dropped]) -> None:
        """Wait for a result or the earliest deadline; replace workers that timed out or died."""
        now = time.monotonic()
        deadline = min(w.started + self.timeout for w in busy.values())
        ready = wait([w.conn for w in busy.values()], timeout=max(0.0, deadline - now))
        for i, worker in list(busy.items()):
            if worker.conn in ready:
                try:
                    results[worker.index] = worker.conn.recv()
                except (EOFError, OSError):
                    results[worker.index] = Dropped("worker_crashed")
                    self._replace(i)
                del busy[i]
            elif time.monotonic() >= worker.started + self.timeout:
                results[worker.index] = Dropped("clean_timeout", f"over {self.timeout:g} s")
                self._replace(i)
                del busy[i]

    def _replace(self, i: int) -> None:
        self._workers[i].kill()
        self._workers[i] = _Worker(self._context, self.signatures)
        self.replaced += 1
