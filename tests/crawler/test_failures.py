"""Failure naming (crawler.failures): every way a request fails has a short, countable name,
the one stats, the ledger and NEWSCLEAN_RETRY_FAILED_REASONS use."""
from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionLost, ConnectionRefusedError, DNSLookupError, TimeoutError
from twisted.python.failure import Failure

from crawler import targets
from crawler.failures import Refused, failure_reason
from crawler.settings import NEWSCLEAN_RETRY_FAILED_REASONS
from crawler.state.ledger import reason_matches


def failed(exc: Exception, url: str = "https://example.vn/a") -> Failure:
    failure = Failure(exc)
    failure.request = Request(url)
    return failure


@pytest.mark.parametrize("exc, reason", [
    (HttpError(Response("https://example.vn/a", status=404), "404"), "http_404"),
    (Refused("offsite_redirect", "https://example.vn/a"), "offsite_redirect"),
    (IgnoreRequest("Forbidden by robots.txt"), "robots"),
    (IgnoreRequest("Cancelling download: body larger than 10485760 (maxsize)"), "too_large"),
    (IgnoreRequest("dropped"), "ignored"),
    (TimeoutError(), "timeout"), (DownloadTimeoutError(), "timeout"),
    (ResponseDataLossError(), "data_loss"),
    (DownloadCancelledError(), "too_large"),
    (DNSLookupError(), "dns"), (CannotResolveHostError(), "dns"),
    (ConnectionRefusedError(), "connection_refused"),
    (ConnectionLost(), "ConnectionLost"),                     # anything else: its exception's name
])
def test_failures_are_named(exc, reason):
    assert failure_reason(failed(exc)) == reason


def test_a_name_whose_answer_was_private_is_named_so(monkeypatch):
    monkeypatch.setattr(targets, "REFUSED_NAMES", {"rebind.example"})
    assert failure_reason(failed(DNSLookupError(), "https://rebind.example/a")) == "private_address"
    assert failure_reason(failed(DNSLookupError(), "https://other.example/a")) == "dns"


@pytest.mark.parametrize("reason, transient", [("timeout", True), ("data_loss", True), ("http_503", True),
                                               ("robots_unavailable", True), ("ConnectionLost", True),
                                               ("http_404", False), ("too_large", False), ("robots", False),
                                               ("private_address", False)])
def test_the_transient_names_are_those_retried_by_the_next_run(reason, transient):
    assert reason_matches(reason, NEWSCLEAN_RETRY_FAILED_REASONS) == transient
