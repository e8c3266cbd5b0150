"""The ``news`` spider: discover article URLs of news sites and hand their pages to the pipeline.

    scrapy crawl news -a site=vnexpress,https://example.vn/ -a out=data/crawl

Discovery routes, per site (``seeds/sites.toml``, or a start URL: see ``crawler.sites``):
robots.txt ``Sitemap:`` lines, sitemaps and sitemap indexes (news sitemaps included, with the
NEWSCLEAN_SINCE window), RSS/Atom feeds, and link following inside the allowed domains,
NEWSCLEAN_FOLLOW_DEPTH hops from a start page, sitemap or feed, at most
NEWSCLEAN_MAX_PAGES_PER_SITE pages, traps cut (``crawler.traps``); feeds announced by pages
(``<link rel="alternate">``) are read too. Every in-site page is an article candidate, handed to
the pipeline with the route it was found by, which decides from the route, the page's markup
and shape and the extracted text whether it is an article (``crawler.articles``); only pages
known not to be articles (judged so by an earlier run, or of a URL shape only non-articles had)
are fetched for their links alone, and only while there are hops left.

Which found URLs are requested, and as what, is ``crawler.frontier`` (one ``SiteFrontier`` per
site); the links of article pages are found by ``crawler.links``; failures are named by
``crawler.failures``. This module owns the callbacks: what each fetched document gives.

Incremental crawls (when the ``CrawlLedger`` extension is on, see ``crawler.state``): the crawl
starts with every article URL the ledger holds as pending (discovered, not finished), whatever
JOBDIR says. A discovered article the ledger already wrote is skipped when its sitemap/feed date
is not newer, fetched again when it is, and revalidated with a conditional GET (If-None-Match /
If-Modified-Since) when discovery gives no date; a 304 leaves its row as it is.
"""
from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urldefrag, urlsplit

from scrapy import Request, Spider, signals
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.python.failure import Failure

from cleaning.charset import header_charset
from crawler import signals as nc_signals
from crawler import stats as nc_stats
from crawler.discovery import (
    announced_feeds,
    document_kind,
    gunzip_if_needed,
    is_news_sitemap,
    parse_feed,
    parse_since,
    parse_sitemap,
)
from crawler.extensions import ledger_of
from crawler.failures import failure_reason
from crawler.frontier import SiteFrontier, Wanted
from crawler.items import PageItem
from crawler.links import LinkScanner
from crawler.sites import Site, resolve_sites
from crawler.state.ledger import Ledger

ARTICLE_PRIORITY, INDEX_PRIORITY = 10, 20


@dataclass
class ArticlePage(PageItem):
    """A PageItem with what the ledger records: its key (the URL as discovered, before any
    redirect) and the validators for the next conditional GET."""

    ledger_url: str = ""
    etag: str | None = None
    last_modified: str | None = None
    route: str = ""  # how the candidate was found (crawler.articles.ROUTES): the prior of the article decision
    allowed_domains: tuple[str, ...] = ()  # the site's domains: a canonical URL on them is the row's url


def header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def discovered_url(response_or_request: Response | Request) -> str:
    """The URL as discovered: the ledger's key, also after redirects."""
    return response_or_request.meta.get("redirect_urls", [response_or_request.url])[0]


class NewsSpider(Spider):
    name = "news"

    def __init__(self, site: str | list[str] = "", out: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = site if isinstance(site, list) else site.split(",")
        self.targets = [t.strip() for t in targets if t.strip()]
        self.out = out
        if not self.targets:
            raise ValueError("no site given: -a site=NAME|URL[,NAME|URL...]")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> "NewsSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler.settings)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        return spider

    def configure(self, settings) -> None:
        self.sites = resolve_sites(self.targets, settings.get("NEWSCLEAN_SITES_FILE") or None)
        self.follow_depth = settings.getint("NEWSCLEAN_FOLLOW_DEPTH")
        self.follow_article_links = settings.getbool("NEWSCLEAN_FOLLOW_ARTICLE_LINKS", True)
        self.max_pages = settings.getint("NEWSCLEAN_MAX_PAGES_PER_SITE")
        self.max_calendar_pages = settings.getint("NEWSCLEAN_MAX_CALENDAR_PAGES", 20)
        self.since = parse_since(settings.get("NEWSCLEAN_SINCE"))
        self.max_size = settings.getint("DOWNLOAD_MAXSIZE")
        self.obey_robots = settings.getbool("ROBOTSTXT_OBEY")
        # Not ``self.state``: Scrapy's SpiderState extension replaces that attribute under JOBDIR.
        self.site_state = {site.name: SiteFrontier(site, self.follow_depth, self.max_pages, self.max_calendar_pages,
                                                   functools.partial(self.count, site)) for site in self.sites}
        self.ledger: Ledger | None = None
        self.allowed_domains = sorted({d for site in self.sites for d in site.allowed_domains})
        # Domains are checked by Site.wants (by host name: LinkExtractor's allow_domains would
        # compare them with host:port and miss any site on a non-default port).
        self.link_extractors = {site.name: LinkExtractor(deny=site.deny_patterns, unique=True) for site in self.sites}
        self.link_scanners = {site.name: LinkScanner(site.in_domain) for site in self.sites}

    # --- start -------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        self.ledger = ledger_of(self.crawler)
        if self.ledger is not None:
            for site in self.sites:
                self.site_state[site.name].learn_from(self.ledger)
        for site in self.sites:
            for request in self.pending_requests(site):
                yield request
        for site in self.sites:
            for request in self.site_start_requests(site):
                yield request

    def page_judged(self, url: str, site: str, is_article: bool) -> None:
        """The pipeline's article decision on a candidate (``SiteFrontier.judged``)."""
        frontier = self.site_state.get(site)
        if frontier is not None:
            frontier.judged(url, is_article)

    def pending_requests(self, site: Site) -> Iterator[Request]:
        """Every article the ledger holds as discovered but not finished (dont_filter: whatever
        JOBDIR's duplicate filter remembers, they are fetched)."""
        if self.ledger is None:
            return
        state = self.site_state[site.name]
        for url in self.ledger.pending(site.name):
            state.seen[url] = 0
            state.scheduled += 1
            self.count(site, "resumed")
            yield self.article_request(site, url, self.candidate_route(site, url, "link") or "link", hops=0,
                                       dont_filter=True)

    def site_start_requests(self, site: Site) -> Iterator[Request]:
        for url in site.sitemaps:
            yield self.index_request(site, url, self.parse_sitemap)
        for url in site.feeds:
            self.site_state[site.name].feeds.add(url)
            yield self.index_request(site, url, self.parse_feed)
        for url in site.start_urls:
            self.site_state[site.name].seen[urldefrag(url)[0]] = 0
            yield self.index_request(site, url, self.parse_start)
        if site.sitemaps_from_robots and not (self.obey_robots and self._has_start_request(site)):
            # When robots.txt is obeyed, its Sitemap: lines come with the robots_parsed signal
            # (no second fetch), which needs at least one request to the host.
            yield self.index_request(site, self.robots_url(site), self.parse_robots)

    @staticmethod
    def _has_start_request(site: Site) -> bool:
        return any(site.in_domain(url) for url in (*site.sitemaps, *site.feeds, *site.start_urls))

    def robots_url(self, site: Site) -> str:
        first = next((url for url in (*site.start_urls, *site.sitemaps, *site.feeds) if site.in_domain(url)), None)
        if first:
            parts = urlsplit(first)
            return f"{parts.scheme}://{parts.netloc}/robots.txt"
        return f"https://{site.allowed_domains[0]}/robots.txt"

    def index_request(self, site: Site, url: str, callback, *, hops: int = 0) -> Request:
        """A sitemap, feed, start page or robots.txt: always fetched, may live on another host."""
        return Request(url, callback=callback, errback=self.index_failed, priority=INDEX_PRIORITY,
                       meta={"site": site.name, "hops": hops, "allow_offsite": True})

    # --- discovery callbacks -------------------------------------------------------------------

    def site_of(self, response_or_request: Response | Request) -> Site:
        name = response_or_request.meta["site"]
        return next(site for site in self.sites if site.name == name)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        """Schedule the robots.txt Sitemap: lines of the sites on this host."""
        sitemaps = list(getattr(getattr(robotparser, "rp", None), "sitemaps", ()) or ())
        for site in self.sites:
            if site.sitemaps_from_robots and site.in_domain(request.url):
                for url in sitemaps:
                    self.crawler.engine.crawl(self.index_request(site, url, self.parse_sitemap))

    def parse_robots(self, response: Response) -> Iterator[Request]:
        site = self.site_of(response)
        if response.status >= 400:
            return
        for url in sitemap_urls_from_robots(response.text, base_url=response.url):
            yield self.index_request(site, url, self.parse_sitemap)

    def parse_start(self, response: Response) -> Iterable[Any]:
        """A start URL may be a page, a sitemap or a feed: look at what came back."""
        kind = document_kind(gunzip_if_needed(response.body, self.max_size))
        if kind == "sitemap":
            return self.parse_sitemap(response)
        if kind == "feed":
            return self.parse_feed(response)
        site = self.site_of(response)
        response.meta["article"] = site.is_article(response.url)
        response.meta["route"] = "pattern"
        if response.meta["article"] and self.ledger is not None:
            self.ledger.mark_discovered(discovered_url(response), site.name)
        return self.parse_page(response)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        site = self.site_of(response)
        body = gunzip_if_needed(response.body, self.max_size)
        kind, entries = parse_sitemap(body)
        route = "news_sitemap" if kind == "urlset" and is_news_sitemap(body) else "sitemap"
        self.count(site, f"sitemaps/{'news' if route == 'news_sitemap' else kind or 'unreadable'}")
        pages = []
        for url, when in entries:
            if self.since and when and when < self.since:
                self.count(site, "skipped/older_than_window")
                continue
            if kind == "index":
                yield self.index_request(site, url, self.parse_sitemap)
            else:
                pages.append((url, when))
        yield from self.page_requests(site, pages, route, hops=0)

    def parse_feed(self, response: Response) -> Iterator[Request]:
        site = self.site_of(response)
        self.count(site, "feeds")
        pages = []
        for url, when in parse_feed(response.body):
            if self.since and when and when < self.since:
                self.count(site, "skipped/older_than_window")
                continue
            pages.append((response.urljoin(url), when))
        yield from self.page_requests(site, pages, "feed", hops=0)

    def parse_page(self, response: Response) -> Iterator[Any]:
        """A fetched page: a candidate goes to the pipeline (which decides whether it is an
        article), any page gives its links while hops are left, and the feeds it announces."""
        site = self.site_of(response)
        hops = response.meta.get("hops", 0)
        is_candidate = response.meta.get("article", False) and site.in_domain(response.url)
        self.crawler.signals.send_catch_log(nc_signals.url_fetched, url=response.url, site=site.name,
                                            status=response.status, headers=response.headers)
        if is_candidate and self.ledger is not None:
            if not self.site_state[site.name].first_answer(discovered_url(response)):
                return
        if response.status == 304:
            self.not_modified(site, response)
            return
        if is_candidate:
            self.count(site, "fetched")
            yield ArticlePage(url=response.url, site=site.name, body=response.body,
                              fetched_at=datetime.now(timezone.utc), status=response.status,
                              ledger_url=discovered_url(response), etag=header(response, "ETag"),
                              last_modified=header(response, "Last-Modified"),
                              charset=header_charset(header(response, "Content-Type")),
                              route=response.meta.get("route") or "link", allowed_domains=site.allowed_domains)
        else:
            self.count(site, "link_pages")
        if not isinstance(response, TextResponse):
            return
        yield from self.feed_requests(site, response)
        if site.follow_links and hops < self.follow_depth:
            if not is_candidate:  # start and listing pages: few, parsed in full
                links = [(link.url, None) for link in self.link_extractors[site.name].extract_links(response)]
            elif self.follow_article_links:  # ~300 links on every article page: a cheap scan
                links = [(url, None) for url in self.link_scanners[site.name](response) if site.in_domain(url)]
            else:
                links = []
            yield from self.page_requests(site, links, "link", hops=hops + 1)

    def feed_requests(self, site: Site, response: TextResponse) -> Iterator[Request]:
        """The RSS/Atom feeds a page announces (``<link rel="alternate" type="application/rss+xml">``),
        each requested once per run."""
        state = self.site_state[site.name]
        for url in announced_feeds(response.body, response.url):
            if url not in state.feeds and site.in_domain(url):
                state.feeds.add(url)
                self.count(site, "feeds_announced")
                yield self.index_request(site, url, self.parse_feed)

    def not_modified(self, site: Site, response: Response) -> None:
        """A 304 to a conditional GET: the article's row in the dataset is current."""
        self.count(site, "not_modified")
        if self.ledger is not None:
            self.ledger.mark_not_modified(discovered_url(response))

    # --- page requests -------------------------------------------------------------------------

    def page_requests(self, site: Site, pages: list[tuple[str, datetime | None]], route: str, *,
                      hops: int) -> list[Request]:
        """The requests for pages found by ``route`` (with their sitemap/feed date, if any): not
        those out of bounds, seen, traps, over the limits, or articles the ledger says are current.

        Every page is an article candidate (cleaned, then judged by the pipeline), except those
        known not to be one: judged so before, or of a URL shape only non-articles had
        (``UrlShapes``). Those are fetched only for their links, while hops are left.

        A list, not a generator: Scrapy consumes callback output lazily, so a generator would
        leave URLs unmarked in ``seen`` while a second sitemap listing the same URLs (a news
        sitemap beside the full one) is read, and they would be discovered twice."""
        frontier = self.site_state[site.name]
        wanted, refollow = frontier.screen(pages, route, hops)
        to_fetch = self.ledger_filter(site, wanted)
        requests = []
        for url, (lastmod, candidate) in wanted.items():
            if url not in to_fetch or not frontier.take(url, hops):
                continue
            if candidate is None:
                requests.append(Request(url, callback=self.parse_page, errback=self.page_failed, priority=0,
                                        meta={"site": site.name, "hops": hops, "article": False, "route": route}))
                continue
            self.count(site, "discovered")
            self.count(site, f"discovered_by/{route}")
            self.crawler.signals.send_catch_log(nc_signals.url_discovered, url=url, site=site.name, route=route,
                                                lastmod=lastmod.isoformat() if lastmod else None)
            requests.append(self.article_request(site, url, candidate, hops=hops))
        for url in refollow:  # fetched again for its links only (the article decision is made once)
            frontier.seen[url] = hops
            self.count(site, "refollowed")
            requests.append(Request(url, callback=self.parse_page, errback=self.page_failed, priority=0,
                                    dont_filter=True, meta={"site": site.name, "hops": hops, "article": False,
                                                            "route": route}))
        return requests

    def candidate_route(self, site: Site, url: str, route: str) -> str | None:
        """The route a candidate is judged with, or None for a link page (``SiteFrontier``)."""
        return self.site_state[site.name].candidate_route(url, route)

    def ledger_filter(self, site: Site, wanted: Wanted) -> set[str]:
        """The URLs of ``wanted`` to request: link pages, and the candidates the ledger says need
        fetching (new, pending, or a newer date), or revalidating (written, no date given)."""
        articles = [url for url, (_, candidate) in wanted.items() if candidate is not None]
        if self.ledger is None or not articles:
            return set(wanted)
        state = self.site_state[site.name]
        entries = [(url, site.name, wanted[url][0].isoformat() if wanted[url][0] else None) for url in articles]
        needed = set(self.ledger.discover_many(entries))
        keep = {url for url, (_, candidate) in wanted.items() if candidate is None} | needed
        for url in articles:
            if url in needed or url in state.unchanged:
                continue
            if wanted[url][0] is not None:
                state.unchanged.add(url)  # its date says the row written is current
                self.count(site, "unchanged")
            elif self.ledger.conditional_headers(url):
                keep.add(url)  # written, no date: ask the site with a conditional GET
                self.count(site, "revalidated")
        return keep

    def article_request(self, site: Site, url: str, route: str, *, hops: int,
                        dont_filter: bool = False) -> Request:
        """An article request; conditional (and a 304 handled) when the ledger has its row written."""
        headers = self.ledger.conditional_headers(url) if self.ledger is not None else {}
        meta = {"site": site.name, "hops": hops, "article": True, "route": route}
        if headers:
            meta["handle_httpstatus_list"] = [304]
        return Request(url, callback=self.parse_page, errback=self.page_failed, priority=ARTICLE_PRIORITY,
                       headers=headers, meta=meta, dont_filter=dont_filter)

    # --- failures ------------------------------------------------------------------------------

    def page_failed(self, failure: Failure) -> None:
        request = failure.request
        site, reason = self.site_of(request), failure_reason(failure)
        kind = "skipped" if reason == "robots" else "failed"
        self.count(site, f"{kind}/{reason}" if request.meta.get("article") else f"link_pages_{kind}/{reason}")
        self.crawler.signals.send_catch_log(nc_signals.url_failed, url=request.url, site=site.name, reason=reason)
        self.logger.info("%s %s: %s", kind, request.url, reason)
        if request.meta.get("article") and self.ledger is not None:
            self.ledger_failed(site, discovered_url(request), reason)

    def ledger_failed(self, site: Site, url: str, reason: str) -> None:
        if reason in ("http_404", "http_410"):
            self.count(site, "gone")
            self.ledger.mark_gone(url)
        else:
            self.ledger.mark_failed(url, reason)

    def index_failed(self, failure: Failure) -> None:
        request = failure.request
        site, reason = self.site_of(request), failure_reason(failure)
        self.count(site, f"index_failed/{reason}")
        self.logger.warning("could not read %s: %s", request.url, reason)

    def count(self, site: Site, key: str) -> None:
        nc_stats.count(self.crawler, site.name, key)
