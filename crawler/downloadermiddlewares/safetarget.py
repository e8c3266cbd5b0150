"""``SafeTargetMiddleware``: requests to unsafe targets (other schemes, private addresses) refused
before any connection; the address policy itself is ``crawler.targets``."""
from __future__ import annotations

import ipaddress
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler.failures import Refused, count_refused
from crawler.targets import TargetPolicy, local_name, non_public

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class SafeTargetMiddleware:
    """Refuses, before any connection, requests to what a news crawler must never fetch:

    - schemes other than http and https (``file:``, ``data:``, ``ftp:``...): reason ``scheme``;
    - private, loopback, link-local, reserved addresses (169.254.169.254 cloud metadata, 10/8,
      192.168/16, 127/8, ::1, fc00::/7...), whether written as an IP or a name resolving to one:
      reason ``private_address``. Allowed: the hosts the configured sites name themselves
      (``allowed_domains``, start URLs, sitemaps, feeds: the user asked for them) and
      NEWSCLEAN_ALLOW_PRIVATE_HOSTS (host names as written in URLs, IPs or CIDR networks).

    Disabled with NEWSCLEAN_REFUSE_PRIVATE_ADDRESSES = False. Names are resolved once (cached);
    a name that does not resolve is left to the downloader, which fails it as a DNS error. The
    connection's own resolution is checked again by ``crawler.targets.PublicAddressResolver``
    (DNS rebinding), with the same ``TargetPolicy``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.policy = TargetPolicy.from_settings(crawler.settings)
        self._resolved: dict[str, bool] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "SafeTargetMiddleware":
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        for site in getattr(spider, "sites", ()):
            for domain in site.allowed_domains:
                self.policy.allow_list.allow(domain)
            for url in (*site.start_urls, *site.sitemaps, *site.feeds):
                self.policy.allow_list.allow(urlsplit(url).hostname or "")

    async def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            count_refused(self.crawler, request, "scheme")
            raise Refused("scheme", request.url)
        host = (parts.hostname or "").lower()
        if not self.policy.refuse_private or self.policy.allowed(host):
            return None
        if await self._is_private(host):
            count_refused(self.crawler, request, "private_address")
            raise Refused("private_address", request.url)
        return None

    async def _is_private(self, host: str) -> bool:
        if non_public(host) or local_name(host):
            return True
        try:
            ipaddress.ip_address(host)
            return False  # a public IP literal
        except ValueError:
            pass
        if host not in self._resolved:
            try:
                infos = await maybe_deferred_to_future(deferToThread(socket.getaddrinfo, host, None))
            except OSError:
                return False
            self._resolved[host] = any(non_public(info[4][0]) for info in infos)
        return self._resolved[host]
