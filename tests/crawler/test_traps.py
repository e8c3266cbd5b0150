"""Crawler traps (crawler.traps), feeds announced by pages and news sitemaps (crawler.discovery),
and the row's URL (crawler.canonical)."""
from __future__ import annotations

import pytest

from cleaning.document import Document
from crawler.canonical import settle_url
from crawler.discovery import announced_feeds, is_news_sitemap
from crawler.traps import clean_url, is_calendar, trap_reason


@pytest.mark.parametrize("url, cleaned", [
    ("http://x.vn/a?utm_source=fb&id=3&fbclid=2", "http://x.vn/a?id=3"),
    ("http://x.vn/a;jsessionid=AB12?x=1", "http://x.vn/a?x=1"),
    ("http://x.vn/a?PHPSESSID=123", "http://x.vn/a"),
    ("http://x.vn/story.php?id=1234", "http://x.vn/story.php?id=1234"),
])
def test_tracking_parameters_and_session_ids_are_removed(url, cleaned):
    assert clean_url(url) == cleaned


def test_traps():
    assert trap_reason("http://x.vn/news/world/news/world/news/world/") == "repeated_segments"
    assert trap_reason("http://x.vn/" + "/".join(f"s{n}" for n in range(13))) == "too_deep"
    assert trap_reason("http://x.vn/2025/05/03/some-slug/") is None
    assert is_calendar("http://x.vn/archive/2025/05/03/") and is_calendar("http://x.vn/events?month=5&year=2025")
    assert is_calendar("http://x.vn/2025/05/") and not is_calendar("http://x.vn/2025/05/03/some-slug/")
    assert not is_calendar("http://x.vn/a/12345678") and not is_calendar("http://x.vn/")


def test_feeds_announced_in_the_head():
    page = (b'<html><head><link rel="alternate" type="application/rss+xml" title="x" href="/feed/">'
            b"<link type='application/atom+xml' rel='alternate' href='atom.xml'>"
            b'<link rel="alternate" hreflang="en" href="/en/"><link rel="stylesheet" href="/s.css"></head>'
            b'<body><link rel=alternate type=application/rss+xml href=/not-in-head></body></html>')
    assert announced_feeds(page, "http://x.vn/c/d") == ["http://x.vn/feed/", "http://x.vn/c/atom.xml"]


def test_news_sitemap_is_told_from_a_plain_one():
    news = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>http://x.vn/a</loc>'
            b"<news:news><news:title>t</news:title></news:news></url></urlset>")
    plain = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://x.vn/a</loc></url></urlset>'
    assert is_news_sitemap(news) and not is_news_sitemap(plain)


@pytest.mark.parametrize("canonical, fetched, url, foreign", [
    # same registered domain: the canonical is the row's url
    ("https://www.site.vn/a-1.html", "https://m.site.vn/a-1.html?ref=x", "https://www.site.vn/a-1.html", None),
    # another domain (the outlet that first published it): the fetched URL, normalised
    ("https://origin.com/story", "https://site.vn/b/2.html?utm_source=x&b=2&a=1", "https://site.vn/b/2.html?a=1&b=2",
     "https://origin.com/story"),
    # no canonical
    (None, "https://site.vn/c.html#top", "https://site.vn/c.html", None),
])
def test_row_url_is_the_canonical_only_on_the_site(canonical, fetched, url, foreign):
    doc = settle_url(Document(id="x", source=fetched, url=canonical or fetched), fetched)
    assert (doc.url, doc.canonical_url, doc.domain) == (url, foreign, "site.vn")
    assert doc.id == settle_url(Document(id="y", source=url, url=url), url).id


def test_allowed_domains_count_as_the_site():
    doc = settle_url(Document(id="x", source="s", url="https://partner.com/a"), "https://site.vn/a",
                     allowed_domains=("partner.com",))
    assert doc.url == "https://partner.com/a" and doc.canonical_url is None
