"""CredentialScopeMiddleware: credentials never follow a redirect to another origin."""
from __future__ import annotations

import pytest
from scrapy import Request

from crawler.downloadermiddlewares.credentials import CredentialScopeMiddleware
from tests.crawler.downloadermiddlewares.conftest import make_crawler

CREDENTIALS = {"Authorization": "Basic dTpw", "Cookie": "session=1", "Proxy-Authorization": "Basic cDpx"}


def redirected(url: str, chain: list[str]) -> Request:
    return Request(url, headers=CREDENTIALS, meta={"redirect_urls": chain})


@pytest.mark.parametrize("target", ["https://other.org/b", "http://example.org/b", "https://example.org:8443/b"],
                         ids=["host", "scheme", "port"])
def test_another_origin_gets_no_credentials(target):
    crawler = make_crawler()
    request = redirected(target, ["https://example.org/a"])
    CredentialScopeMiddleware.from_crawler(crawler).process_request(request)
    assert not any(name in request.headers for name in CREDENTIALS)
    assert crawler.stats.get_value("newsclean/credentials_stripped") == 1


def test_the_same_origin_and_first_requests_keep_them():
    crawler = make_crawler()
    middleware = CredentialScopeMiddleware.from_crawler(crawler)
    same = redirected("https://example.org:443/b", ["https://example.org/a"])  # the default port written out
    first = Request("https://other.org/a", headers=CREDENTIALS)
    for request in (same, first):
        middleware.process_request(request)
        assert all(name in request.headers for name in CREDENTIALS)
    assert crawler.stats.get_value("newsclean/credentials_stripped") is None
