"""Scrapy's Downloader with the per-slot concurrency limit actually enforced.

In Scrapy 2.19 ``Downloader._process_queue`` hands a request over by scheduling the
``_wait_for_download`` coroutine, and the request joins ``slot.transferring`` only when that
coroutine starts running. Requests enqueued in the same event-loop iteration therefore all
see free transfer slots: a burst of 12 requests to one host goes out at once although
CONCURRENT_REQUESTS_PER_DOMAIN is 2 (seen in the demo server's log). This subclass marks the
request as transferring before scheduling it; ``_download`` adds it again (a no-op on a set)
and removes it when done, as before. Enabled by the DOWNLOADER setting.
"""
from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class PoliteDownloader(Downloader):
    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return  # queue processing is blocked until slot.latercall fires
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # the fix: count it before the coroutine starts
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # prevent bursts when an inter-request delay is configured
                self._process_queue(slot)
                break
