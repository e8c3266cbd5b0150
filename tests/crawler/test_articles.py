"""The article decision (crawler.articles) on real pages, and the URL shapes it learns."""
from __future__ import annotations

import csv
import dataclasses
import gzip

import pytest

from cleaning.document import Dropped
from cleaning.html import process_html
from crawler.articles import ROUTE_PRIOR, UrlShapes, judge, url_shape
from tests.crawler.newsite import SITE_PAGES, VI_PAGES


def fixture_pages(kind: str) -> list[tuple[str, bytes, str]]:
    rows = csv.DictReader(open(SITE_PAGES / "manifest.tsv", encoding="utf-8"), delimiter="\t")
    return [(row["id"], gzip.decompress((SITE_PAGES / "pages" / f"{row['id']}.html.gz").read_bytes()), row["url"])
            for row in rows if row["kind"] == kind]


@pytest.fixture(scope="module")
def cleaned():
    return {kind: [(page_id, process_html(body, url=url)) for page_id, body, url in fixture_pages(kind)]
            for kind in ("article", "listing")}


def test_articles_are_articles_by_every_route(cleaned):
    for page_id, doc in cleaned["article"]:
        for route in ROUTE_PRIOR:
            assert judge(doc, route).is_article, (page_id, route, judge(doc, route))


def test_vietnamese_news_pages_are_articles_even_found_by_a_link():
    for path in sorted((VI_PAGES / "pages").glob("*.html")):
        doc = process_html(path.read_bytes(), url="https://example.vn/x")
        assert judge(doc, "link").is_article, path.name


def test_listing_pages_are_not_articles_by_links_and_sitemaps(cleaned):
    """The routes listing pages come by (links; plain sitemaps list category pages too)."""
    for page_id, doc in cleaned["listing"]:
        for route in ("link", "sitemap"):
            verdict = judge(doc, route)
            assert not verdict.is_article, (page_id, route, verdict)


def test_the_route_is_a_prior_the_page_can_outweigh(cleaned):
    """A listing scores lower than an article whatever the route; the route only shifts the bar."""
    article_scores = [judge(doc, "link").score for _, doc in cleaned["article"]]
    listing_scores = [judge(doc, "link").score for _, doc in cleaned["listing"] if not isinstance(doc, Dropped)]
    assert min(article_scores) > max(listing_scores)
    _, doc = cleaned["article"][0]
    assert judge(doc, "news_sitemap").score - judge(doc, "link").score == ROUTE_PRIOR["news_sitemap"]


def test_no_text_is_not_an_article_and_less_text_scores_lower(cleaned):
    assert not judge(Dropped("no_article"), "news_sitemap").is_article
    _, doc = cleaned["article"][0]
    assert judge(dataclasses.replace(doc, n_chars=50), "link").score < judge(doc, "link").score


def test_url_shapes():
    shapes = {"https://x.com/2025/05/03/some-long-slug/": "N4/N/N/slug/",
              "https://x.com/news/world/some-long-slug": "word/word/slug",
              "https://x.com/politics/a-long-slug-20250503.html": "word/slug.html",
              "https://x.com/story.php?id=1234": "word.php?id",
              "https://x.com/a/123.html": "word/N.html",
              "https://x.com/news/world/": "word/word/"}
    assert {url: url_shape(url) for url in shapes} == shapes


def test_shapes_learned_from_judged_pages():
    shapes = UrlShapes()
    shapes.learn(["https://x.com/a/1.html", "https://x.com/a/2.html"], is_article=True)
    shapes.learn([f"https://x.com/tag/t{n}/" for n in range(3)] + ["https://x.com/a/3.html"], is_article=False)
    assert shapes.kind("https://x.com/a/99.html") == "article"     # 2 articles, 1 other
    assert shapes.kind("https://x.com/tag/t9/") == "other"         # only non-articles, 3 of them
    assert shapes.kind("https://x.com/news/world/a-new-story-here") == "unknown"
    shapes.learn(["https://x.com/section/one/"], is_article=False)
    assert shapes.kind("https://x.com/section/two/") != "other"    # one example is not evidence
