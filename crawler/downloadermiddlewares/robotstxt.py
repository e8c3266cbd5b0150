"""``StrictRobotsTxtMiddleware``: robots.txt obeyed, its failures read as RFC 9309 reads them."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from crawler.failures import Refused
from crawler.stats import count

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

log = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


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
            count(self.crawler, None, "robots_unavailable")
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
        count(self.crawler, None, "robots_unavailable")
        self._unavailable.add(netloc)
        waiting = self._parsers[netloc]
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        self._parsers[netloc] = parser
        waiting.callback(parser)
