"""Politeness, checked in the server's own request log: robots.txt rules and 5xx, Crawl-delay, Retry-After."""
from __future__ import annotations

from crawler.demo.articles import ARTICLES
from crawler.demo.build_site import article_path
from crawler.state.sqlite_ledger import SQLiteLedger
from tests.crawler.conftest import run_crawl, write_sites_file


def test_robots_5xx_means_nothing_is_fetched(tmp_path, serve):
    server = serve(faults=[{"path": r"^/robots\.txt$", "status": 500}])
    run = run_crawl([server.base + "/"], tmp_path / "out")
    assert run.returncode == 0, run.stderr[-3000:]  # the run worked; the site said no
    paths = server.paths()
    assert paths and set(paths) == {"/robots.txt"}
    assert run.rows() == []


def test_crawl_delay_spaces_requests(tmp_path, serve, site_dir):
    (site_dir / "robots.txt").write_text("User-agent: *\nCrawl-delay: 1\nDisallow: /admin/\n", encoding="utf-8")
    server = serve()
    sites = write_sites_file(tmp_path / "sites.toml", server.base, feeds=["{BASE}/rss.xml"])
    run = run_crawl(["demo"], tmp_path / "out", {"NEWSCLEAN_SITES_FILE": str(sites),
                                                 "NEWSCLEAN_MAX_PAGES_PER_SITE": "3",
                                                 "CONCURRENT_REQUESTS_PER_DOMAIN": "4"})
    assert run.returncode == 0, run.stderr[-3000:]
    times = sorted(r["t"] for r in server.requests())
    assert len(times) >= 5  # robots.txt, rss.xml, 3 articles
    gaps = [b - a for a, b in zip(times, times[1:])]
    # Scrapy's slot delay counts from when it sends a request; the server logs on arrival,
    # so allow a few milliseconds of network jitter.
    assert min(gaps) >= 0.97, gaps
    assert len(run.rows()) == 3


def test_retry_after_is_honoured(tmp_path, serve):
    target = article_path(ARTICLES[4])
    server = serve(faults=[{"path": target.replace(".", r"\.") + "$", "status": 503,
                            "headers": {"Retry-After": "2"}, "times": 1}])
    sites = write_sites_file(tmp_path / "sites.toml", server.base, feeds=["{BASE}/rss.xml"])
    run = run_crawl(["demo"], tmp_path / "out", {"NEWSCLEAN_SITES_FILE": str(sites)})
    assert run.returncode == 0, run.stderr[-3000:]
    hits = [r for r in server.requests() if r["path"] == target]
    assert [r["status"] for r in hits] == [503, 200]
    assert hits[1]["t"] - hits[0]["t"] >= 2.0
    # The whole host waited: nothing was requested after the 503 until the pause ended.
    after = [r for r in server.requests() if hits[0]["t"] < r["t"] < hits[0]["t"] + 1.9]
    assert len(after) <= 2, after  # at most what was already on the wire (2 per domain)
    assert server.base + target in {row["url"] for row in run.rows()}


def max_overlap(requests: list[dict]) -> int:
    events = sorted([(r["t"], 1) for r in requests] + [(r["done"], -1) for r in requests])
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def test_per_domain_concurrency_is_enforced(tmp_path, serve):
    # Slow articles keep requests in flight long enough to overlap if nothing held them back.
    server = serve(faults=[{"path": r"-\d+\.html$", "delay": 0.3}])
    sites = write_sites_file(tmp_path / "sites.toml", server.base, feeds=["{BASE}/rss.xml"])
    run = run_crawl(["demo"], tmp_path / "out", {"NEWSCLEAN_SITES_FILE": str(sites),
                                                 "CONCURRENT_REQUESTS_PER_DOMAIN": "2"})
    assert run.returncode == 0, run.stderr[-3000:]
    articles = [r for r in server.requests() if r["path"].endswith(".html")]
    assert len(articles) == len(ARTICLES)
    assert max_overlap(articles) == 2


def test_every_request_waiting_for_robots_txt_obeys_it(tmp_path, serve):
    """Articles re-enqueued from the ledger all wait for robots.txt at once; each must get its
    rules (Scrapy 2.19 gives them to the first waiter only: the others were fetched)."""
    rules = "User-agent: *\nDisallow: /kinh-te/\n"
    server = serve(faults=[{"path": r"^/robots\.txt$", "status": 200, "body": rules, "delay": 0.3}])
    paths = [article_path(a) for a in ARTICLES]
    with SQLiteLedger(f"{tmp_path / 'out'}.state.sqlite") as ledger:   # pending from an earlier run
        for path in paths:
            ledger.mark_discovered(server.base + path, "demo")
    sites = write_sites_file(tmp_path / "sites.toml", server.base)
    run = run_crawl(["demo"], tmp_path / "out", {"NEWSCLEAN_SITES_FILE": str(sites)})
    assert run.returncode == 0, run.stderr[-3000:]
    fetched = set(server.paths()) - {"/robots.txt"}
    assert fetched == {p for p in paths if not p.startswith("/kinh-te/")}
    assert {p for p in paths if p.startswith("/kinh-te/")} and "robots=" in run.stderr
