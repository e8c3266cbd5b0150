"""Downloader middlewares: strict robots.txt, per-host pacing (Crawl-delay, Retry-After), User-Agent,
unsafe targets refused, redirects guarded, credentials kept to their origin, meta refresh
looked for without decoding every page."""
from __future__ import annotations

import ipaddress
import logging
import socket
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin, urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread

from crawler.targets import TargetPolicy, local_name, non_public

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

log = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
BACKOFF_CODES = (429, 503)


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware with the RFC 9309 reading of failures.

    A robots.txt answering 5xx, or not reachable at all, means "disallow everything" (Scrapy
    would allow everything); a 4xx means "no rules" (Scrapy would parse the error page).
    Requests refused because robots.txt was unavailable are refused with the reason
    ``robots_unavailable``, not Scrapy's "Forbidden by robots.txt": an outage, which the next
    scheduled run retries (NEWSCLEAN_RETRY_FAILED_REASONS), not the site's will.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._unavailable: set[str] = set()   # netlocs whose robots.txt failed in this run

    async def robot_parser(self, request: Request) -> RobotParser | None:
        """The host's parser, for every request that waited for robots.txt: Scrapy (2.19) shares
        one Deferred between the waiters and only the first gets the parser, the others get
        None ("no robots.txt") and were fetched whatever the rules said."""
        parser = await super().robot_parser(request)
        settled = self._parsers.get(urlsplit(request.url).netloc)
        return parser if isinstance(settled, Deferred) else settled

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            netloc = urlsplit(request.url).netloc
            if netloc in self._unavailable:
                raise Refused("robots_unavailable", request.url) from None
            raise

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            log.warning("robots.txt of %s answered %d: nothing on this host is fetched (RFC 9309)",
                        netloc, response.status)
            self._stats.inc_value("newsclean/robots_unavailable")
            self._unavailable.add(netloc)
            response = response.replace(body=DISALLOW_ALL)
        elif response.status >= 400:
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):
            super()._robots_error(exc, netloc)
            return
        log.warning("robots.txt of %s unreachable (%s): nothing on this host is fetched (RFC 9309)", netloc, exc)
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._stats.inc_value("newsclean/robots_unavailable")
        self._unavailable.add(netloc)
        waiting = self._parsers[netloc]
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        self._parsers[netloc] = parser
        waiting.callback(parser)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class PoliteRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, plus pacing per download slot (host).

    - robots.txt ``Crawl-delay`` becomes the slot's delay (no jitter, not lowered by
      AutoThrottle), capped at NEWSCLEAN_MAX_CRAWL_DELAY; also kept in DOWNLOAD_SLOTS so a
      slot re-created after idling keeps it.
    - 429/503 pause the whole slot before the retry: ``Retry-After`` seconds (capped at
      NEWSCLEAN_RETRY_AFTER_MAX), else NEWSCLEAN_BACKOFF_BASE * 2**retries. The pause is the
      slot's own delay counted from the moment the response arrived, so nothing blocks.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        settings = crawler.settings
        self.max_crawl_delay = settings.getfloat("NEWSCLEAN_MAX_CRAWL_DELAY")
        self.max_retry_after = settings.getfloat("NEWSCLEAN_RETRY_AFTER_MAX")
        self.backoff_base = settings.getfloat("NEWSCLEAN_BACKOFF_BASE")
        self.robots_agent = settings.get("ROBOTSTXT_USER_AGENT") or "newsclean"
        self.crawl_delays: dict[str, float] = {}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "PoliteRetryMiddleware":
        return cls(crawler)

    @property
    def downloader(self):
        return self.crawler.engine.downloader

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        delay = robotparser.crawl_delay(self.robots_agent)
        if not delay:
            return
        delay = min(float(delay), self.max_crawl_delay)
        key = self.downloader.get_slot_key(request)
        self.crawl_delays[key] = delay
        self.downloader.per_slot_settings[key] = {
            **self.downloader.per_slot_settings.get(key, {}), "delay": delay, "jitter": 0}
        slot = self.downloader.slots.get(key)
        if slot is not None:
            slot.delay, slot.jitter = max(slot.delay, delay), 0
        log.info("robots.txt Crawl-delay for %s: %.1f s", key, delay)

    def process_request(self, request: Request) -> None:
        if self.downloader.get_slot_key(request) in self.crawl_delays:
            request.meta["autothrottle_dont_adjust_delay"] = True

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status in BACKOFF_CODES and not request.meta.get("dont_retry", False):
            self.pause_slot(request, self.backoff_seconds(request, response), response.status)
        return super().process_response(request, response)

    def backoff_seconds(self, request: Request, response: Response) -> float:
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is None:
            asked = self.backoff_base * 2 ** request.meta.get("retry_times", 0)
        return min(asked, self.max_retry_after)

    def pause_slot(self, request: Request, seconds: float, status: int) -> None:
        """No request of this slot starts in the next ``seconds`` (then its delay is restored)."""
        key = self.downloader.get_slot_key(request)
        slot = self.downloader.slots.get(key)
        if slot is None or seconds <= 0:
            return
        self.crawler.stats.inc_value("newsclean/backoff_pauses")
        restore = (slot.delay, slot.jitter)
        slot.delay, slot.jitter, slot.lastseen = max(slot.delay, seconds), 0, monotonic()
        paused = slot.delay
        log.info("%s answered %d: pausing %s for %.1f s", request.url, status, key, seconds)
        call_later(seconds, self._unpause, slot, paused, restore)

    @staticmethod
    def _unpause(slot, paused: float, restore: tuple[float, float]) -> None:
        if slot.delay == paused:  # nobody (AutoThrottle, a later pause) changed it since
            slot.delay, slot.jitter = restore


class LazyMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's ``MetaRefreshMiddleware``, which decodes every HTML body to look for
    ``<meta http-equiv="refresh">`` in its first 4,096 characters (~0.4 ms for a 300 KB page,
    the only full decode of an article page in the crawl process), skips that when the
    bytes that can hold those characters (16 KiB: 4 bytes a character at most) do not contain
    "refresh" in any case (NUL bytes dropped first, so UTF-16/32 pages are checked too)."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if isinstance(response, HtmlResponse) and b"refresh" not in response.body[:16384].replace(b"\0", b"").lower():
            return response
        return super().process_response(request, response)


class ContactUserAgentMiddleware:
    """Sets the User-Agent: USER_AGENT with ``{contact}`` replaced by NEWSCLEAN_CONTACT."""

    def __init__(self, user_agent: str) -> None:
        self.user_agent = user_agent

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ContactUserAgentMiddleware":
        template = crawler.settings.get("USER_AGENT")
        if not template:
            raise NotConfigured
        return cls(template.replace("{contact}", crawler.settings.get("NEWSCLEAN_CONTACT", "")))

    def process_request(self, request: Request) -> None:
        request.headers.setdefault(b"User-Agent", self.user_agent)


# --- Unsafe targets, redirects and credentials ------------------------------------------------

class Refused(IgnoreRequest):
    """A request newsclean will not send; ``reason`` is the counted name."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"refused ({reason}): {url}")
        self.reason = reason


def _count_refused(crawler: Crawler, request: Request, reason: str) -> None:
    site = request.meta.get("site", "?")
    crawler.stats.inc_value(f"newsclean/{site}/refused/{reason}")
    crawler.stats.inc_value(f"newsclean/refused_{reason}")
    log.info("refused %s: %s", request.url, reason)


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
            _count_refused(self.crawler, request, "scheme")
            raise Refused("scheme", request.url)
        host = (parts.hostname or "").lower()
        if not self.policy.refuse_private or self.policy.allowed(host):
            return None
        if await self._is_private(host):
            _count_refused(self.crawler, request, "private_address")
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
            _count_refused(self.crawler, request, reason)
            raise Refused(reason, f"{request.url} -> {target}")
        return response

    def _in_site(self, request: Request, url: str) -> bool:
        spider = self.crawler.spider
        name = request.meta.get("site")
        site = next((s for s in getattr(spider, "sites", ()) if s.name == name), None)
        if site is None:
            return True
        return site.in_domain(url)


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
            self.crawler.stats.inc_value("newsclean/credentials_stripped")
