"""Each discovery route finds the articles, within bounds; the Parquet text is the article's text.

Every test crawls the demo site served on 127.0.0.1 in a subprocess and checks the server's
own request log (what was really fetched) and the Parquet output (what was written).
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from crawler.demo.articles import ARTICLES
from crawler.demo.build_site import article_path
from tests.crawler.conftest import run_crawl, write_sites_file

ALL_ARTICLES = {article_path(a) for a in ARTICLES}
NON_ARTICLE_PAGES = {"/", "/thoi-su.html", "/kinh-te.html", "/the-thao.html"}


def fetched_articles(server) -> set[str]:
    return {r["path"] for r in server.requests() if r["status"] == 200 and r["path"] in ALL_ARTICLES}


def written_paths(run, server) -> set[str]:
    return {row["url"].removeprefix(server.base) for row in run.rows()}


def crawl_site(tmp_path, server, settings=None, use_scrapy=False, **site):
    sites = write_sites_file(tmp_path / "sites.toml", server.base, **site)
    run = run_crawl(["demo"], tmp_path / "out", {"NEWSCLEAN_SITES_FILE": str(sites), **(settings or {})},
                    use_scrapy=use_scrapy)
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def test_robots_sitemaps_find_every_article(tmp_path, serve):
    server = serve()
    # The start page is not followed: articles can only come from robots.txt's Sitemap: lines.
    run = crawl_site(tmp_path, server, sitemaps_from_robots=True, start_urls=["{BASE}/"])
    paths = server.paths()
    assert {"/robots.txt", "/sitemap.xml", "/sitemap-articles.xml", "/news-sitemap.xml"} <= set(paths)
    assert fetched_articles(server) == ALL_ARTICLES
    assert written_paths(run, server) == ALL_ARTICLES


def test_sitemap_index_leads_to_child_sitemaps(tmp_path, serve):
    server = serve()
    run = crawl_site(tmp_path, server, sitemaps=["{BASE}/sitemap.xml"])
    paths = server.paths()
    assert "/sitemap-articles.xml" in paths and "/news-sitemap.xml" not in paths
    assert written_paths(run, server) == ALL_ARTICLES


def test_news_sitemap_lastmod_window(tmp_path, serve):
    since = "2024-06-08"
    expected = {article_path(a) for a in ARTICLES
                if datetime.fromisoformat(a.published) >= datetime.fromisoformat(since + "T00:00:00+07:00")}
    assert 0 < len(expected) < len(ARTICLES)
    server = serve()
    run = crawl_site(tmp_path, server, {"NEWSCLEAN_SINCE": since}, sitemaps=["{BASE}/news-sitemap.xml"])
    assert fetched_articles(server) == expected  # older entries are never requested
    assert written_paths(run, server) == expected
    assert f"skipped={len(ARTICLES) - len(expected)} (older_than_window={len(ARTICLES) - len(expected)})" in run.stderr


def test_rss_feed_with_scrapy_crawl(tmp_path, serve):
    server = serve()
    run = crawl_site(tmp_path, server, use_scrapy=True, feeds=["{BASE}/rss.xml"])
    assert "/sitemap.xml" not in server.paths()
    assert written_paths(run, server) == ALL_ARTICLES


def test_atom_feed(tmp_path, serve):
    server = serve()
    run = crawl_site(tmp_path, server, feeds=["{BASE}/atom.xml"])
    assert written_paths(run, server) == ALL_ARTICLES


def test_link_following_is_bounded_by_depth(tmp_path, serve):
    server = serve()
    run = crawl_site(tmp_path, server, {"NEWSCLEAN_FOLLOW_DEPTH": "1"}, start_urls=["{BASE}/"],
                     follow_links=True, sitemaps_from_robots=False)
    # Depth 1: every link of the home page (hops 1) is a candidate, fetched once and judged;
    # the category pages are not articles (counted, never written) and their links (hops 2)
    # are not followed: their second pages are never requested.
    assert fetched_articles(server) == ALL_ARTICLES
    assert written_paths(run, server) == ALL_ARTICLES
    paths = server.paths()
    for category in ("/thoi-su.html", "/kinh-te.html", "/the-thao.html"):
        assert paths.count(category) == 1
    assert not any("trang-2" in path or "page=" in path for path in paths)
    assert re.search(r"not_article=[1-9]", run.stderr)


def test_page_limit(tmp_path, serve):
    server = serve()
    run = crawl_site(tmp_path, server, {"NEWSCLEAN_MAX_PAGES_PER_SITE": "5"}, feeds=["{BASE}/rss.xml"])
    assert len(fetched_articles(server)) == 5
    assert len(run.rows()) == 5
    assert "page_limit=7" in run.stderr


@pytest.fixture(scope="module")
def start_url_crawl(tmp_path_factory):
    """One crawl from the home page URL (generic site: robots sitemaps + link following)."""
    from tests.crawler.conftest import DemoServer, DEMO_SITE

    tmp = tmp_path_factory.mktemp("start_url")
    server = DemoServer(DEMO_SITE, tmp / "requests.log")
    try:
        run = run_crawl([server.base + "/"], tmp / "out")
    finally:
        server.stop()
    assert run.returncode == 0, run.stderr[-3000:]
    return server, run


def test_start_url_finds_articles_and_writes_only_articles(start_url_crawl):
    server, run = start_url_crawl
    assert fetched_articles(server) == ALL_ARTICLES
    paths = set(server.paths())
    assert NON_ARTICLE_PAGES <= paths  # fetched for their links...
    assert written_paths(run, server) == ALL_ARTICLES  # ...never written
    # Every page is a candidate: the 12 articles are written, the home and category pages
    # judged not articles; /admin/bai-nhap-109998.html is refused by robots.txt.
    summary = re.search(r"discovered=(\d+) fetched=(\d+) written=12 not_article=(\d+)", run.stderr)
    assert summary, run.stderr
    assert int(summary.group(3)) >= 3 and "robots=1" in run.stderr


def test_disallowed_and_offsite_urls_are_never_requested(start_url_crawl):
    server, run = start_url_crawl
    requests = server.requests()
    assert requests, "the server saw no request"
    assert not [r for r in requests if r["path"].startswith(("/admin/", "/tim-kiem"))]
    assert {r["host"] for r in requests} == {server.base.removeprefix("http://")}  # never localhost:PORT
    assert "robots=1" in run.stderr  # /admin/bai-nhap-109998.html, an article URL, refused by robots.txt
    assert all(r["user-agent"].startswith("newsclean/") for r in requests)


def test_parquet_text_is_the_article_text(start_url_crawl):
    server, run = start_url_crawl
    rows = {row["url"].removeprefix(server.base): row for row in run.rows()}
    titles = {a.title for a in ARTICLES}
    for article in ARTICLES:
        row = rows[article_path(article)]
        assert row["title"] == article.title
        for paragraph in article.paragraphs:
            assert paragraph.split(". ")[0] in row["text"]
        for boilerplate in ("Tin liên quan", "Đọc thêm", "Bình luận", "Gửi bình luận", "Giấy phép", "Trang chủ"):
            assert boilerplate not in row["text"]
        for other in titles - {article.title}:
            assert other not in row["text"], f"related headline in {article.id}"
        assert row["language"] == "vi"
        assert row["fetched_at"] is not None and row["fetched_at"].utcoffset().total_seconds() == 0
        assert row["source"] == server.base + article_path(article)


def test_overlapping_sitemaps_discover_each_article_once() -> None:
    """Scrapy reads callback output lazily: the requests of a sitemap are claimed before the
    next sitemap listing the same URLs (a news sitemap beside the full one) is read."""
    from scrapy.utils.test import get_crawler

    from crawler.spiders.news import NewsSpider

    crawler = get_crawler(NewsSpider, {"NEWSCLEAN_FOLLOW_DEPTH": 1, "NEWSCLEAN_MAX_PAGES_PER_SITE": 100})
    spider = NewsSpider.from_crawler(crawler, site="http://127.0.0.1:8000/")
    crawler.spider = spider
    crawler.stats.open_spider()
    site = spider.sites[0]
    pages = [(f"http://127.0.0.1:8000/tin/bai-so-{n}-1000{n}.html", None) for n in range(10)]
    from_full = iter(spider.page_requests(site, pages, "sitemap", hops=0))
    next(from_full)  # Scrapy has taken one request of the first sitemap so far
    from_news = list(spider.page_requests(site, pages, "sitemap", hops=0))
    assert from_news == [] and len(list(from_full)) == 9
    assert crawler.stats.get_value(f"newsclean/{site.name}/discovered") == 10


def test_progress_shows_rows_cleaned_before_their_file_commits(tmp_path, serve):
    """``written`` counts rows whose file is committed; ``cleaned`` shows the rows on their way."""
    server = serve([{"path": r"-1010\d\d\.html$", "delay": 0.15}])
    run = crawl_site(tmp_path, server, {"NEWSCLEAN_PROGRESS_INTERVAL": "0.25", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"},
                     sitemaps=["{BASE}/sitemap.xml"])
    progress = re.findall(r"progress \S+ discovered=\d+ fetched=\d+ written=(\d+) .*?cleaned=(\d+)", run.stderr)
    assert any(int(written) == 0 and int(cleaned) > 0 for written, cleaned in progress), run.stderr[-3000:]
    assert re.search(r"written=12 not_article=\d+ link_pages=\d+ cleaned=12", run.stderr)
