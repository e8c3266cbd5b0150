from __future__ import annotations

from collections import Counter

from crawler.stats import count, crawl_key, format_site, site_counts, site_key
from tests.crawler.crawler_under_test import make_crawler


def test_keys_are_built_in_one_shape():
    assert site_key("vnexpress", "skipped/robots") == "newsclean/vnexpress/skipped/robots"
    assert crawl_key("files_committed") == "newsclean/files_committed"


def test_counts_land_where_site_counts_reads_them():
    crawler = make_crawler()
    count(crawler, "a.vn", "written", 2)
    count(crawler, "a.vn", "failed/timeout")
    count(crawler, None, "files_committed")
    crawler.stats.inc_value("item_scraped_count")
    assert site_counts(crawler.stats.get_stats()) == {"a.vn": Counter({"written": 2, "failed/timeout": 1})}
    assert crawler.stats.get_value("newsclean/files_committed") == 1


def test_format_site_shows_main_keys_extras_and_reasons():
    counts = Counter({"discovered": 5, "written": 4, "duplicates": 1, "skipped/robots": 1, "cut/calendar": 2,
                      "failed/timeout": 2, "failed/http_500": 1})
    assert format_site("a.vn", counts) == ("a.vn: discovered=5 fetched=0 written=4 not_article=0 link_pages=0"
                                           " duplicates=1 cut=2 (calendar=2) skipped=1 (robots=1)"
                                           " failed=3 (http_500=1, timeout=2)")
