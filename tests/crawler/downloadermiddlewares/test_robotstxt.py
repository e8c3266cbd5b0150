"""StrictRobotsTxtMiddleware: robots.txt failures read as RFC 9309 reads them: 5xx or unreachable
means nothing is fetched (refused as ``robots_unavailable``), 4xx means no rules."""
from __future__ import annotations

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionRefusedError

from crawler.downloadermiddlewares.robotstxt import StrictRobotsTxtMiddleware
from crawler.failures import Refused
from tests.crawler.downloadermiddlewares.conftest import make_crawler, run

RULES = b"User-agent: *\nDisallow: /private/\n"


def robots(status: int, body: bytes = RULES):
    """The middleware after example.org's robots.txt answered ``status`` with ``body``."""
    crawler = make_crawler()
    middleware = StrictRobotsTxtMiddleware.from_crawler(crawler)
    middleware._parsers["example.org"] = Deferred()  # what robot_parser leaves while robots.txt is fetched
    response = TextResponse("https://example.org/robots.txt", status=status, body=body)
    run(middleware._parse_robots(response, "example.org", Request("https://example.org/a")))
    return crawler, middleware


def verdict(middleware: StrictRobotsTxtMiddleware, url: str) -> str:
    try:
        middleware.process_request_2(middleware._parsers["example.org"], Request(url))
    except Refused as refused:
        return refused.reason
    except IgnoreRequest:
        return "robots"
    return "allowed"


def test_rules_of_a_robots_txt_are_obeyed():
    _, middleware = robots(200)
    assert verdict(middleware, "https://example.org/private/a") == "robots"
    assert verdict(middleware, "https://example.org/a") == "allowed"


def test_a_server_error_means_nothing_is_fetched():
    crawler, middleware = robots(503, b"User-agent: *\nAllow: /\n")
    assert verdict(middleware, "https://example.org/a") == "robots_unavailable"
    assert crawler.stats.get_value("newsclean/robots_unavailable") == 1


def test_a_client_error_means_no_rules():
    _, middleware = robots(404, RULES)  # an error page is not rules, whatever it says
    assert verdict(middleware, "https://example.org/private/a") == "allowed"


def test_an_unreachable_robots_txt_means_nothing_is_fetched():
    crawler = make_crawler()
    middleware = StrictRobotsTxtMiddleware.from_crawler(crawler)
    waiting = middleware._parsers["example.org"] = Deferred()
    given = []
    waiting.addCallback(given.append)
    middleware._robots_error(ConnectionRefusedError(), "example.org")
    assert given == [middleware._parsers["example.org"]]  # the requests waiting for it get the verdict
    assert verdict(middleware, "https://example.org/a") == "robots_unavailable"
    assert crawler.stats.get_value("newsclean/robots_unavailable") == 1
