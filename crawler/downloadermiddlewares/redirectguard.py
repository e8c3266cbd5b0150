"""``RedirectGuardMiddleware``: redirects looked at before Scrapy follows them; loops, long chains,
bad schemes and off-site hops refused and counted."""
from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin, urlsplit

from scrapy.http import Request, Response

from crawler.failures import Refused, count_refused

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

REDIRECT_CODES = (301, 302, 303, 307, 308)


class RedirectGuardMiddleware:
    """Looks at a redirect before Scrapy's RedirectMiddleware follows it, and refuses (counted):

    - ``redirect_loop``: the target is already in the chain (Scrapy's duplicate filter would
      drop it silently);
    - ``too_many_redirects``: the chain already has REDIRECT_MAX_TIMES hops;
    - ``scheme``: a target that is not http(s) (``file:``, ``data:``...);
    - ``offsite_redirect``: an article redirected out of its site's domains (sitemaps and feeds,
      which may live on another host, are exempt).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_times = crawler.settings.getint("REDIRECT_MAX_TIMES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RedirectGuardMiddleware":
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in REDIRECT_CODES or not location or request.meta.get("dont_redirect"):
            return response
        target = urldefrag(urljoin(request.url, location.decode("latin-1").strip()))[0]
        chain = [urldefrag(u)[0] for u in (*request.meta.get("redirect_urls", ()), request.url)]
        reason = None
        if urlsplit(target).scheme not in ("http", "https"):
            reason = "scheme"
        elif target in chain:
            reason = "redirect_loop"
        elif len(chain) > self.max_times:
            reason = "too_many_redirects"
        elif not request.meta.get("allow_offsite") and not self._in_site(request, target):
            reason = "offsite_redirect"
        if reason:
            count_refused(self.crawler, request, reason)
            raise Refused(reason, f"{request.url} -> {target}")
        return response

    def _in_site(self, request: Request, url: str) -> bool:
        spider = self.crawler.spider
        name = request.meta.get("site")
        site = next((s for s in getattr(spider, "sites", ()) if s.name == name), None)
        if site is None:
            return True
        return site.in_domain(url)
