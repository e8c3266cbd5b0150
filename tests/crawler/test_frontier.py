"""A site's crawl frontier (crawler.frontier): which found URLs are requested, once, at the
fewest hops, as article candidates or link pages; traps, calendars and the page limit cut and
counted. The spider's use of it runs end to end in test_discovery.py and test_any_site.py."""
from __future__ import annotations

from collections import Counter

from crawler.frontier import SiteFrontier
from crawler.sites import GENERIC_DENY_PATTERNS, Site
from crawler.state.sqlite_ledger import SQLiteLedger

SITE = Site("demo", allowed_domains=("example.vn",), deny_patterns=GENERIC_DENY_PATTERNS)
ARTICLE = "https://example.vn/thoi-su/mot-bai-bao-moi-123456.html"


def frontier(**limits) -> tuple[SiteFrontier, Counter]:
    counts: Counter = Counter()
    return SiteFrontier(SITE, count=lambda key: counts.update([key]), **limits), counts


def found(*urls: str) -> list[tuple[str, None]]:
    return [(url, None) for url in urls]


def test_urls_out_of_bounds_seen_or_repeated_are_screened_out():
    f, _ = frontier()
    wanted, _ = f.screen(found(ARTICLE, ARTICLE + "#comments", "https://other.vn/a-123456.html",
                               "https://example.vn/tim-kiem?q=x", ARTICLE + "?utm_source=fb"), "link", hops=0)
    assert list(wanted) == [ARTICLE]                          # fragments and tracking cleaned: one URL
    assert f.take(ARTICLE, 0)
    assert f.screen(found(ARTICLE), "sitemap", hops=0) == ({}, [])


def test_the_route_is_the_candidates_prior_and_known_non_articles_are_link_pages():
    f, _ = frontier()
    section = "https://example.vn/the-thao/"
    assert f.candidate_route(ARTICLE, "link") == "pattern"    # the site's article pattern
    assert f.candidate_route(section, "link") == "link"
    assert f.candidate_route(section, "feed") == "feed"       # a feed's and a news sitemap's entries are articles
    f.judged(section, is_article=False)
    assert f.candidate_route(section, "link") is None         # fetched for its links only from now on
    wanted, _ = f.screen(found(section), "link", hops=f.follow_depth)
    assert wanted == {}                                        # ... and only while hops are left


def test_shapes_learned_from_earlier_runs_and_this_one(tmp_path):
    with SQLiteLedger(tmp_path / "state.sqlite") as ledger:  # what earlier runs judged not articles
        for n in range(3):
            ledger.mark_not_article(f"https://example.vn/tag/chu-de-{n}/", "demo", "listing")
        f, _ = frontier()
        f.learn_from(ledger)
    assert f.candidate_route("https://example.vn/tag/chu-de-9/", "link") is None     # that shape: link pages
    for n in range(2):
        f.judged(f"https://example.vn/p/{n}", is_article=True)                       # this run's articles
    assert f.candidate_route("https://example.vn/p/99", "link") == "pattern"


def test_traps_and_calendars_are_cut_and_counted():
    f, counts = frontier(max_calendar_pages=2)
    loop = "https://example.vn/tin/tin/tin/tin/tin/"
    days = [f"https://example.vn/archive/2025/05/{d:02d}/" for d in range(1, 6)]
    wanted, _ = f.screen(found(loop, *days), "link", hops=0)
    assert list(wanted) == days[:2]
    assert counts == {"cut/repeated_segments": 1, "cut/calendar": 3}


def test_the_page_limit_is_counted():
    f, counts = frontier(max_pages=2)
    urls = [f"https://example.vn/a-{n}-123456.html" for n in range(3)]
    assert [f.take(url, 0) for url in urls] == [True, True, False]
    assert counts == {"skipped/page_limit": 1} and f.scheduled == 2


def test_a_page_first_reached_too_deep_is_fetched_again_for_its_links():
    f, _ = frontier(follow_depth=2)
    f.take(ARTICLE, 2)                                         # reached at the last hop: links not followed
    assert f.screen(found(ARTICLE), "link", hops=0) == ({}, [ARTICLE])
    assert f.screen(found(ARTICLE), "link", hops=2) == ({}, [])


def test_an_article_is_answered_once_per_run():
    f, counts = frontier()
    assert f.first_answer(ARTICLE) and not f.first_answer(ARTICLE)
    assert counts == {"skipped/fetched_twice": 1}
