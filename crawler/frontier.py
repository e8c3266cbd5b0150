"""One site's crawl frontier within a run: what was requested, and which newly found URLs to request.

A URL found by a route (``crawler.articles.ROUTES``) is requested once per run, at the fewest
hops it was reached by; it is screened out when the site does not want it (``Site.wants``), when
it was seen, when it is a trap (``crawler.traps``; calendar pages past
NEWSCLEAN_MAX_CALENDAR_PAGES), or past NEWSCLEAN_MAX_PAGES_PER_SITE. Every page is an article
candidate, judged with its route as a prior, except those known not to be one (judged so by an
earlier run or in this one, or of a URL shape only non-articles had: ``UrlShapes``): those are
fetched for their links alone, and only while hops are left. What the ledger says of a candidate
(new, pending, current, to revalidate) is the spider's to ask.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urldefrag

from crawler.articles import UrlShapes
from crawler.sites import Site
from crawler.traps import clean_url, is_calendar, trap_reason

#: Written articles whose URL shapes a run learns at its start (the most recent ones).
SHAPE_SAMPLE = 5000

#: url -> (its sitemap/feed date, the route it is judged with, or None for a link page)
Wanted = dict[str, tuple[datetime | None, str | None]]


def _uncounted(key: str) -> None:
    return None


@dataclass
class SiteFrontier:
    """One site's state in a run and the decisions made on it; ``count`` counts a site stats key."""

    site: Site
    follow_depth: int = 2
    max_pages: int = 10_000
    max_calendar_pages: int = 20
    count: Callable[[str], None] = _uncounted  # counts a stats key of the site (``cut/calendar``...)
    seen: dict[str, int] = field(default_factory=dict)  # URLs requested in this run -> fewest hops
    unchanged: set[str] = field(default_factory=set)  # written articles a sitemap/feed date says are current
    answered: set[str] = field(default_factory=set)  # articles fetched in this run (ledger keys)
    not_articles: set[str] = field(default_factory=set)  # URLs judged not articles (this run or earlier)
    shapes: UrlShapes = field(default_factory=UrlShapes)  # URL shapes of its articles and other pages
    feeds: set[str] = field(default_factory=set)  # feeds requested (given, or announced by pages)
    calendar_pages: int = 0
    scheduled: int = 0

    def can_follow(self, hops: int) -> bool:
        """Links found ``hops`` away from a start page, sitemap or feed are followed."""
        return self.site.follow_links and hops < self.follow_depth

    def learn_from(self, ledger) -> None:
        """What earlier runs judged (the ledger's written articles and not-articles): URL shapes."""
        self.not_articles.update(ledger.not_articles(self.site.name))
        self.shapes.learn(ledger.written_urls(self.site.name, limit=SHAPE_SAMPLE), is_article=True)
        self.shapes.learn(self.not_articles, is_article=False)

    def judged(self, url: str, is_article: bool) -> None:
        """The pipeline's article decision on a candidate, for the rest of the run: an article's
        URL shape is learned; a page that is not one is remembered, but its shape is learned only
        by the next run (from the ledger, a whole run's evidence): within a run, the first pages
        of a shape judged could all be listings while its articles are still to come."""
        if is_article:
            self.shapes.learn([url], True)
        else:
            self.not_articles.add(url)

    def candidate_route(self, url: str, route: str) -> str | None:
        """The route a candidate is judged with (its prior), or None for a page fetched for its
        links only: judged not an article before, or of a shape only non-articles had."""
        if route in ("news_sitemap", "feed"):
            return route
        if url in self.not_articles:
            return None
        if self.site.is_article(url):
            return "pattern"
        shape = self.shapes.kind(url)
        if shape == "article":
            return "pattern"
        if shape == "other":
            return None
        return route

    def screen(self, pages: Iterable[tuple[str, datetime | None]], route: str, hops: int) -> tuple[Wanted, list[str]]:
        """The pages found by ``route`` (with their sitemap/feed date, if any) worth requesting, and
        the seen ones to fetch again for their links (first reached too deep to follow them)."""
        can_follow = self.can_follow(hops)
        wanted: Wanted = {}
        refollow: list[str] = []
        for url, lastmod in pages:
            url = clean_url(urldefrag(url)[0])
            if not self.site.wants(url) or url in wanted:
                continue
            if url in self.seen:
                if can_follow and self.seen[url] >= self.follow_depth:
                    refollow.append(url)  # first reached too deep to follow its links: now it can be
                continue
            trap = trap_reason(url)
            if trap:
                self.count(f"cut/{trap}")
                continue
            candidate = self.candidate_route(url, route)
            if candidate is None and not can_follow:
                continue  # a link page is only worth fetching for links we would follow
            if route == "link" and is_calendar(url):
                if self.calendar_pages >= self.max_calendar_pages:
                    self.count("cut/calendar")
                    continue
                self.calendar_pages += 1
            wanted[url] = (lastmod, candidate)
        return wanted, refollow

    def take(self, url: str, hops: int) -> bool:
        """Schedules ``url``, reached ``hops`` away; False (counted) past the site's page limit."""
        if self.scheduled >= self.max_pages:
            self.count("skipped/page_limit")
            return False
        self.seen[url] = hops
        self.scheduled += 1
        return True

    def first_answer(self, key: str) -> bool:
        """False for an article already fetched in this run: a request JOBDIR kept from a stopped
        run may duplicate one the ledger re-enqueued; its outcome is recorded once."""
        if key in self.answered:
            self.count("skipped/fetched_twice")
            return False
        self.answered.add(key)
        return True
