"""RedirectGuardMiddleware: redirect loops, over-long chains, other schemes and off-site hops are
refused (``Refused`` with its reason, counted); other redirects and answers pass."""
from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import Response

from crawler.downloadermiddlewares.redirectguard import RedirectGuardMiddleware
from crawler.failures import Refused
from crawler.sites import Site
from tests.crawler.downloadermiddlewares.conftest import make_crawler

SITE = Site("demo", allowed_domains=("example.org",))


def answer(request: Request, location: str, status: int = 302):
    crawler = make_crawler({"REDIRECT_MAX_TIMES": 3}, sites=(SITE,))
    response = Response(request.url, status=status, headers={"Location": location})
    return crawler, RedirectGuardMiddleware.from_crawler(crawler).process_response(request, response)


def article(url: str, chain: tuple[str, ...] = (), **meta) -> Request:
    return Request(url, meta={"site": "demo", "redirect_urls": list(chain), **meta})


@pytest.mark.parametrize("request_, location, reason", [
    (article("https://example.org/b", ("https://example.org/a",)), "/a", "redirect_loop"),
    (article("https://example.org/d", tuple(f"https://example.org/{c}" for c in "abc")), "/e", "too_many_redirects"),
    (article("https://example.org/a"), "file:///etc/passwd", "scheme"),
    (article("https://example.org/a"), "https://elsewhere.net/a", "offsite_redirect"),
], ids=["loop", "chain", "scheme", "offsite"])
def test_refused_redirects_are_counted_by_reason(request_, location, reason):
    with pytest.raises(Refused) as refused:
        crawler, _ = answer(request_, location)
    assert refused.value.reason == reason


def test_a_refusal_is_counted_per_site_and_in_total():
    crawler = make_crawler(sites=(SITE,))
    middleware = RedirectGuardMiddleware.from_crawler(crawler)
    with pytest.raises(Refused):
        middleware.process_response(article("https://example.org/a"),
                                    Response("https://example.org/a", status=301, headers={"Location": "ftp://x/"}))
    assert crawler.stats.get_value("newsclean/demo/refused/scheme") == 1
    assert crawler.stats.get_value("newsclean/refused_scheme") == 1


@pytest.mark.parametrize("request_, location, status", [
    (article("https://example.org/a"), "https://www.example.org/a", 301),       # a subdomain is in the site
    (article("https://example.org/a", allow_offsite=True), "https://cdn.net/sitemap.xml", 302),  # sitemaps, feeds
    (article("https://example.org/a"), "https://elsewhere.net/a", 200),          # not a redirect
    (article("https://example.org/a", dont_redirect=True), "https://elsewhere.net/a", 302),
])
def test_other_answers_pass(request_, location, status):
    _, result = answer(request_, location, status)
    assert result.status == status
