"""SafeTargetMiddleware: other schemes and private addresses are refused before any connection
(``Refused``, counted), unless the sites or NEWSCLEAN_ALLOW_PRIVATE_HOSTS name them."""
from __future__ import annotations

import pytest
from scrapy import Request

from crawler import targets
from crawler.downloadermiddlewares.safetarget import SafeTargetMiddleware
from crawler.failures import Refused
from crawler.sites import Site
from tests.crawler.downloadermiddlewares.conftest import make_crawler, run


@pytest.fixture(autouse=True)
def fresh_allow_list(monkeypatch):
    """The allow list is the process's (the DNS resolver shares it): each test gets its own."""
    monkeypatch.setattr(targets, "PROCESS_ALLOW_LIST", targets.AllowList())


def middleware(settings: dict | None = None, sites: tuple[Site, ...] = ()):
    crawler = make_crawler(settings, sites)
    guard = SafeTargetMiddleware.from_crawler(crawler)
    guard.spider_opened(crawler.spider)
    return crawler, guard


def refusal(guard: SafeTargetMiddleware, url: str) -> str | None:
    try:
        run(guard.process_request(Request(url, meta={"site": "demo"})))
    except Refused as refused:
        return refused.reason
    return None


@pytest.mark.parametrize("url, reason", [
    ("ftp://example.org/a", "scheme"),
    ("http://127.0.0.1:8080/a", "private_address"),
    ("http://10.1.2.3/a", "private_address"),
    ("http://169.254.169.254/latest/meta-data/", "private_address"),   # cloud metadata
    ("http://[::1]/a", "private_address"),
    ("http://localhost/a", "private_address"),
    ("http://admin.localhost/a", "private_address"),
    ("http://93.184.216.34/a", None),                                  # a public address
])
def test_targets_refused_before_connecting(url, reason):
    _, guard = middleware()
    assert refusal(guard, url) == reason


def test_a_refusal_is_counted_per_site_and_in_total():
    crawler, guard = middleware()
    refusal(guard, "http://10.0.0.1/a")
    assert crawler.stats.get_value("newsclean/demo/refused/private_address") == 1
    assert crawler.stats.get_value("newsclean/refused_private_address") == 1


def test_hosts_the_sites_name_are_allowed():
    site = Site("demo", start_urls=("http://127.0.0.1:8000/",), allowed_domains=("intranet.test",),
                feeds=("http://10.0.0.7/rss.xml",))
    _, guard = middleware(sites=(site,))
    assert refusal(guard, "http://127.0.0.1:8000/a") is None
    assert refusal(guard, "http://10.0.0.7/tin-1.html") is None
    assert refusal(guard, "http://10.0.0.8/tin-1.html") == "private_address"


@pytest.mark.parametrize("settings", [{"NEWSCLEAN_ALLOW_PRIVATE_HOSTS": ["10.0.0.0/8"]},
                                      {"NEWSCLEAN_ALLOW_PRIVATE_HOSTS": ["10.1.2.3"]},
                                      {"NEWSCLEAN_REFUSE_PRIVATE_ADDRESSES": False}], ids=["network", "address", "off"])
def test_private_addresses_allowed_by_settings(settings):
    _, guard = middleware(settings)
    assert refusal(guard, "http://10.1.2.3/a") is None
    assert refusal(guard, "file:///etc/passwd") == "scheme"  # never, whatever the settings
