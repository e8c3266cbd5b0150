"""Crawl a news site nobody configured: articles recognised from the page and its route.

The site (``tests/crawler/newsite.py``) is built from real pages of ten languages, with articles
at five URL shapes found by seven routes among listing pages, and crawled from its home page
URL alone (no sites.toml entry, no article pattern). Every article must be written exactly
once with its text; no listing page, nothing disallowed, offsite or private requested.
"""
from __future__ import annotations

import random
import re
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.state.sqlite_ledger import SQLiteLedger
from tests.crawler.conftest import FAST, crawl_command, run_crawl
from tests.crawler.newsite import NewsSite, build_news_site, check_requests, check_rows
from tests.servers import REPO, DemoServer, wait_until


@pytest.fixture(scope="module")
def news_site(tmp_path_factory):
    """(site, main server, private-address server) for the module's crawls."""
    tmp = tmp_path_factory.mktemp("newsite")
    trap = DemoServer(tmp, tmp / "trap-requests.log", host="127.0.0.2")
    site = build_news_site(tmp / "site", trap.base)
    yield site, tmp, trap
    trap.stop()


def crawl_home(site: NewsSite, log: Path, out: Path, **server_options) -> tuple:
    """Serve ``site``, crawl it from its home page into ``out``, stop the server: (run, server)."""
    server = DemoServer(site.root, log, **server_options)
    try:
        return run_crawl([server.base + "/"], out, timeout=240), server
    finally:
        server.stop()


def test_home_page_url_finds_every_article_once(news_site):
    site, tmp, trap = news_site
    run, server = crawl_home(site, tmp / "requests.log", tmp / "out")
    assert run.returncode == 0, run.stderr[-3000:]
    rows, base = run.rows(), server.base
    check_rows(site, rows, base)
    check_requests(site, server, trap)
    assert len({r["language"] for r in rows}) >= 6
    # wcxb pages keep their cross-domain canonical link: the row's url is the page's own.
    assert sum(1 for r in rows if r["canonical_url"] and not r["canonical_url"].startswith(server.base)) >= 10
    summary = run.stderr
    assert re.search(r"not_article=([1-9]\d*)", summary)
    assert "duplicates=1" in summary  # a second URL of one article: one row, not a failure
    assert re.search(r"cut=\d+ \(.*calendar=\d+", summary) and "repeated_segments=1" in summary
    assert "failed=0" in summary and "duplicate_id" not in summary
    paths = server.paths()
    for listing in ("/", "/news/world/", "/politics/", "/news/world/page/2/"):
        assert paths.count(listing) == 1  # each page fetched once
    assert "/feeds/politics.rss" in paths and "/sitemaps/posts.xml.gz" in paths
    # The terminal: one handler (no line twice), no DEBUG lines, no stats dump (it is in the log file).
    lines = [line for line in summary.splitlines() if line[:4].isdigit()]
    assert len(lines) == len(set(lines)) and not [line for line in lines if " DEBUG " in line]
    assert "Dumping Scrapy stats" not in summary and "Dumping Scrapy stats" in run.log

    # A scheduled re-run: the pages judged not articles are known (the ledger); they are fetched
    # only when their links are wanted, never cleaned and judged again; nothing is written twice.
    rerun, server = crawl_home(site, tmp / "requests-rerun.log", tmp / "out", port=server.port)  # the same site
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert re.search(r"written=0 not_article=0 ", rerun.stderr), rerun.stderr[-2000:]
    check_rows(site, rerun.rows(), base)
    dates = [p for p in server.paths() if p.startswith("/archive/2025/") and p != "/archive/2025/05/03/"]
    assert dates == []  # date pages two hops away: known not articles, no links wanted from them


def test_hostile_pages_mixed_in_are_counted_and_the_articles_still_written(news_site):
    _, tmp, trap = news_site
    site = build_news_site(tmp / "hostile-site", trap.base, hostile=True)
    run, server = crawl_home(site, tmp / "hostile-requests.log", tmp / "hostile-out")
    assert run.returncode == 0, run.stderr[-3000:]
    check_rows(site, run.rows(), server.base)
    check_requests(site, server, trap)
    summary = run.stderr
    for reason in ("binary=2", "empty=1", "too_deep=1", "legacy_encoding=1", "too_large=1"):
        assert reason in summary, reason
    assert "gone=1" in summary  # /hostile/missing.html: a 404


def test_sigkill_during_the_crawl_then_resume(news_site):
    """Killed twice part-way, then run to the end: every article once, no listing, nothing refused asked."""
    site, tmp, trap = news_site
    server = DemoServer(site.root, tmp / "kill-requests.log", faults=[{"path": ".", "delay": 0.03}])
    out, state = tmp / "kill-out", tmp / "kill-state.sqlite"
    settings = {**FAST, "NEWSCLEAN_STATE": str(state), "NEWSCLEAN_MAX_ROWS_PER_FILE": "4"}
    command = crawl_command([server.base + "/"], out, settings)
    rng = random.Random(12)
    try:
        for _ in range(2):
            started = len(server.requests())
            process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_until(lambda: len(server.requests()) >= started + 20 or process.poll() is not None)
            time.sleep(rng.uniform(0.2, 1.5))  # then killed somewhere in the crawl
            process.kill()
            process.wait(30)
        run = run_crawl([server.base + "/"], out, {"NEWSCLEAN_STATE": str(state)}, timeout=240)
    finally:
        server.stop()
    assert run.returncode == 0, run.stderr[-3000:]
    check_rows(site, run.rows(), server.base)
    check_requests(site, server, trap)
    with SQLiteLedger(state) as ledger:
        stats = ledger.stats()
        assert ledger.verify(out) == [] and stats.invariant_holds() and stats.pending == 0, stats
        assert stats.failures == {"robots": 1}  # the disallowed article; the listing pages are not failures
        assert len(ledger.not_articles(urlsplit(server.base).netloc)) >= 5
