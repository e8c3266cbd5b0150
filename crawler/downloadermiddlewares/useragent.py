"""``ContactUserAgentMiddleware``: the User-Agent names who runs the crawl (NEWSCLEAN_CONTACT)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.http import Request

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


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
