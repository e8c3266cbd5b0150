"""The runner's rule for a successful end and its summary; ``run_crawl`` itself is run by every
crawl test (in subprocesses: the reactor starts once per process)."""
from __future__ import annotations

import pytest

from crawler.runner import SPIDERS, CrawlResult, crawl_settings


@pytest.mark.parametrize("reason,errors,ok", [
    ("finished", [], True), ("closespider_pagecount", [], True), ("closespider_timeout", [], True),
    ("shutdown", [], False), ("did not start", [], False), ("finished", ["no such site"], False),
])
def test_one_rule_for_a_successful_end(reason, errors, ok):
    assert CrawlResult(reason, {}, errors).ok is ok


def test_summary_names_the_sites_totals_and_why_it_failed():
    stats = {"newsclean/a.vn/cleaned": 3, "newsclean/a.vn/written": 3, "newsclean/b.vn/cleaned": 1,
             "response_received_count": 9}
    lines = CrawlResult("shutdown", stats).summary("out")
    assert lines[0].startswith("a.vn: discovered=0 fetched=0 written=3") and lines[1].startswith("b.vn: ")
    assert lines[2:] == ["crawl shutdown: 4 articles cleaned, 9 responses, output out",
                         "crawl stopped before the end: run it again to resume", "crawl failed: shutdown"]
    assert CrawlResult("finished", {}, []).summary("out") == ["crawl finished: 0 articles cleaned, 0 responses, output out"]
    assert CrawlResult("did not start", {}, ["bad"]).summary("o")[-1] == "crawl failed: bad"


def test_settings_are_the_project_settings_then_the_overrides():
    settings = crawl_settings({"NEWSCLEAN_FOLLOW_DEPTH": "1"})
    assert settings.getint("NEWSCLEAN_FOLLOW_DEPTH") == 1
    assert settings.get("SPIDER_MODULES") == ["crawler.spiders"]  # from crawler.settings
    assert set(SPIDERS) == {"news", "news_redis"}
