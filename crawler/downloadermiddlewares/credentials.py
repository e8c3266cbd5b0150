"""``CredentialScopeMiddleware``: credentials never follow a redirect to another origin."""
from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.http import Request

from crawler.stats import count

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class CredentialScopeMiddleware:
    """A redirect never carries credentials to another origin (scheme, host, port).

    Scrapy drops ``Authorization`` across origins and ``Cookie`` across hosts when it builds the
    redirect, but middlewares that run afterwards (DEFAULT_REQUEST_HEADERS, HttpAuth for the same
    domain on another port, the cookie jar, which ignores ports) put them back. This runs last,
    just before the download: a request reached by redirects from another origin loses
    ``Authorization``, ``Proxy-Authorization`` and ``Cookie`` (counted ``credentials_stripped``).
    """

    HEADERS = (b"Authorization", b"Cookie", b"Proxy-Authorization")

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CredentialScopeMiddleware":
        return cls(crawler)

    @staticmethod
    def origin(url: str) -> tuple[str, str, int | None]:
        parts = urlsplit(url)
        return parts.scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(parts.scheme)

    def process_request(self, request: Request) -> None:
        chain = request.meta.get("redirect_urls")
        if not chain or self.origin(chain[0]) == self.origin(request.url):
            return
        stripped = [name for name in self.HEADERS if name in request.headers]
        for name in stripped:
            del request.headers[name]
        if stripped:
            count(self.crawler, None, "credentials_stripped")
