"""ContactUserAgentMiddleware: the User-Agent names the crawl's contact."""
from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured

from crawler.downloadermiddlewares.useragent import ContactUserAgentMiddleware
from tests.crawler.downloadermiddlewares.conftest import make_crawler


def test_the_contact_is_put_in_the_user_agent():
    crawler = make_crawler({"NEWSCLEAN_CONTACT": "mailto:crawl@example.org"})
    middleware = ContactUserAgentMiddleware.from_crawler(crawler)
    request = Request("https://example.org/a")
    middleware.process_request(request)
    assert request.headers[b"User-Agent"] == b"newsclean/0.1 (+mailto:crawl@example.org)"


def test_a_request_with_its_own_user_agent_keeps_it():
    middleware = ContactUserAgentMiddleware.from_crawler(make_crawler())
    request = Request("https://example.org/a", headers={"User-Agent": "special"})
    middleware.process_request(request)
    assert request.headers[b"User-Agent"] == b"special"


def test_no_user_agent_setting_disables_it():
    with pytest.raises(NotConfigured):
        ContactUserAgentMiddleware.from_crawler(make_crawler({"USER_AGENT": ""}))
