"""Failure naming: the short, countable name of every way a request can fail or be refused.

``Refused`` is raised by newsclean's downloader middlewares for a request they will not send
(or whose redirect they will not follow); ``count_refused`` counts it per site and in total.
``failure_reason`` names any failure a spider's errback gets (HTTP errors, refusals, timeouts,
partial bodies, size limits, DNS, refused connections): the names the stats, the ledger and
NEWSCLEAN_RETRY_FAILED_REASONS use.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError as TxTimeoutError
from twisted.python.failure import Failure

from crawler.stats import count
from crawler.targets import refused_name

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)


class Refused(IgnoreRequest):
    """A request newsclean will not send; ``reason`` is the counted name."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"refused ({reason}): {url}")
        self.reason = reason


def count_refused(crawler: Crawler, request: Request, reason: str) -> None:
    """One refusal, counted under its site (``newsclean/SITE/refused/REASON``) and in total."""
    site = request.meta.get("site", "?")
    count(crawler, site, f"refused/{reason}")
    count(crawler, None, f"refused_{reason}")
    log.info("refused %s: %s", request.url, reason)


def failure_reason(failure: Failure) -> str:
    """A short, countable name for why a request failed."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        return _ignored_reason(exc)
    if isinstance(exc, (TxTimeoutError, TimeoutError, DownloadTimeoutError)):
        return "timeout"
    if isinstance(exc, ResponseDataLossError):
        return "data_loss"          # a body shorter than announced, or broken chunks: never cleaned
    if isinstance(exc, DownloadCancelledError):
        return "too_large"          # cancelled at DOWNLOAD_MAXSIZE
    if isinstance(exc, (DNSLookupError, CannotResolveHostError)):
        request = getattr(failure, "request", None)
        if request is not None and refused_name(urlsplit(request.url).hostname):
            return "private_address"    # the connection's own DNS answer was private (rebinding)
        return "dns"
    if isinstance(exc, (ConnectionRefusedError, DownloadConnectionRefusedError)):
        return "connection_refused"
    return type(exc).__name__


def _ignored_reason(exc: IgnoreRequest) -> str:
    """Why a request was not sent or its response dropped: a refusal's own reason when it has one."""
    if getattr(exc, "reason", None):
        return exc.reason
    message = str(exc).lower()
    if "robots" in message:
        return "robots"
    if "maxsize" in message or "larger than" in message:
        return "too_large"          # a compressed body that inflates past DOWNLOAD_MAXSIZE
    return "ignored"
